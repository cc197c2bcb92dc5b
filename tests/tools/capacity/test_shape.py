"""The model's settings come from the program run for the stack, config keys and all."""

from __future__ import annotations

import pytest

from components import cloudwatch_metrics as cw
from tools.capacity.model import capacity
from tools.capacity.quotas import quotas_for
from tools.capacity.shape import Part, PipelineShape, load_shape
from tools.pulumi_mocks.program import stack_config


@pytest.fixture(scope="module")
def dev() -> PipelineShape:
    return load_shape("dev")


@pytest.fixture(scope="module")
def prod() -> PipelineShape:
    return load_shape("prod")


def test_prod_sustains_more_than_dev(dev: PipelineShape, prod: PipelineShape) -> None:
    dev_rate = capacity(dev, quotas_for(dev.region)).sustainable
    prod_rate = capacity(prod, quotas_for(prod.region)).sustainable

    assert prod_rate > dev_rate > 0


def test_the_stack_files_settings_reach_the_model(prod: PipelineShape) -> None:
    config = stack_config("prod")

    assert prod.region == config["aws:region"]
    assert prod.processor.batch_size == int(config["order-pipeline:batchSize"])
    assert prod.processor.batching_window_seconds == int(
        config["order-pipeline:batchingWindowSeconds"]
    )


def test_config_keys_laid_over_the_stack_reach_the_model() -> None:
    shape = load_shape(
        "dev",
        {
            "order-pipeline:processorMaxConcurrency": "7",
            "order-pipeline:apiThrottlingRateLimit": "123",
            "order-pipeline:notifierBatchSize": "250",
            "order-pipeline:queueAgeAlarmSeconds": "420",
        },
    )
    queue_age = next(
        rule
        for rule in shape.alarms
        if any(metric.name == cw.OLDEST_MESSAGE_AGE for metric in rule.metrics.values())
    )

    assert shape.processor.maximum_concurrency == 7
    assert shape.api.rate_limit == 123
    assert shape.notifier.batch_size == 250
    assert queue_age.threshold == 420


def test_every_alarm_is_read_with_where_its_metrics_come_from(dev: PipelineShape) -> None:
    parts = {metric.name: metric.part for rule in dev.alarms for metric in rule.metrics.values()}

    assert dev.alarms
    assert all(rule.name.startswith("order-pipeline-dev-") for rule in dev.alarms)
    assert parts[cw.OLDEST_MESSAGE_AGE] == Part.QUEUE
    assert parts[cw.ITERATOR_AGE] == Part.NOTIFIER
    assert parts[cw.THROTTLED_REQUESTS] == Part.TABLE
    assert parts[cw.REQUESTS] == Part.API


def test_the_encryption_that_calls_kms_is_read(dev: PipelineShape) -> None:
    assert dev.topics_published == 1
    assert dev.encrypted_topics == 1
    assert dev.table_uses_kms
    assert not dev.queue_uses_kms
