"""The cold-start yardstick: the smallest useful boto3 handler, one client made at import."""

from __future__ import annotations

import os
from typing import Any

import boto3

from handlers import contract

dynamodb = boto3.client("dynamodb")


def handler(event: dict[str, Any], _context: object) -> Any:
    return dynamodb.get_item(
        TableName=os.environ[contract.ORDERS_TABLE_ENV],
        Key={contract.ORDER_KEY: {"S": event[contract.ORDER_KEY]}},
    )
