"""The POST /orders mapping template rendered with a real Velocity engine (airspeed), and
what its form does to SQS and the processor."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws
from openapi_schema_validator import OAS30Validator

from api.openapi import DeploymentValues, openapi_document
from handlers import contract
from handlers.orders import timestamp_from_epoch_millis
from handlers.submissions import parse_submission_id
from tools.aws_doubles.lambda_events import LocalLambdaContext, sqs_event
from tools.aws_doubles.moto_setup import (
    FAKE_AWS_ENVIRONMENT,
    REGION,
    create_order_table,
    create_submissions_table,
)
from tools.local_run.sqs_integration import (
    render_order_response,
    render_send_message,
    send_message_kwargs,
    url_encode,
)

SEED_BODY = '{"orderId": "123", "customerId": "456", "items": ["item1", "item2"]}'
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
REQUEST_TIME_EPOCH = 1764064800123  # 2025-11-25T10:00:00.123Z

DOCUMENT = openapi_document(
    DeploymentValues(
        region=REGION,
        queue_path="123456789012/orders-queue",
        api_role_arn="arn:aws:iam::123456789012:role/queue-sender",
        reader_invoke_arn="arn:reader",
        status_updater_invoke_arn="arn:status-updater",
    )
)


def test_the_seed_order_becomes_exactly_this_sqs_form() -> None:
    form = render_send_message(SEED_BODY, REQUEST_ID, REQUEST_TIME_EPOCH)
    assert form == (
        "Action=SendMessage"
        "&MessageBody=%7B%22orderId%22%3A+%22123%22%2C+%22customerId%22%3A+%22456%22%2C"
        "+%22items%22%3A+%5B%22item1%22%2C+%22item2%22%5D%7D"
        "&MessageAttribute.1.Name=requestId"
        "&MessageAttribute.1.Value.DataType=String"
        "&MessageAttribute.1.Value.StringValue=c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
        "&MessageAttribute.2.Name=receivedAt"
        "&MessageAttribute.2.Value.DataType=Number"
        "&MessageAttribute.2.Value.StringValue=1764064800123"
    )


def test_a_richer_order_keeps_every_character_through_the_form() -> None:
    body = json.dumps(
        {
            "orderId": "o-1",
            "customerId": "c_1",
            "items": [{"sku": "A.1", "quantity": 2, "unitPrice": "9.99"}],
        },
        indent=2,
    )
    form = render_send_message(body, REQUEST_ID, REQUEST_TIME_EPOCH)
    assert "\n" not in form
    assert " " not in form
    assert "%0A++%22orderId%22%3A+%22o-1%22" in form  # line breaks and indentation, encoded
    assert send_message_kwargs(form) == {
        "MessageBody": body,
        "MessageAttributes": {
            contract.REQUEST_ID_ATTRIBUTE: {"DataType": "String", "StringValue": REQUEST_ID},
            contract.RECEIVED_AT_ATTRIBUTE: {
                "DataType": "Number",
                "StringValue": str(REQUEST_TIME_EPOCH),
            },
        },
    }


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("a b", "a+b"),
        ("AZaz09", "AZaz09"),
        (".-*_", ".-*_"),  # java.net.URLEncoder leaves these
        ("~", "%7E"),  # ... but not this one, unlike Python's quote_plus
        ("+&=%", "%2B%26%3D%25"),
        ('{"a":[1]}', "%7B%22a%22%3A%5B1%5D%7D"),
        ("\n\t", "%0A%09"),
        ("é", "%C3%A9"),
        ("😀", "%F0%9F%98%80"),
    ],
)
def test_url_encode_matches_apigateway_util_url_encode(text: str, encoded: str) -> None:
    assert url_encode(text) == encoded


@settings(max_examples=150, deadline=None)
@given(st.text(), st.uuids(), st.integers(min_value=0, max_value=2**42))
def test_any_body_survives_the_form_unchanged(body: str, request_id: Any, epoch: int) -> None:
    kwargs = send_message_kwargs(render_send_message(body, str(request_id), epoch))
    assert kwargs["MessageBody"] == body
    received_at = kwargs["MessageAttributes"][contract.RECEIVED_AT_ATTRIBUTE]["StringValue"]
    assert received_at == str(epoch)


@pytest.mark.parametrize(
    "form",
    [
        "Action=ReceiveMessage&MessageBody=x",
        "MessageBody=x",
        "Action=SendMessage&MessageBody=x&DelaySeconds=5",
        "Action=SendMessage",
    ],
)
def test_a_form_that_is_not_our_send_message_is_refused(form: str) -> None:
    with pytest.raises((ValueError, KeyError)):
        send_message_kwargs(form)


@pytest.mark.parametrize(
    ("sqs_status", "api_status"),
    [(200, 202), (400, 413), (403, 500), (404, 500), (429, 500), (500, 503), (503, 503)],
)
def test_what_sqs_answers_maps_to_the_api_answer(sqs_status: int, api_status: int) -> None:
    answer = render_order_response(DOCUMENT, sqs_status, REQUEST_ID, REQUEST_TIME_EPOCH)
    assert answer.status == api_status
    assert json.loads(answer.body)["requestId"] == REQUEST_ID


def test_the_202_points_at_the_submissions_monitor_in_location_and_body() -> None:
    answer = render_order_response(DOCUMENT, 200, REQUEST_ID, REQUEST_TIME_EPOCH)
    submission = f"{REQUEST_TIME_EPOCH}-{REQUEST_ID}"
    assert answer.status == 202
    assert answer.headers["Location"] == f"submissions/{submission}"
    body = json.loads(answer.body)
    assert body == {
        "message": "order accepted",
        "requestId": REQUEST_ID,
        "submissionId": submission,
        "links": {"monitor": f"submissions/{submission}"},
    }
    schema = {**DOCUMENT["components"]["schemas"]["Accepted"], "components": DOCUMENT["components"]}
    OAS30Validator(schema).validate(body)
    # The id is one the monitor accepts, naming this very request.
    parsed = parse_submission_id(body["submissionId"], REQUEST_TIME_EPOCH)
    assert (parsed.request_id, parsed.received_at_epoch_millis) == (REQUEST_ID, REQUEST_TIME_EPOCH)


def test_only_the_202_carries_a_location() -> None:
    for sqs_status in (400, 403, 500):
        answer = render_order_response(DOCUMENT, sqs_status, REQUEST_ID, REQUEST_TIME_EPOCH)
        assert "Location" not in answer.headers


class Queue:
    def __init__(self, sqs: Any, url: str, arn: str) -> None:
        self.sqs, self.url, self.arn = sqs, url, arn

    def send_as_api_gateway(self, body: str) -> int:
        """POST /orders after validation: the rendered form, sent; the API's status back."""
        form = render_send_message(body, REQUEST_ID, REQUEST_TIME_EPOCH)
        try:
            self.sqs.send_message(QueueUrl=self.url, **send_message_kwargs(form))
        except ClientError as error:
            sqs_status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            return render_order_response(
                DOCUMENT, sqs_status, REQUEST_ID, REQUEST_TIME_EPOCH
            ).status
        return render_order_response(DOCUMENT, 200, REQUEST_ID, REQUEST_TIME_EPOCH).status

    def receive(self) -> list[dict[str, Any]]:
        return list(
            self.sqs.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
        )


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[Queue]:
    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="orders-queue")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        yield Queue(sqs, url, arn["Attributes"]["QueueArn"])


def _processor(monkeypatch: pytest.MonkeyPatch, queue: Queue) -> ModuleType:
    create_order_table(boto3.client("dynamodb"))
    create_submissions_table(boto3.client("dynamodb"))
    monkeypatch.setenv(contract.ORDERS_TABLE_ENV, "orders")
    monkeypatch.setenv(contract.SUBMISSIONS_TABLE_ENV, "submissions")
    monkeypatch.setenv(contract.DEAD_LETTER_QUEUE_URL_ENV, queue.url)
    module = sys.modules.get("handlers.processor")
    return importlib.reload(module) if module else importlib.import_module("handlers.processor")


def test_the_processor_stores_the_order_as_received_at_the_edge(
    queue: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the seed order, sent to SQS as API Gateway would send it
    assert queue.send_as_api_gateway(SEED_BODY) == 202
    (message,) = queue.receive()
    assert message["Body"] == SEED_BODY
    attributes = message["MessageAttributes"]
    assert attributes[contract.REQUEST_ID_ATTRIBUTE]["StringValue"] == REQUEST_ID
    assert attributes[contract.RECEIVED_AT_ATTRIBUTE]["StringValue"] == str(REQUEST_TIME_EPOCH)

    # WHEN the processor handles it
    processor = _processor(monkeypatch, queue)
    response = processor.handler(
        sqs_event([message], queue.arn, REGION), LocalLambdaContext("processor")
    )

    # THEN it is stored with the time the API received it as createdAt
    assert response["batchItemFailures"] == []
    stored = boto3.client("dynamodb").get_item(
        TableName="orders", Key={contract.ORDER_KEY: {"S": "123"}}
    )["Item"]
    assert stored[contract.CUSTOMER_INDEX_SORT_KEY]["S"] == timestamp_from_epoch_millis(
        REQUEST_TIME_EPOCH
    )


def test_an_order_larger_than_the_queue_accepts_is_refused_with_413(queue: Queue) -> None:
    limit = int(
        queue.sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["MaximumMessageSize"])[
            "Attributes"
        ]["MaximumMessageSize"]
    )
    # Valid JSON, valid order: only the whitespace makes it too large.
    padded = SEED_BODY[:-1] + " " * limit + "}"
    assert json.loads(padded) == json.loads(SEED_BODY)

    assert queue.send_as_api_gateway(padded) == 413
    assert queue.receive() == []
