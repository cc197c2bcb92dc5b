"""What API callers send the read and status handlers, checked: pure functions, no AWS calls.

Identifiers follow the order schema's own rule, so an id the API refuses here is one the
processor could never have stored.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

import fastjsonschema

from handlers import contract
from handlers.json_text import InvalidJson, parse_json
from handlers.order_status import OrderStatus
from handlers.orders import ORDER_SCHEMA, timestamp_from_epoch_millis
from handlers.rest_api import ApiError
from handlers.transitions import STATUS_CHANGE_SCHEMA

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

CURSOR_KEYS = frozenset(
    {contract.ORDER_KEY, contract.CUSTOMER_INDEX_PARTITION_KEY, contract.CUSTOMER_INDEX_SORT_KEY}
)


# Compiled on first use, not at import: the reader never sees a status change, and a
# cold start should not pay for what its first invocation may not need.
@cache
def _identifier_validator() -> Callable[[Any], Any]:
    return fastjsonschema.compile(ORDER_SCHEMA["definitions"]["identifier"])


@cache
def _status_change_validator() -> Callable[[Any], Any]:
    return fastjsonschema.compile(STATUS_CHANGE_SCHEMA)


class InvalidRequest(ApiError, ValueError):
    """The caller sent something no retry can fix: answered with 400 and this message."""

    status_code = 400


def require_identifier(name: str, value: str) -> str:
    try:
        _identifier_validator()(value)
    except fastjsonschema.JsonSchemaValueException as error:
        raise InvalidRequest(f"{name} is not a valid identifier: {error.message}") from error
    return value


def page_size(limit: str | None) -> int:
    """The `limit` query parameter: default 20, more than 100 is served as 100."""
    if limit is None:
        return DEFAULT_PAGE_SIZE
    if not limit.isascii() or not limit.isdigit() or int(limit) < 1:
        raise InvalidRequest(f"limit must be a whole number from 1, got {limit!r}")
    return min(int(limit), MAX_PAGE_SIZE)


def encode_cursor(last_key: Mapping[str, str]) -> str:
    """An opaque token for the next page: the index position the query stopped at."""
    compact = json.dumps(dict(sorted(last_key.items())), separators=(",", ":"))
    return base64.urlsafe_b64encode(compact.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, customer_id: str) -> dict[str, str]:
    """The position a cursor stands for, refused unless it is one this API could have issued
    for this very customer."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error) as error:
        raise InvalidRequest("cursor is not one this API issued") from error
    if not isinstance(key, dict) or set(key) != CURSOR_KEYS:
        raise InvalidRequest("cursor is not one this API issued")
    if key[contract.CUSTOMER_INDEX_PARTITION_KEY] != customer_id:
        raise InvalidRequest("cursor belongs to another customer's listing")
    if not all(isinstance(value, str) for value in key.values()):
        raise InvalidRequest("cursor is not one this API issued")
    require_identifier("cursor order", key[contract.ORDER_KEY])
    if not _is_timestamp(key[contract.CUSTOMER_INDEX_SORT_KEY]):
        raise InvalidRequest("cursor is not one this API issued")
    return key


def _is_timestamp(text: str) -> bool:
    """True only for the exact form the processor stores as createdAt."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return False
    if moment.tzinfo is None:
        return False
    epoch_millis = round(moment.astimezone(UTC).timestamp() * 1000)
    return timestamp_from_epoch_millis(epoch_millis) == text


def requested_status(body: str | None) -> OrderStatus:
    """The target status of a PATCH body `{"status": ...}`."""
    try:
        document = parse_json(body or "")
    except InvalidJson as error:
        raise InvalidRequest(f"body is not valid JSON: {error}") from error
    try:
        _status_change_validator()(document)
    except fastjsonschema.JsonSchemaValueException as error:
        raise InvalidRequest(f"body is not a status change: {error.message}") from error
    return OrderStatus(document["status"])
