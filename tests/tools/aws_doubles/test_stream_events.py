"""Reading a whole stream back (`tools.aws_doubles.stream_events.read_stream`), as the tests, the
benchmarks and the reliability runs do, and the stream moto writes for concurrent writes."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.table import StreamRecord

from handlers import contract
from tests.stream_fakes import STREAM_ARN, FakeStream
from tools.aws_doubles.moto_setup import (
    FAKE_AWS_ENVIRONMENT,
    create_order_table,
    serve_dynamodb_calls_one_at_a_time,
)
from tools.aws_doubles.stream_events import StreamOutOfOrder, read_stream

TABLE = "orders"
# Long enough for a thread to start and write; only a broken test waits this long.
WAIT_SECONDS = 5.0
# What a second write is given to overtake the held one, as it did in moto unserved.
OVERTAKE_SECONDS = 0.5


def test_every_record_is_read_once_in_order() -> None:
    stream = FakeStream()
    written = stream.write(5)

    records = read_stream(stream, STREAM_ARN)

    assert [record["dynamodb"]["SequenceNumber"] for record in records] == written


def test_a_stream_numbered_out_of_order_is_refused_not_read_with_a_record_missing() -> None:
    # GIVEN moto's stream after a write that began before the one ahead of it in the shard
    # ended: it carries that one's number, and moto's iterator leads back to it
    stream = FakeStream()
    stream.write(2)
    stream.write_begun_at(1)

    # WHEN the stream is read back
    # THEN reading stops at that record: taken by its number, it was left out
    with pytest.raises(StreamOutOfOrder, match="event-2 is numbered 101, not past 101"):
        read_stream(stream, STREAM_ARN)


def test_writes_at_once_reach_the_stream_numbered_in_the_order_it_holds_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The root of issue 19: moto numbers a stream record by the shard's length when the
    write began, so a write that overtakes another got its number. Served one call at a time
    (`serve_dynamodb_calls_one_at_a_time`, as the local run and this suite do), the second
    write waits for the first, as DynamoDB numbers a shard."""
    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    serve_dynamodb_calls_one_at_a_time()
    held, release = threading.Event(), threading.Event()
    build_record = StreamRecord.__init__

    def build_slowly(record: Any, *args: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == "first-writer":
            held.set()
            release.wait(WAIT_SECONDS)
        build_record(record, *args, **kwargs)

    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_order_table(dynamodb, TABLE)
        stream_arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]

        def write(order_id: str) -> None:
            dynamodb.put_item(TableName=TABLE, Item={contract.ORDER_KEY: {"S": order_id}})

        # GIVEN a write held while moto builds its stream record
        monkeypatch.setattr(StreamRecord, "__init__", build_slowly)
        first = threading.Thread(target=write, args=("order-1",), name="first-writer")
        first.start()
        assert held.wait(WAIT_SECONDS)

        # WHEN a second write comes meanwhile, and the first then ends
        second = threading.Thread(target=write, args=("order-2",))
        second.start()
        second.join(OVERTAKE_SECONDS)
        release.set()
        first.join()
        second.join()

        # THEN the stream holds both, numbered in order, and reads back once each
        records = read_stream(boto3.client("dynamodbstreams"), stream_arn)
    keys = [record["dynamodb"]["Keys"][contract.ORDER_KEY]["S"] for record in records]
    assert keys == ["order-1", "order-2"]
