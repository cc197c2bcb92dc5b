"""What Lambda sends a stream mapping's on-failure destination for a batch it gave up.

The document says where the records are (shard and sequence range), not what they hold, so
they can be read again while the stream keeps them (24 h). Pure: no AWS calls.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


def stream_failure_document(
    records: Sequence[Mapping[str, Any]],
    *,
    condition: str,
    invoke_count: int,
    function_errored: bool,
    function_arn: str,
    stream_arn: str,
    shard_id: str,
) -> dict[str, Any]:
    """The destination document for `records` (GetRecords records, oldest first), given up
    for `condition` after `invoke_count` invocations, the last of which raised when
    `function_errored`, else reported them in `batchItemFailures`."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if function_errored:
        response_context["functionError"] = "Unhandled"
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first["SequenceNumber"],
            "endSequenceNumber": last["SequenceNumber"],
            "approximateArrivalOfFirstRecord": first["ApproximateCreationDateTime"].isoformat(),
            "approximateArrivalOfLastRecord": last["ApproximateCreationDateTime"].isoformat(),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }
