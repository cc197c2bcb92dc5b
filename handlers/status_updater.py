"""PATCH /orders/{orderId}: moves an order to the requested status, if the state machine allows.

The write is conditional on the status and version just read, so of two racing changes
exactly one is stored; the other is answered 409 with the status that won. Thin AWS wiring
around `handlers.transitions`; the client is created once per container.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from handlers import contract
from handlers.api_input import requested_status, require_identifier
from handlers.init_phase import freeze_imported_objects
from handlers.order_status import OrderStatus
from handlers.order_views import item_values, order_view
from handlers.orders import timestamp_from_epoch_millis
from handlers.rest_api import ApiError, ApiRequest, NotFound, Routes, answer
from handlers.tracing import SampledTracer
from handlers.transitions import TransitionRefused, check_transition

freeze_imported_objects()

logger = Logger()
tracer = SampledTracer()

dynamodb = boto3.client("dynamodb")
TABLE_NAME = os.environ[contract.ORDERS_TABLE_ENV]

_NAMES = {
    "#status": contract.ORDER_STATUS_FIELD,
    "#version": contract.ORDER_VERSION_FIELD,
    "#updatedAt": contract.ORDER_UPDATED_AT_FIELD,
}


class StatusConflict(ApiError):
    """409: the order's status does not allow the requested one, or no longer does."""

    status_code = 409

    def __init__(self, message: str, current: OrderStatus, requested: OrderStatus) -> None:
        super().__init__(message)
        self.current = current
        self.requested = requested

    def extensions(self) -> dict[str, Any]:
        return {"currentStatus": self.current, "requestedStatus": self.requested}


def _read(order_id: str) -> dict[str, Any]:
    response = dynamodb.get_item(
        TableName=TABLE_NAME,
        Key={contract.ORDER_KEY: {"S": order_id}},
        ProjectionExpression="#status, #version",
        ExpressionAttributeNames={name: _NAMES[name] for name in ("#status", "#version")},
        ConsistentRead=True,
    )
    if "Item" not in response:
        raise NotFound(f"no order {order_id}")
    return item_values(response["Item"])


def _write(
    order_id: str, read: dict[str, Any], requested: OrderStatus, updated_at: str
) -> dict[str, Any]:
    try:
        response = dynamodb.update_item(
            TableName=TABLE_NAME,
            Key={contract.ORDER_KEY: {"S": order_id}},
            UpdateExpression="SET #status = :requested, #updatedAt = :updatedAt ADD #version :one",
            ConditionExpression="#status = :read_status AND #version = :read_version",
            ExpressionAttributeNames=_NAMES,
            ExpressionAttributeValues={
                ":requested": {"S": requested.value},
                ":updatedAt": {"S": updated_at},
                ":one": {"N": "1"},
                ":read_status": {"S": read[contract.ORDER_STATUS_FIELD]},
                ":read_version": {"N": str(read[contract.ORDER_VERSION_FIELD])},
            },
            ReturnValues="ALL_NEW",
            # What won the race comes back with the failure: no second read to report it.
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        winner = error.response.get("Item")
        if winner is None:
            raise NotFound(f"no order {order_id}") from error
        current = OrderStatus(item_values(winner)[contract.ORDER_STATUS_FIELD])
        raise StatusConflict(
            f"the order changed to {current} while moving it to {requested}", current, requested
        ) from error
    return item_values(response["Attributes"])


@tracer.capture_method
def change_status(request: ApiRequest) -> dict[str, Any]:
    order_id = request.path_parameters[contract.ORDER_KEY]
    require_identifier(contract.ORDER_KEY, order_id)
    requested = requested_status(request.body)
    read = _read(order_id)
    try:
        check_transition(OrderStatus(read[contract.ORDER_STATUS_FIELD]), requested)
    except TransitionRefused as refused:
        raise StatusConflict(str(refused), refused.current, refused.requested) from refused
    # When API Gateway received the change, so a retried invocation stamps the same time.
    received_at = timestamp_from_epoch_millis(request.received_at_epoch_millis)
    updated = _write(order_id, read, requested, received_at)
    logger.info("order status changed", order_id=order_id, status=requested.value)
    return order_view(updated)


ROUTES: Routes = {("PATCH", contract.ORDER_RESOURCE): change_status}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    return answer(ROUTES, event)
