"""Pure order rules: validation, normalisation, fingerprint, redelivery. No AWS."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from handlers.orders import (
    OrderRejected,
    RejectionReason,
    check_redelivery,
    fingerprint,
    new_order_item,
    parse_order,
    timestamp_from_epoch_millis,
)

SEED_BODY = '{"orderId": "123", "customerId": "456", "items": ["item1", "item2"]}'


def _body(**changes: Any) -> str:
    order: dict[str, Any] = {"orderId": "A-1", "customerId": "C_9", "items": ["sku-1"]}
    order.update(changes)
    return json.dumps(order)


def test_the_seed_request_body_is_valid() -> None:
    assert parse_order(SEED_BODY) == {
        "orderId": "123",
        "customerId": "456",
        "items": ["item1", "item2"],
    }


def test_rich_line_items_are_valid() -> None:
    order = parse_order(_body(items=[{"sku": "A-1", "quantity": 2, "unitPrice": "9.99"}, "B.2"]))
    assert order["items"][0] == {"sku": "A-1", "quantity": 2, "unitPrice": "9.99"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", RejectionReason.INVALID_JSON),
        ("", RejectionReason.INVALID_JSON),
        ('{"orderId": "1", "orderId": "bad id!", "customerId": "c", "items": ["a"]}',
         RejectionReason.SCHEMA_VIOLATION),
        ('{"orderId": "1", "customerId": "c", "items": [Infinity]}', RejectionReason.INVALID_JSON),
        ('{"orderId": "1", "customerId": "c", "items": [NaN]}', RejectionReason.INVALID_JSON),
        ("[" * 100_000 + "]" * 100_000, RejectionReason.INVALID_JSON),
        ("[]", RejectionReason.SCHEMA_VIOLATION),
        ('"just a string"', RejectionReason.SCHEMA_VIOLATION),
        (_body(orderId=""), RejectionReason.SCHEMA_VIOLATION),
        (_body(orderId="x" * 65), RejectionReason.SCHEMA_VIOLATION),
        (_body(orderId="has space"), RejectionReason.SCHEMA_VIOLATION),
        (_body(orderId=123), RejectionReason.SCHEMA_VIOLATION),
        (_body(customerId=None), RejectionReason.SCHEMA_VIOLATION),
        (_body(items=[]), RejectionReason.SCHEMA_VIOLATION),
        (_body(items=["a"] * 101), RejectionReason.SCHEMA_VIOLATION),
        (_body(items="item1"), RejectionReason.SCHEMA_VIOLATION),
        (_body(items=[{"sku": "a", "quantity": 0}]), RejectionReason.SCHEMA_VIOLATION),
        (_body(items=[{"sku": "a", "quantity": -1}]), RejectionReason.SCHEMA_VIOLATION),
        (_body(items=[{"sku": "a", "quantity": 1001}]), RejectionReason.SCHEMA_VIOLATION),
        (_body(items=[{"sku": "a", "quantity": 1.5}]), RejectionReason.SCHEMA_VIOLATION),
        (_body(items=[{"sku": "a", "quantity": 1, "unitPrice": 9.99}]),
         RejectionReason.SCHEMA_VIOLATION),
        (_body(items=[{"sku": "a", "quantity": 1, "unitPrice": "9.999"}]),
         RejectionReason.SCHEMA_VIOLATION),
        (_body(items=[{"sku": "a", "quantity": 1, "unitPrice": "-1"}]),
         RejectionReason.SCHEMA_VIOLATION),
        (_body(items=[{"quantity": 1}]), RejectionReason.SCHEMA_VIOLATION),
        (_body(extra="field"), RejectionReason.SCHEMA_VIOLATION),
        (json.dumps({"orderId": "1", "items": ["a"]}), RejectionReason.SCHEMA_VIOLATION),
    ],
)  # fmt: skip
def test_bad_payloads_are_rejected_with_their_reason(body: str, reason: RejectionReason) -> None:
    with pytest.raises(OrderRejected) as rejection:
        parse_order(body)
    assert rejection.value.reason is reason
    assert rejection.value.detail


@pytest.mark.parametrize("field", ["orderId", "customerId"])
@pytest.mark.parametrize("identifier", ["abc\n", "abc\r\n", "\nabc"])
def test_an_id_with_a_line_break_before_or_after_is_a_schema_violation(
    field: str, identifier: str
) -> None:
    assert parse_order(_body(**{field: "abc"}))[field] == "abc"
    with pytest.raises(OrderRejected, match=field) as rejection:
        parse_order(_body(**{field: identifier}))
    assert rejection.value.reason is RejectionReason.SCHEMA_VIOLATION


def test_a_schema_violation_says_where() -> None:
    with pytest.raises(OrderRejected, match=r"orderId"):
        parse_order(_body(orderId="has space"))


def test_fingerprint_ignores_key_order_but_not_content() -> None:
    order = parse_order(SEED_BODY)
    reordered = parse_order('{"items": ["item1", "item2"], "customerId": "456", "orderId": "123"}')
    changed = parse_order('{"orderId": "123", "customerId": "456", "items": ["item2", "item1"]}')
    assert fingerprint(order) == fingerprint(reordered)
    assert fingerprint(order) != fingerprint(changed)


def test_new_item_is_pending_version_one_with_decimal_amounts() -> None:
    order = parse_order(
        _body(items=[{"sku": "A", "quantity": 3, "unitPrice": "0.10"}, {"sku": "B", "quantity": 1,
              "unitPrice": "5"}])
    )  # fmt: skip
    item = new_order_item(order, created_at="2026-11-25T10:00:00.000Z")
    assert item["status"] == "PENDING"
    assert item["version"] == 1
    assert item["createdAt"] == item["updatedAt"] == "2026-11-25T10:00:00.000Z"
    assert item["fingerprint"] == fingerprint(order)
    assert item["items"][0] == {"sku": "A", "quantity": 3, "unitPrice": Decimal("0.10")}
    assert item["total"] == Decimal("5.30")
    assert isinstance(item["total"], Decimal)


def test_bare_skus_become_single_units_and_leave_the_total_unknown() -> None:
    item = new_order_item(parse_order(SEED_BODY), created_at="t")
    assert item["items"] == [{"sku": "item1", "quantity": 1}, {"sku": "item2", "quantity": 1}]
    assert "total" not in item


def test_a_redelivery_of_the_same_order_is_accepted() -> None:
    check_redelivery("abc", "abc")


@pytest.mark.parametrize("stored", ["other", None])
def test_different_content_under_a_stored_id_is_a_conflict(stored: str | None) -> None:
    with pytest.raises(OrderRejected) as rejection:
        check_redelivery(stored, "abc")
    assert rejection.value.reason is RejectionReason.CONFLICTING_DUPLICATE


def test_timestamps_are_sortable_utc_with_milliseconds() -> None:
    assert timestamp_from_epoch_millis(1_764_064_800_123) == "2025-11-25T10:00:00.123Z"
    assert timestamp_from_epoch_millis(0) == "1970-01-01T00:00:00.000Z"
