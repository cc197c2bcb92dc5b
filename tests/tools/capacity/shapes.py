"""Pipeline shapes written out by hand, so a model test changes one setting at a time without
running the program; tests/tools/capacity/test_shape.py checks the program's own are read."""

from __future__ import annotations

from tools.capacity.shape import (
    AlarmRule,
    ApiThrottle,
    Part,
    PipelineShape,
    QueueTrigger,
    StreamTrigger,
    WatchedMetric,
)

QUEUE_AGE_ALARM = AlarmRule(
    name="queue-age",
    threshold=300,
    comparison="GreaterThanOrEqualToThreshold",
    period_seconds=60,
    evaluation_periods=5,
    datapoints_to_alarm=3,
    treat_missing_data="notBreaching",
    metrics={
        "queue-age": WatchedMetric(
            "AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", Part.QUEUE
        )
    },
    expression=None,
)


def pipeline(
    *,
    region: str = "eu-west-1",
    api_rate: float | None = 20,
    api_burst: float | None = 40,
    batch_size: int = 10,
    window: int = 0,
    concurrency: int | None = 2,
    notifier_batch: int = 100,
    factor: int = 1,
    alarms: tuple[AlarmRule, ...] = (QUEUE_AGE_ALARM,),
) -> PipelineShape:
    return PipelineShape(
        stack="test",
        region=region,
        api=ApiThrottle(api_rate, api_burst),
        processor=QueueTrigger(batch_size, window, concurrency),
        notifier=StreamTrigger(notifier_batch, 0, factor),
        table_indexes=1,
        topics_published=1,
        encrypted_topics=1,
        table_uses_kms=True,
        queue_uses_kms=False,
        alarms=alarms,
    )
