"""The one reading of JSON the edge and the processor share (docs/api.md#what-counts-as-json)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from handlers.json_text import MAX_INT_DIGITS, InvalidJson, parse_json
from handlers.orders import parse_order


def test_a_repeated_name_counts_with_its_last_value() -> None:
    assert parse_json('{"orderId": "bad id!", "orderId": "E-DUP2"}') == {"orderId": "E-DUP2"}
    order = parse_order(
        '{"orderId": "bad id!", "customerId": "c", "items": ["a"], "orderId": "E-2"}'
    )
    assert order["orderId"] == "E-2"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_not_json(constant: str) -> None:
    with pytest.raises(InvalidJson, match=constant.lstrip("-")):
        parse_json(f'{{"quantity": {constant}}}')


def test_numbers_keep_their_exact_value_however_long() -> None:
    assert parse_json("[0.1, 7]") == [Decimal("0.1"), 7]
    huge = "9" * (MAX_INT_DIGITS + 1)
    assert parse_json(f"[{huge}]") == [Decimal(huge)]


def test_an_escaped_lone_surrogate_decodes_and_the_schema_refuses_it() -> None:
    assert parse_json('"\\ud800"') == "\ud800"


@pytest.mark.parametrize("text", ["", "{", "[1,]", "{'a': 1}", "\ufeff{}", "[" * 100_000])
def test_what_is_not_json_says_so(text: str) -> None:
    with pytest.raises(InvalidJson):
        parse_json(text)
