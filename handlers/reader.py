"""GET /orders/{orderId}, GET /customers/{customerId}/orders and the submissions' status
monitor, GET /submissions/{submissionId}: read-only, from the order and submissions tables.

Thin AWS wiring around `handlers.api_input`, `handlers.order_views`, `handlers.submissions`
and `handlers.rest_api`; the client is created once per container.
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers import contract
from handlers.api_input import decode_cursor, encode_cursor, page_size, require_identifier
from handlers.init_phase import freeze_imported_objects
from handlers.order_views import item_values, order_view
from handlers.rest_api import ApiRequest, NotFound, Routes, answer
from handlers.submissions import parse_submission_id, submission_view
from handlers.tracing import SampledTracer

freeze_imported_objects()

logger = Logger()
tracer = SampledTracer()

dynamodb = boto3.client("dynamodb")
TABLE_NAME = os.environ[contract.ORDERS_TABLE_ENV]
SUBMISSIONS_TABLE_NAME = os.environ[contract.SUBMISSIONS_TABLE_ENV]


@tracer.capture_method
def get_order(request: ApiRequest) -> dict[str, Any]:
    order_id = request.path_parameters[contract.ORDER_KEY]
    require_identifier(contract.ORDER_KEY, order_id)
    response = dynamodb.get_item(TableName=TABLE_NAME, Key={contract.ORDER_KEY: {"S": order_id}})
    if "Item" not in response:
        raise NotFound(f"no order {order_id}")
    return order_view(item_values(response["Item"]))


@tracer.capture_method
def list_customer_orders(request: ApiRequest) -> dict[str, Any]:
    customer_id = request.path_parameters[contract.CUSTOMER_INDEX_PARTITION_KEY]
    require_identifier(contract.CUSTOMER_INDEX_PARTITION_KEY, customer_id)
    query: dict[str, Any] = {
        "TableName": TABLE_NAME,
        "IndexName": contract.CUSTOMER_INDEX_NAME,
        "KeyConditionExpression": "#customer = :customer",
        "ExpressionAttributeNames": {"#customer": contract.CUSTOMER_INDEX_PARTITION_KEY},
        "ExpressionAttributeValues": {":customer": {"S": customer_id}},
        "ScanIndexForward": False,  # newest first: the index sorts on createdAt
        "Limit": page_size(request.query.get("limit")),
    }
    cursor = request.query.get("cursor")
    if cursor is not None:
        position = decode_cursor(cursor, customer_id)
        query["ExclusiveStartKey"] = {name: {"S": value} for name, value in position.items()}
    response = dynamodb.query(**query)
    page: dict[str, Any] = {"orders": [order_view(item_values(item)) for item in response["Items"]]}
    if "LastEvaluatedKey" in response:
        page["nextCursor"] = encode_cursor(item_values(response["LastEvaluatedKey"]))
    return page


@tracer.capture_method
def get_submission(request: ApiRequest) -> dict[str, Any]:
    now_epoch_millis = int(time.time() * 1000)
    submission = parse_submission_id(
        request.path_parameters[contract.SUBMISSION_PARAMETER], now_epoch_millis
    )
    request_id = {":request": {"S": submission.request_id}}
    stored = dynamodb.query(
        TableName=TABLE_NAME,
        IndexName=contract.SUBMISSION_INDEX_NAME,
        KeyConditionExpression="#request = :request",
        ExpressionAttributeNames={"#request": contract.ORDER_REQUEST_ID_FIELD},
        ExpressionAttributeValues=request_id,
    )["Items"]
    if stored:
        stored_order_id = item_values(stored[0])[contract.ORDER_KEY]
        return submission_view(submission, stored_order_id, None, now_epoch_millis)
    record = dynamodb.get_item(
        TableName=SUBMISSIONS_TABLE_NAME,
        Key={contract.SUBMISSION_KEY: {"S": submission.request_id}},
        ConsistentRead=True,
    ).get("Item")
    outcome = None if record is None else item_values(record)
    return submission_view(submission, None, outcome, now_epoch_millis)


ROUTES: Routes = {
    ("GET", contract.ORDER_RESOURCE): get_order,
    ("GET", contract.CUSTOMER_ORDERS_RESOURCE): list_customer_orders,
    ("GET", contract.SUBMISSION_RESOURCE): get_submission,
}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    return answer(ROUTES, event)
