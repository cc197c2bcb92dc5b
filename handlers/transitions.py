"""The order status state machine: which status may follow which. Pure, no AWS calls.

Imported by the Pulumi program too (the PATCH request model), so it depends on nothing
but the status enum.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.order_status import OrderStatus

ALLOWED_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

# Only statuses some transition leads to can be asked for; PENDING is where orders start.
REQUESTABLE_STATUSES = tuple(
    status
    for status in OrderStatus
    if any(status in followers for followers in ALLOWED_TRANSITIONS.values())
)

STATUS_CHANGE_SCHEMA: dict[str, Any] = {
    "title": "StatusChange",
    "description": "The body of PATCH /orders/{orderId}: the status the order should move to.",
    "type": "object",
    "additionalProperties": False,
    "required": ["status"],
    "properties": {
        "status": {"type": "string", "enum": [status.value for status in REQUESTABLE_STATUSES]}
    },
}


class TransitionRefused(Exception):
    """The order's current status does not allow the requested one."""

    def __init__(self, current: OrderStatus, requested: OrderStatus) -> None:
        super().__init__(f"an order in status {current} cannot move to {requested}")
        self.current = current
        self.requested = requested


def is_allowed(current: OrderStatus, requested: OrderStatus) -> bool:
    return requested in ALLOWED_TRANSITIONS[current]


def check_transition(current: OrderStatus, requested: OrderStatus) -> None:
    if not is_allowed(current, requested):
        raise TransitionRefused(current, requested)
