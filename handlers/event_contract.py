"""The order event contract (`order_event.schema.json`): what subscribers receive, checked before
anything is published. Pure, no AWS calls.

The schema is the single source of truth: the AsyncAPI document (api/events.asyncapi.yaml)
references it, docs/notifications.md is checked against it, and the filters a stack config may
set are read off its message attributes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import fastjsonschema

from handlers.orders import ORDER_SCHEMA

ORDER_EVENT_SCHEMA_PATH = Path(__file__).with_name("order_event.schema.json")
ORDER_EVENT_SCHEMA: dict[str, Any] = json.loads(ORDER_EVENT_SCHEMA_PATH.read_text(encoding="utf-8"))
DEFINITIONS: Mapping[str, Any] = ORDER_EVENT_SCHEMA["definitions"]
# Where the schema sits beside the order schema, so that its references to it resolve.
ORDER_EVENT_SCHEMA_URI = urljoin(ORDER_SCHEMA["$id"], ORDER_EVENT_SCHEMA_PATH.name)
# Each event type's message attributes are the definition named so.
ATTRIBUTES_SUFFIX = "Attributes"

EVENT_TYPES: tuple[str, ...] = tuple(DEFINITIONS["eventType"]["enum"])


class ContractViolation(ValueError):
    """An event that is not what the contract promises subscribers."""


def _local(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """A property's own schema, following a reference within the event schema."""
    reference = schema.get("$ref", "")
    prefix = "#/definitions/"
    return DEFINITIONS[reference.removeprefix(prefix)] if reference.startswith(prefix) else schema


def filterable_values() -> dict[str, tuple[str, ...] | None]:
    """Each message attribute filter policies can match on, with its values (None: any)."""
    properties = DEFINITIONS["messageAttributes"]["properties"]
    return {
        name: tuple(values) if (values := _local(schema).get("enum")) else None
        for name, schema in properties.items()
    }


def _order_schema(uri: str) -> Any:
    """The order schema, where the event schema refers to it: read from the package, never
    fetched (its `$id` names no server)."""
    if uri != ORDER_SCHEMA["$id"]:
        raise ContractViolation(f"the event schema refers to an unknown schema {uri}")
    return ORDER_SCHEMA


@cache
def _validator(definition: str) -> Callable[[Any], Any]:
    """Compiled once per container, on first use (compiling costs milliseconds)."""
    schema = {
        "$schema": ORDER_EVENT_SCHEMA["$schema"],
        "$id": ORDER_EVENT_SCHEMA_URI,
        "definitions": DEFINITIONS,
        "$ref": f"#/definitions/{definition}",
    }
    return fastjsonschema.compile(schema, handlers={"https": _order_schema})


def check_event(body: Mapping[str, Any], attributes: Mapping[str, str]) -> None:
    """Raises ContractViolation, naming the field, unless body and attributes are a valid
    event of the type the body names."""
    event_type = body.get("eventType")
    if event_type not in EVENT_TYPES:
        raise ContractViolation(f"eventType {event_type!r} is not one of {', '.join(EVENT_TYPES)}")
    for part, data, definition in (
        ("body", body, event_type),
        ("message attributes", attributes, f"{event_type}{ATTRIBUTES_SUFFIX}"),
    ):
        try:
            _validator(definition)(dict(data))
        except fastjsonschema.JsonSchemaValueException as violation:
            raise ContractViolation(f"{event_type} {part}: {violation.message}") from None
