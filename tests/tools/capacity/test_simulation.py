"""The second-by-second run against closed forms: token buckets, a queue growing at the rate
over the processor's, first-in-first-out ages, and the batching window."""

from __future__ import annotations

import pytest

from tests.tools.capacity.shapes import pipeline
from tools.benchmarks import batch_latency
from tools.capacity.quotas import quotas_for
from tools.capacity.simulation import simulate

IRELAND = quotas_for("eu-west-1")
SECONDS = 600


def test_the_api_admits_its_burst_once_then_its_rate() -> None:
    run = simulate(pipeline(api_rate=20, api_burst=40), IRELAND, rate=30, seconds=SECONDS)

    admitted = sum(second.requests - second.throttled for second in run.timeline)

    assert admitted == pytest.approx(20 * SECONDS + 40)
    assert run.timeline[-1].throttled == pytest.approx(10)


def test_below_every_limit_nothing_waits_and_everything_is_announced() -> None:
    run = simulate(pipeline(), IRELAND, rate=10, seconds=SECONDS)

    assert all(second.queue_backlog == 0 for second in run.timeline)
    assert all(second.stream_backlog == 0 for second in run.timeline)
    assert sum(second.announced for second in run.timeline) == pytest.approx(10 * SECONDS)


def test_over_the_processor_the_queue_grows_by_the_difference_and_ages_first_in_first_out() -> None:
    # One order per batch and two batches at a time: 200 orders/s, below Lambda's first 5.
    processor = 2 / batch_latency.LATENCY_SECONDS
    rate = 2 * processor
    run = simulate(
        pipeline(api_rate=None, api_burst=None, batch_size=1, concurrency=2),
        IRELAND,
        rate=rate,
        seconds=SECONDS,
    )
    last = run.timeline[-1]

    assert last.queue_backlog == pytest.approx((rate - processor) * SECONDS)
    # Half of what arrived is stored: the oldest waiting order arrived half-way through.
    assert last.queue_age == pytest.approx(SECONDS / 2, abs=1)
    assert last.processed == pytest.approx(processor)


def test_a_batching_window_holds_a_short_batch_until_it_passes() -> None:
    run = simulate(pipeline(batch_size=25, window=2), IRELAND, rate=5, seconds=SECONDS)

    assert max(second.queue_age for second in run.timeline) == 1
    assert run.timeline[-1].queue_backlog == pytest.approx(10)


def test_the_processor_scales_up_as_lambda_adds_batches() -> None:
    # No maximum concurrency: Lambda starts at 5 concurrent batches and adds 300 a minute.
    run = simulate(
        pipeline(api_rate=None, api_burst=None, batch_size=1, concurrency=None),
        IRELAND,
        rate=5_000,
        seconds=SECONDS,
    )
    per_batch = 1 / batch_latency.LATENCY_SECONDS

    assert run.timeline[0].processed == pytest.approx(5 * per_batch)
    assert run.timeline[6].processed == pytest.approx((5 + 300 * 6 / 60) * per_batch)
    # 50 batches take the 5,000 a second; more drain what waited meanwhile.
    assert run.timeline[-1].queue_backlog == 0
    assert run.timeline[-1].processed == pytest.approx(5_000)


def test_over_the_notifier_the_stream_backs_up() -> None:
    run = simulate(
        pipeline(api_rate=None, api_burst=None, concurrency=100), IRELAND, rate=800, seconds=SECONDS
    )
    last = run.timeline[-1]

    assert last.queue_backlog == 0
    assert last.announced == pytest.approx(400)
    assert last.stream_backlog == pytest.approx(400 * SECONDS)
    assert last.stream_age == pytest.approx(SECONDS / 2, abs=1)
