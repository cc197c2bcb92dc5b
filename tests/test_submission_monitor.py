"""Submissions followed through the processor and the monitor on moto: each outcome, the TTL
on what is recorded, a rejected order redriven and then stored, and nothing of one
submission shown through another's id."""

from __future__ import annotations

import importlib
import json
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from openapi_schema_validator import OAS30Validator

from api.openapi import DeploymentValues, openapi_document
from handlers import contract
from tests.api_gateway_events import json_body, proxy_event
from tools.aws_doubles.lambda_events import LocalLambdaContext, sqs_event
from tools.aws_doubles.moto_setup import (
    FAKE_AWS_ENVIRONMENT,
    REGION,
    create_order_table,
    create_submissions_table,
)
from tools.local_run.sqs_integration import render_send_message, send_message_kwargs
from tools.ops.redrive import Queues, move_messages

DAY_SECONDS = 86_400
COMPONENTS = openapi_document(DeploymentValues("eu-west-1", "1/q", "role", "r", "u"))["components"]


def _order(order_id: str, *items: str, customer_id: str = "c-1") -> str:
    return json.dumps({"orderId": order_id, "customerId": customer_id, "items": list(items)})


def _module(name: str) -> ModuleType:
    """Handlers create their clients at import: (re)import them inside the mock."""
    module = sys.modules.get(name)
    return importlib.reload(module) if module else importlib.import_module(name)


@dataclass
class World:
    sqs: Any
    dynamodb: Any
    processor: ModuleType
    reader: ModuleType
    queues: Queues
    queue_arn: str

    def submit(self, body: str) -> str:
        """POST /orders as API Gateway sends it on; the submission id its 202 gives out."""
        request_id, received = str(uuid.uuid4()), int(time.time() * 1000)
        form = render_send_message(body, request_id, received)
        self.sqs.send_message(QueueUrl=self.queues.queue_url, **send_message_kwargs(form))
        return f"{received}-{request_id}"

    def process(self) -> None:
        """One poll of the processor's event source: invoke, delete what succeeded."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queues.queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )["Messages"]
        response = self.processor.handler(
            sqs_event(messages, self.queue_arn, REGION), LocalLambdaContext("processor")
        )
        assert response["batchItemFailures"] == []
        for message in messages:
            self.sqs.delete_message(
                QueueUrl=self.queues.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )

    def monitor(self, submission_id: str) -> tuple[int, dict[str, Any]]:
        """The monitor's answer, checked against the document's schema for its status."""
        event = proxy_event(
            "GET",
            contract.SUBMISSION_RESOURCE,
            {contract.SUBMISSION_PARAMETER: submission_id},
        )
        response = self.reader.handler(event, LocalLambdaContext("reader"))
        code, body = int(response["statusCode"]), json_body(response)
        schema = {
            **COMPONENTS["schemas"]["Submission" if code == 200 else "Problem"],
            "components": COMPONENTS,
        }
        OAS30Validator(schema).validate(body)
        return code, body

    def status(self, submission_id: str) -> str:
        code, body = self.monitor(submission_id)
        assert code == 200, body
        return str(body["status"])

    def records(self) -> list[dict[str, Any]]:
        return list(self.dynamodb.scan(TableName="submissions")["Items"])


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    environment = {
        **FAKE_AWS_ENVIRONMENT,
        contract.ORDERS_TABLE_ENV: "orders",
        contract.SUBMISSIONS_TABLE_ENV: "submissions",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        sqs, dynamodb = boto3.client("sqs"), boto3.client("dynamodb")
        create_order_table(dynamodb)
        create_submissions_table(dynamodb)
        dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
        queue_url = sqs.create_queue(QueueName="orders-queue")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        monkeypatch.setenv(contract.DEAD_LETTER_QUEUE_URL_ENV, dlq_url)
        yield World(
            sqs,
            dynamodb,
            _module("handlers.processor"),
            _module("handlers.reader"),
            Queues(dead_letter_queue_url=dlq_url, queue_url=queue_url),
            queue_arn["Attributes"]["QueueArn"],
        )


def test_each_outcome_is_what_the_monitor_says(world: World) -> None:
    # GIVEN an order, a different order under its id, an identical re-submission of it,
    # and a body the processor cannot parse, all accepted at the edge
    first = world.submit(_order("o-1", "sku-1"))
    world.process()
    conflicting = world.submit(_order("o-1", "sku-2"))
    repeated = world.submit(_order("o-1", "sku-1"))
    unparsable = world.submit("{not json")

    # THEN before the processor has them, they are QUEUED
    assert {world.status(s) for s in (conflicting, repeated, unparsable)} == {"QUEUED"}

    # WHEN the processor handles them
    world.process()

    # THEN the first and its identical repeat are STORED, linking the order
    for submission in (first, repeated):
        code, body = world.monitor(submission)
        assert (code, body["status"], body["orderId"]) == (200, "STORED", "o-1")
        assert body["links"] == {"order": "../orders/o-1"}
    # AND the others are REJECTED with the processor's reason and detail
    code, body = world.monitor(conflicting)
    assert (code, body["status"], body["reason"]) == (200, "REJECTED", "CONFLICTING_DUPLICATE")
    assert "different content is already stored" in body["detail"]
    assert body["orderId"] == "o-1"
    code, body = world.monitor(unparsable)
    assert (body["status"], body["reason"]) == ("REJECTED", "INVALID_JSON")
    assert "orderId" not in body


def test_the_stored_order_carries_its_request_id_and_storing_writes_no_record(
    world: World,
) -> None:
    submission = world.submit(_order("o-1", "sku-1"))
    world.process()
    item = world.dynamodb.get_item(TableName="orders", Key={"orderId": {"S": "o-1"}})["Item"]
    assert item[contract.ORDER_REQUEST_ID_FIELD] == {"S": submission.split("-", 1)[1]}
    assert world.records() == []


def test_a_redelivery_of_the_storing_message_writes_no_record(world: World) -> None:
    world.submit(_order("o-1", "sku-1"))
    (message,) = world.sqs.receive_message(
        QueueUrl=world.queues.queue_url,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )["Messages"]
    event = sqs_event([message], world.queue_arn, REGION)
    for _ in range(2):
        world.processor.handler(event, LocalLambdaContext("processor"))
    assert world.records() == []


def test_a_rejection_is_recorded_with_a_ttl_on_a_table_that_expires_it(world: World) -> None:
    submission = world.submit(_order("o-1", "sku-1", customer_id="not valid!"))
    before = int(time.time())
    world.process()

    (record,) = world.records()
    assert record[contract.SUBMISSION_KEY] == {"S": submission.split("-", 1)[1]}
    assert record["reason"] == {"S": "SCHEMA_VIOLATION"}
    expires_at = int(record[contract.SUBMISSION_EXPIRES_AT_FIELD]["N"])
    retention = contract.SUBMISSION_RETENTION_DAYS * DAY_SECONDS
    assert before + retention <= expires_at <= int(time.time()) + retention
    ttl = world.dynamodb.describe_time_to_live(TableName="submissions")
    assert ttl["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": contract.SUBMISSION_EXPIRES_AT_FIELD,
    }


def test_a_message_that_did_not_come_through_the_api_is_dead_lettered_unrecorded(
    world: World,
) -> None:
    world.sqs.send_message(QueueUrl=world.queues.queue_url, MessageBody="{not json")
    world.process()
    assert world.records() == []
    letters = world.sqs.receive_message(QueueUrl=world.queues.dead_letter_queue_url)
    assert len(letters["Messages"]) == 1


def test_a_rejected_order_redriven_and_then_stored_says_stored(world: World) -> None:
    # GIVEN an order rejected because another one held its id
    world.submit(_order("o-1", "sku-1"))
    world.process()
    second = world.submit(_order("o-1", "sku-2"))
    world.process()
    assert world.status(second) == "REJECTED"

    # WHEN an operator removes the order in the way and redrives the dead letter
    world.dynamodb.delete_item(TableName="orders", Key={"orderId": {"S": "o-1"}})
    assert move_messages(world.sqs, world.queues, most=10, hold_seconds=0) == 1
    world.process()

    # THEN the monitor says STORED, although the rejection's record is still there
    code, body = world.monitor(second)
    assert (code, body["status"], body["links"]) == (200, "STORED", {"order": "../orders/o-1"})
    assert len(world.records()) == 1


def test_one_submissions_monitor_shows_nothing_of_another_submission(world: World) -> None:
    first = world.submit(_order("o-1", "sku-secret", customer_id="c-first"))
    world.process()
    second = world.submit(_order("o-1", "sku-other", customer_id="c-second"))
    world.process()

    _, rejected = world.monitor(second)
    _, stored = world.monitor(first)
    assert "c-first" not in json.dumps(rejected)
    assert "sku-secret" not in json.dumps(rejected)
    assert first.split("-", 1)[1] not in json.dumps(rejected)
    assert second.split("-", 1)[1] not in json.dumps(stored)
    assert "c-second" not in json.dumps(stored)


@pytest.mark.parametrize(
    ("submission_id", "status", "reason"),
    [
        ("not-a-submission", 400, "<requestTimeEpoch>-<requestId>"),
        (
            f"{int(time.time() * 1000) + 10 * DAY_SECONDS * 1000}-{uuid.uuid4()}",
            404,
            "no submission",
        ),
        (f"{int(time.time() * 1000) - 30 * DAY_SECONDS * 1000}-{uuid.uuid4()}", 410, "has expired"),
    ],
)
def test_a_bad_unknown_or_expired_id_gets_a_json_reason(
    world: World, submission_id: str, status: int, reason: str
) -> None:
    code, body = world.monitor(submission_id)
    assert code == status
    # Whatever the error shape, the reason is in it.
    assert reason in json.dumps(body)


def test_a_rejection_whose_dead_letter_fails_is_retried_and_recorded_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the DLQ refuses the first send
    real_dead_letter = world.processor._dead_letter
    refusals = [ClientError({"Error": {"Code": "ServiceUnavailable"}}, "SendMessage")]

    def dead_letter_once_refused(*args: Any) -> None:
        if refusals:
            raise refusals.pop()
        real_dead_letter(*args)

    monkeypatch.setattr(world.processor, "_dead_letter", dead_letter_once_refused)
    submission = world.submit("{not json")

    # WHEN the processor handles it, fails, and handles it again
    messages = world.sqs.receive_message(
        QueueUrl=world.queues.queue_url, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"]
    event = sqs_event(messages, world.queue_arn, REGION)
    first = world.processor.handler(event, LocalLambdaContext("processor"))
    # THEN the record was written before the send that failed
    assert len(first["batchItemFailures"]) == 1
    assert len(world.records()) == 1
    second = world.processor.handler(event, LocalLambdaContext("processor"))

    # AND the retry wrote it again (still one item) and dead-lettered the message once
    assert second["batchItemFailures"] == []
    assert len(world.records()) == 1
    letters = world.sqs.receive_message(
        QueueUrl=world.queues.dead_letter_queue_url, MaxNumberOfMessages=10
    )
    assert len(letters["Messages"]) == 1
    assert world.status(submission) == "REJECTED"
