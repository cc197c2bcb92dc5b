"""The order event contract: the schema is valid JSON Schema, the AsyncAPI document is a
well-formed AsyncAPI 3.0 document that refers to it, the code's names agree with it, and the
notifier's own check (fastjsonschema) and a subscriber's (jsonschema, through the AsyncAPI
document) judge events alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlparse
from urllib.request import url2pathname

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from components.code_archive import handlers_archive
from handlers import contract
from handlers.event_contract import (
    ATTRIBUTES_SUFFIX,
    DEFINITIONS,
    EVENT_TYPES,
    ORDER_EVENT_SCHEMA,
    ORDER_EVENT_SCHEMA_PATH,
    ContractViolation,
    check_event,
)
from handlers.order_status import OrderStatus
from handlers.orders import ORDER_SCHEMA
from tools.order_events.contract import (
    ASYNCAPI_PATH,
    breaches,
    load_document,
    message_schemas,
    resolve_pointer,
)

# No JSON Schema of AsyncAPI 3.0 installs from PyPI (the official one lives in the
# asyncapi/spec-json-schemas npm package): this checks the structure the specification
# requires of the parts the document uses (https://www.asyncapi.com/docs/reference/specification/v3.0.0).
REFERENCE = {
    "type": "object",
    "required": ["$ref"],
    "properties": {"$ref": {"type": "string", "minLength": 1}},
}
SCHEMA_OR_REFERENCE = {"type": "object"}
ASYNCAPI_3_STRUCTURE: dict[str, Any] = {
    "type": "object",
    "required": ["asyncapi", "info"],
    "additionalProperties": False,
    "patternProperties": {"^x-": {}},
    "properties": {
        "asyncapi": {"const": "3.0.0"},
        "id": {"type": "string"},
        "info": {
            "type": "object",
            "required": ["title", "version"],
            "properties": {
                "title": {"type": "string", "minLength": 1},
                "version": {"type": "string", "minLength": 1},
                "description": {"type": "string"},
            },
        },
        "defaultContentType": {"type": "string"},
        "channels": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "address": {"type": ["string", "null"]},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "messages": {"type": "object", "additionalProperties": REFERENCE},
                },
            },
        },
        "operations": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["action", "channel"],
                "properties": {
                    "action": {"enum": ["send", "receive"]},
                    "channel": REFERENCE,
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "messages": {"type": "array", "items": REFERENCE},
                },
            },
        },
        "components": {
            "type": "object",
            "properties": {
                "messages": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[a-zA-Z0-9.\\-_]+$"},
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "title": {"type": "string"},
                            "contentType": {"type": "string"},
                            "headers": SCHEMA_OR_REFERENCE,
                            "payload": SCHEMA_OR_REFERENCE,
                        },
                    },
                }
            },
        },
    },
}

DOCUMENT = load_document()


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []


def _external(reference: str) -> tuple[Path, str]:
    """The file and JSON pointer an external reference of the AsyncAPI document names."""
    target, pointer = urldefrag(urljoin(ASYNCAPI_PATH.as_uri(), reference))
    return Path(url2pathname(urlparse(target).path)), f"#{pointer}"


def _valid_body(event_type: str) -> dict[str, Any]:
    return {
        "eventType": event_type,
        "orderId": "o-1",
        "customerId": "c-1",
        "oldStatus": None if event_type == contract.ORDER_CREATED_EVENT else "PENDING",
        "newStatus": "PENDING" if event_type == contract.ORDER_CREATED_EVENT else "SHIPPED",
        "timestamp": "2025-11-25T10:00:00.123Z",
        "version": 1 if event_type == contract.ORDER_CREATED_EVENT else 3,
        "schemaVersion": 1,
    }


def _attributes_of(body: dict[str, Any]) -> dict[str, str]:
    return {
        contract.EVENT_TYPE_ATTRIBUTE: body["eventType"],
        contract.STATUS_ATTRIBUTE: body["newStatus"],
        contract.CUSTOMER_ID_ATTRIBUTE: body["customerId"],
    }


def _as_delivered(attributes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
    }


def test_the_event_schema_is_valid_draft_07() -> None:
    Draft7Validator.check_schema(ORDER_EVENT_SCHEMA)


def test_the_asyncapi_document_has_the_structure_asyncapi_3_requires() -> None:
    errors = [
        f"{error.json_path}: {error.message}"
        for error in Draft7Validator(ASYNCAPI_3_STRUCTURE).iter_errors(DOCUMENT)
    ]
    assert errors == []


def test_the_structure_check_catches_a_broken_document() -> None:
    broken = {**DOCUMENT, "asyncapi": "2.6.0", "operations": {"x": {"action": "publish"}}}

    messages = {
        error.message for error in Draft7Validator(ASYNCAPI_3_STRUCTURE).iter_errors(broken)
    }

    assert "'3.0.0' was expected" in messages
    assert "'channel' is a required property" in messages
    assert "'publish' is not one of ['send', 'receive']" in messages


def test_every_reference_of_the_asyncapi_document_lands() -> None:
    references = _references(DOCUMENT)
    assert references
    for reference in references:
        if reference.startswith("#"):
            resolve_pointer(DOCUMENT, reference)
            continue
        path, pointer = _external(reference)
        resolve_pointer(json.loads(path.read_text(encoding="utf-8")), pointer)


def test_operations_send_only_messages_of_their_channel() -> None:
    for operation in DOCUMENT["operations"].values():
        channel_ref = operation["channel"]["$ref"]
        channel_messages = {
            f"{channel_ref}/messages/{name}"
            for name in resolve_pointer(DOCUMENT, channel_ref)["messages"]
        }
        assert {message["$ref"] for message in operation["messages"]} <= channel_messages


def test_the_document_publishes_exactly_the_schemas_event_types_from_their_definitions() -> None:
    messages = DOCUMENT["components"]["messages"]

    assert {message["name"] for message in messages.values()} == set(EVENT_TYPES)
    for message in messages.values():
        name = message["name"]
        assert _external(message["payload"]["$ref"]) == (
            ORDER_EVENT_SCHEMA_PATH,
            f"#/definitions/{name}",
        )
        assert _external(message["headers"]["$ref"]) == (
            ORDER_EVENT_SCHEMA_PATH,
            f"#/definitions/{name}{ATTRIBUTES_SUFFIX}",
        )
    assert set(message_schemas(DOCUMENT, ASYNCAPI_PATH.as_uri())) == set(EVENT_TYPES)


ORDER_EVENT_SCHEMA_FILE = (
    Path(__file__).resolve().parent.parent / "handlers/order_event.schema.json"
)


def test_the_codes_names_are_the_contracts() -> None:
    assert {contract.ORDER_CREATED_EVENT, contract.ORDER_STATUS_CHANGED_EVENT} == set(EVENT_TYPES)
    assert set(DEFINITIONS["messageAttributes"]["properties"]) == {
        contract.EVENT_TYPE_ATTRIBUTE,
        contract.STATUS_ATTRIBUTE,
        contract.CUSTOMER_ID_ATTRIBUTE,
    }
    assert DEFINITIONS["status"]["enum"] == [status.value for status in OrderStatus]
    identifier = DEFINITIONS["eventBody"]["properties"]["orderId"]["$ref"]
    assert identifier == "order.schema.json#/definitions/identifier"
    assert "identifier" in ORDER_SCHEMA["definitions"]


def test_the_lambda_archive_ships_the_schema_the_notifier_checks_against() -> None:
    assert "handlers/order_event.schema.json" in handlers_archive().assets


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_a_valid_event_passes_both_checks(event_type: str) -> None:
    body = _valid_body(event_type)

    check_event(body, _attributes_of(body))
    assert breaches(json.dumps(body), _as_delivered(_attributes_of(body))) == []


BROKEN = [
    ("extra field", lambda body, attributes: ({**body, "note": "x"}, attributes)),
    (
        "missing version",
        lambda body, attributes: ({k: v for k, v in body.items() if k != "version"}, attributes),
    ),
    ("version 0", lambda body, attributes: ({**body, "version": 0}, attributes)),
    ("version as text", lambda body, attributes: ({**body, "version": "1"}, attributes)),
    ("unknown status", lambda body, attributes: ({**body, "newStatus": "LOST"}, attributes)),
    ("bad order id", lambda body, attributes: ({**body, "orderId": "o 1"}, attributes)),
    (
        "timestamp without millis",
        lambda body, attributes: ({**body, "timestamp": "2025-11-25T10:00:00Z"}, attributes),
    ),
    (
        "attribute missing",
        lambda body, attributes: (body, {k: v for k, v in attributes.items() if k != "status"}),
    ),
    ("extra attribute", lambda body, attributes: (body, {**attributes, "orderId": "o-1"})),
    (
        "attribute of another type",
        lambda body, attributes: (
            body,
            {
                **attributes,
                "eventType": "OrderStatusChanged"
                if attributes["eventType"] == "OrderCreated"
                else "OrderCreated",
            },
        ),
    ),
]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize(("label", "breaking"), BROKEN, ids=[label for label, _ in BROKEN])
def test_a_broken_event_fails_both_checks(event_type: str, label: str, breaking: Any) -> None:
    body, attributes = breaking(_valid_body(event_type), _attributes_of(_valid_body(event_type)))

    with pytest.raises(ContractViolation):
        check_event(body, attributes)
    assert breaches(json.dumps(body), _as_delivered(attributes)), label


def test_a_created_event_with_an_old_status_and_a_change_without_one_fail() -> None:
    created = {**_valid_body(contract.ORDER_CREATED_EVENT), "oldStatus": "PENDING"}
    changed = {**_valid_body(contract.ORDER_STATUS_CHANGED_EVENT), "oldStatus": None}

    for body in (created, changed):
        with pytest.raises(ContractViolation, match="oldStatus"):
            check_event(body, _attributes_of(body))
        assert breaches(json.dumps(body), _as_delivered(_attributes_of(body)))


def test_a_delivered_attribute_must_be_a_string() -> None:
    body = _valid_body(contract.ORDER_CREATED_EVENT)
    delivered = _as_delivered(_attributes_of(body))
    delivered["status"]["DataType"] = "Number"

    assert breaches(json.dumps(body), delivered) == [
        "OrderCreated attribute status is of DataType 'Number'"
    ]


_texts = st.one_of(
    st.sampled_from(["o-1", "c-9", "", "a b", "x" * 65, "PENDING", "LOST"]), st.text(max_size=8)
)


@given(
    event_type=st.sampled_from(EVENT_TYPES),
    field=st.sampled_from(sorted(DEFINITIONS["eventBody"]["properties"])),
    value=st.one_of(st.none(), st.integers(-1, 3), _texts),
)
def test_the_notifier_and_a_subscriber_judge_any_altered_event_alike(
    event_type: str, field: str, value: Any
) -> None:
    body = {**_valid_body(event_type), field: value}
    attributes = _attributes_of(_valid_body(event_type))

    try:
        check_event(body, attributes)
        notifier_accepts = True
    except ContractViolation:
        notifier_accepts = False

    assert notifier_accepts == (breaches(json.dumps(body), _as_delivered(attributes)) == [])
