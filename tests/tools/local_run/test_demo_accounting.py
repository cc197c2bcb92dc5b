"""The demo's accounting: everything sent found where it belongs, or reported. Pure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers import contract
from handlers.orders import RejectionReason, fingerprint
from tools.local_run.demo_report import (
    Accounting,
    DeadLetter,
    FollowedMonitor,
    PipelineState,
    SentRequest,
    account,
    account_monitors,
)
from tools.local_run.demo_script import Outcome, ScriptedRequest
from tools.local_run.http_client import ApiAnswer

SEED = {"orderId": "123", "customerId": "456", "items": ["item1"]}
CONFLICT = {**SEED, "items": ["other"]}


def _answer(status: int, request_id: str) -> ApiAnswer:
    return ApiAnswer(status, json.dumps({"message": "m", "requestId": request_id}))


SENT = [
    SentRequest(
        ScriptedRequest("seed", "POST", "/orders", SEED, 202, Outcome.STORED),
        _answer(202, "r-1"),
    ),
    SentRequest(
        ScriptedRequest(
            "conflict",
            "POST",
            "/orders",
            CONFLICT,
            202,
            Outcome.DEAD_LETTERED,
            RejectionReason.CONFLICTING_DUPLICATE,
        ),
        _answer(202, "r-2"),
    ),
    SentRequest(ScriptedRequest("no items", "POST", "/orders", {}, 400), _answer(400, "r-3")),
]


def _state(**changes: Any) -> PipelineState:
    state = PipelineState(
        stored={
            "123": {"fingerprint": fingerprint(SEED), "status": "PENDING", "version": 1},
        },
        dead_letters=[
            DeadLetter(
                json.dumps(CONFLICT),
                {
                    contract.REQUEST_ID_ATTRIBUTE: "r-2",
                    contract.REJECTION_REASON_ATTRIBUTE: "CONFLICTING_DUPLICATE",
                },
            )
        ],
        notifications=[{"eventType": "OrderCreated", "orderId": "123", "version": 1}],
    )
    for name, value in changes.items():
        setattr(state, name, value)
    return state


def _unaccounted(state: PipelineState, sent: list[SentRequest] = SENT) -> list[str]:
    result: Accounting = account(sent, [], state)
    return result.unaccounted


def test_everything_where_it_belongs_is_accounted_for() -> None:
    assert _unaccounted(_state()) == []


@pytest.mark.parametrize(
    ("changes", "reported"),
    [
        ({"stored": {}}, "order 123 stored as sent"),
        ({"dead_letters": []}, "conflict: dead-lettered as CONFLICTING_DUPLICATE"),
        (
            {"dead_letters": [*_state().dead_letters, DeadLetter("stray", {})]},
            "no dead letter that was not expected (1)",
        ),
        ({"notifications": []}, "every stored change announced"),
        ({"queue_backlog": 2}, "order queue empty (2 left)"),
        ({"stream_failures": 1}, "no stream batch given up"),
        (
            {"contract_breaches": ["message m-1: OrderCreated body: 'note' was unexpected"]},
            "every event keeps the event contract (1 breaches) message m-1",
        ),
    ],
)
def test_anything_missing_or_extra_is_reported(changes: dict[str, Any], reported: str) -> None:
    unaccounted = _unaccounted(_state(**changes))
    assert any(reported in line for line in unaccounted), unaccounted


def test_an_unexpected_answer_is_reported() -> None:
    refused_seed = [SentRequest(SENT[0].scripted, _answer(400, "r-1")), *SENT[1:]]
    assert "seed: HTTP 400 (expected 202)" in _unaccounted(_state(), refused_seed)


def _monitor(request: SentRequest, http_status: int, **view: str) -> FollowedMonitor:
    return FollowedMonitor(request, ApiAnswer(http_status, json.dumps(view)))


def test_monitors_that_say_what_became_of_each_order_are_accounted_for() -> None:
    result = Accounting()
    account_monitors(
        [
            _monitor(SENT[0], 200, status="STORED"),
            _monitor(SENT[1], 200, status="REJECTED", reason="CONFLICTING_DUPLICATE"),
        ],
        result,
    )
    assert result.unaccounted == []
    assert len(result.passed) == 2


@pytest.mark.parametrize(
    ("monitor", "reported"),
    [
        (_monitor(SENT[0], 200, status="QUEUED"), "seed: its monitor says STORED"),
        (_monitor(SENT[0], 404, message="no submission"), "seed: its monitor says STORED"),
        (
            _monitor(SENT[1], 200, status="REJECTED", reason="INVALID_JSON"),
            "conflict: its monitor says REJECTED CONFLICTING_DUPLICATE",
        ),
        (_monitor(SENT[1], 200, status="STORED"), "conflict: its monitor says REJECTED"),
    ],
)
def test_a_monitor_that_says_otherwise_is_reported(monitor: FollowedMonitor, reported: str) -> None:
    result = Accounting()
    account_monitors([monitor], result)
    assert any(reported in line for line in result.unaccounted), result.unaccounted
