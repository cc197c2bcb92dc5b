"""Reading a pipeline's state back with boto3: the table's items and a queue's messages."""

from __future__ import annotations

from typing import Any

from handlers import contract
from handlers.order_views import item_values


def table_items(dynamodb: Any, table_name: str) -> dict[str, dict[str, Any]]:
    """Every item of the table, deserialized, by order id."""
    items: dict[str, dict[str, Any]] = {}
    for page in dynamodb.get_paginator("scan").paginate(TableName=table_name):
        for raw in page["Items"]:
            item = item_values(raw)
            items[str(item[contract.ORDER_KEY])] = item
    return items


def take_messages(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Receive and delete every message of the queue, with all its attributes."""
    messages: list[dict[str, Any]] = []
    while page := sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", []):
        messages.extend(page)
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(page)
            ],
        )
    return messages
