"""Representative events for every handler of the stacks, one scenario per entry point.

Each scenario takes its handler down every path that calls AWS (stored, rejected,
duplicate; found and not found; allowed and refused; published) and checks the path was
really taken, so a scenario that silently stops early cannot hide a call.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from handlers import contract
from handlers.orders import new_order_item, parse_order
from tests.tools.fidelity.handler_runs import QUEUE, TABLE, HandlerWorld, Scenario
from tools.aws_doubles.lambda_events import sqs_event
from tools.aws_doubles.stream_events import dynamodb_stream_event, read_stream

CREATED_AT = "2026-01-01T00:00:00.000Z"
REQUEST_TIME_EPOCH_MS = 1_767_225_600_000
_serializer = TypeSerializer()


def _order_body(order_id: str, customer_id: str = "c-1", *items: str) -> str:
    return json.dumps(
        {"orderId": order_id, "customerId": customer_id, "items": list(items) or ["sku-1"]}
    )


def _seed_order(
    world: HandlerWorld,
    order_id: str,
    table_name: str | None = None,
    request_id: str | None = None,
) -> None:
    item = new_order_item(
        parse_order(_order_body(order_id)), created_at=CREATED_AT, request_id=request_id
    )
    world.client("dynamodb").put_item(
        TableName=table_name or world.variables[contract.ORDERS_TABLE_ENV],
        Item={key: _serializer.serialize(value) for key, value in item.items()},
    )


def _rest_event(method: str, path: str, resource: str, **parts: Any) -> dict[str, Any]:
    """An API Gateway REST proxy event, as the stage delivers it to a Lambda integration."""
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": parts.get("query"),
        "multiValueQueryStringParameters": None,
        "pathParameters": parts.get("path_parameters"),
        "stageVariables": None,
        "requestContext": {
            "requestId": "request-1",
            "requestTimeEpoch": REQUEST_TIME_EPOCH_MS,
            "stage": "v1",
            "httpMethod": method,
            "path": path,
            "resourcePath": resource,
        },
        "body": parts.get("body"),
        "isBase64Encoded": False,
    }


def processor(world: HandlerWorld) -> None:
    """A new order, a body that is not JSON, and a different order under a stored id (both
    rejections recorded for their submissions)."""
    sqs = world.client("sqs")
    queue = world.event_source(QUEUE)
    url = sqs.get_queue_url(QueueName=queue.state["name"])["QueueUrl"]
    for index, body in enumerate(
        (_order_body("o-1"), "{not json", _order_body("o-1", "c-1", "other"))
    ):
        request_id = {"DataType": "String", "StringValue": f"request-{index}"}
        sqs.send_message(
            QueueUrl=url,
            MessageBody=body,
            MessageAttributes={contract.REQUEST_ID_ATTRIBUTE: request_id},
        )
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    )["Messages"]
    response = world.invoke(sqs_event(messages, str(queue.state["arn"]), world.stack.region))
    assert response == {"batchItemFailures": []}
    dead_letters = sqs.get_queue_url(
        QueueName=world.variables[contract.DEAD_LETTER_QUEUE_URL_ENV].rsplit("/", 1)[-1]
    )["QueueUrl"]
    rejected = sqs.receive_message(QueueUrl=dead_letters, MaxNumberOfMessages=10)
    assert len(rejected["Messages"]) == 2
    submissions = world.variables[contract.SUBMISSIONS_TABLE_ENV]
    recorded = world.client("dynamodb").scan(TableName=submissions, Select="COUNT")
    assert recorded["Count"] == 2


def reader(world: HandlerWorld) -> None:
    """One order found, one not found, and two pages of a customer's orders."""
    for order_id in ("o-1", "o-2"):
        _seed_order(world, order_id)
    found = world.invoke(
        _rest_event("GET", "/orders/o-1", "/orders/{orderId}", path_parameters={"orderId": "o-1"})
    )
    missing = world.invoke(
        _rest_event("GET", "/orders/o-9", "/orders/{orderId}", path_parameters={"orderId": "o-9"})
    )
    assert (found["statusCode"], missing["statusCode"]) == (200, 404)
    listing = "/customers/{customerId}/orders"
    first = world.invoke(
        _rest_event(
            "GET",
            "/customers/c-1/orders",
            listing,
            path_parameters={"customerId": "c-1"},
            query={"limit": "1"},
        )
    )
    cursor = json.loads(first["body"])["nextCursor"]
    second = world.invoke(
        _rest_event(
            "GET",
            "/customers/c-1/orders",
            listing,
            path_parameters={"customerId": "c-1"},
            query={"limit": "1", "cursor": cursor},
        )
    )
    assert (first["statusCode"], second["statusCode"]) == (200, 200)
    now_ms = int(time.time() * 1000)
    stored_request, queued_request = (f"{now_ms}-{uuid.uuid4()}" for _ in "ab")
    _seed_order(world, "o-3", request_id=stored_request.split("-", 1)[1])
    monitors = [
        world.invoke(
            _rest_event(
                "GET",
                f"/submissions/{submission}",
                contract.SUBMISSION_RESOURCE,
                path_parameters={contract.SUBMISSION_PARAMETER: submission},
            )
        )
        for submission in (stored_request, queued_request)
    ]
    assert [json.loads(monitor["body"])["status"] for monitor in monitors] == [
        "STORED",
        "QUEUED",
    ]


def status_updater(world: HandlerWorld) -> None:
    """A transition the state machine allows, then one it refuses."""
    _seed_order(world, "o-1")

    def change(status: str) -> Any:
        return world.invoke(
            _rest_event(
                "PATCH",
                "/orders/o-1",
                "/orders/{orderId}",
                path_parameters={"orderId": "o-1"},
                body=json.dumps({"status": status}),
            )
        )

    assert change("CONFIRMED")["statusCode"] == 200
    assert change("DELIVERED")["statusCode"] == 409


def notifier(world: HandlerWorld) -> None:
    """A creation and a status change, read from the table's real stream."""
    table_name = str(world.event_source(TABLE).state["name"])
    _seed_order(world, "o-1", table_name)
    world.client("dynamodb").update_item(
        TableName=table_name,
        Key={contract.ORDER_KEY: {"S": "o-1"}},
        UpdateExpression="SET #status = :status ADD #version :one",
        ExpressionAttributeNames={
            "#status": contract.ORDER_STATUS_FIELD,
            "#version": contract.ORDER_VERSION_FIELD,
        },
        ExpressionAttributeValues={":status": {"S": "CONFIRMED"}, ":one": {"N": "1"}},
    )
    stream_arn = world.client("dynamodb").describe_table(TableName=table_name)["Table"][
        "LatestStreamArn"
    ]
    records = read_stream(world.client("dynamodbstreams"), stream_arn)
    response = world.invoke(dynamodb_stream_event(records, stream_arn, world.stack.region))
    assert len(records) == 2
    assert response == {"batchItemFailures": []}


SCENARIOS: dict[str, Scenario] = {
    "handlers.processor.handler": processor,
    "handlers.reader.handler": reader,
    "handlers.status_updater.handler": status_updater,
    "handlers.notifier.handler": notifier,
}
