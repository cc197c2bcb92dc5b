"""The stream event source's batches, checkpoints, retries and give-ups, as Lambda's stream
mapping has them, polled by the test on fakes (tests/stream_fakes.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.stream_fakes import (
    FAILURE_QUEUE_URL,
    SHARD_ID,
    STREAM_ARN,
    FakeFunction,
    FakeSqs,
    FakeStream,
    stream_mapping,
    stream_source,
)
from tools.local_run.blueprint import EventSourceMappingSpec
from tools.local_run.stream_failure import RETRY_ATTEMPTS_EXHAUSTED
from tools.local_run.stream_source import StreamEventSource

# Far more polls than any case here needs: a source still busy after them never settles.
MAX_POLLS = 100


def _settled(
    stream: FakeStream,
    function: FakeFunction,
    mapping: EventSourceMappingSpec | None = None,
) -> tuple[StreamEventSource, FakeSqs]:
    sqs = FakeSqs()
    source = stream_source(stream, function, sqs, mapping or stream_mapping())
    _poll_until_idle(source)
    return source, sqs


def _poll_until_idle(source: StreamEventSource) -> None:
    polls = 0
    while source.poll():
        polls += 1
        assert polls < MAX_POLLS, "the source never caught up"


def _documents(sqs: FakeSqs) -> list[dict[str, Any]]:
    assert {message["QueueUrl"] for message in sqs.sent} <= {FAILURE_QUEUE_URL}
    return [json.loads(message["MessageBody"]) for message in sqs.sent]


def test_a_record_that_always_fails_is_bisected_out_and_given_up_alone() -> None:
    # GIVEN a batch of four whose third record makes the function raise every time
    stream = FakeStream()
    first, second, bad, fourth = stream.write(4)
    function = FakeFunction(failing=frozenset({bad}))

    # WHEN the source works through it (bisecting, one retry)
    source, sqs = _settled(stream, function)

    # THEN the batch is halved until the bad record is alone, which is retried once and
    # given up; every other record is processed once, in order
    assert function.batches == [
        [first, second, bad, fourth],
        [first, second],
        [bad, fourth],
        [bad],
        [bad],
        [fourth],
    ]
    (document,) = _documents(sqs)
    assert document["requestContext"]["condition"] == RETRY_ATTEMPTS_EXHAUSTED
    assert document["requestContext"]["approximateInvokeCount"] == 2
    assert document["responseContext"]["functionError"] == "Unhandled"
    info = document["DDBStreamBatchInfo"]
    assert (info["shardId"], info["streamArn"]) == (SHARD_ID, STREAM_ARN)
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        bad,
        bad,
        1,
    )
    assert (source.activity.discarded, source.activity.function_errors) == (1, 4)


def test_a_reported_failure_is_retried_from_that_record_on() -> None:
    # GIVEN a function that reports the second record failed the first time it sees it
    stream = FakeStream()
    first, second, third = stream.write(3)
    seen: set[str] = set()

    def report_second_once(numbers: list[str]) -> dict[str, Any]:
        failed = second in numbers and second not in seen
        seen.update(numbers)
        return {"batchItemFailures": [{"itemIdentifier": second}] if failed else []}

    function = FakeFunction(respond=report_second_once)

    # WHEN the source works through the stream
    _, sqs = _settled(stream, function)

    # THEN the checkpoint stays before the reported record: it and what follows come again
    assert function.batches == [[first, second, third], [second, third]]
    assert sqs.sent == []


def test_records_past_the_retries_are_given_up_whole_without_a_function_error() -> None:
    # GIVEN a function that reports every record failed (no function error: no bisecting)
    stream = FakeStream()
    numbers = stream.write(3)
    function = FakeFunction(
        respond=lambda batch: {"batchItemFailures": [{"itemIdentifier": n} for n in batch]}
    )

    # WHEN the source works through the stream with two retries
    _, sqs = _settled(stream, function, stream_mapping(max_retry_attempts=2))

    # THEN the whole batch is tried three times, then given up as one range
    assert function.batches == [numbers] * 3
    (document,) = _documents(sqs)
    assert document["requestContext"]["approximateInvokeCount"] == 3
    assert "functionError" not in document["responseContext"]
    info = document["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (numbers[0], numbers[-1])


def test_a_shard_read_in_order_delivers_each_record_once() -> None:
    # GIVEN a stream read as moto reads it, written to between polls
    stream = FakeStream()
    written = stream.write(6)
    function = FakeFunction()

    # WHEN the source works through it, and again after more writes
    source, _ = _settled(stream, function)
    written += stream.write(2)
    _poll_until_idle(source)

    # THEN every record reached the function exactly once, in order, and the source is idle
    assert [number for batch in function.batches for number in batch] == written
    assert source.quiet


def test_a_shard_numbered_out_of_order_stops_the_source_before_it_delivers() -> None:
    # GIVEN moto's stream after concurrent writes (issue 19): the fifth record's write began
    # when the shard held two records, so it carries the third's number, and moto's next
    # iterator (after a page's highest number) leads back over records already read
    stream = FakeStream()
    stream.write(4)
    stream.write_begun_at(2)
    function = FakeFunction()
    source = stream_source(stream, function, FakeSqs(), stream_mapping(batch_size=10))

    def poll_write_and_poll_again() -> None:
        _poll_until_idle(source)
        stream.write(2)
        _poll_until_idle(source)

    # WHEN the source polls the shard, and again once more was written
    # THEN it stops at the first page, naming the record, instead of taking records by their
    # number: that way the fourth record reached the function a second time
    with pytest.raises(RuntimeError, match="event-4 is numbered 102, not past 103"):
        poll_write_and_poll_again()
    assert function.batches == []
    assert not source.quiet
