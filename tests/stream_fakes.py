"""A DynamoDB stream, a stream-fed function and an SQS client, faked for the stream event
source tests: records as GetRecords returns them, the events the function received."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.blueprint import EventSourceMappingSpec, FunctionSpec
from local.functions import InvocationError
from local.stream_source import StreamEventSource

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
    """One shard. With `repeats_newest`, every read starts with the newest record the
    previous one returned, as moto's reads do once two writes got one sequence number."""

    repeats_newest: bool = False
    records: list[dict[str, Any]] = field(default_factory=list)

    def write(self, count: int) -> list[str]:
        """`count` new records; their sequence numbers."""
        added = []
        for _ in range(count):
            number = str(FIRST_SEQUENCE_NUMBER + len(self.records))
            self.records.append(
                {
                    "eventID": f"event-{number}",
                    "eventName": "INSERT",
                    "dynamodb": {
                        "SequenceNumber": number,
                        "ApproximateCreationDateTime": datetime.now(UTC),
                        "Keys": {"orderId": {"S": f"order-{number}"}},
                    },
                }
            )
            added.append(number)
        return added

    def describe_stream(self, **request: str) -> dict[str, Any]:
        assert request["StreamArn"] == STREAM_ARN
        return {"StreamDescription": {"Shards": [{"ShardId": SHARD_ID}]}}

    def get_shard_iterator(self, **request: str) -> dict[str, Any]:
        assert request["ShardIteratorType"] == "TRIM_HORIZON"
        return {"ShardIterator": "0"}

    def get_records(self, **request: Any) -> dict[str, Any]:
        position = int(request["ShardIterator"])
        page = self.records[position : position + request.get("Limit", 1000)]
        # moto's next iterator is one record behind once a sequence number was given twice.
        advance = len(page) - 1 if self.repeats_newest and page else len(page)
        return {"Records": page, "NextShardIterator": str(position + advance)}


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
