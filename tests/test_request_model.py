"""The API Gateway models: derived from the handlers' schemas, judging bodies as they do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from api.request_model import (
    DRAFT_04,
    UnsupportedSchema,
    identifier_model,
    order_request_model,
    order_schema,
    status_change_model,
    to_draft_04,
)
from handlers.api_input import InvalidRequest, requested_status
from handlers.orders import OrderRejected, parse_order

SEED = {"orderId": "123", "customerId": "456", "items": ["item1", "item2"]}

VALID = [
    SEED,
    {**SEED, "items": [{"sku": "A-1", "quantity": 2, "unitPrice": "9.99"}]},
    {**SEED, "items": ["plain", {"sku": "B.2", "quantity": 1000}, {"sku": "C", "quantity": 1}]},
    {**SEED, "items": [{"sku": "P", "quantity": 1, "unitPrice": "1234567.89"}]},
    {**SEED, "orderId": "x" * 64, "items": ["s"] * 100},
]
INVALID = [
    {},
    [],
    "order",
    {key: value for key, value in SEED.items() if key != "items"},
    {**SEED, "extra": 1},
    {**SEED, "orderId": ""},
    {**SEED, "orderId": "x" * 65},
    {**SEED, "orderId": "-starts-with-dash"},
    {**SEED, "orderId": 123},
    {**SEED, "customerId": "has space"},
    {**SEED, "items": []},
    {**SEED, "items": ["s"] * 101},
    {**SEED, "items": [""]},
    {**SEED, "items": [7]},
    {**SEED, "items": [{"sku": "A"}]},
    {**SEED, "items": [{"sku": "A", "quantity": 0}]},
    {**SEED, "items": [{"sku": "A", "quantity": 1001}]},
    {**SEED, "items": [{"sku": "A", "quantity": "2"}]},
    {**SEED, "items": [{"sku": "A", "quantity": 1, "unitPrice": 9.99}]},
    {**SEED, "items": [{"sku": "A", "quantity": 1, "unitPrice": "9.999"}]},
    {**SEED, "items": [{"sku": "A", "quantity": 1, "unitPrice": "01.00"}]},
    {**SEED, "items": [{"sku": "A", "quantity": 1, "colour": "red"}]},
    # A line break before or after a value: `$` would let the trailing ones through.
    {**SEED, "orderId": "abc\n"},
    {**SEED, "orderId": "abc\r\n"},
    {**SEED, "orderId": "\nabc"},
    {**SEED, "customerId": "456\n"},
    {**SEED, "items": ["item1\n"]},
    {**SEED, "items": [{"sku": "A", "quantity": 1, "unitPrice": "9.99\n"}]},
]


def _processor_accepts(document: Any) -> bool:
    try:
        parse_order(json.dumps(document))
    except OrderRejected:
        return False
    return True


def _model_accepts(model: dict[str, Any], document: Any) -> bool:
    return Draft4Validator(model).is_valid(document)


ORDER_MODEL = Draft4Validator(order_request_model())


def test_the_model_is_a_valid_standalone_draft_04_schema() -> None:
    model = order_request_model()
    assert model["$schema"] == DRAFT_04
    Draft4Validator.check_schema(model)
    text = json.dumps(model)
    assert "$ref" not in text
    assert "definitions" not in text


@pytest.mark.parametrize("document", VALID, ids=range(len(VALID)))
def test_bodies_the_processor_accepts_pass_the_model(document: Any) -> None:
    assert _processor_accepts(document)
    assert _model_accepts(order_request_model(), document)


@pytest.mark.parametrize("document", INVALID, ids=range(len(INVALID)))
def test_bodies_the_processor_rejects_fail_the_model(document: Any) -> None:
    assert not _processor_accepts(document)
    assert not _model_accepts(order_request_model(), document)


# Each part is valid three times out of four, so a fair share of the generated orders is
# accepted and both verdicts get compared.
def _mostly(
    valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return st.one_of(valid, valid, valid, invalid)


_identifiers = _mostly(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,8}", fullmatch=True),
    st.sampled_from(["", "-x", "x" * 65, "a b", "é", 7]),
)
_skus = _mostly(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,8}", fullmatch=True),
    st.sampled_from(["", ".x", "a" * 65, 3]),
)
_quantities = _mostly(
    st.integers(min_value=1, max_value=1000), st.sampled_from([0, 1001, "2", None, 2.5])
)
_prices = _mostly(
    st.sampled_from(["9.99", "0", "0.5", "1234567.89"]),
    st.sampled_from(["12345678", "9.999", "01", "", 9.99]),
)
_line_items = _mostly(
    st.fixed_dictionaries({"sku": _skus, "quantity": _quantities}, optional={"unitPrice": _prices}),
    st.fixed_dictionaries({"sku": _skus}, optional={"colour": st.just("red")}),
)
_items = _mostly(st.lists(_mostly(_skus, _line_items), min_size=1, max_size=3), st.just([]))
_orders = _mostly(
    st.fixed_dictionaries({"orderId": _identifiers, "customerId": _identifiers, "items": _items}),
    st.fixed_dictionaries(
        {}, optional={"orderId": _identifiers, "items": _items, "extra": st.booleans()}
    ),
)


@settings(max_examples=200, deadline=None)
@given(_orders)
def test_model_and_processor_agree_on_generated_bodies(document: dict[str, Any]) -> None:
    assert ORDER_MODEL.is_valid(document) == _processor_accepts(document)


@pytest.mark.parametrize(
    "body",
    [
        {"status": "CONFIRMED"},
        {"status": "PENDING"},
        {"status": "X"},
        {},
        {"status": "SHIPPED", "a": 1},
    ],
)
def test_the_status_change_model_agrees_with_the_status_updater(body: dict[str, Any]) -> None:
    try:
        requested_status(json.dumps(body))
        accepted = True
    except InvalidRequest:
        accepted = False
    assert _model_accepts(status_change_model(), body) is accepted


@pytest.mark.parametrize(
    ("identifier", "valid"), [("abc", True), ("abc\n", False), ("abc\r\n", False), ("\nabc", False)]
)
def test_the_identifier_model_takes_the_whole_id_line_breaks_included(
    identifier: str, valid: bool
) -> None:
    assert _model_accepts(identifier_model(), identifier) is valid


def test_the_status_change_model_refuses_a_status_with_a_line_break() -> None:
    assert _model_accepts(status_change_model(), {"status": "CONFIRMED"})
    assert not _model_accepts(status_change_model(), {"status": "CONFIRMED\n"})


def test_the_identifier_model_is_the_schema_definition() -> None:
    definition = order_schema()["definitions"]["identifier"]
    assert {
        key: value for key, value in identifier_model().items() if key != "$schema"
    } == definition


def test_draft_07_only_keywords_are_rewritten_or_dropped() -> None:
    converted = to_draft_04(
        {"type": "object", "properties": {"kind": {"const": "order"}}, "$comment": "dropped"}
    )
    assert converted["properties"]["kind"] == {"enum": ["order"]}
    assert "$comment" not in converted
    validator = Draft4Validator(converted)
    assert validator.is_valid({"kind": "order"})
    assert not validator.is_valid({"kind": "other"})


@pytest.mark.parametrize("pattern", [r"^a(?![\s\S])", r"^\$[0-9]+(?![\s\S])", r"^[$€]"])
def test_a_dollar_sign_that_is_no_end_anchor_is_carried_over(pattern: str) -> None:
    assert to_draft_04({"type": "string", "pattern": pattern})["pattern"] == pattern


@pytest.mark.parametrize(
    ("schema", "complaint"),
    [
        ({"if": {"type": "string"}, "then": {"minLength": 1}}, "'if' has no draft-04"),
        ({"type": "array", "contains": {"type": "string"}}, "'contains' has no draft-04"),
        ({"type": "integer", "exclusiveMinimum": 0}, "not supported by API Gateway"),
        ({"type": "string", "pattern": "^a$"}, r"ends at \$"),
        ({"type": "string", "pattern": "^(a|b$)"}, r"ends at \$"),
        ({"type": "string", "pattern": r"^a\Z"}, r"ends at \\Z"),
        ({"type": "string", "pattern": r"^a\z"}, r"ends at \\z"),
        ({"$ref": "other.json#/definitions/x"}, "only local definitions"),
        ({"$ref": "#/definitions/missing", "definitions": {}}, "only local definitions"),
        (
            {
                "definitions": {"a": {"items": {"$ref": "#/definitions/a"}}},
                "$ref": "#/definitions/a",
            },
            "refers to itself",
        ),
        (
            {
                "definitions": {"a": {"type": "string"}},
                "properties": {"x": {"$ref": "#/definitions/a", "maxLength": 3}},
            },
            "ignored by draft-07",
        ),
    ],
)
def test_what_draft_04_cannot_express_is_refused_not_dropped(
    schema: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(UnsupportedSchema, match=complaint):
        to_draft_04(schema)
