"""Where every order and every announcement ended up: pure functions over what was read back.

An order message is *stored* when the table holds its order (same id, same fingerprint),
*dead-lettered* when the DLQ holds it (the processor's copy names it by `sourceMessageId`,
the queue's redrive keeps its `MessageId`, both keep the API's `requestId`), and *lost*
otherwise. An order sent over HTTP also has a status monitor, which must say the same:
STORED, REJECTED with the DLQ's reason, or QUEUED while it waits in the DLQ after its
retries (no verdict yet: an operator redrives it).

An announcement is expected for every version of every stored order (each stored change
has its own version); it is published when the subscriber received it, given up when its
stream record went to the on-failure destination (from where it can be read again while
the stream keeps it), and lost otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from handlers import contract
from handlers.orders import OrderRejected, fingerprint, parse_order
from tools.ops.dead_letters import RETRIES_EXHAUSTED


@dataclass(frozen=True)
class SentMessage:
    """One order that reached the queue, and what names it there."""

    body: str
    message_id: str | None = None
    request_id: str | None = None
    """The API's request id (the `requestId` attribute), for orders sent over HTTP."""

    def names(self) -> set[str]:
        return {name for name in (self.message_id, self.request_id) if name}


@dataclass(frozen=True)
class OrderAccount:
    stored: int
    dead_lettered: int
    lost: tuple[SentMessage, ...]
    reasons: Mapping[str, int]
    """Dead letters by reason: the processor's rejection, or retries exhausted."""
    strangers: int
    """Dead letters of no message sent."""
    repeated: int
    """Second and later dead letters of one message: a rejection delivered again is
    dead-lettered again (harmless: the DLQ is read by people, not replayed blindly)."""


@dataclass(frozen=True)
class NotificationAccount:
    expected: int
    published: int
    duplicated: int
    given_up: int
    """Stream records sent to the on-failure destination (orders or not)."""
    lost: tuple[tuple[str, int], ...]
    unstored: tuple[tuple[str, int], ...] = field(default=())
    """Announced, yet no such change is stored: what a dual write would produce."""


def _attribute(message: Mapping[str, Any], name: str) -> str | None:
    value = message.get("MessageAttributes", {}).get(name, {}).get("StringValue")
    return None if value is None else str(value)


def dead_letter_names(message: Mapping[str, Any]) -> set[str]:
    names = {
        _attribute(message, contract.SOURCE_MESSAGE_ID_ATTRIBUTE),
        _attribute(message, contract.REQUEST_ID_ATTRIBUTE),
        str(message["MessageId"]),
    }
    return {name for name in names if name}


def dead_letter_reason(message: Mapping[str, Any]) -> str:
    return _attribute(message, contract.REJECTION_REASON_ATTRIBUTE) or RETRIES_EXHAUSTED


def _is_stored(message: SentMessage, items: Mapping[str, Mapping[str, Any]]) -> bool:
    try:
        order = parse_order(message.body)
    except OrderRejected:
        return False
    item = items.get(order["orderId"])
    return item is not None and item.get("fingerprint") == fingerprint(order)


def account_orders(
    sent: Sequence[SentMessage],
    items: Mapping[str, Mapping[str, Any]],
    dead_letters: Sequence[Mapping[str, Any]],
) -> OrderAccount:
    index_by_name = {name: index for index, message in enumerate(sent) for name in message.names()}
    letters_by_message: dict[int, list[Mapping[str, Any]]] = {}
    strangers = 0
    for letter in dead_letters:
        indexes = {
            index_by_name[name] for name in dead_letter_names(letter) if name in index_by_name
        }
        if not indexes:
            strangers += 1
        for index in indexes:
            letters_by_message.setdefault(index, []).append(letter)
    stored = dead = 0
    lost: list[SentMessage] = []
    reasons: Counter[str] = Counter()
    for index, message in enumerate(sent):
        letters = letters_by_message.get(index, [])
        if _is_stored(message, items):
            stored += 1
        elif letters:
            dead += 1
            reasons[dead_letter_reason(letters[0])] += 1
        else:
            lost.append(message)
    repeated = sum(len(letters) - 1 for letters in letters_by_message.values())
    return OrderAccount(stored, dead, tuple(lost), dict(reasons), strangers, repeated)


def monitor_problems(
    sent: Sequence[SentMessage],
    monitors: Mapping[str, Mapping[str, Any]],
    items: Mapping[str, Mapping[str, Any]],
    dead_letters: Sequence[Mapping[str, Any]],
) -> list[str]:
    """Where an order's status monitor (its answer, by request id) disagrees with where the
    order ended; a lost order has no right answer and is reported as lost instead."""
    letters = {
        name: letter for letter in dead_letters for name in dead_letter_names(letter) if name
    }
    problems = []
    for message in sent:
        if message.request_id is None:
            continue
        view = monitors.get(message.request_id, {})
        said = (view.get("status"), view.get("reason"))
        letter = next((letters[name] for name in message.names() if name in letters), None)
        if _is_stored(message, items):
            expected: tuple[str | None, str | None] = ("STORED", None)
        elif letter is None:
            continue
        elif dead_letter_reason(letter) == RETRIES_EXHAUSTED:
            expected = ("QUEUED", None)
        else:
            expected = ("REJECTED", dead_letter_reason(letter))
        if said != expected:
            problems.append(
                f"the monitor of request {message.request_id} says {said}, expected {expected}"
            )
    return problems


def _change_key(image: Mapping[str, Any]) -> tuple[str, int] | None:
    """(orderId, version) of a stream record's new image, None when it is no order."""
    order_id = image.get(contract.ORDER_KEY, {}).get("S")
    version = image.get(contract.ORDER_VERSION_FIELD, {}).get("N")
    if order_id is None or version is None:
        return None
    return str(order_id), int(version)


def _given_up_records(
    stream_records: Iterable[Mapping[str, Any]], failures: Iterable[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    ranges = [
        (int(info["startSequenceNumber"]), int(info["endSequenceNumber"]))
        for info in (failure["DDBStreamBatchInfo"] for failure in failures)
    ]
    return [
        record
        for record in stream_records
        if any(start <= int(record["dynamodb"]["SequenceNumber"]) <= end for start, end in ranges)
    ]


def account_notifications(
    items: Mapping[str, Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    stream_records: Sequence[Mapping[str, Any]],
    failures: Sequence[Mapping[str, Any]],
) -> NotificationAccount:
    versions = {
        order_id: item.get(contract.ORDER_VERSION_FIELD) for order_id, item in items.items()
    }
    expected = {
        (order_id, version)
        for order_id, latest in versions.items()
        # An item without a whole version is no order (nothing the processor stored).
        if isinstance(latest, Decimal) and latest == latest.to_integral_value()
        for version in range(1, int(latest) + 1)
    }
    received = [(str(event["orderId"]), int(event["version"])) for event in events]
    published = set(received)
    given_up = _given_up_records(stream_records, failures)
    given_up_keys = {
        key
        for key in (_change_key(record["dynamodb"].get("NewImage", {})) for record in given_up)
        if key
    }
    return NotificationAccount(
        expected=len(expected),
        published=len(published & expected),
        duplicated=len(received) - len(published),
        given_up=len(given_up),
        lost=tuple(sorted(expected - published - given_up_keys)),
        unstored=tuple(sorted(published - expected)),
    )
