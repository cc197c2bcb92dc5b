"""DynamoDB stream events for Lambda, built from real GetRecords responses (moto's or AWS's)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


def sequence_number(record: Mapping[str, Any]) -> int:
    return int(record["dynamodb"]["SequenceNumber"])


class StreamOutOfOrder(RuntimeError):
    """A shard handed out a record not numbered past the one read before it."""


def in_shard_order(records: list[dict[str, Any]], newest_read: int) -> list[dict[str, Any]]:
    """The records of a GetRecords page, checked to be numbered past the newest one read
    before and each past the one before it, as DynamoDB numbers a shard: a reader that
    follows NextShardIterator then reads each record once, in order.

    moto serving concurrent writes at once breaks this: it gives them one number, and its
    iterators, positioned by number, go back over records already read. No rule on the
    numbers then tells a record read again from one numbered too low, so reading stops here
    rather than deliver a record twice or skip one. The local run keeps moto from it
    (`tools.aws_doubles.moto_setup.serve_dynamodb_calls_one_at_a_time`).
    """
    previous = newest_read
    for record in records:
        number = sequence_number(record)
        if number <= previous:
            raise StreamOutOfOrder(
                f"stream record {record.get('eventID')} is numbered {number}, not past "
                f"{previous}: the shard is read again or was numbered out of order"
            )
        previous = number
    return records


def read_stream(streams: Any, stream_arn: str) -> list[dict[str, Any]]:
    """Every record in the stream, shard by shard, oldest first (TRIM_HORIZON)."""
    shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    records: list[dict[str, Any]] = []
    for shard in shards:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        ).get("ShardIterator")
        newest = -1
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            fresh = in_shard_order(page["Records"], newest)
            # An open shard always hands out a next iterator; an empty page means caught up.
            if not fresh:
                break
            records.extend(fresh)
            newest = sequence_number(fresh[-1])
            iterator = page.get("NextShardIterator")
    return records


def dynamodb_stream_event(
    records: list[dict[str, Any]], stream_arn: str, region: str
) -> dict[str, Any]:
    """The event Lambda's stream poller delivers for records from GetRecords."""
    return {"Records": [_lambda_record(record, stream_arn, region) for record in records]}


def _lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    stream_record = dict(record["dynamodb"])
    created = stream_record.get("ApproximateCreationDateTime")
    # The SDK parses the timestamp; Lambda hands the function epoch seconds.
    if isinstance(created, datetime):
        stream_record["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        **record,
        "awsRegion": region,
        "dynamodb": stream_record,
        "eventSourceARN": stream_arn,
    }
