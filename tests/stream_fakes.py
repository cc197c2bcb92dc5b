"""A DynamoDB stream, a stream-fed function and an SQS client, faked for the stream event
source tests: records as GetRecords returns them, the events the function received."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tools.local_run.blueprint import EventSourceMappingSpec, FunctionSpec
from tools.local_run.lambda_runtime import InvocationError
from tools.local_run.stream_source import StreamEventSource

STREAM_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-11-30T00:00:00.000"
SHARD_ID = "shardId-00000001-0000"
FAILURE_QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/failures"
FIRST_SEQUENCE_NUMBER = 100
FUNCTION = FunctionSpec(
    name="notifier",
    arn="arn:aws:lambda:eu-west-1:123456789012:function:notifier",
    invoke_arn="arn:aws:apigateway:eu-west-1:lambda:path/functions/notifier/invocations",
    handler="handlers.notifier.handler",
    timeout_seconds=30,
    memory_mb=256,
    variables={},
)


def stream_mapping(
    *, batch_size: int = 4, max_retry_attempts: int | None = 1, bisect_on_error: bool = True
) -> EventSourceMappingSpec:
    return EventSourceMappingSpec(
        name="notifier-trigger",
        source_arn=STREAM_ARN,
        function=FUNCTION,
        batch_size=batch_size,
        batching_window_seconds=0,
        reports_batch_item_failures=True,
        max_concurrency=None,
        starting_position="TRIM_HORIZON",
        bisect_on_error=bisect_on_error,
        max_retry_attempts=max_retry_attempts,
        max_record_age_seconds=None,
        on_failure_arn="arn:aws:sqs:eu-west-1:123456789012:failures",
    )


@dataclass
class FakeStream:
    """One shard, read as moto reads it: an iterator stands at a sequence number, which is
    the record at that place in the shard, and the next one stands after the highest number
    of the page."""

    records: list[dict[str, Any]] = field(default_factory=list)

    def write(self, count: int) -> list[str]:
        """`count` new records, numbered in order; their sequence numbers."""
        return [self._append(len(self.records)) for _ in range(count)]

    def write_begun_at(self, place: int) -> str:
        """A record whose write began when the shard held `place` records and ended after
        later ones: moto numbers it by the shard's length when the write began, so it
        carries the number of the record at `place`. Its sequence number."""
        return self._append(place)

    def _append(self, place: int) -> str:
        number = str(FIRST_SEQUENCE_NUMBER + place)
        self.records.append(
            {
                "eventID": f"event-{len(self.records)}",
                "eventName": "INSERT",
                "dynamodb": {
                    "SequenceNumber": number,
                    "ApproximateCreationDateTime": datetime.now(UTC),
                    "Keys": {"orderId": {"S": f"order-{len(self.records)}"}},
                },
            }
        )
        return number

    def describe_stream(self, **request: str) -> dict[str, Any]:
        assert request["StreamArn"] == STREAM_ARN
        return {"StreamDescription": {"Shards": [{"ShardId": SHARD_ID}]}}

    def get_shard_iterator(self, **request: str) -> dict[str, Any]:
        assert request["ShardIteratorType"] == "TRIM_HORIZON"
        return {"ShardIterator": str(FIRST_SEQUENCE_NUMBER)}

    def get_records(self, **request: Any) -> dict[str, Any]:
        at = int(request["ShardIterator"])
        place = at - FIRST_SEQUENCE_NUMBER
        page = self.records[place : place + request.get("Limit", 1000)]
        after = max((int(r["dynamodb"]["SequenceNumber"]) + 1 for r in page), default=at)
        return {"Records": page, "NextShardIterator": str(after)}


@dataclass
class FakeFunction:
    """Raises for an event holding a record in `failing` (a function error); otherwise
    answers what `respond` makes of the event's sequence numbers."""

    failing: frozenset[str] = frozenset()
    respond: Callable[[list[str]], Any] = lambda _: {"batchItemFailures": []}
    batches: list[list[str]] = field(default_factory=list)

    def invoke(self, event: Mapping[str, Any]) -> Any:
        numbers = [record["dynamodb"]["SequenceNumber"] for record in event["Records"]]
        self.batches.append(numbers)
        if self.failing & set(numbers):
            raise InvocationError("the notifier cannot read a record")
        return self.respond(numbers)


@dataclass
class FakeSqs:
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send_message(self, **request: Any) -> dict[str, Any]:
        self.sent.append(request)
        return {"MessageId": str(len(self.sent))}


def stream_source(
    stream: FakeStream,
    function: FakeFunction,
    sqs: FakeSqs,
    mapping: EventSourceMappingSpec,
    retry_delay_seconds: float = 0.0,
) -> StreamEventSource:
    """The event source on the fakes, its shard opened."""
    source = StreamEventSource(
        mapping,
        stream_arn=STREAM_ARN,
        region="eu-west-1",
        function=function,
        streams=stream,
        sqs=sqs,
        on_failure_queue_url=FAILURE_QUEUE_URL,
        retry_delay_seconds=retry_delay_seconds,
    )
    source.open_shards()
    return source
