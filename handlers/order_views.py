"""How a stored order is shown to API callers: pure functions, no AWS calls.

DynamoDB returns every number as Decimal. Counts become JSON integers; money stays a
decimal string with two places, the form callers send prices in, so no binary float ever
carries it. Internal attributes (fingerprint, schema version) are not shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from handlers import contract

_deserializer = TypeDeserializer()


def item_values(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item (or key) as the client returns it, as plain Python values."""
    return {name: _deserializer.deserialize(value) for name, value in attributes.items()}


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _line_view(line: Mapping[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {"sku": line["sku"], "quantity": int(line["quantity"])}
    if "unitPrice" in line:
        view["unitPrice"] = money(line["unitPrice"])
    return view


def order_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """The public form of a stored order item (already deserialized to Python values)."""
    view: dict[str, Any] = {
        contract.ORDER_KEY: item[contract.ORDER_KEY],
        contract.CUSTOMER_INDEX_PARTITION_KEY: item[contract.CUSTOMER_INDEX_PARTITION_KEY],
        contract.ORDER_STATUS_FIELD: item[contract.ORDER_STATUS_FIELD],
        "items": [_line_view(line) for line in item["items"]],
        contract.CUSTOMER_INDEX_SORT_KEY: item[contract.CUSTOMER_INDEX_SORT_KEY],
        contract.ORDER_UPDATED_AT_FIELD: item[contract.ORDER_UPDATED_AT_FIELD],
        contract.ORDER_VERSION_FIELD: int(item[contract.ORDER_VERSION_FIELD]),
    }
    if "total" in item:
        view["total"] = money(item["total"])
    return view
