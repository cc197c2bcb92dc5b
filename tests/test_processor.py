"""The processor against moto: stored once, permanent failures dead-lettered with a reason,
transient failures reported in batchItemFailures and redriven after maxReceiveCount."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from handlers import contract
from tools.aws_doubles.lambda_events import LocalLambdaContext, sqs_event
from tools.aws_doubles.moto_setup import (
    FAKE_AWS_ENVIRONMENT,
    REGION,
    create_order_table,
    create_submissions_table,
)

SEED_BODY = '{"orderId": "123", "customerId": "456", "items": ["item1", "item2"]}'
MAX_RECEIVE_COUNT = 2


def _order(order_id: str, *items: Any) -> str:
    return json.dumps({"orderId": order_id, "customerId": "c-1", "items": list(items) or ["sku"]})


@dataclass
class Pipeline:
    """A queue, its DLQ and the table in moto, with the processor wired to them."""

    processor: ModuleType
    sqs: Any
    dynamodb: Any
    queue_url: str
    queue_arn: str
    dlq_url: str

    def send(self, body: str, **attributes: str) -> str:
        message_attributes = {
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
        }
        return str(
            self.sqs.send_message(
                QueueUrl=self.queue_url, MessageBody=body, MessageAttributes=message_attributes
            )["MessageId"]
        )

    def deliver(self) -> tuple[list[str], list[str]]:
        """One poll as Lambda's SQS poller does it: invoke, then delete what succeeded.

        Returns the delivered message ids and the ones reported as failed.
        """
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return [], []
        response = self.processor.handler(
            sqs_event(messages, self.queue_arn, REGION), LocalLambdaContext("processor")
        )
        failed = [failure["itemIdentifier"] for failure in response["batchItemFailures"]]
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return [message["MessageId"] for message in messages], failed

    def stored(self, order_id: str) -> dict[str, Any] | None:
        item = self.dynamodb.get_item(
            TableName="orders", Key={contract.ORDER_KEY: {"S": order_id}}
        ).get("Item")
        return None if item is None else {key: _plain(value) for key, value in item.items()}

    def stored_count(self) -> int:
        return int(self.dynamodb.scan(TableName="orders", Select="COUNT")["Count"])

    def dead_letters(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(
            QueueUrl=self.dlq_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return list(messages)


def _plain(value: dict[str, Any]) -> Any:
    (_kind, content), = value.items()  # fmt: skip
    return content


def _reason(message: dict[str, Any]) -> str | None:
    attribute = message.get("MessageAttributes", {}).get(contract.REJECTION_REASON_ATTRIBUTE)
    return None if attribute is None else str(attribute["StringValue"])


@pytest.fixture
def pipeline(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        sqs = boto3.client("sqs")
        dynamodb = boto3.client("dynamodb")
        create_order_table(dynamodb)
        create_submissions_table(dynamodb)
        dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
        redrive = {
            "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
            "maxReceiveCount": str(MAX_RECEIVE_COUNT),
        }
        # Visibility 0: a failed message is visible again at once, so retries need no waiting.
        queue_url = sqs.create_queue(
            QueueName="orders-queue",
            Attributes={"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": "0"},
        )["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        monkeypatch.setenv(contract.ORDERS_TABLE_ENV, "orders")
        monkeypatch.setenv(contract.SUBMISSIONS_TABLE_ENV, "submissions")
        monkeypatch.setenv(contract.DEAD_LETTER_QUEUE_URL_ENV, dlq_url)
        # The handler creates its clients at import: import it inside the mock.
        module = sys.modules.get("handlers.processor")
        processor = (
            importlib.reload(module) if module else importlib.import_module("handlers.processor")
        )
        yield Pipeline(
            processor, sqs, dynamodb, queue_url, queue_arn["Attributes"]["QueueArn"], dlq_url
        )


def _failing_put_item(
    pipeline: Pipeline, failing_ids: set[str], error: ClientError
) -> Callable[..., Any]:
    real_put_item = pipeline.processor.dynamodb.put_item

    def put_item(**kwargs: Any) -> Any:
        if kwargs["Item"][contract.ORDER_KEY]["S"] in failing_ids:
            raise error
        return real_put_item(**kwargs)

    return put_item


THROTTLED = ClientError(
    {
        "Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    },
    "PutItem",
)


def test_a_valid_batch_is_stored_pending_with_receive_time_and_fingerprint(
    pipeline: Pipeline,
) -> None:
    # GIVEN the seed order and a richer one, as the API would have sent them
    pipeline.send(SEED_BODY, receivedAt="1764064800123", requestId="req-1")
    pipeline.send(_order("rich-1", {"sku": "A", "quantity": 2, "unitPrice": "9.99"}))

    # WHEN the processor handles the batch
    delivered, failed = pipeline.deliver()

    # THEN both are stored once, PENDING, and nothing failed or was dead-lettered
    assert len(delivered) == 2
    assert failed == []
    seed = pipeline.stored("123")
    assert seed is not None
    assert seed["status"] == "PENDING"
    assert seed["customerId"] == "456"
    assert seed["createdAt"] == "2025-11-25T10:00:00.123Z"
    assert seed["version"] == "1"
    assert len(seed["fingerprint"]) == 64
    rich = pipeline.stored("rich-1")
    assert rich is not None
    assert rich["total"] == "19.98"
    assert pipeline.dead_letters() == []


def test_created_at_falls_back_to_the_queue_send_time(pipeline: Pipeline) -> None:
    pipeline.send(_order("no-stamp"))
    pipeline.deliver()
    stored = pipeline.stored("no-stamp")
    assert stored is not None
    assert stored["createdAt"].endswith("Z")


def test_a_redelivered_order_succeeds_without_a_second_write(pipeline: Pipeline) -> None:
    # GIVEN an order already stored
    pipeline.send(SEED_BODY, receivedAt="1764064800123")
    pipeline.deliver()
    first = pipeline.stored("123")

    # WHEN the same order arrives twice more, once in the same batch as another order
    pipeline.send(SEED_BODY, receivedAt="1764064999999")
    pipeline.send(SEED_BODY, receivedAt="1764065000000")
    pipeline.send(_order("other"))
    _, failed = pipeline.deliver()

    # THEN nothing failed, the stored order is untouched and no duplicate was dead-lettered
    assert failed == []
    assert pipeline.stored("123") == first
    assert pipeline.stored_count() == 2
    assert pipeline.dead_letters() == []


def test_a_conflicting_order_is_dead_lettered_and_the_original_kept(pipeline: Pipeline) -> None:
    pipeline.send(_order("A-1", "sku-1"))
    pipeline.deliver()
    original = pipeline.stored("A-1")

    conflicting_id = pipeline.send(_order("A-1", "sku-2"), requestId="req-9")
    _, failed = pipeline.deliver()

    assert failed == []
    assert pipeline.stored("A-1") == original
    (dead,) = pipeline.dead_letters()
    assert _reason(dead) == "CONFLICTING_DUPLICATE"
    attributes = dead["MessageAttributes"]
    assert attributes[contract.SOURCE_MESSAGE_ID_ATTRIBUTE]["StringValue"] == conflicting_id
    assert attributes[contract.REQUEST_ID_ATTRIBUTE]["StringValue"] == "req-9"
    assert dead["Body"] == _order("A-1", "sku-2")


BAD_PAYLOADS = [
    ("{not json", "INVALID_JSON"),
    ('{"orderId": "1", "orderId": "bad id!", "customerId": "c", "items": ["a"]}',
     "SCHEMA_VIOLATION"),
    ('{"orderId": "1", "customerId": "c", "items": [Infinity]}', "INVALID_JSON"),
    ('{"customerId": "c", "items": ["a"]}', "SCHEMA_VIOLATION"),
    ('{"orderId": "bad id", "customerId": "c", "items": ["a"]}', "SCHEMA_VIOLATION"),
    ('{"orderId": "1", "customerId": "c", "items": []}', "SCHEMA_VIOLATION"),
    ('{"orderId": "1", "customerId": "c", "items": [{"sku": "a", "quantity": -2}]}',
     "SCHEMA_VIOLATION"),
    ('{"orderId": "1", "customerId": "c", "items": [{"sku": "a", "quantity": 1, '
     '"unitPrice": 1.5}]}', "SCHEMA_VIOLATION"),
    ('{"orderId": "1", "customerId": "c", "items": ["a"], "admin": true}', "SCHEMA_VIOLATION"),
    ("[1, 2, 3]", "SCHEMA_VIOLATION"),
]  # fmt: skip


def test_every_kind_of_bad_payload_is_dead_lettered_at_once_with_its_reason(
    pipeline: Pipeline,
) -> None:
    # GIVEN one valid order among bad ones that bypassed the API's validation
    sent = {pipeline.send(body): reason for body, reason in BAD_PAYLOADS}
    valid_id = pipeline.send(_order("fine"))

    # WHEN they are processed (two polls: a batch holds at most ten)
    failed = pipeline.deliver()[1] + pipeline.deliver()[1]

    # THEN none is retried, the valid one is stored, and each bad one is in the DLQ with a reason
    assert failed == []
    assert pipeline.stored("fine") is not None
    dead = pipeline.dead_letters()
    reasons = {
        message["MessageAttributes"][contract.SOURCE_MESSAGE_ID_ATTRIBUTE]["StringValue"]: _reason(
            message
        )
        for message in dead
    }
    assert reasons == sent
    assert valid_id not in reasons
    assert all(
        message["MessageAttributes"][contract.REJECTION_DETAIL_ATTRIBUTE]["StringValue"]
        for message in dead
    )
    assert pipeline.sqs.receive_message(QueueUrl=pipeline.queue_url).get("Messages") is None


def test_throttled_records_alone_are_reported_for_retry(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN DynamoDB throttles the writes of one order out of three
    monkeypatch.setattr(
        pipeline.processor.dynamodb, "put_item", _failing_put_item(pipeline, {"t-2"}, THROTTLED)
    )
    ids = {order_id: pipeline.send(_order(order_id)) for order_id in ("t-1", "t-2", "t-3")}

    # WHEN the batch is processed
    _, failed = pipeline.deliver()

    # THEN exactly that record is reported; the others are stored; nothing is dead-lettered yet
    assert failed == [ids["t-2"]]
    assert pipeline.stored("t-1") is not None
    assert pipeline.stored("t-3") is not None
    assert pipeline.stored("t-2") is None
    assert pipeline.dead_letters() == []


def test_a_retried_record_is_stored_once_the_throttling_stops(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_put_item = pipeline.processor.dynamodb.put_item
    monkeypatch.setattr(
        pipeline.processor.dynamodb, "put_item", _failing_put_item(pipeline, {"r-1"}, THROTTLED)
    )
    pipeline.send(_order("r-1"))
    assert len(pipeline.deliver()[1]) == 1

    monkeypatch.setattr(pipeline.processor.dynamodb, "put_item", real_put_item)
    _, failed = pipeline.deliver()

    assert failed == []
    assert pipeline.stored("r-1") is not None


def test_a_record_that_keeps_failing_lands_in_the_dlq_after_max_receive_count(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        pipeline.processor.dynamodb, "put_item", _failing_put_item(pipeline, {"p-1"}, THROTTLED)
    )
    message_id = pipeline.send(_order("p-1"))

    attempts = 0
    while pipeline.deliver()[0]:
        attempts += 1

    assert attempts == MAX_RECEIVE_COUNT
    (dead,) = pipeline.dead_letters()
    assert dead["MessageId"] == message_id
    assert pipeline.stored("p-1") is None


def test_an_entirely_failed_batch_is_a_partial_response_not_an_error(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        pipeline.processor.dynamodb,
        "put_item",
        _failing_put_item(pipeline, {"e-1", "e-2"}, THROTTLED),
    )
    ids = {pipeline.send(_order("e-1")), pipeline.send(_order("e-2"))}

    _, failed = pipeline.deliver()

    assert set(failed) == ids


def test_a_rejection_that_cannot_reach_the_dlq_is_retried_not_lost(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(**_: Any) -> None:
        raise ClientError(
            {
                "Error": {"Code": "ServiceUnavailable", "Message": "down"},
                "ResponseMetadata": {"HTTPStatusCode": 503},
            },
            "SendMessage",
        )

    monkeypatch.setattr(pipeline.processor.dead_letter_queue.get(), "send_message", unavailable)
    message_id = pipeline.send("{broken")

    _, failed = pipeline.deliver()

    assert failed == [message_id]


def test_the_dlq_client_is_made_by_the_first_rejection_not_at_import(pipeline: Pipeline) -> None:
    # GIVEN a fresh container that has stored valid orders only
    created_at_import = pipeline.processor.dead_letter_queue.created
    pipeline.send(_order("lazy-1"))
    pipeline.deliver()
    created_by_valid = pipeline.processor.dead_letter_queue.created

    # WHEN an order has to be dead-lettered
    pipeline.send("{broken")
    _, failed = pipeline.deliver()

    # THEN the client exists now, and the rejection reached the DLQ through it
    assert failed == []
    created_by_rejection = pipeline.processor.dead_letter_queue.created
    assert [created_at_import, created_by_valid, created_by_rejection] == [False, False, True]
    (dead,) = pipeline.dead_letters()
    assert _reason(dead) == "INVALID_JSON"
