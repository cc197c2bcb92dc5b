"""Faults injected into the handlers on moto, with Lambda's event-source semantics: every
order ends stored or in the DLQ, every stored change is announced or given up with its
place in the stream, and each fault really fired."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from handlers import contract
from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT
from tools.ops.dead_letters import RETRIES_EXHAUSTED
from tools.reliability import faults, scenarios
from tools.reliability.figures import Figures

# A notifier invocation that fails before it publishes has no metric to flush; Powertools
# warns about it, as it would in the function's log.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


@pytest.fixture(scope="module", autouse=True)
def lambda_environment() -> Iterator[None]:
    """As inside Lambda (tools/aws_doubles/moto_setup.py): the handlers keep this thread's
    event loop."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_AWS_ENVIRONMENT.items():
            patch.setenv(name, value)
        yield


def _accepted(figures: Figures) -> int:
    return figures.sent - figures.refused


def _every_order_stored_and_announced_once(figures: Figures) -> None:
    assert figures.stored == _accepted(figures)
    assert figures.dead_lettered == 0
    assert figures.notifications_published == figures.notifications_expected == figures.stored
    assert figures.notifications_duplicated == 0


def _one_order_redriven_after_its_retries(figures: Figures) -> None:
    assert figures.dead_letter_reasons == {RETRIES_EXHAUSTED: 1}
    assert figures.stored == _accepted(figures) - 1
    assert figures.notifications_published == figures.stored


def _rejections_dead_lettered_with_their_reasons(figures: Figures) -> None:
    assert figures.dead_letter_reasons == {"INVALID_JSON": 1, "SCHEMA_VIOLATION": 1}
    assert figures.stored == figures.notifications_published == _accepted(figures) - 2


def _duplicates_stored_once(figures: Figures) -> None:
    # The orders, one of them sent twice, and a conflicting order under a taken id.
    assert figures.dead_letter_reasons == {"CONFLICTING_DUPLICATE": 1}
    expected = scenarios.ORDERS_PER_SCENARIO
    assert figures.notifications_published == figures.notifications_expected == expected
    assert figures.notifications_duplicated == 0


def _only_the_refused_order_given_up(figures: Figures) -> None:
    assert figures.notifications_expected == figures.stored
    assert figures.notifications_published == figures.notifications_expected - 1
    # Its record, and those after it in the batch Lambda gave up; the latter were announced.
    assert figures.notifications_given_up >= 1


def _whole_batch_given_up_to_the_failure_queue(figures: Figures) -> None:
    assert figures.notifications_published == 0
    assert figures.notifications_given_up == figures.notifications_expected == figures.stored


def _only_the_bad_record_given_up(figures: Figures) -> None:
    assert figures.notifications_given_up == 1
    assert figures.notifications_published == figures.notifications_expected == figures.stored


EXPECTATIONS: dict[Callable[[], Figures], Callable[[Figures], None]] = {
    scenarios.dynamodb_throttling: _every_order_stored_and_announced_once,
    scenarios.dynamodb_server_errors: _one_order_redriven_after_its_retries,
    scenarios.crash_midway_through_a_batch: _every_order_stored_and_announced_once,
    scenarios.dead_letter_queue_unavailable: _rejections_dead_lettered_with_their_reasons,
    scenarios.delivered_twice: _duplicates_stored_once,
    scenarios.delivered_concurrently: _every_order_stored_and_announced_once,
    scenarios.poison_message: _one_order_redriven_after_its_retries,
    scenarios.sns_outage: _every_order_stored_and_announced_once,
    scenarios.sns_refuses_entries: _every_order_stored_and_announced_once,
    scenarios.sns_refuses_an_order_for_good: _only_the_refused_order_given_up,
    scenarios.sns_down_past_retries: _whole_batch_given_up_to_the_failure_queue,
    scenarios.stream_batch_failing_repeatedly: _only_the_bad_record_given_up,
}


def test_every_fault_scenario_has_its_expectations() -> None:
    assert set(EXPECTATIONS) == set(scenarios.FAULT_SCENARIOS)


@pytest.mark.parametrize("scenario", scenarios.FAULT_SCENARIOS, ids=lambda s: s.__name__)
def test_a_fault_loses_nothing(scenario: Callable[[], Figures]) -> None:
    figures = scenario()

    assert figures.faults > 0, "the fault never fired: the scenario proves nothing"
    assert figures.holds, figures.problems
    assert figures.lost == figures.notifications_lost == 0
    EXPECTATIONS[scenario](figures)


def test_which_writes_fail_does_not_depend_on_how_the_writer_threads_interleave() -> None:
    """GIVEN two orders written twice each, WHEN their writes come in either interleaving,
    THEN each order's first write fails and its second goes through, in both."""

    def outcomes(order_ids: list[str]) -> list[tuple[str, bool]]:
        decide = faults.every_other_write(faults.internal_error("PutItem"))
        return sorted(
            (order_id, decide(call, {"Item": {contract.ORDER_KEY: {"S": order_id}}}) is None)
            for call, order_id in enumerate(order_ids, start=1)
        )

    assert outcomes(["a", "b", "a", "b"]) == outcomes(["a", "a", "b", "b"])
    assert outcomes(["a", "a", "b", "b"]) == [("a", False), ("a", True), ("b", False), ("b", True)]
