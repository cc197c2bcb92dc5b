"""An SQS queue and a queue-fed function, faked for the SQS event source tests: messages as
ReceiveMessage returns them, the calls the source made, the batches the function received."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.local_run.blueprint import EventSourceMappingSpec, FunctionSpec
from tools.local_run.lambda_runtime import InvocationError
from tools.local_run.sqs_source import SqsEventSource

QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:orders"
FUNCTION = FunctionSpec(
    name="processor",
    arn="arn:aws:lambda:eu-west-1:123456789012:function:processor",
    invoke_arn="arn:aws:apigateway:eu-west-1:lambda:path/functions/processor/invocations",
    handler="handlers.processor.handler",
    timeout_seconds=30,
    memory_mb=256,
    variables={},
)


def queue_mapping(
    *, batch_size: int = 10, batching_window_seconds: int = 0, max_concurrency: int | None = 2
) -> EventSourceMappingSpec:
    return EventSourceMappingSpec(
        name="processor-trigger",
        source_arn=QUEUE_ARN,
        function=FUNCTION,
        batch_size=batch_size,
        batching_window_seconds=batching_window_seconds,
        reports_batch_item_failures=True,
        max_concurrency=max_concurrency,
        starting_position=None,
        bisect_on_error=False,
        max_retry_attempts=None,
        max_record_age_seconds=None,
        on_failure_arn=None,
    )


@dataclass
class _Held:
    body: str
    receipt_handle: str = ""
    in_flight: bool = False
    receives: int = 0


@dataclass
class FakeQueue:
    """A standard queue without a clock: a received message is in flight until it is
    deleted, made visible (`VisibilityTimeout` 0) or `visibility_runs_out`. Only the latest
    receipt handle of a message deletes it, as in SQS."""

    held: dict[str, _Held] = field(default_factory=dict)
    receives: list[dict[str, Any]] = field(default_factory=list)
    """Every ReceiveMessage request."""
    deletes: list[list[str]] = field(default_factory=list)
    """The message ids of every DeleteMessageBatch request."""

    def send(self, count: int) -> list[str]:
        """`count` new messages; their ids, in the order the queue hands them out."""
        ids = [f"message-{len(self.held) + number}" for number in range(count)]
        for message_id in ids:
            self.held[message_id] = _Held(body=f'{{"orderId": "{message_id}"}}')
        return ids

    @property
    def waiting(self) -> list[str]:
        return [message_id for message_id, held in self.held.items() if not held.in_flight]

    @property
    def in_flight(self) -> list[str]:
        return [message_id for message_id, held in self.held.items() if held.in_flight]

    def visibility_runs_out(self) -> None:
        for held in self.held.values():
            held.in_flight = False

    def receive_message(self, **request: Any) -> dict[str, Any]:
        assert request["QueueUrl"] == QUEUE_URL
        assert 1 <= request["MaxNumberOfMessages"] <= 10
        self.receives.append(request)
        messages = []
        for message_id in self.waiting[: request["MaxNumberOfMessages"]]:
            held = self.held[message_id]
            held.in_flight = True
            held.receives += 1
            held.receipt_handle = f"{message_id}/{held.receives}"
            messages.append(
                {
                    "MessageId": message_id,
                    "ReceiptHandle": held.receipt_handle,
                    "Body": held.body,
                    "Attributes": {"ApproximateReceiveCount": str(held.receives)},
                    "MessageAttributes": {},
                }
            )
        return {"Messages": messages} if messages else {}

    def delete_message_batch(self, **request: Any) -> dict[str, Any]:
        entries = self._entries(request)
        self.deletes.append([message_id for message_id, _ in entries])
        for message_id, _ in entries:
            del self.held[message_id]
        return {"Successful": [{"Id": entry["Id"]} for entry in request["Entries"]]}

    def change_message_visibility_batch(self, **request: Any) -> dict[str, Any]:
        for message_id, entry in self._entries(request):
            assert entry["VisibilityTimeout"] == 0, "only 'visible again now' is modelled"
            self.held[message_id].in_flight = False
        return {"Successful": [{"Id": entry["Id"]} for entry in request["Entries"]]}

    def _entries(self, request: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
        """The message each entry's receipt handle names; a stale handle is a test failure."""
        assert request["QueueUrl"] == QUEUE_URL
        assert len(request["Entries"]) <= 10
        named = []
        for entry in request["Entries"]:
            message_id = entry["ReceiptHandle"].split("/")[0]
            assert self.held[message_id].receipt_handle == entry["ReceiptHandle"]
            named.append((message_id, entry))
        return named


@dataclass
class FakeFunction:
    """Raises for an event holding a message in `failing` (a function error); otherwise
    answers what `respond` makes of the event's message ids."""

    failing: frozenset[str] = frozenset()
    respond: Callable[[list[str]], Any] = lambda _: {"batchItemFailures": []}
    batches: list[list[str]] = field(default_factory=list)

    def invoke(self, event: Mapping[str, Any]) -> Any:
        ids = [record["messageId"] for record in event["Records"]]
        assert {record["eventSourceARN"] for record in event["Records"]} == {QUEUE_ARN}
        self.batches.append(ids)
        if self.failing & set(ids):
            raise InvocationError("the processor crashed")
        return self.respond(ids)


def reporting(failed: Callable[[str], bool]) -> Callable[[list[str]], Any]:
    """A response naming the batch's messages for which `failed` is true."""
    return lambda ids: {"batchItemFailures": [{"itemIdentifier": i} for i in ids if failed(i)]}


def sqs_source(
    queue: FakeQueue,
    function: FakeFunction,
    mapping: EventSourceMappingSpec | None = None,
    **options: Any,
) -> SqsEventSource:
    """The event source on the fakes; `options` are its keyword settings."""
    return SqsEventSource(
        mapping or queue_mapping(),
        queue_url=QUEUE_URL,
        queue_arn=QUEUE_ARN,
        region="eu-west-1",
        function=function,
        sqs=queue,
        **options,
    )
