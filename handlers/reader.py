"""GET /orders/{orderId} and GET /customers/{customerId}/orders: read-only, from the table.

Thin AWS wiring around `handlers.api_input` and `handlers.order_views`; the client is
created once per container.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import TypeDeserializer

from handlers import contract
from handlers.api_input import (
    InvalidRequest,
    decode_cursor,
    encode_cursor,
    page_size,
    require_identifier,
)
from handlers.init_phase import freeze_imported_objects
from handlers.order_views import order_view
from handlers.tracing import SampledTracer

freeze_imported_objects()

logger = Logger()
tracer = SampledTracer()
app = APIGatewayRestResolver()

dynamodb = boto3.client("dynamodb")
TABLE_NAME = os.environ[contract.ORDERS_TABLE_ENV]

_deserializer = TypeDeserializer()


def _plain(attributes: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in attributes.items()}


def _invalid_request(error: InvalidRequest) -> Response[Any]:
    return Response(status_code=400, content_type="application/json", body={"message": str(error)})


app.exception_handler(InvalidRequest)(_invalid_request)


@app.get("/orders/<order_id>")
@tracer.capture_method
def get_order(order_id: str) -> dict[str, Any]:
    require_identifier(contract.ORDER_KEY, order_id)
    response = dynamodb.get_item(TableName=TABLE_NAME, Key={contract.ORDER_KEY: {"S": order_id}})
    if "Item" not in response:
        raise NotFoundError(f"no order {order_id}")
    return order_view(_plain(response["Item"]))


@app.get("/customers/<customer_id>/orders")
@tracer.capture_method
def list_customer_orders(customer_id: str) -> dict[str, Any]:
    require_identifier(contract.CUSTOMER_INDEX_PARTITION_KEY, customer_id)
    query: dict[str, Any] = {
        "TableName": TABLE_NAME,
        "IndexName": contract.CUSTOMER_INDEX_NAME,
        "KeyConditionExpression": "#customer = :customer",
        "ExpressionAttributeNames": {"#customer": contract.CUSTOMER_INDEX_PARTITION_KEY},
        "ExpressionAttributeValues": {":customer": {"S": customer_id}},
        "ScanIndexForward": False,  # newest first: the index sorts on createdAt
        "Limit": page_size(app.current_event.get_query_string_value("limit")),
    }
    cursor = app.current_event.get_query_string_value("cursor")
    if cursor is not None:
        position = decode_cursor(cursor, customer_id)
        query["ExclusiveStartKey"] = {name: {"S": value} for name, value in position.items()}
    response = dynamodb.query(**query)
    page: dict[str, Any] = {"orders": [order_view(_plain(item)) for item in response["Items"]]}
    if "LastEvaluatedKey" in response:
        page["nextCursor"] = encode_cursor(_plain(response["LastEvaluatedKey"]))
    return page


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
