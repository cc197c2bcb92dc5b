"""The demo's accounting: read back what the pipeline did and match it to what was sent.

Every accepted order must be found exactly where its scripted outcome says (the table,
or the DLQ with the right reason), its status monitor must say the same to the client who
follows its 202's Location, every stored change must have been announced, and nothing may
be found that was not sent: anything else is reported as unaccounted for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from handlers import contract
from handlers.order_status import OrderStatus
from handlers.orders import fingerprint, parse_order
from tools.local_run.activity import SourceActivity
from tools.local_run.demo_script import Outcome, QueueMessage, ScriptedRequest
from tools.local_run.http_client import ApiAnswer
from tools.local_run.pipeline import LocalPipeline
from tools.local_run.readback import table_items
from tools.order_events.contract import delivered_breaches


@dataclass(frozen=True)
class SentRequest:
    scripted: ScriptedRequest
    answer: ApiAnswer

    @property
    def request_id(self) -> str | None:
        try:
            value = self.answer.json().get("requestId")
        except (ValueError, AttributeError):
            return None
        return None if value is None else str(value)

    @property
    def reason(self) -> str:
        """What the API said, for a request it refused."""
        try:
            document = self.answer.json()
        except ValueError:
            return self.answer.text[:120]
        return str(document.get("detail") or document.get("title") or document)


@dataclass(frozen=True)
class FollowedMonitor:
    """An accepted order's 202, followed to the status monitor its Location names."""

    request: SentRequest
    answer: ApiAnswer

    @property
    def view(self) -> dict[str, Any]:
        try:
            document = self.answer.json()
        except ValueError:
            return {}
        return document if isinstance(document, dict) else {}

    @property
    def said(self) -> str:
        """The monitor's answer in a few words."""
        view = self.view
        status = str(view.get("status") or f"HTTP {self.answer.status}")
        if "reason" in view:
            return f"{status} {view['reason']}: {view.get('detail', '')}"
        return status


@dataclass(frozen=True)
class SentMessage:
    scripted: QueueMessage
    message_id: str


@dataclass(frozen=True)
class DeadLetter:
    body: str
    attributes: dict[str, str]

    @property
    def reason(self) -> str:
        return self.attributes.get(contract.REJECTION_REASON_ATTRIBUTE, "(redriven after retries)")


@dataclass
class PipelineState:
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    contract_breaches: list[str] = field(default_factory=list)
    """How received notifications break the event contract (api/events.asyncapi.yaml)."""
    queue_backlog: int = 0
    stream_failures: int = 0
    activity: dict[str, SourceActivity] = field(default_factory=dict)


def _drain(sqs: Any, queue_url: str | None) -> list[dict[str, Any]]:
    """Every message on a queue, read once (left in flight, so each is read only once)."""
    messages: list[dict[str, Any]] = []
    while queue_url is not None:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=300,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        messages.extend(batch)
    return messages


def _string_attributes(message: dict[str, Any]) -> dict[str, str]:
    return {
        name: value["StringValue"]
        for name, value in message.get("MessageAttributes", {}).items()
        if "StringValue" in value
    }


def collect_state(pipeline: LocalPipeline) -> PipelineState:
    inventory = pipeline.inventory()
    sqs, dynamodb = pipeline.aws.client("sqs"), pipeline.aws.client("dynamodb")
    state = PipelineState(activity=pipeline.activity())
    state.stored = table_items(dynamodb, inventory.table_name)
    state.dead_letters = [
        DeadLetter(message["Body"], _string_attributes(message))
        for message in _drain(sqs, inventory.dead_letter_queue_url)
    ]
    events = _drain(sqs, inventory.events_subscriber_url)
    state.notifications = [json.loads(message["Body"]) for message in events]
    state.contract_breaches = delivered_breaches(events)
    state.queue_backlog = pipeline.queue_backlog()
    state.stream_failures = len(_drain(sqs, inventory.stream_failure_queue_url))
    return state


@dataclass
class Accounting:
    """The checks, each a line; `unaccounted` lists what failed."""

    passed: list[str] = field(default_factory=list)
    unaccounted: list[str] = field(default_factory=list)

    def check(self, ok: bool, text: str) -> None:
        (self.passed if ok else self.unaccounted).append(text)


def _expected_statuses(sent: list[SentRequest]) -> dict[str, tuple[OrderStatus, int]]:
    """Each order's status and version after the status changes the API accepted."""
    final: dict[str, tuple[OrderStatus, int]] = {}
    for request in sent:
        if request.scripted.method == "PATCH" and request.answer.status == 200:
            view = request.answer.json()
            final[view["orderId"]] = (OrderStatus(view["status"]), int(view["version"]))
    return final


def _expected_events(sent: list[SentRequest], stored: set[str]) -> set[tuple[str, str, int]]:
    events = {(contract.ORDER_CREATED_EVENT, order_id, 1) for order_id in stored}
    for request in sent:
        if request.scripted.method == "PATCH" and request.answer.status == 200:
            view = request.answer.json()
            events.add((contract.ORDER_STATUS_CHANGED_EVENT, view["orderId"], view["version"]))
    return events


def account(
    sent: list[SentRequest], messages: list[SentMessage], state: PipelineState
) -> Accounting:
    result = Accounting()
    for request in sent:
        result.check(
            request.answer.status == request.scripted.expected_status,
            f"{request.scripted.label}: HTTP {request.answer.status} "
            f"(expected {request.scripted.expected_status})",
        )
    stored_orders = {
        request.scripted.order["orderId"]: request.scripted.order
        for request in sent
        if request.scripted.outcome is Outcome.STORED and request.scripted.order
    }
    final = _expected_statuses(sent)
    for order_id, order in stored_orders.items():
        item = state.stored.get(order_id)
        status, version = final.get(order_id, (OrderStatus.PENDING, 1))
        result.check(
            item is not None
            and item["fingerprint"] == fingerprint(parse_order(json.dumps(order)))
            and (item["status"], item["version"]) == (status.value, version),
            f"order {order_id} stored as sent, {status.value} v{version}",
        )
    extra = sorted(set(state.stored) - set(stored_orders))
    result.check(not extra, f"no order stored that was not sent ({', '.join(extra) or 'none'})")
    _account_dead_letters(sent, messages, state, result)
    # Delivery is at least once: a repeated event is allowed, a missing or stray one is not.
    received = {
        (event["eventType"], event["orderId"], event["version"]) for event in state.notifications
    }
    expected = _expected_events(sent, set(stored_orders))
    result.check(
        received == expected,
        f"every stored change announced: {len(expected)} events "
        f"(missing {len(expected - received)}, unexpected {len(received - expected)})",
    )
    breaches = state.contract_breaches
    result.check(
        not breaches,
        " ".join(
            ["every event keeps the event contract", f"({len(breaches)} breaches)", *breaches[:3]]
        ),
    )
    result.check(state.queue_backlog == 0, f"order queue empty ({state.queue_backlog} left)")
    result.check(
        state.stream_failures == 0,
        f"no stream batch given up ({state.stream_failures} on the failure queue)",
    )
    errors = sum(a.function_errors + a.poll_errors for a in state.activity.values())
    last = "; ".join(a.last_poll_error for a in state.activity.values() if a.last_poll_error)
    result.check(errors == 0, f"no function or event source error ({errors}) {last}".rstrip())
    return result


# What a submission's monitor must say once the pipeline settled, by scripted outcome.
MONITOR_STATUS = {
    Outcome.STORED: "STORED",
    Outcome.DUPLICATE: "STORED",
    Outcome.DEAD_LETTERED: "REJECTED",
}


def account_monitors(monitors: list[FollowedMonitor], result: Accounting) -> None:
    """Each accepted order's monitor says what became of it; a rejection, the DLQ's reason."""
    for monitor in monitors:
        scripted = monitor.request.scripted
        if scripted.outcome is None:
            continue
        expected = MONITOR_STATUS[scripted.outcome]
        view = monitor.view
        said = (view.get("status"), view.get("reason"))
        wanted = (expected, None if scripted.rejection is None else scripted.rejection.value)
        result.check(
            monitor.answer.status == 200 and said == wanted,
            f"{scripted.label}: its monitor says {' '.join(filter(None, wanted))}",
        )


def _account_dead_letters(
    sent: list[SentRequest],
    messages: list[SentMessage],
    state: PipelineState,
    result: Accounting,
) -> None:
    by_request = {
        letter.attributes.get(contract.REQUEST_ID_ATTRIBUTE): letter
        for letter in state.dead_letters
    }
    by_message = {
        letter.attributes.get(contract.SOURCE_MESSAGE_ID_ATTRIBUTE): letter
        for letter in state.dead_letters
    }
    matched = 0
    for request in sent:
        if request.scripted.outcome is Outcome.DEAD_LETTERED:
            letter = by_request.get(request.request_id)
            matched += letter is not None
            result.check(
                letter is not None and letter.reason == request.scripted.rejection,
                f"{request.scripted.label}: dead-lettered as {request.scripted.rejection}",
            )
        elif request.scripted.outcome is not None:
            result.check(
                request.request_id not in by_request,
                f"{request.scripted.label}: not dead-lettered",
            )
    for message in messages:
        letter = by_message.get(message.message_id)
        matched += letter is not None
        result.check(
            letter is not None and letter.reason == message.scripted.rejection,
            f"{message.scripted.label}: dead-lettered as {message.scripted.rejection}",
        )
    result.check(
        matched == len(state.dead_letters),
        f"no dead letter that was not expected ({len(state.dead_letters) - matched})",
    )
