"""Reading a whole stream back (`offline.stream_events.read_stream`), as the tests, the
benchmarks and the reliability runs do."""

from __future__ import annotations

from typing import Any

import pytest

from offline.stream_events import read_stream
from tests.stream_fakes import STREAM_ARN, FakeStream

# Far more reads than three records need: a reader still going by then would never stop.
READS_ALLOWED = 50


def test_every_record_is_read_once_in_order() -> None:
    stream = FakeStream()
    written = stream.write(5)

    records = read_stream(stream, STREAM_ARN)

    assert [record["dynamodb"]["SequenceNumber"] for record in records] == written


def test_a_stream_that_keeps_handing_out_its_newest_record_is_read_to_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN moto's state after two writes got one sequence number: every read repeats the
    # newest record of the one before, and the shard never runs dry
    stream = FakeStream(repeats_newest=True)
    written = stream.write(3)
    reads = 0
    get_records = stream.get_records

    def counted(**request: Any) -> dict[str, Any]:
        nonlocal reads
        reads += 1
        if reads > READS_ALLOWED:
            pytest.fail("the stream is read again and again")
        return get_records(**request)

    monkeypatch.setattr(stream, "get_records", counted)

    # WHEN the stream is read back
    records = read_stream(stream, STREAM_ARN)

    # THEN it ends, with each record once
    assert [record["dynamodb"]["SequenceNumber"] for record in records] == written
