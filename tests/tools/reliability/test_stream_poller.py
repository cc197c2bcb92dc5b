"""The fault scenarios' stream poller: the local run's event source, drained on the
caller's thread (tests/stream_fakes.py stands in for the stream and the function)."""

from __future__ import annotations

import json

import pytest

from tests.stream_fakes import FakeFunction, FakeSqs, FakeStream, stream_mapping, stream_source
from tools.local_run.stream_source import StreamEventSource
from tools.reliability import stream_poller


def _poller(
    stream: FakeStream, function: FakeFunction, sqs: FakeSqs, retries: int | None = 1
) -> StreamEventSource:
    mapping = stream_mapping(max_retry_attempts=retries, bisect_on_error=False)
    return stream_source(stream, function, sqs, mapping, stream_poller.RETRY_DELAY_SECONDS)


def test_each_drain_delivers_what_was_written_since_the_last_once() -> None:
    stream, function = FakeStream(), FakeFunction()
    poller = _poller(stream, function, FakeSqs())

    first = stream.write(3)
    stream_poller.drain(poller)
    second = stream.write(2)
    stream_poller.drain(poller)

    assert function.batches == [first, second]


def test_a_batch_failing_past_its_retries_is_given_up_and_the_drain_ends() -> None:
    stream, sqs = FakeStream(), FakeSqs()
    written = stream.write(2)
    function = FakeFunction(failing=frozenset(written))

    stream_poller.drain(_poller(stream, function, sqs, retries=2))

    assert function.batches == [written] * 3
    (message,) = sqs.sent
    assert json.loads(message["MessageBody"])["DDBStreamBatchInfo"]["batchSize"] == 2


def test_a_shard_that_never_succeeds_stops_the_drain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_poller, "MAX_INVOCATIONS", 5)
    stream = FakeStream()
    function = FakeFunction(failing=frozenset(stream.write(1)))
    poller = _poller(stream, function, FakeSqs(), retries=None)

    with pytest.raises(RuntimeError, match="still failing after 5"):
        stream_poller.drain(poller)
    assert len(function.batches) == 5
