"""Each stage's limit in closed form, the sustainable rate monotonic in every setting and
quota, and the bottleneck moving on when its own setting is raised."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.test_docs import keys_the_program_reads
from tests.tools.capacity.shapes import pipeline
from tools.benchmarks import batch_latency
from tools.capacity.model import Capacity, capacity
from tools.capacity.quotas import Quotas, quotas_for
from tools.capacity.shape import PipelineShape
from tools.capacity.stages import Stage

IRELAND = quotas_for("eu-west-1")


def open_pipeline(**settings: Any) -> PipelineShape:
    """A pipeline whose API stage does not throttle: only the account's quota holds it."""
    return pipeline(api_rate=None, api_burst=None, **settings)


def stage(result: Capacity, name: str) -> Stage:
    return next(stage for stage in result.stages if stage.name == name)


def test_the_api_stage_takes_its_throttle_rate() -> None:
    result = capacity(pipeline(api_rate=20, api_burst=40), IRELAND)

    assert stage(result, "API stage throttle").orders_per_second == 20
    assert "apiThrottlingRateLimit" in stage(result, "API stage throttle").limit


def test_the_processor_takes_concurrency_times_batch_over_one_round_trip_for_tiny_batches() -> None:
    # One order per batch costs less than a round trip: the batch takes one round trip.
    result = capacity(pipeline(batch_size=1, concurrency=2), IRELAND)

    assert stage(result, "processor").orders_per_second == pytest.approx(
        2 * 1 / batch_latency.LATENCY_SECONDS
    )


def test_the_processor_spends_the_benchmark_budget_per_order_on_full_batches() -> None:
    result = capacity(pipeline(batch_size=batch_latency.BATCH, concurrency=3), IRELAND)

    # A benchmark-sized batch takes exactly the benchmark's budget.
    assert stage(result, "processor").orders_per_second == pytest.approx(
        3 * batch_latency.BATCH / (batch_latency.TARGET_MS / 1000)
    )


def test_a_notifier_shard_is_paced_by_four_polls_a_second_when_its_batches_are_quick() -> None:
    # 100 records are 10 PublishBatch calls of 10 ms: shorter than a quarter second.
    result = capacity(pipeline(notifier_batch=100, factor=1), IRELAND)

    assert stage(result, "notifier").orders_per_second == pytest.approx(100 * 4)


def test_a_notifier_that_takes_a_full_partition_per_shard_never_limits_the_rate() -> None:
    result = capacity(pipeline(notifier_batch=100, factor=3), IRELAND)

    assert stage(result, "notifier").orders_per_second is None


@pytest.mark.parametrize(
    ("region", "publishes", "api_rate"),
    [
        ("us-east-1", 30_000, 10_000),
        ("eu-west-1", 9_000, 10_000),
        ("ap-south-1", 1_500, 10_000),
        ("af-south-1", 1_500, 2_500),
    ],
)
def test_regional_quotas_follow_the_region(region: str, publishes: int, api_rate: int) -> None:
    result = capacity(pipeline(region=region), quotas_for(region))

    assert stage(result, "SNS publish").orders_per_second == publishes
    assert stage(result, "API account throttle").orders_per_second == api_rate


def test_kms_calls_do_not_grow_with_orders() -> None:
    result = capacity(pipeline(), IRELAND)

    assert stage(result, "KMS").orders_per_second is None
    assert "SQS-managed keys" in stage(result, "KMS").limit


def test_one_busy_customer_is_reported_but_does_not_set_the_pipeline_rate() -> None:
    result = capacity(open_pipeline(concurrency=1000, factor=10), IRELAND)
    customer = stage(result, "customer index, one busy customer")

    assert customer.per_customer
    assert customer.orders_per_second is not None
    assert result.sustainable > customer.orders_per_second


SHAPE_SETTINGS: dict[str, Callable[[int], PipelineShape]] = {
    "apiThrottlingRateLimit": lambda value: pipeline(api_rate=value * 10, api_burst=40),
    "batchSize": lambda value: open_pipeline(batch_size=value, window=1),
    "processorMaxConcurrency": lambda value: open_pipeline(
        batch_size=1, concurrency=value + 1, factor=3
    ),
    "notifierBatchSize": lambda value: open_pipeline(concurrency=100, notifier_batch=value * 40),
    "parallelization factor": lambda value: open_pipeline(concurrency=100, factor=value),
}
# Each quota swept over a range where it is the one that binds.
QUOTAS: dict[str, Callable[[int], Quotas]] = {
    "api_account_rate": lambda value: IRELAND.with_value("api_account_rate", value * 500),
    "lambda_concurrency": lambda value: IRELAND.with_value("lambda_concurrency", 10 + value),
    "table_write_units": lambda value: IRELAND.with_value("table_write_units", value * 500),
    "sns_publish": lambda value: IRELAND.with_value("sns_publish", value * 500),
}
STEPS = range(1, 11)


@pytest.mark.parametrize("setting", sorted(SHAPE_SETTINGS))
def test_raising_a_setting_never_lowers_the_sustainable_rate(setting: str) -> None:
    rates = [capacity(SHAPE_SETTINGS[setting](step), IRELAND).sustainable for step in STEPS]

    assert rates == sorted(rates)
    assert rates[-1] > rates[0], f"{setting} never moved the rate: a test of nothing"


@pytest.mark.parametrize("quota", sorted(QUOTAS))
def test_raising_a_quota_never_lowers_the_sustainable_rate(quota: str) -> None:
    unthrottled = open_pipeline(concurrency=1000, factor=10)
    rates = [capacity(unthrottled, QUOTAS[quota](step)).sustainable for step in STEPS]

    assert rates == sorted(rates)
    assert rates[-1] > rates[0], f"{quota} never moved the rate: a test of nothing"


def test_the_bottleneck_moves_on_when_its_setting_is_raised() -> None:
    throttled = capacity(pipeline(api_rate=20), IRELAND)
    assert throttled.first_bottleneck.name == "API stage throttle"

    api_raised = capacity(pipeline(api_rate=5_000, api_burst=5_000), IRELAND)
    assert api_raised.first_bottleneck.name == "notifier"
    assert api_raised.sustainable > throttled.sustainable

    notifier_raised = capacity(pipeline(api_rate=5_000, api_burst=5_000, factor=3), IRELAND)
    assert notifier_raised.first_bottleneck.name == "processor"
    assert notifier_raised.sustainable > api_raised.sustainable

    processor_raised = capacity(
        pipeline(api_rate=5_000, api_burst=5_000, factor=3, concurrency=1000), IRELAND
    )
    assert processor_raised.first_bottleneck.name == "API stage throttle"
    assert processor_raised.sustainable == 5_000


def test_the_bottleneck_names_the_setting_it_comes_from() -> None:
    result = capacity(open_pipeline(concurrency=2, batch_size=1), IRELAND)

    assert result.first_bottleneck.name == "processor"
    assert "processorMaxConcurrency" in result.first_bottleneck.limit
    assert "batchSize" in result.first_bottleneck.limit


CONFIG_KEY = re.compile(r"\b[a-z]+(?:[A-Z][a-z]+)+\b")


def test_every_config_key_a_limit_names_is_one_the_program_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = capacity(pipeline(), IRELAND)
    named = {key for stage in result.stages for key in CONFIG_KEY.findall(stage.limit)}

    assert {"apiThrottlingRateLimit", "batchSize", "processorMaxConcurrency"} <= named
    assert named <= keys_the_program_reads("prod", monkeypatch)
