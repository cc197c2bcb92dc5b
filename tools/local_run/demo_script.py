"""What `make demo` sends, phase by phase, and what each request should come to.

Phases run in order and the pipeline settles in between, so every outcome is
deterministic: a duplicate is sent only once its original is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from handlers.orders import RejectionReason
from tools.fidelity.aws_limits import SQS_MAX_MESSAGE_BYTES

SEED_ORDER = {"orderId": "123", "customerId": "456", "items": ["item1", "item2"]}
# SQS's message size limit in moto and AWS; a body over it passes the model (whitespace is
# valid JSON) and is refused by SQS.
SQS_MESSAGE_LIMIT_BYTES = SQS_MAX_MESSAGE_BYTES[1]
BURST_SIZE = 40


class Outcome(StrEnum):
    """Where an accepted order must end up."""

    STORED = "stored"
    DUPLICATE = "duplicate of a stored order (nothing written)"
    DEAD_LETTERED = "dead-letter queue"


@dataclass(frozen=True)
class ScriptedRequest:
    label: str
    method: str
    path: str
    body: Any
    expected_status: int
    outcome: Outcome | None = None
    """For an order the API accepts: where it must end up."""
    rejection: RejectionReason | None = None
    """For a dead-lettered order: the reason the DLQ must give."""
    content_type: str = "application/json"
    group: str | None = None
    """Requests of one group are reported as one line."""

    @property
    def order(self) -> dict[str, Any] | None:
        return self.body if isinstance(self.body, dict) and "orderId" in self.body else None


@dataclass(frozen=True)
class QueueMessage:
    """A message a producer puts on the order queue itself, bypassing the API."""

    label: str
    body: str
    rejection: RejectionReason


@dataclass(frozen=True)
class Phase:
    title: str
    requests: tuple[ScriptedRequest, ...]
    queue_messages: tuple[QueueMessage, ...] = ()


def _order(order_id: str, customer_id: str, *items: Any) -> dict[str, Any]:
    return {"orderId": order_id, "customerId": customer_id, "items": list(items)}


def _line(sku: str, quantity: int, unit_price: str | None = None) -> dict[str, Any]:
    line: dict[str, Any] = {"sku": sku, "quantity": quantity}
    if unit_price is not None:
        line["unitPrice"] = unit_price
    return line


def _accepted(
    label: str, order: dict[str, Any], outcome: Outcome = Outcome.STORED
) -> ScriptedRequest:
    return ScriptedRequest(label, "POST", "/orders", order, 202, outcome)


RICHER_ORDERS = (
    _order("A-1001", "C-7", _line("A-1", 2, "9.99"), _line("B-2", 1, "24.50")),
    _order("A-1002", "C-7", _line("KEYBOARD-US", 1, "49.00")),
    _order("A-1003", "C-8", "GIFT-CARD", _line("MUG", 4)),
    _order("A-1004", "456", _line("item3", 3, "0.99")),
)
CONFLICTING_SEED = _order("123", "456", "item1", "item9")
OVERSIZE_BODY = json.dumps(SEED_ORDER)[:-1] + " " * SQS_MESSAGE_LIMIT_BYTES + "}"

NEW_ORDERS = Phase(
    "new orders, a burst and invalid requests",
    (
        _accepted("the seed order", SEED_ORDER),
        *(_accepted(f"order {order['orderId']}", order) for order in RICHER_ORDERS),
        *(
            ScriptedRequest(
                f"burst order B-{index:03d}",
                "POST",
                "/orders",
                _order(f"B-{index:03d}", f"C-{index % 5}", _line(f"SKU-{index}", 1, "1.00")),
                202,
                Outcome.STORED,
                group=f"a burst of {BURST_SIZE} orders",
            )
            for index in range(BURST_SIZE)
        ),
        ScriptedRequest("no items", "POST", "/orders", _order("124", "456"), 400),
        ScriptedRequest(
            "an id with a space", "POST", "/orders", _order("12 5", "456", "item1"), 400
        ),
        ScriptedRequest(
            "an unknown field",
            "POST",
            "/orders",
            {**_order("126", "456", "item1"), "coupon": "FREE"},
            400,
        ),
        ScriptedRequest(
            "a price as a number",
            "POST",
            "/orders",
            _order("127", "456", {"sku": "A-1", "quantity": 1, "unitPrice": 9.99}),
            400,
        ),
        ScriptedRequest("not JSON", "POST", "/orders", '{"orderId": "128",', 400),
        ScriptedRequest(
            "not application/json",
            "POST",
            "/orders",
            json.dumps(_order("129", "456", "item1")),
            415,
            content_type="text/plain",
        ),
        ScriptedRequest("over the queue's size limit", "POST", "/orders", OVERSIZE_BODY, 413),
        ScriptedRequest("an unknown route", "POST", "/order", SEED_ORDER, 404),
    ),
)

REPEATS_AND_CHANGES = Phase(
    "a duplicate, a conflicting duplicate, status changes",
    (
        _accepted("the seed order again", SEED_ORDER, Outcome.DUPLICATE),
        ScriptedRequest(
            "order 123 with other items",
            "POST",
            "/orders",
            CONFLICTING_SEED,
            202,
            Outcome.DEAD_LETTERED,
            RejectionReason.CONFLICTING_DUPLICATE,
        ),
        ScriptedRequest("confirm 123", "PATCH", "/orders/123", {"status": "CONFIRMED"}, 200),
        ScriptedRequest("ship 123", "PATCH", "/orders/123", {"status": "SHIPPED"}, 200),
        ScriptedRequest("cancel A-1002", "PATCH", "/orders/A-1002", {"status": "CANCELLED"}, 200),
        ScriptedRequest(
            "ship the cancelled A-1002", "PATCH", "/orders/A-1002", {"status": "SHIPPED"}, 409
        ),
        ScriptedRequest("an unknown status", "PATCH", "/orders/123", {"status": "LOST"}, 400),
        ScriptedRequest("an unknown order", "PATCH", "/orders/999", {"status": "CONFIRMED"}, 404),
    ),
    (
        QueueMessage(
            "a producer's message that is not JSON", "orderId=130", RejectionReason.INVALID_JSON
        ),
        QueueMessage(
            "a producer's order without a customer",
            json.dumps({"orderId": "131", "items": ["item1"]}),
            RejectionReason.SCHEMA_VIOLATION,
        ),
    ),
)

QUERIES = Phase(
    "reads",
    (
        ScriptedRequest("order 123", "GET", "/orders/123", None, 200),
        ScriptedRequest("customer 456's orders", "GET", "/customers/456/orders", None, 200),
        ScriptedRequest(
            "customer C-7's first page", "GET", "/customers/C-7/orders?limit=1", None, 200
        ),
        ScriptedRequest("an order never sent", "GET", "/orders/124", None, 404),
        ScriptedRequest("an invalid id", "GET", "/orders/12%205", None, 400),
    ),
)

PHASES = (NEW_ORDERS, REPEATS_AND_CHANGES, QUERIES)
