"""The document a stream mapping's on-failure destination receives for a batch given up:
where the records are, as Lambda writes it. Pure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.local_run.stream_failure import RECORD_AGE_EXCEEDED, stream_failure_document

FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:notifier"
STREAM_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/label"
WRITTEN = datetime(2026, 11, 30, 12, 0, 0, 250_000, tzinfo=UTC)


def _record(number: str, written: datetime) -> dict[str, Any]:
    return {"dynamodb": {"SequenceNumber": number, "ApproximateCreationDateTime": written}}


def _document(records: list[dict[str, Any]], *, function_errored: bool) -> dict[str, Any]:
    return stream_failure_document(
        records,
        condition=RECORD_AGE_EXCEEDED,
        invoke_count=3,
        function_errored=function_errored,
        function_arn=FUNCTION_ARN,
        stream_arn=STREAM_ARN,
        shard_id="shard-1",
    )


def test_the_document_names_the_shard_and_sequence_range_not_the_records() -> None:
    records = [_record("7", WRITTEN), _record("8", WRITTEN), _record("9", WRITTEN + timedelta(1))]

    document = _document(records, function_errored=True)

    assert document["DDBStreamBatchInfo"] == {
        "shardId": "shard-1",
        "startSequenceNumber": "7",
        "endSequenceNumber": "9",
        "approximateArrivalOfFirstRecord": "2026-11-30T12:00:00.250000+00:00",
        "approximateArrivalOfLastRecord": "2026-12-01T12:00:00.250000+00:00",
        "batchSize": 3,
        "streamArn": STREAM_ARN,
    }
    context = document["requestContext"]
    assert (context["functionArn"], context["condition"], context["approximateInvokeCount"]) == (
        FUNCTION_ARN,
        RECORD_AGE_EXCEEDED,
        3,
    )
    assert uuid.UUID(context["requestId"])
    assert document["responseContext"]["functionError"] == "Unhandled"
    assert datetime.fromisoformat(document["timestamp"]).tzinfo is not None
    assert set(document) == {
        "requestContext",
        "responseContext",
        "version",
        "timestamp",
        "DDBStreamBatchInfo",
    }


def test_a_batch_the_function_reported_failed_carries_no_function_error() -> None:
    document = _document([_record("7", WRITTEN)], function_errored=False)

    assert document["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
