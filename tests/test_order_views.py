"""How stored orders are shown: whole numbers as integers, money as decimal strings."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from handlers.order_views import item_values, order_view
from handlers.orders import new_order_item, parse_order

CREATED_AT = "2025-11-25T10:00:00.123Z"


def _as_read_back(item: dict[str, Any]) -> dict[str, Any]:
    """The item as DynamoDB returns it: every number a Decimal."""
    serializer = TypeSerializer()
    return item_values({key: serializer.serialize(value) for key, value in item.items()})


def test_an_item_as_the_client_returns_it_reads_as_python_values() -> None:
    attributes = {
        "orderId": {"S": "o-1"},
        "version": {"N": "3"},
        "items": {"L": [{"M": {"sku": {"S": "A-1"}, "unitPrice": {"N": "9.90"}}}]},
    }

    assert item_values(attributes) == {
        "orderId": "o-1",
        "version": Decimal(3),
        "items": [{"sku": "A-1", "unitPrice": Decimal("9.90")}],
    }


def _stored(body: str) -> dict[str, Any]:
    return _as_read_back(new_order_item(parse_order(body), created_at=CREATED_AT))


def test_the_seed_order_is_shown_without_internal_attributes() -> None:
    view = order_view(
        _stored('{"orderId": "123", "customerId": "456", "items": ["item1", "item2"]}')
    )
    assert view == {
        "orderId": "123",
        "customerId": "456",
        "status": "PENDING",
        "items": [{"sku": "item1", "quantity": 1}, {"sku": "item2", "quantity": 1}],
        "createdAt": CREATED_AT,
        "updatedAt": CREATED_AT,
        "version": 1,
    }


def test_counts_are_integers_and_money_is_a_two_place_decimal_string() -> None:
    stored = _stored(
        json.dumps(
            {
                "orderId": "rich",
                "customerId": "c",
                "items": [
                    {"sku": "A", "quantity": 3, "unitPrice": "9.9"},
                    {"sku": "B", "quantity": 1, "unitPrice": "0.05"},
                ],
            }
        )
    )
    assert isinstance(stored["version"], Decimal)
    view = order_view(stored)
    assert view["items"] == [
        {"sku": "A", "quantity": 3, "unitPrice": "9.90"},
        {"sku": "B", "quantity": 1, "unitPrice": "0.05"},
    ]
    assert view["total"] == "29.75"
    assert view["version"] == 1
    # Plain json can write it: no Decimal (and no float) is left anywhere.
    assert json.loads(json.dumps(view)) == view
