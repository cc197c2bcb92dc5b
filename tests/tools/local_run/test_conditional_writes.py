"""Of two conditional writes racing on one item, exactly one succeeds on the local run.

DynamoDB evaluates a write's condition and applies the write as one step, so of two racing
conditional updates one wins and the other gets ConditionalCheckFailedException. moto
evaluates and applies in separate steps: straight at its server both passed their condition
in some rounds, and of two `PATCH /orders/{id}` both were answered 200, an order went from
CANCELLED to CONFIRMED and subscribers were told both (issue 14). The local run's moto
serves one DynamoDB call at a time (`serve_dynamodb_calls_one_at_a_time`); these tests race
writes many times and count, at moto's endpoint and through the API.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from botocore.exceptions import ClientError

from handlers import contract
from handlers.order_status import OrderStatus
from tools.aws_doubles.moto_setup import create_order_table
from tools.local_run.http_client import ApiAnswer, call
from tools.local_run.options import LocalOptions
from tools.local_run.pipeline import LocalPipeline
from tools.local_run.readback import take_messages

Outcome = TypeVar("Outcome")

UPDATE_ROUNDS = 40
PATCH_ROUNDS = 20
SETTLE_SECONDS = 20
# Straight at moto both updates require PENDING at version 1: whichever is applied first,
# the other's condition no longer holds.
CONTENDERS = (OrderStatus.CONFIRMED, OrderStatus.CANCELLED)
# A round whose two calls do not both reach the barrier has failed: waiting longer only hangs.
BARRIER_SECONDS = 10
SWITCH_INTERVAL_SECONDS = 1e-6


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPipeline]:
    options = LocalOptions.from_environment(
        {"LOCAL_LOG_DIR": str(tmp_path_factory.mktemp("local-logs"))}
    )
    with LocalPipeline(options) as running:
        yield running


def _race(contenders: list[Callable[[], Outcome]]) -> list[Outcome]:
    """Every contender on its own thread, released at once; their outcomes in order.

    The interpreter switches threads as often as it can meanwhile: every thread of the
    process (moto's request threads too) then runs interleaved with the others, as calls
    served in parallel do, instead of for 5 ms at a time."""
    start = threading.Barrier(len(contenders), timeout=BARRIER_SECONDS)

    def run(contender: Callable[[], Outcome]) -> Outcome:
        start.wait()
        return contender()

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    try:
        with ThreadPoolExecutor(max_workers=len(contenders)) as threads:
            return list(threads.map(run, contenders))
    finally:
        sys.setswitchinterval(switch_interval)


def _conditional_update(dynamodb: Any, table: str, order_id: str, status: OrderStatus) -> bool:
    """The status updater's write: True if it was applied, False if its condition failed."""
    try:
        dynamodb.update_item(
            TableName=table,
            Key={contract.ORDER_KEY: {"S": order_id}},
            UpdateExpression="SET #status = :requested ADD #version :one",
            ConditionExpression="#status = :pending AND #version = :first",
            ExpressionAttributeNames={
                "#status": contract.ORDER_STATUS_FIELD,
                "#version": contract.ORDER_VERSION_FIELD,
            },
            ExpressionAttributeValues={
                ":requested": {"S": status.value},
                ":one": {"N": "1"},
                ":pending": {"S": OrderStatus.PENDING.value},
                ":first": {"N": "1"},
            },
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return False
    return True


def _stored_status(dynamodb: Any, table: str, order_id: str) -> str:
    item = dynamodb.get_item(
        TableName=table, Key={contract.ORDER_KEY: {"S": order_id}}, ConsistentRead=True
    )["Item"]
    return str(item[contract.ORDER_STATUS_FIELD]["S"])


def test_of_two_racing_conditional_updates_at_moto_exactly_one_succeeds(
    pipeline: LocalPipeline,
) -> None:
    # GIVEN a table on the local run's moto (not the program's: its stream feeds the
    # notifier) and two clients, as two Lambda containers have
    dynamodb = pipeline.aws.client("dynamodb")
    table = create_order_table(dynamodb, "conditional-update-race")
    clients = [pipeline.aws.client("dynamodb") for _ in CONTENDERS]
    applied_per_round: list[int] = []
    for round_number in range(UPDATE_ROUNDS):
        order_id = f"update-race-{round_number}"
        dynamodb.put_item(
            TableName=table,
            Item={
                contract.ORDER_KEY: {"S": order_id},
                contract.ORDER_STATUS_FIELD: {"S": OrderStatus.PENDING.value},
                contract.ORDER_VERSION_FIELD: {"N": "1"},
            },
        )

        # WHEN both move it from PENDING at once
        applied = _race(
            [
                functools.partial(_conditional_update, client, table, order_id, status)
                for client, status in zip(clients, CONTENDERS, strict=True)
            ]
        )

        # THEN (checked after all rounds) one was applied, and the item holds its status
        applied_per_round.append(sum(applied))
        if sum(applied) == 1:
            winner = CONTENDERS[applied.index(True)]
            assert _stored_status(dynamodb, table, order_id) == winner.value
    assert Counter(applied_per_round) == {1: UPDATE_ROUNDS}


# Through the API the race starts from CONFIRMED: from PENDING, a cancel that arrives after
# a confirmation finished is applied too (CONFIRMED -> CANCELLED is allowed), on AWS as here.
# SHIPPED and CANCELLED exclude each other in either order.
ORDER_CONTENDERS = (OrderStatus.SHIPPED, OrderStatus.CANCELLED)


@dataclass(frozen=True)
class PatchRound:
    """One order's race: the answers to its two PATCH requests (in `ORDER_CONTENDERS`
    order), then, once the pipeline settled, its stored status and the status changes
    subscribers were told of (the local run's queue subscribed to the events topic), as
    (version, old status, new status)."""

    answers: list[ApiAnswer]
    stored: str
    announced: list[tuple[int, str, str]]

    @property
    def winner(self) -> OrderStatus | None:
        """The contender answered 200, if exactly one was."""
        accepted = [
            status
            for status, answer in zip(ORDER_CONTENDERS, self.answers, strict=True)
            if answer.status == 200
        ]
        return accepted[0] if len(accepted) == 1 else None


def _change_status(pipeline: LocalPipeline, order_id: str, status: OrderStatus) -> ApiAnswer:
    return call(pipeline.api_url, "PATCH", f"/orders/{order_id}", {"status": status.value})


@pytest.fixture(scope="module")
def patch_rounds(pipeline: LocalPipeline) -> list[PatchRound]:
    # GIVEN confirmed orders, stored by the pipeline from POST /orders
    order_ids = [f"patch-race-{round_number}" for round_number in range(PATCH_ROUNDS)]
    for order_id in order_ids:
        order = {"orderId": order_id, "customerId": "race", "items": ["a"]}
        assert call(pipeline.api_url, "POST", "/orders", order).status == 202
    assert pipeline.wait_until_idle(SETTLE_SECONDS), "the orders were not stored in time"
    for order_id in order_ids:
        assert _change_status(pipeline, order_id, OrderStatus.CONFIRMED).status == 200

    # WHEN two clients change each at once, one to SHIPPED, one to CANCELLED
    answers = [
        _race(
            [
                functools.partial(_change_status, pipeline, order_id, status)
                for status in ORDER_CONTENDERS
            ]
        )
        for order_id in order_ids
    ]
    assert pipeline.wait_until_idle(SETTLE_SECONDS), "the changes were not announced in time"

    # THEN (the tests below) one of each pair was applied, stored and announced
    inventory = pipeline.inventory()
    assert inventory.events_subscriber_url is not None
    messages = take_messages(pipeline.aws.client("sqs"), inventory.events_subscriber_url)
    changes = [
        event
        for event in (json.loads(message["Body"]) for message in messages)
        if event["eventType"] == contract.ORDER_STATUS_CHANGED_EVENT
    ]
    dynamodb = pipeline.aws.client("dynamodb")
    return [
        PatchRound(
            answers=round_answers,
            stored=_stored_status(dynamodb, inventory.table_name, order_id),
            announced=sorted(
                (event["version"], event["oldStatus"], event["newStatus"])
                for event in changes
                if event["orderId"] == order_id
            ),
        )
        for order_id, round_answers in zip(order_ids, answers, strict=True)
    ]


def test_of_two_racing_status_changes_one_gets_200_and_the_other_409(
    patch_rounds: list[PatchRound],
) -> None:
    verdicts = Counter(
        tuple(sorted(answer.status for answer in race.answers)) for race in patch_rounds
    )
    assert verdicts == {(200, 409): PATCH_ROUNDS}
    for race in patch_rounds:
        (refused,) = [answer for answer in race.answers if answer.status == 409]
        assert refused.json()["currentStatus"] == race.winner


def test_the_order_keeps_the_winners_status(patch_rounds: list[PatchRound]) -> None:
    assert [race.stored for race in patch_rounds] == [race.winner for race in patch_rounds]


def test_subscribers_are_told_only_the_winners_change(patch_rounds: list[PatchRound]) -> None:
    for race in patch_rounds:
        assert race.announced == [
            (2, OrderStatus.PENDING, OrderStatus.CONFIRMED),
            (3, OrderStatus.CONFIRMED, race.winner),
        ]
