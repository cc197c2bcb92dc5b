"""The accounting that decides "lost": it must see a loss, a duplicate and a stranger, and
a status monitor that says otherwise than where its order ended."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from handlers import contract
from handlers.orders import fingerprint, parse_order
from tools.ops.dead_letters import RETRIES_EXHAUSTED
from tools.reliability.accounting import (
    SentMessage,
    account_notifications,
    account_orders,
    monitor_problems,
)
from tools.reliability.figures import Figures, render_table

ORDER = json.dumps({"orderId": "o-1", "customerId": "c-1", "items": ["a"]})
OTHER = json.dumps({"orderId": "o-2", "customerId": "c-1", "items": ["b"]})


def _item(body: str, version: int = 1) -> dict[str, Any]:
    order = parse_order(body)
    return {
        contract.ORDER_KEY: order["orderId"],
        "fingerprint": fingerprint(order),
        contract.ORDER_VERSION_FIELD: Decimal(version),
    }


def _dead_letter(message_id: str, reason: str | None = None, **names: str) -> dict[str, Any]:
    attributes = {name: {"StringValue": value} for name, value in names.items()}
    if reason:
        attributes[contract.REJECTION_REASON_ATTRIBUTE] = {"StringValue": reason}
    return {"MessageId": message_id, "MessageAttributes": attributes}


def _record(sequence: int, order_id: str, version: int) -> dict[str, Any]:
    image = {contract.ORDER_KEY: {"S": order_id}, contract.ORDER_VERSION_FIELD: {"N": str(version)}}
    return {"dynamodb": {"SequenceNumber": str(sequence), "NewImage": image}}


def test_a_message_neither_stored_nor_dead_lettered_is_lost() -> None:
    sent = [SentMessage(ORDER, message_id="m-1"), SentMessage(OTHER, message_id="m-2")]

    account = account_orders(sent, {"o-1": _item(ORDER)}, [])

    assert (account.stored, account.dead_lettered) == (1, 0)
    assert account.lost == (sent[1],)


def test_a_stored_order_with_other_content_does_not_count_as_stored() -> None:
    conflicting = json.dumps({"orderId": "o-1", "customerId": "c-1", "items": ["z"]})

    account = account_orders([SentMessage(conflicting, "m-1")], {"o-1": _item(ORDER)}, [])

    assert len(account.lost) == 1


def test_dead_letters_match_by_source_id_message_id_or_request_id() -> None:
    sent = [
        SentMessage("{bad", message_id="m-1"),
        SentMessage(OTHER, message_id="m-2"),
        SentMessage("[]", request_id="r-3"),
    ]
    letters = [
        _dead_letter("d-1", "INVALID_JSON", **{contract.SOURCE_MESSAGE_ID_ATTRIBUTE: "m-1"}),
        _dead_letter("m-2"),
        _dead_letter("d-3", "SCHEMA_VIOLATION", **{contract.REQUEST_ID_ATTRIBUTE: "r-3"}),
        _dead_letter("d-4", "INVALID_JSON", **{contract.SOURCE_MESSAGE_ID_ATTRIBUTE: "m-1"}),
        _dead_letter("d-5", "INVALID_JSON"),
    ]

    account = account_orders(sent, {}, letters)

    assert (account.dead_lettered, account.lost) == (3, ())
    assert account.reasons == {"INVALID_JSON": 1, RETRIES_EXHAUSTED: 1, "SCHEMA_VIOLATION": 1}
    assert (account.repeated, account.strangers) == (1, 1)


def test_every_stored_version_is_expected_once_and_counted_where_it_went() -> None:
    items = {"o-1": _item(ORDER, version=2), "o-2": _item(OTHER), "odd": {"orderId": "odd"}}
    events = [
        {"orderId": "o-1", "version": 1},
        {"orderId": "o-1", "version": 1},
        {"orderId": "ghost", "version": 1},
    ]
    records = [_record(10, "o-1", 1), _record(11, "o-1", 2), _record(12, "odd", 1)]
    failures = [{"DDBStreamBatchInfo": {"startSequenceNumber": "11", "endSequenceNumber": "11"}}]

    account = account_notifications(items, events, records, failures)

    assert (account.expected, account.published, account.duplicated) == (3, 1, 1)
    assert account.given_up == 1
    assert account.lost == (("o-2", 1),)
    assert account.unstored == (("ghost", 1),)


def test_figures_break_on_a_loss_and_the_table_says_which() -> None:
    sent = [SentMessage(ORDER, message_id="m-1")]
    figures = Figures.of(
        "a lossy scenario",
        sent=1,
        refused=0,
        faults=0,
        orders=account_orders(sent, {}, []),
        notifications=account_notifications({}, [], [], []),
    )

    assert not figures.holds
    assert figures.lost == 1
    table = render_table([figures])
    assert "| a lossy scenario |" in table
    assert f"a lossy scenario: PROBLEM: order lost: {ORDER!r}" in table


def test_figures_break_when_an_accepted_order_is_then_rejected_by_the_processor() -> None:
    sent = [SentMessage(ORDER, message_id="m-1")]
    dead = [{"Body": ORDER, "MessageId": "m-1", "MessageAttributes": {}}]
    figures = Figures.of(
        "a lying 202",
        sent=1,
        refused=0,
        faults=0,
        orders=account_orders(sent, {}, dead),
        notifications=account_notifications({}, [], [], []),
        processor_rejections={"INVALID_JSON": 1},
    )

    assert figures.problems == ()
    assert not figures.holds


def _monitored() -> tuple[list[SentMessage], dict[str, Any], list[dict[str, Any]]]:
    """A stored order, a rejected one, and one dead-lettered after its retries."""
    conflicting = json.dumps({"orderId": "o-1", "customerId": "c-1", "items": ["z"]})
    sent = [
        SentMessage(ORDER, request_id="r-1"),
        SentMessage(conflicting, request_id="r-2"),
        SentMessage(OTHER, request_id="r-3"),
    ]
    letters = [
        _dead_letter("d-2", "CONFLICTING_DUPLICATE", **{contract.REQUEST_ID_ATTRIBUTE: "r-2"}),
        _dead_letter("d-3", **{contract.REQUEST_ID_ATTRIBUTE: "r-3"}),
    ]
    return sent, {"o-1": _item(ORDER)}, letters


def test_monitors_that_say_where_each_order_ended_raise_no_problem() -> None:
    sent, items, letters = _monitored()
    monitors = {
        "r-1": {"status": "STORED"},
        "r-2": {"status": "REJECTED", "reason": "CONFLICTING_DUPLICATE"},
        "r-3": {"status": "QUEUED"},
    }
    assert monitor_problems(sent, monitors, items, letters) == []


def test_a_monitor_that_says_otherwise_is_a_problem_naming_its_request() -> None:
    sent, items, letters = _monitored()
    monitors = {
        "r-1": {"status": "QUEUED"},
        "r-2": {"status": "REJECTED", "reason": "INVALID_JSON"},
        "r-3": {"status": "STORED"},
    }
    problems = monitor_problems(sent, monitors, items, letters)
    assert len(problems) == 3
    assert [problem.split()[4] for problem in problems] == ["r-1", "r-2", "r-3"]
