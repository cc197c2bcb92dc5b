"""Lambda's DynamoDB stream event source, played synchronously.

As Lambda does for a shard: records in stream order, up to the mapping's batch size per
invocation; the checkpoint moves past a record only once it succeeded. With
`ReportBatchItemFailures` the batch is retried from the first reported record; a function
error retries it whole, halved first when `bisectBatchOnFunctionError` is set (halving does
not use up retries: only a batch that cannot be split further does). After
`maximumRetryAttempts` retries the batch is given up: what Lambda sends an on-failure
destination for a stream (where the records are, not the records) goes to the failure
queue, and the shard moves on. Not modelled: the record age limit and retry back-off,
which only change when a retry happens, not what it does.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.batch_responses import stream_checkpoint
from local.blueprint import EventSourceMappingSpec
from local.functions import InvocationError
from offline.stream_events import dynamodb_stream_event
from reliability.functions import LambdaFunction

# A shard still failing after this many invocations is stuck (no retry limit): a bug.
MAX_INVOCATIONS = 10_000


def sequence_number(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


@dataclass
class StreamPoller:
    streams: Any
    sqs: Any
    stream_arn: str
    region: str
    mapping: EventSourceMappingSpec
    function: LambdaFunction
    on_failure_queue_url: str | None
    invocations: int = 0
    records_given_up: int = 0
    _iterators: dict[str, str | None] = field(default_factory=dict)
    _last_read: dict[str, int] = field(default_factory=dict)

    def _read(self) -> list[dict[str, Any]]:
        """The records added since the last read, shard by shard, as the poller reads them."""
        if not self._iterators:
            shards = self.streams.describe_stream(StreamArn=self.stream_arn)
            self._iterators = {
                shard["ShardId"]: self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn,
                    ShardId=shard["ShardId"],
                    ShardIteratorType=self.mapping.starting_position or "TRIM_HORIZON",
                )["ShardIterator"]
                for shard in shards["StreamDescription"]["Shards"]
            }
        records: list[dict[str, Any]] = []
        for shard_id in self._iterators:
            while iterator := self._iterators[shard_id]:
                page = self.streams.get_records(ShardIterator=iterator)
                self._iterators[shard_id] = page.get("NextShardIterator")
                # Only what lies past the last record read: a page of records already read
                # means the shard is caught up, whatever its iterator says.
                last = self._last_read.get(shard_id, -1)
                fresh = [r for r in page["Records"] if int(sequence_number(r)) > last]
                if not fresh:
                    break
                records.extend(fresh)
                self._last_read[shard_id] = int(sequence_number(fresh[-1]))
        return records

    def drain(self) -> None:
        """Process every record added to the stream since the last drain."""
        pending = self._read()
        attempts, size_limit = 0, None
        while pending:
            if self.invocations >= MAX_INVOCATIONS:
                raise RuntimeError(f"{self.stream_arn} still failing after {MAX_INVOCATIONS}")
            batch = pending[: size_limit or self.mapping.batch_size]
            done, errored = self._invoke(batch)
            del pending[:done]
            if done == len(batch):
                attempts, size_limit = 0, None
                continue
            failed = batch[done:]
            if errored and self.mapping.bisect_on_error and len(failed) > 1:
                size_limit = len(failed) // 2
                continue
            attempts += 1
            retries = self.mapping.max_retry_attempts
            if retries is not None and attempts > retries:
                self._give_up(failed, attempts, errored)
                del pending[: len(failed)]
                attempts, size_limit = 0, None

    def _invoke(self, batch: list[dict[str, Any]]) -> tuple[int, bool]:
        """How many records of the batch are done, and whether the function errored."""
        self.invocations += 1
        sequence_numbers = [sequence_number(record) for record in batch]
        try:
            response = self.function.invoke(
                dynamodb_stream_event(batch, self.stream_arn, self.region)
            )
        except InvocationError:
            return 0, True
        reports = self.mapping.reports_batch_item_failures
        return stream_checkpoint(sequence_numbers, response, reports), False

    def _give_up(self, failed: list[dict[str, Any]], attempts: int, errored: bool) -> None:
        self.records_given_up += len(failed)
        if self.on_failure_queue_url is None:
            return
        first, last = failed[0]["dynamodb"], failed[-1]["dynamodb"]
        response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if errored:
            response_context["functionError"] = "Unhandled"
        document = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.mapping.function.arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": response_context,
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "DDBStreamBatchInfo": {
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": first["ApproximateCreationDateTime"].isoformat(),
                "approximateArrivalOfLastRecord": last["ApproximateCreationDateTime"].isoformat(),
                "batchSize": len(failed),
                "streamArn": self.stream_arn,
            },
        }
        self.sqs.send_message(QueueUrl=self.on_failure_queue_url, MessageBody=json.dumps(document))
