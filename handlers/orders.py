"""The rules every order meets before it is stored: pure functions, no AWS calls."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema

from handlers import contract
from handlers.json_text import InvalidJson, parse_json
from handlers.order_status import OrderStatus

ORDER_SCHEMA_PATH = Path(__file__).with_name("order.schema.json")
ORDER_SCHEMA: dict[str, Any] = json.loads(ORDER_SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _order_validator() -> Callable[[Any], Any]:
    """Compiled once per container, on first use: compiling on every call (what a one-shot
    validate() does) costs milliseconds per order, and the API handlers that import this
    module for its other rules never validate an order at all."""
    return fastjsonschema.compile(ORDER_SCHEMA)


# Version of the stored item's shape; the notifier puts it in every event.
ORDER_SCHEMA_VERSION = 1


class RejectionReason(StrEnum):
    """Why a message can never be stored, however often it is retried."""

    INVALID_JSON = "INVALID_JSON"
    SCHEMA_VIOLATION = "SCHEMA_VIOLATION"
    CONFLICTING_DUPLICATE = "CONFLICTING_DUPLICATE"


class OrderRejected(Exception):
    """A permanent failure: the message goes to the dead-letter queue with this reason."""

    def __init__(self, reason: RejectionReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse_order(body: str) -> dict[str, Any]:
    """Decode and validate one order body, or raise OrderRejected saying what is wrong.

    Decoding is `parse_json`'s, the edge's own: what the edge accepted as JSON decodes here.
    """
    try:
        document = parse_json(body)
    except InvalidJson as error:
        raise OrderRejected(RejectionReason.INVALID_JSON, str(error)) from error
    try:
        _order_validator()(document)
    except fastjsonschema.JsonSchemaValueException as error:
        raise OrderRejected(RejectionReason.SCHEMA_VIOLATION, error.message) from error
    return dict(document)


def fingerprint(order: dict[str, Any]) -> str:
    """A digest of the order's content: equal for a redelivery, different for a conflict."""
    canonical = json.dumps(order, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def timestamp_from_epoch_millis(epoch_millis: int) -> str:
    """ISO-8601 UTC with milliseconds: sorts as text, which the customer index relies on."""
    moment = datetime.fromtimestamp(epoch_millis / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _line_item(item: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(item, str):
        return {"sku": item, "quantity": 1}
    line: dict[str, Any] = {"sku": item["sku"], "quantity": item["quantity"]}
    if "unitPrice" in item:
        line["unitPrice"] = Decimal(item["unitPrice"])
    return line


def new_order_item(
    order: dict[str, Any], created_at: str, request_id: str | None = None
) -> dict[str, Any]:
    """The item stored for a newly accepted order (status PENDING, version 1), carrying the
    request id of the submission that stored it, which its status monitor looks up."""
    lines = [_line_item(item) for item in order["items"]]
    item: dict[str, Any] = {
        contract.ORDER_KEY: order["orderId"],
        contract.CUSTOMER_INDEX_PARTITION_KEY: order["customerId"],
        "items": lines,
        contract.ORDER_STATUS_FIELD: OrderStatus.PENDING.value,
        contract.CUSTOMER_INDEX_SORT_KEY: created_at,
        contract.ORDER_UPDATED_AT_FIELD: created_at,
        contract.ORDER_VERSION_FIELD: 1,
        "schemaVersion": ORDER_SCHEMA_VERSION,
        "fingerprint": fingerprint(order),
    }
    if request_id is not None:
        item[contract.ORDER_REQUEST_ID_FIELD] = request_id
    if all("unitPrice" in line for line in lines):
        item["total"] = sum((line["unitPrice"] * line["quantity"] for line in lines), Decimal(0))
    return item


def check_redelivery(stored_fingerprint: str | None, incoming_fingerprint: str) -> None:
    """Accept a redelivery of the stored order; refuse a different order under the same id."""
    if stored_fingerprint != incoming_fingerprint:
        raise OrderRejected(
            RejectionReason.CONFLICTING_DUPLICATE,
            "an order with this orderId and different content is already stored",
        )
