"""Alarms evaluated over a simulated run: M of N periods, missing data, metric math; the
stack's own queue-age alarm firing over the processor's rate and nothing at a low rate."""

from __future__ import annotations

import dataclasses

import pytest

from components import cloudwatch_metrics as cw
from tests.tools.capacity.shapes import QUEUE_AGE_ALARM, pipeline
from tools.capacity.alarms import evaluate, evaluate_alarm, evaluate_alarms, period_values
from tools.capacity.quotas import quotas_for
from tools.capacity.shape import AlarmRule, PipelineShape, load_shape
from tools.capacity.simulation import Run, simulate

IRELAND = quotas_for("eu-west-1")
OVER_PROCESSOR = {"apiThrottlingRateLimit": "1000", "batchSize": "1"}


def run_at(rate: float, seconds: int, shape: PipelineShape | None = None) -> Run:
    shape = shape or pipeline(api_rate=None, api_burst=None, batch_size=1, concurrency=2)
    return simulate(shape, IRELAND, rate, seconds)


def test_metric_math_reads_the_stacks_expressions() -> None:
    rate = "IF(requests >= 20, 100 * errors / requests, 0)"

    assert evaluate(rate, {"requests": 200, "errors": 50}) == 25
    assert evaluate(rate, {"requests": 10, "errors": 10}) == 0
    assert evaluate("SUM([a, b, c])", {"a": 1, "b": 2, "c": 4}) == 7
    assert evaluate("errors / requests", {"requests": 0, "errors": 0}) is None
    with pytest.raises(ValueError, match="does not read"):
        evaluate("METRICS()", {})


def test_periods_take_their_statistic_and_have_no_value_without_data() -> None:
    series: list[float | None] = [1, 5, None, None, 2, 2]

    assert period_values(series, "Maximum", 2) == [5, None, 2]
    assert period_values(series, "Sum", 3) == [6, 4]
    assert period_values(series, "p99", 6) == [5]


def test_an_alarm_fires_once_m_of_n_periods_breach() -> None:
    # The queue ages half a second a second: 300 s old (the threshold) at 600 s, so periods
    # 10, 11 and 12 (ending 660, 720, 780 s) are the first three to breach.
    outcome = evaluate_alarm(QUEUE_AGE_ALARM, run_at(400, 1_200), batch_size=1)

    assert outcome.simulated
    assert outcome.fires_at == 780


def test_an_alarm_on_a_metric_the_model_has_not_is_not_simulated() -> None:
    latency = dataclasses.replace(
        QUEUE_AGE_ALARM,
        metrics={
            "latency": dataclasses.replace(
                QUEUE_AGE_ALARM.metrics["queue-age"], namespace=cw.API_NAMESPACE, name=cw.LATENCY
            )
        },
    )

    outcome = evaluate_alarm(latency, run_at(400, 600), batch_size=1)

    assert not outcome.simulated
    assert outcome.fires_at is None


@pytest.fixture(scope="module")
def dev_over_its_processor() -> PipelineShape:
    """dev with the API opened up and one order per batch: the processor takes 200 a second."""
    return load_shape(
        "dev", {f"order-pipeline:{key}": value for key, value in OVER_PROCESSOR.items()}
    )


def queue_age_rule(shape: PipelineShape) -> AlarmRule:
    return next(
        rule
        for rule in shape.alarms
        if any(metric.name == cw.OLDEST_MESSAGE_AGE for metric in rule.metrics.values())
    )


def test_over_the_processors_rate_the_stacks_queue_age_alarm_fires(
    dev_over_its_processor: PipelineShape,
) -> None:
    shape = dev_over_its_processor
    run = simulate(shape, IRELAND, rate=400, seconds=3_600)

    firing = {
        outcome.rule.name
        for outcome in evaluate_alarms(shape.alarms, run, shape.processor.batch_size)
        if outcome.fires_at is not None
    }

    assert queue_age_rule(shape).name in firing


def test_at_a_low_rate_no_alarm_fires(dev_over_its_processor: PipelineShape) -> None:
    shape = dev_over_its_processor
    run = simulate(shape, IRELAND, rate=5, seconds=3_600)

    outcomes = evaluate_alarms(shape.alarms, run, shape.processor.batch_size)

    assert [outcome.rule.name for outcome in outcomes if outcome.fires_at is not None] == []
    latency = {
        rule.name
        for rule in shape.alarms
        if any(metric.name == cw.LATENCY for metric in rule.metrics.values())
    }
    assert {outcome.rule.name for outcome in outcomes if not outcome.simulated} == latency
