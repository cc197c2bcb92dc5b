"""What callers send the read and status handlers: ids, page sizes, cursors, status changes."""

from __future__ import annotations

import base64
import json

import pytest

from handlers import contract
from handlers.api_input import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    InvalidRequest,
    decode_cursor,
    encode_cursor,
    page_size,
    requested_status,
    require_identifier,
)
from handlers.order_status import OrderStatus
from handlers.orders import OrderRejected, parse_order

POSITION = {
    contract.ORDER_KEY: "order-7",
    contract.CUSTOMER_INDEX_PARTITION_KEY: "customer-1",
    contract.CUSTOMER_INDEX_SORT_KEY: "2025-11-25T10:00:00.123Z",
}


@pytest.mark.parametrize(
    "identifier", ["123", "a", "A-1_b", "x" * 64, "", "-leading", "has space", "x" * 65, "é"]
)
def test_ids_follow_the_order_schema_identifier_rule(identifier: str) -> None:
    # The processor's own verdict on an order with this id is the expected answer.
    body = json.dumps({"orderId": identifier, "customerId": "c", "items": ["sku"]})
    try:
        parse_order(body)
        storable = True
    except OrderRejected:
        storable = False
    if storable:
        assert require_identifier("orderId", identifier) == identifier
    else:
        with pytest.raises(InvalidRequest, match="orderId is not a valid identifier"):
            require_identifier("orderId", identifier)


@pytest.mark.parametrize("identifier", ["abc\n", "abc\r\n", "\nabc"])
def test_an_id_with_a_line_break_before_or_after_is_refused(identifier: str) -> None:
    assert require_identifier("orderId", "abc") == "abc"
    with pytest.raises(InvalidRequest, match="orderId is not a valid identifier"):
        require_identifier("orderId", identifier)


@pytest.mark.parametrize(
    ("limit", "expected"),
    [(None, DEFAULT_PAGE_SIZE), ("1", 1), ("37", 37), ("100", 100), ("101", 100), ("5000", 100)],
)
def test_page_size_defaults_to_20_and_is_capped_at_100(limit: str | None, expected: int) -> None:
    assert page_size(limit) == expected
    assert MAX_PAGE_SIZE == 100


@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1.5", "", " 5", "١٢"])
def test_a_limit_that_is_not_a_positive_whole_number_is_refused(limit: str) -> None:
    with pytest.raises(InvalidRequest, match="limit"):
        page_size(limit)


def test_a_cursor_round_trips_and_reveals_nothing_readable() -> None:
    cursor = encode_cursor(POSITION)
    assert decode_cursor(cursor, "customer-1") == POSITION
    assert "order-7" not in cursor
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _forged(position: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        "e30",  # {}
        _forged(["a", "b"]),
        _forged({**POSITION, "extra": "x"}),
        _forged({key: value for key, value in POSITION.items() if key != contract.ORDER_KEY}),
        _forged({**POSITION, contract.ORDER_KEY: "bad id!"}),
        _forged({**POSITION, contract.ORDER_KEY: 7}),
        _forged({**POSITION, contract.CUSTOMER_INDEX_SORT_KEY: "yesterday"}),
        _forged({**POSITION, contract.CUSTOMER_INDEX_SORT_KEY: "2025-11-25T10:00:00Z"}),
        _forged({**POSITION, contract.CUSTOMER_INDEX_SORT_KEY: "2025-11-25T10:00:00.123"}),
        encode_cursor(POSITION)[:-3],
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_tampered_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidRequest, match="cursor"):
        decode_cursor(cursor, "customer-1")


def test_a_cursor_is_only_valid_for_the_customer_it_was_issued_for() -> None:
    with pytest.raises(InvalidRequest, match="another customer"):
        decode_cursor(encode_cursor(POSITION), "customer-2")


@pytest.mark.parametrize("status", ["CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED"])
def test_a_status_change_names_a_requestable_status(status: str) -> None:
    assert requested_status(json.dumps({"status": status})) is OrderStatus(status)


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "not json",
        "[]",
        "{}",
        '{"status": "PENDING"}',
        '{"status": "confirmed"}',
        '{"status": "LOST"}',
        '{"status": 1}',
        '{"status": "CONFIRMED", "note": "x"}',
        '{"status": "CONFIRMED\\n"}',
    ],
)
def test_anything_else_is_not_a_status_change(body: str | None) -> None:
    with pytest.raises(InvalidRequest, match="body"):
        requested_status(body)
