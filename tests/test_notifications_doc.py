"""docs/notifications.md names exactly what the event contract defines: the body's fields, the
message attributes and the event types; its example event keeps the contract, and the
subscriber it shows is the tested one, word for word."""

from __future__ import annotations

import inspect
import json
import re

import pytest

from handlers.event_contract import DEFINITIONS, EVENT_TYPES, ContractViolation, check_event
from handlers.publish_retries import RetryPolicy
from tests.test_docs import DOCS, section
from tools.order_events.subscriber import on_order_event

NOTIFICATIONS = (DOCS / "notifications.md").read_text(encoding="utf-8")
CODE_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)
FIELDS = set(DEFINITIONS["eventBody"]["properties"])
ATTRIBUTES = set(DEFINITIONS["messageAttributes"]["properties"])


def table_rows(text: str, first_header: str) -> dict[str, str]:
    """The rows of the table whose first header cell is `first_header`: each backticked name
    of the first cell, to the rest of the row."""
    rows: dict[str, str] = {}
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if not re.fullmatch(rf"\|\s*{re.escape(first_header)}\s*\|.*", line):
            continue
        for row in lines[number + 2 :]:
            if not row.startswith("|"):
                break
            first, _, rest = row.strip("|").partition("|")
            rows.update(dict.fromkeys(re.findall(r"`([^`]+)`", first), rest))
    return rows


def _opening() -> str:
    """The page up to its first section: where the example event is."""
    return NOTIFICATIONS.split("\n## ", 1)[0]


def code_blocks(text: str, language: str) -> list[str]:
    return [body for lang, body in CODE_BLOCK.findall(text) if lang == language]


def test_the_field_table_names_exactly_the_contracts_body_fields() -> None:
    assert set(table_rows(NOTIFICATIONS, "field")) == FIELDS


def test_the_attribute_table_names_exactly_the_contracts_message_attributes() -> None:
    assert set(table_rows(NOTIFICATIONS, "attribute")) == ATTRIBUTES


def test_the_event_types_are_the_contracts() -> None:
    event_type_row = table_rows(NOTIFICATIONS, "field")["eventType"]

    assert set(re.findall(r"`([^`]+)`", event_type_row)) == set(EVENT_TYPES)


def test_the_example_event_keeps_the_contract() -> None:
    (example,) = code_blocks(_opening(), "json")
    event = json.loads(example)

    check_event(
        event,
        {"eventType": event["eventType"], "status": event["newStatus"], "customerId": "456"},
    )


def test_the_subscriber_shown_is_the_tested_one() -> None:
    (shown,) = code_blocks(section(NOTIFICATIONS, "## Deduplicating subscribers"), "python")

    assert shown == inspect.getsource(on_order_event)


def test_a_field_the_docs_miss_or_invent_is_seen() -> None:
    edited = NOTIFICATIONS.replace("| `schemaVersion` |", "| `shapeVersion` |")

    names = set(table_rows(edited, "field"))

    assert FIELDS - names == {"schemaVersion"}
    assert names - FIELDS == {"shapeVersion"}


def test_the_contract_check_refuses_the_example_once_broken() -> None:
    (example,) = code_blocks(_opening(), "json")
    event = {**json.loads(example), "version": 0}

    with pytest.raises(ContractViolation):
        check_event(
            event, {"eventType": event["eventType"], "status": "CONFIRMED", "customerId": "456"}
        )


def test_the_retry_figures_stated_are_the_notifiers() -> None:
    policy = RetryPolicy()  # what handlers.notifier uses

    assert f"up to {policy.max_rounds} rounds" in NOTIFICATIONS
    assert f"at least {policy.safety_margin_millis // 1000} s of the invocation" in NOTIFICATIONS
