"""DynamoDB stream events for Lambda, built from real GetRecords responses (moto's or AWS's)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


def sequence_number(record: Mapping[str, Any]) -> int:
    return int(record["dynamodb"]["SequenceNumber"])


def records_past(records: list[dict[str, Any]], newest_read: int) -> list[dict[str, Any]]:
    """The records of a GetRecords page that lie past the newest one read before.

    AWS never hands a record out twice, but moto can give two concurrent writes one sequence
    number, and its iterator then keeps returning the newest record: a reader that took every
    page as new would never catch up, and deliver that record again and again.
    """
    return [record for record in records if sequence_number(record) > newest_read]


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
            fresh = records_past(page["Records"], newest)
            records.extend(fresh)
            # An open shard always hands out a next iterator; nothing new means caught up.
            if not fresh:
                break
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
