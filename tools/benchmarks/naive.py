"""The baseline every figure is compared with: the pipeline written the obvious way.

One order per invocation: validate it, PutItem, then Publish its event, one call after the
other. Same order rules as the real handlers (`handlers.orders`), so only the AWS calls and
their arrangement differ.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer

from handlers import contract
from handlers.orders import new_order_item, parse_order, timestamp_from_epoch_millis

_serializer = TypeSerializer()


class NaiveHandler:
    def __init__(self, session: boto3.Session, table_name: str, topic_arn: str) -> None:
        self.dynamodb: Any = session.client("dynamodb")
        self.sns: Any = session.client("sns")
        self.table_name = table_name
        self.topic_arn = topic_arn

    def handle(self, body: str) -> None:
        order = parse_order(body)
        created_at = timestamp_from_epoch_millis(int(time.time() * 1000))
        item = new_order_item(order, created_at=created_at)
        self.dynamodb.put_item(
            TableName=self.table_name,
            Item={key: _serializer.serialize(value) for key, value in item.items()},
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": contract.ORDER_KEY},
        )
        event = {
            "eventType": contract.ORDER_CREATED_EVENT,
            "orderId": order["orderId"],
            "customerId": order["customerId"],
            "timestamp": created_at,
        }
        self.sns.publish(TopicArn=self.topic_arn, Message=json.dumps(event))
