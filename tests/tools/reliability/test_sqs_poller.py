"""The fault scenarios' SQS poller: the local run's event source, drained on the caller's
thread (tests/sqs_fakes.py stands in for the queue and the processor)."""

from __future__ import annotations

import pytest

from tests.sqs_fakes import QUEUE_ARN, QUEUE_URL, FakeFunction, FakeQueue, queue_mapping, reporting
from tools.reliability import sqs_poller
from tools.reliability.sqs_poller import SqsPoller


def _poller(queue: FakeQueue, function: FakeFunction) -> SqsPoller:
    """Wired as `tools.reliability.in_process_stack` wires the processor's."""
    return SqsPoller(
        queue_mapping(),
        queue_url=QUEUE_URL,
        queue_arn=QUEUE_ARN,
        region="eu-west-1",
        function=function,
        sqs=queue,
        receive_wait_seconds=sqs_poller.RECEIVE_WAIT_SECONDS,
        retry_at_once=True,
    )


def test_a_drain_retries_failures_at_once_and_ends_with_the_queue_empty() -> None:
    # GIVEN twelve messages, two of which fail their first delivery
    queue = FakeQueue()
    ids = queue.send(12)
    flaky = {ids[3], ids[11]}
    seen: set[str] = set()

    def fails_first_time(message_id: str) -> bool:
        failed = message_id in flaky and message_id not in seen
        seen.add(message_id)
        return failed

    function = FakeFunction(respond=reporting(fails_first_time))

    # WHEN the poller drains the queue
    poller = _poller(queue, function)
    poller.drain()

    # THEN the failures came back without waiting out a visibility timeout and were stored
    assert function.batches == [ids[:10], [ids[3], *ids[10:]], [ids[11]]]
    assert queue.held == {}
    assert poller.records_failed == 2
    # AND no receive waited for messages or shortened the queue's visibility timeout
    assert {request["WaitTimeSeconds"] for request in queue.receives} == {0}
    assert not any("VisibilityTimeout" in request for request in queue.receives)


def test_a_queue_that_never_empties_stops_the_drain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqs_poller, "MAX_POLLS", 5)
    queue = FakeQueue()
    function = FakeFunction(failing=frozenset(queue.send(1)))

    with pytest.raises(RuntimeError, match="still delivers after 5 polls"):
        _poller(queue, function).drain()
    assert len(function.batches) == 5
