"""API Gateway request models, derived from the handlers' schemas: never a second copy.

API Gateway validates bodies against JSON Schema draft-04 models that must stand alone.
The order schema is draft-07 with `definitions`; `to_draft_04` inlines its references,
rewrites `const`, and refuses any keyword it cannot carry over (or API Gateway would
ignore), or a pattern whose end anchor API Gateway reads differently, so a model can never
silently accept what the processor would reject.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from handlers.transitions import STATUS_CHANGE_SCHEMA

DRAFT_04 = "http://json-schema.org/draft-04/schema#"
LOCAL_REFERENCE = "#/definitions/"

# Keywords whose values are schemas, lists of schemas, or maps of names to schemas.
SCHEMA_KEYWORDS = frozenset({"items", "additionalItems", "additionalProperties", "not"})
SCHEMA_LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf"})
SCHEMA_MAP_KEYWORDS = frozenset({"properties", "patternProperties"})
# Draft-04 keywords that carry over unchanged.
PLAIN_KEYWORDS = frozenset(
    {"type", "enum", "title", "description", "default", "format", "required", "minLength",
     "maxLength", "pattern", "minimum", "maximum", "multipleOf", "minItems", "maxItems",
     "uniqueItems", "minProperties", "maxProperties"}
)  # fmt: skip
# Annotations with no effect on validation; draft-04 does not know them.
DROPPED_KEYWORDS = frozenset({"$schema", "$id", "$comment", "definitions", "examples"})
# Draft-04 has these, but API Gateway's OpenAPI import does not support them: a model
# would silently accept more than the schema.
UNSUPPORTED_BY_API_GATEWAY = frozenset({"exclusiveMinimum", "exclusiveMaximum"})
# End anchors that mean "end of the text" in one regex dialect and something else in another:
# `$` also matches before a final line break in Python ("\n") and in java.util.regex ("\n",
# "\r\n", "\r", U+0085, U+2028, U+2029), `\Z` does too in Java, and ECMA-262 reads `\Z` and
# `\z` as plain letters. API Gateway's validator runs on Java and does not document its regex
# engine, so only `(?![\s\S])` ("no character follows"), the very end in all three, is safe.
LOOSE_END_ANCHORS = frozenset({"$", "\\Z", "\\z"})
# A pattern read token by token (an escape, a whole character class, or one character), so
# that an escaped `\$` or a `[$]` is not taken for an anchor.
PATTERN_TOKEN = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|.", re.DOTALL)
# Siblings of `$ref` that draft-07 ignores and that stay harmless once the reference is inlined.
REFERENCE_ANNOTATIONS = frozenset({"title", "description"})


class UnsupportedSchema(ValueError):
    """The schema uses something API Gateway's draft-04 models cannot express."""


def order_schema() -> dict[str, Any]:
    """THE order schema, read from the handlers package the processor validates with."""
    text = resources.files("handlers").joinpath("order.schema.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def to_draft_04(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A standalone draft-04 copy of a draft-07 schema."""
    root = {keyword: value for keyword, value in schema.items() if keyword not in DROPPED_KEYWORDS}
    return {"$schema": DRAFT_04, **_convert(root, schema.get("definitions", {}), ())}


def _convert(
    node: Mapping[str, Any], definitions: Mapping[str, Any], resolving: tuple[str, ...]
) -> dict[str, Any]:
    if "$ref" in node:
        return _inline(node, definitions, resolving)
    converted: dict[str, Any] = {}
    for keyword, value in node.items():
        if keyword == "pattern" and (anchor := _loose_end_anchor(value)):
            raise UnsupportedSchema(
                f"pattern {value!r} ends at {anchor}, which API Gateway (Java), Python and"
                " ECMA-262 read differently; end it with (?![\\s\\S])"
            )
        if keyword in PLAIN_KEYWORDS:
            converted[keyword] = value
        elif keyword in SCHEMA_KEYWORDS:
            converted[keyword] = _subschema(value, definitions, resolving)
        elif keyword in SCHEMA_LIST_KEYWORDS:
            converted[keyword] = [_convert(item, definitions, resolving) for item in value]
        elif keyword in SCHEMA_MAP_KEYWORDS:
            converted[keyword] = {
                name: _convert(item, definitions, resolving) for name, item in value.items()
            }
        elif keyword == "const":
            converted["enum"] = [value]
        elif keyword in UNSUPPORTED_BY_API_GATEWAY:
            raise UnsupportedSchema(f"{keyword!r} is not supported by API Gateway models")
        elif keyword not in DROPPED_KEYWORDS:
            raise UnsupportedSchema(f"{keyword!r} has no draft-04 equivalent")
    return converted


def _loose_end_anchor(pattern: str) -> str | None:
    """The first of LOOSE_END_ANCHORS the pattern uses as an anchor, if any."""
    tokens = (token.group() for token in PATTERN_TOKEN.finditer(pattern))
    return next((token for token in tokens if token in LOOSE_END_ANCHORS), None)


def _subschema(value: Any, definitions: Mapping[str, Any], resolving: tuple[str, ...]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return [_convert(item, definitions, resolving) for item in value]
    return _convert(value, definitions, resolving)


def _inline(
    node: Mapping[str, Any], definitions: Mapping[str, Any], resolving: tuple[str, ...]
) -> dict[str, Any]:
    reference = node["$ref"]
    name = reference.removeprefix(LOCAL_REFERENCE)
    if not reference.startswith(LOCAL_REFERENCE) or name not in definitions:
        raise UnsupportedSchema(f"only local definitions can be inlined, not {reference!r}")
    if name in resolving:
        raise UnsupportedSchema(f"{reference!r} refers to itself; it cannot be inlined")
    siblings = set(node) - {"$ref"}
    if not siblings <= REFERENCE_ANNOTATIONS:
        raise UnsupportedSchema(f"{sorted(siblings)} next to $ref are ignored by draft-07")
    inlined = _convert(definitions[name], definitions, (*resolving, name))
    return {**inlined, **{keyword: node[keyword] for keyword in siblings}}


def order_request_model() -> dict[str, Any]:
    """The draft-04 model of a POST /orders body."""
    return to_draft_04(order_schema())


def status_change_model() -> dict[str, Any]:
    """The draft-04 model of a PATCH /orders/{orderId} body."""
    return to_draft_04(STATUS_CHANGE_SCHEMA)


def identifier_model() -> dict[str, Any]:
    """The order schema's identifier rule on its own, for path parameters."""
    schema = order_schema()
    return to_draft_04({"definitions": schema["definitions"], "$ref": "#/definitions/identifier"})
