"""Delivered order events checked against the AsyncAPI document, as a subscriber would check
them: each message's payload and headers schemas are followed from the document's `$ref`s
(into handlers/order_event.schema.json and on into the order schema) and applied with
jsonschema, an engine independent of the notifier's own check (fastjsonschema).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse
from urllib.request import url2pathname

import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from handlers.orders import ORDER_SCHEMA
from tools.repository import REPO_ROOT

ASYNCAPI_PATH = REPO_ROOT / "api" / "events.asyncapi.yaml"
# The contract's message attributes are all of this SNS (and SQS) DataType.
STRING_DATA_TYPE = "String"


def load_document(path: Path = ASYNCAPI_PATH) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a YAML mapping")
    return document


def resolve_pointer(document: Mapping[str, Any], reference: str) -> Any:
    """The part of `document` an internal reference (`#/a/b`) names; LookupError if none."""
    if not reference.startswith("#/"):
        raise LookupError(f"{reference} is not a reference within the document")
    node: Any = document
    for escaped in reference[2:].split("/"):
        token = escaped.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or token not in node:
            raise LookupError(f"{reference} names nothing in the document")
        node = node[token]
    return node


def _retrieve(uri: str) -> Resource[Any]:
    """Files of this repository, and the order schema under its `$id`; nothing is fetched
    from the network."""
    if uri == ORDER_SCHEMA["$id"]:
        return DRAFT7.create_resource(ORDER_SCHEMA)
    parsed = urlparse(uri)
    path = Path(url2pathname(parsed.path)).resolve()
    if parsed.scheme != "file" or not path.is_relative_to(REPO_ROOT):
        raise LookupError(f"{uri} is not a file of this repository")
    return DRAFT7.create_resource(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class MessageSchemas:
    payload: Draft7Validator
    headers: Draft7Validator


def message_schemas(document: Mapping[str, Any], document_uri: str) -> dict[str, MessageSchemas]:
    """Each message the document's send operations publish, by its `name`."""
    # `retrieve` is Registry's documented argument; mypy does not see attrs' alias for it.
    registry: Registry[Any] = Registry(retrieve=_retrieve)  # type: ignore[call-arg]

    def validator(schema_ref: Mapping[str, Any]) -> Draft7Validator:
        absolute = urljoin(document_uri, schema_ref["$ref"])
        return Draft7Validator(
            {"$ref": absolute},
            registry=registry,
            format_checker=Draft7Validator.FORMAT_CHECKER,
        )

    schemas: dict[str, MessageSchemas] = {}
    for operation in document["operations"].values():
        if operation["action"] != "send":
            continue
        for reference in operation["messages"]:
            message = resolve_pointer(document, reference["$ref"])
            if "$ref" in message:
                message = resolve_pointer(document, message["$ref"])
            schemas[message["name"]] = MessageSchemas(
                payload=validator(message["payload"]), headers=validator(message["headers"])
            )
    return schemas


@cache
def published_messages() -> dict[str, MessageSchemas]:
    """The messages of the project's own AsyncAPI document."""
    return message_schemas(load_document(), ASYNCAPI_PATH.as_uri())


def breaches(body: str, attributes: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """How a delivered message breaks the contract, each a line; none if it keeps it.

    `attributes` as SQS delivers them (raw delivery): name to `DataType` and `StringValue`.
    """
    try:
        payload = json.loads(body)
    except ValueError:
        return [f"body is not JSON: {body[:100]!r}"]
    name = payload.get("eventType") if isinstance(payload, dict) else None
    schemas = published_messages().get(str(name))
    if schemas is None:
        return [f"eventType {name!r} is no message of the contract"]
    found = [
        f"{name} attribute {attribute} is of DataType {value.get('DataType')!r}"
        for attribute, value in attributes.items()
        if value.get("DataType") != STRING_DATA_TYPE
    ]
    headers = {attribute: value.get("StringValue") for attribute, value in attributes.items()}
    for part, validator, data in (
        ("body", schemas.payload, payload),
        ("attributes", schemas.headers, headers),
    ):
        found += [
            f"{name} {part}: {error.message} at {error.json_path}"
            for error in validator.iter_errors(data)
        ]
    return found


def delivered_breaches(messages: Iterable[Mapping[str, Any]]) -> list[str]:
    """Breaches of every message received from a raw-delivery SQS subscription."""
    return [
        f"message {message.get('MessageId', '?')}: {breach}"
        for message in messages
        for breach in breaches(message["Body"], message.get("MessageAttributes", {}))
    ]
