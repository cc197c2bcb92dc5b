"""What API Gateway's import leaves out of request validation, as data with sources, and the
check that fails a stack whose body model or parameter relies on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from components.model_schema import MODEL_SCHEMA_TYPE
from tools.fidelity.api_contract import REST_API, document_of
from tools.fidelity.import_caveats import (
    KNOWN_ISSUES,
    MODEL_CAVEATS,
    PARAMETER_SOURCES,
    SAM_2708,
    check_import_caveats,
    dropped_keywords,
    imported_model,
)
from tools.fidelity.recorded_stack import Stack


def _messages(stack: Stack) -> list[str]:
    return [finding.message for finding in check_import_caveats(stack)]


def _with_document(stack: Stack, edit: Callable[[dict[str, Any]], None]) -> Stack:
    document = document_of(stack)
    edit(document)
    (api,) = stack.of_type(REST_API)
    return stack.with_inputs(REST_API, api.name, body=json.dumps(document))


def test_every_caveat_quotes_its_source() -> None:
    for source in [caveat.source for caveat in MODEL_CAVEATS] + list(PARAMETER_SOURCES):
        assert source.url.startswith("https://")
        assert len(source.quote.split()) >= 5


def test_both_stacks_write_every_model_that_relies_on_a_caveat_after_import(
    stack: Stack,
) -> None:
    assert _messages(stack) == []


def test_a_model_left_as_imported_is_reported_with_what_it_relies_on(dev: Stack) -> None:
    (message,) = _messages(dev.without(MODEL_SCHEMA_TYPE, "orders-model-order"))
    assert message.startswith(
        "model Order relies on additionalProperties, anyOf, maxItems, minItems ("
    )
    assert "minItems at /properties/items" in message
    assert KNOWN_ISSUES in message


def test_a_model_written_with_another_schema_is_reported(dev: Stack) -> None:
    edited = dev.with_inputs(
        MODEL_SCHEMA_TYPE, "orders-model-order", schema=json.dumps({"type": "object"})
    )
    assert [m.split(" relies on")[0] for m in _messages(edited)] == ["model Order"]


def test_a_deliberately_bad_new_model_is_reported(dev: Stack) -> None:
    """A PATCH body model relying on minProperties, which the stack does not write again."""

    def add_model(document: dict[str, Any]) -> None:
        document["components"]["schemas"]["Patch"] = {"type": "object", "minProperties": 1}
        patch = document["paths"]["/orders/{orderId}"]["patch"]
        patch["requestBody"]["content"]["application/json"]["schema"]["$ref"] = (
            "#/components/schemas/Patch"
        )

    (message,) = _messages(_with_document(dev, add_model))
    assert message.startswith("model Patch relies on minProperties (minProperties at /)")
    assert SAM_2708 in message


def test_a_parameter_rule_no_function_checks_is_reported(dev: Stack) -> None:
    def add_parameter(document: dict[str, Any]) -> None:
        document["paths"]["/orders"]["post"]["parameters"] = [
            {"name": "shop", "in": "query", "schema": {"type": "string", "pattern": "^[a-z]+"}}
        ]

    (message,) = _messages(_with_document(dev, add_parameter))
    assert message.startswith("POST /orders parameter shop relies on pattern")


def test_import_drops_only_the_listed_keywords_and_never_a_property_name() -> None:
    model = {
        "type": "object",
        "additionalProperties": False,
        "required": ["anyOf"],
        "properties": {"anyOf": {"type": "array", "minItems": 1, "items": {"anyOf": [{}]}}},
    }
    assert imported_model(model) == {
        "type": "object",
        "required": ["anyOf"],
        "properties": {"anyOf": {"type": "array", "items": {}}},
    }
    assert sorted(dropped_keywords(model)) == [
        ("/", "additionalProperties"),
        ("/properties/anyOf", "minItems"),
        ("/properties/anyOf/items", "anyOf"),
    ]


@pytest.mark.parametrize("keyword", ["exclusiveMinimum", "oneOf", "discriminator"])
def test_other_unsupported_keywords_are_dropped_too(keyword: str) -> None:
    assert imported_model({"type": "number", keyword: 1}) == {"type": "number"}
