"""The SQS event source's batches, deletes and retries, as Lambda's SQS mapping has them,
polled by the test on fakes (tests/sqs_fakes.py)."""

from __future__ import annotations

import time
from typing import Any

from tests.sqs_fakes import (
    FakeFunction,
    FakeQueue,
    queue_mapping,
    reporting,
    sqs_source,
)


def test_only_the_reported_failures_stay_on_the_queue_until_their_visibility_runs_out() -> None:
    # GIVEN three messages, the second of which the function reports failed the first time
    queue = FakeQueue()
    first, second, third = queue.send(3)
    seen: set[str] = set()

    def second_fails_once(message_id: str) -> bool:
        failed = message_id == second and second not in seen
        seen.add(message_id)
        return failed

    function = FakeFunction(respond=reporting(second_fails_once))
    source = sqs_source(queue, function)

    # WHEN the source polls, and polls again before the visibility timeout ran out
    assert source.poll()
    assert not source.poll()

    # THEN the others are deleted and the failed one is held in flight, not redelivered
    assert queue.deletes == [[first, third]]
    assert queue.in_flight == [second]
    assert function.batches == [[first, second, third]]

    # WHEN its visibility timeout runs out
    queue.visibility_runs_out()
    assert source.poll()

    # THEN it comes back alone and, succeeding, is deleted
    assert function.batches[1:] == [[second]]
    assert queue.held == {}
    assert (source.activity.invocations, source.activity.retried) == (2, 1)


def test_a_function_error_leaves_the_whole_batch_on_the_queue() -> None:
    queue = FakeQueue()
    ids = queue.send(3)
    function = FakeFunction(failing=frozenset(ids[1:2]))
    source = sqs_source(queue, function)

    assert source.poll()

    assert queue.deletes == []
    assert queue.in_flight == ids
    assert (source.activity.function_errors, source.activity.retried) == (1, 3)


def test_with_retry_at_once_a_failed_message_is_visible_again_right_away() -> None:
    # GIVEN a function that fails one message every time
    queue = FakeQueue()
    first, bad = queue.send(2)
    function = FakeFunction(respond=reporting(lambda message_id: message_id == bad))
    source = sqs_source(queue, function, retry_at_once=True)

    # WHEN the source polls three times, with no time passing
    for _ in range(3):
        assert source.poll()

    # THEN each poll delivered the failed message again, one receive more each time
    assert function.batches == [[first, bad], [bad], [bad]]
    assert queue.waiting == [bad]
    assert queue.held[bad].receives == 3


def test_a_batch_is_gathered_over_receives_within_the_batching_window() -> None:
    # GIVEN 25 waiting messages and a mapping taking 25 per batch within a 5 s window
    queue = FakeQueue()
    ids = queue.send(25)
    function = FakeFunction()
    source = sqs_source(queue, function, queue_mapping(batch_size=25, batching_window_seconds=5))

    # WHEN the source polls once
    assert source.poll()

    # THEN one invocation got them all, received ten at a time at most and deleted likewise
    assert function.batches == [ids]
    assert [request["MaxNumberOfMessages"] for request in queue.receives] == [10, 10, 5]
    assert queue.deletes == [ids[:10], ids[10:20], ids[20:]]


def test_without_a_batching_window_a_batch_is_what_one_receive_returns() -> None:
    queue = FakeQueue()
    ids = queue.send(25)
    function = FakeFunction()
    source = sqs_source(queue, function, queue_mapping(batch_size=25))

    while source.poll():
        pass

    assert function.batches == [ids[:10], ids[10:20], ids[20:]]


def test_receives_use_the_queues_visibility_timeout_unless_told_otherwise() -> None:
    queue = FakeQueue()
    queue.send(1)
    own = sqs_source(queue, FakeFunction(), receive_wait_seconds=0)
    assert own.poll()
    queue.send(1)
    local = sqs_source(queue, FakeFunction(), visibility_timeout_seconds=6)
    assert local.poll()

    first, second = queue.receives
    assert "VisibilityTimeout" not in first
    assert second["VisibilityTimeout"] == 6
    assert (first["WaitTimeSeconds"], second["WaitTimeSeconds"]) == (0, 1)
    assert first["MessageAttributeNames"] == first["MessageSystemAttributeNames"] == ["All"]


def test_an_empty_queue_invokes_nothing_and_the_source_stays_quiet() -> None:
    function = FakeFunction()
    source = sqs_source(FakeQueue(), function)

    assert not source.poll()

    assert function.batches == []
    assert source.quiet
    assert source.activity.invocations == 0


def test_a_failed_poll_is_recorded_and_polling_goes_on() -> None:
    # GIVEN a queue whose first ReceiveMessage fails, then delivers one message
    class ThrottledOnce(FakeQueue):
        throttled = False

        def receive_message(self, **request: Any) -> dict[str, Any]:
            if not self.throttled:
                self.throttled = True
                raise RuntimeError("throttled")
            return super().receive_message(**request)

    queue = ThrottledOnce()
    (message_id,) = queue.send(1)
    function = FakeFunction()
    source = sqs_source(queue, function, queue_mapping(max_concurrency=1))

    # WHEN the source polls on its own thread until the message was invoked
    source.start()
    deadline = time.monotonic() + 10
    while not function.batches and time.monotonic() < deadline:
        time.sleep(0.01)
    source.stop()

    # THEN the failure is counted with its error, and the message was still delivered
    assert function.batches == [[message_id]]
    assert source.activity.poll_errors == 1
    assert source.activity.last_poll_error == "RuntimeError('throttled')"
