"""The pipeline's alarms: one symptom each, on the metric CloudWatch really emits for it.

Every alarm states what a period without datapoints means. AWS services publish most of
these metrics only while something happens, so for counts of failures a gap is good news;
for latencies a gap is no news, and the alarm keeps its state until traffic proves otherwise.
"""

from __future__ import annotations

from components import cloudwatch_metrics as cw
from components.alarms import AlarmBuilder, Comparison, Condition, Evaluation, MissingData
from components.monitoring_args import MonitoringArgs


def create_pipeline_alarms(alarms: AlarmBuilder, args: MonitoringArgs) -> None:
    settings = args.settings
    sustained = Evaluation(
        settings.period_seconds, settings.evaluation_periods, settings.datapoints_to_alarm
    )
    # One message in a failure queue is already an order or an event that needs a person;
    # waiting for more datapoints would only delay the page.
    at_once = Evaluation(settings.period_seconds, 1, 1)
    _queue_alarms(alarms, args, sustained, at_once)
    _processor_alarms(alarms, args, sustained)
    _notifier_alarms(alarms, args, sustained, at_once)
    _api_alarms(alarms, args, sustained)
    _table_alarms(alarms, args, sustained)
    # SNS counts a failure only once it stops retrying a subscriber: that event is lost to it.
    alarms.on_metric(
        "events-notifications-failed",
        "Order events SNS gave up delivering; check the subscribers and their DLQs",
        cw.topic(cw.NOTIFICATIONS_FAILED, args.notifier.topic_name),
        Condition(1, Comparison.AT_LEAST, MissingData.NOT_BREACHING, at_once),
    )


def _queue_alarms(
    alarms: AlarmBuilder, args: MonitoringArgs, sustained: Evaluation, at_once: Evaluation
) -> None:
    # SQS stops reporting only for an inactive queue, and a queue holding messages stays
    # active: a gap means the DLQ is empty.
    alarms.on_metric(
        "dead-letter-queue-not-empty",
        "Orders in the DLQ: rejected (see the rejectionReason attribute) or retried too often",
        cw.queue(cw.VISIBLE_MESSAGES, args.queue.dead_letter_queue_name),
        Condition(0, Comparison.ABOVE, MissingData.NOT_BREACHING, at_once),
    )
    # The age is reported only while the queue holds messages; an idle queue has no backlog.
    alarms.on_metric(
        "queue-oldest-message-age",
        "Orders wait too long in the queue: the processor is failing, throttled or too slow",
        cw.queue(cw.OLDEST_MESSAGE_AGE, args.queue.queue_name),
        Condition(
            args.settings.queue_age_seconds,
            Comparison.AT_LEAST,
            MissingData.NOT_BREACHING,
            sustained,
        ),
    )


def _processor_alarms(alarms: AlarmBuilder, args: MonitoringArgs, sustained: Evaluation) -> None:
    settings = args.settings
    name = args.queue.processor_function_name
    # Lambda reports these only for periods with invocations: none means none failed.
    alarms.on_metric(
        "processor-errors",
        "Processor invocations failed as a whole (crash or timeout); the batch is retried",
        cw.function(cw.ERRORS, name),
        Condition(
            settings.function_errors, Comparison.AT_LEAST, MissingData.NOT_BREACHING, sustained
        ),
    )
    alarms.on_metric(
        "processor-throttles",
        "Processor invocations throttled: the account's concurrency is exhausted",
        cw.function(cw.THROTTLES, name),
        Condition(settings.throttles, Comparison.AT_LEAST, MissingData.NOT_BREACHING, sustained),
    )
    near_timeout_ms = (
        args.queue.processor_timeout_seconds
        * cw.MILLISECONDS
        * settings.duration_percent_of_timeout
        / 100
    )
    # No invocations say nothing about speed: keep the last state until new data shows it.
    alarms.on_metric(
        "processor-duration-near-timeout",
        f"Processor p99 duration is at {settings.duration_percent_of_timeout}% of its "
        f"{args.queue.processor_timeout_seconds} s timeout; timeouts retry whole batches",
        cw.function(cw.DURATION, name, "p99"),
        Condition(near_timeout_ms, Comparison.AT_LEAST, MissingData.IGNORE, sustained),
    )


def _notifier_alarms(
    alarms: AlarmBuilder, args: MonitoringArgs, sustained: Evaluation, at_once: Evaluation
) -> None:
    settings = args.settings
    name = args.notifier.function_name
    alarms.on_metric(
        "notifier-errors",
        "Notifier invocations failed; the stream batch is retried, then bisected",
        cw.function(cw.ERRORS, name),
        Condition(
            settings.function_errors, Comparison.AT_LEAST, MissingData.NOT_BREACHING, sustained
        ),
    )
    # Reported with every batch, retried ones included; an idle stream has nothing waiting.
    alarms.on_metric(
        "notifier-iterator-age",
        "Status changes wait too long in the table stream before being announced",
        cw.function(cw.ITERATOR_AGE, name, "Maximum"),
        Condition(
            settings.iterator_age_seconds * cw.MILLISECONDS,
            Comparison.AT_LEAST,
            MissingData.NOT_BREACHING,
            sustained,
        ),
    )
    alarms.on_metric(
        "notifier-failures-not-empty",
        "Stream records the notifier gave up on are waiting in its failure queue",
        cw.queue(cw.VISIBLE_MESSAGES, args.notifier.failure_queue_name),
        Condition(0, Comparison.ABOVE, MissingData.NOT_BREACHING, at_once),
    )


def _api_alarms(alarms: AlarmBuilder, args: MonitoringArgs, sustained: Evaluation) -> None:
    settings = args.settings
    requests = cw.rest_api(cw.REQUESTS, args.api.api_name, args.api.stage_name)
    # A rate over a handful of requests is noise: below the minimum the rate counts as 0.
    rate = f"IF(requests >= {settings.api_minimum_requests}, 100 * errors / requests, 0)"
    for errors, percent, kind in (
        (cw.SERVER_ERRORS, settings.api_5xx_percent, "5xx"),
        (cw.CLIENT_ERRORS, settings.api_4xx_percent, "4xx"),
    ):
        # API Gateway reports nothing for a period without requests: no requests, no errors.
        alarms.on_expression(
            f"api-{kind}-rate",
            f"Percentage of API requests answered {kind}",
            rate,
            {
                "requests": requests,
                "errors": cw.rest_api(errors, args.api.api_name, args.api.stage_name),
            },
            Condition(percent, Comparison.AT_LEAST, MissingData.NOT_BREACHING, sustained),
        )
    # No requests say nothing about speed: keep the last state until new data shows it.
    alarms.on_metric(
        "api-p99-latency",
        "API p99 latency is high",
        cw.rest_api(cw.LATENCY, args.api.api_name, args.api.stage_name, "p99"),
        Condition(settings.api_latency_ms, Comparison.AT_LEAST, MissingData.IGNORE, sustained),
    )


def _table_alarms(alarms: AlarmBuilder, args: MonitoringArgs, sustained: Evaluation) -> None:
    for name, metric, threshold, description in (
        ("table-throttled-requests", cw.THROTTLED_REQUESTS, args.settings.throttles, "throttled"),
        # DynamoDB's own server errors: the SDK retries them, M of N filters single blips.
        ("table-system-errors", cw.SYSTEM_ERRORS, 1, "failed by DynamoDB itself"),
    ):
        per_operation = {
            f"{metric.lower()}_{operation.lower()}": cw.table_operation(
                metric, args.store.table_name, operation
            )
            for operation in cw.TABLE_OPERATIONS
        }
        # DynamoDB reports these only when they happen: a gap is a period without any.
        alarms.on_expression(
            name,
            f"Order table requests {description}, all operations together",
            f"SUM([{', '.join(per_operation)}])",
            per_operation,
            Condition(threshold, Comparison.AT_LEAST, MissingData.NOT_BREACHING, sustained),
        )
