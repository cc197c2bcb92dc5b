"""What the notifier announces: table stream records in, order events out. Pure, no AWS calls.

An INSERT is an `OrderCreated`, a MODIFY that changed `status` is an `OrderStatusChanged`;
every other change (a REMOVE, a MODIFY of anything else) announces nothing. SNS standard
topics deliver at least once and in no guaranteed order, so subscribers deduplicate and order
events on (`orderId`, `version`): each stored change has its own version. Every event is
checked against the event contract (`handlers.event_contract`) before it is announced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from handlers import contract
from handlers.event_contract import ContractViolation, check_event
from handlers.order_status import OrderStatus


class MalformedRecord(Exception):
    """A stream record that can never be announced, however often it is retried."""


@dataclass(frozen=True)
class OrderEvent:
    event_type: str
    order_id: str
    customer_id: str
    old_status: OrderStatus | None
    """None for `OrderCreated`."""
    new_status: OrderStatus
    timestamp: str
    """The order's `updatedAt`: when the change was stored."""
    version: int
    """The order's version after the change; (orderId, version) identifies the event."""
    schema_version: int
    """The stored item's shape version (`handlers.orders.ORDER_SCHEMA_VERSION`)."""

    def payload(self) -> dict[str, Any]:
        """The message body (handlers/order_event.schema.json, docs/notifications.md)."""
        return {
            "eventType": self.event_type,
            "orderId": self.order_id,
            "customerId": self.customer_id,
            "oldStatus": self.old_status,
            "newStatus": self.new_status,
            "timestamp": self.timestamp,
            "version": self.version,
            "schemaVersion": self.schema_version,
        }

    def body(self) -> str:
        return json.dumps(self.payload(), separators=(",", ":"))

    def attributes(self) -> dict[str, str]:
        """What subscription filter policies match on, without parsing the body."""
        return {
            contract.EVENT_TYPE_ATTRIBUTE: self.event_type,
            contract.STATUS_ATTRIBUTE: self.new_status.value,
            contract.CUSTOMER_ID_ATTRIBUTE: self.customer_id,
        }

    def fifo_ids(self) -> dict[str, str]:
        """What a FIFO topic orders and deduplicates by: the order, and this change of it. A
        second publish of the same change within five minutes is then not delivered again."""
        return {
            "MessageGroupId": self.order_id,
            "MessageDeduplicationId": f"{self.order_id}:{self.version}",
        }

    def message_attributes(self) -> dict[str, dict[str, str]]:
        """The attributes as PublishBatch takes them: all of DataType String."""
        return {
            name: {"DataType": "String", "StringValue": value}
            for name, value in self.attributes().items()
        }


def order_event(record: DynamoDBRecord) -> OrderEvent | None:
    """The event a stream record announces, None if it announces nothing.

    Raises MalformedRecord for a record no retry can fix: an unknown event name, a missing
    image, an item without the attributes every stored order has, or one whose event would
    break the event contract.
    """
    event_name = _event_name(record)
    stream = record.dynamodb
    if event_name is DynamoDBRecordEventName.REMOVE:
        return None
    if stream is None or not stream.get("NewImage"):
        raise MalformedRecord(f"{event_name.name} record without a new image")
    new = stream.new_image
    if event_name is DynamoDBRecordEventName.INSERT:
        return _event(contract.ORDER_CREATED_EVENT, new, old_status=None)
    if not stream.get("OldImage"):
        raise MalformedRecord("MODIFY record without an old image (stream view type?)")
    old_status = _status(stream.old_image)
    if old_status == _status(new):
        return None
    return _event(contract.ORDER_STATUS_CHANGED_EVENT, new, old_status=old_status)


def _event_name(record: DynamoDBRecord) -> DynamoDBRecordEventName:
    try:
        event_name = record.event_name
    except KeyError:
        raise MalformedRecord(f"unknown event name {record.get('eventName')!r}") from None
    if event_name is None:
        raise MalformedRecord("record without an event name")
    return event_name


def _event(event_type: str, item: dict[str, Any], old_status: OrderStatus | None) -> OrderEvent:
    event = _unchecked_event(event_type, item, old_status)
    try:
        check_event(event.payload(), event.attributes())
    except ContractViolation as violation:
        raise MalformedRecord(str(violation)) from None
    return event


def _unchecked_event(
    event_type: str, item: dict[str, Any], old_status: OrderStatus | None
) -> OrderEvent:
    return OrderEvent(
        event_type=event_type,
        order_id=_text(item, contract.ORDER_KEY),
        customer_id=_text(item, contract.CUSTOMER_INDEX_PARTITION_KEY),
        old_status=old_status,
        new_status=_status(item),
        timestamp=_text(item, contract.ORDER_UPDATED_AT_FIELD),
        version=_whole_number(item, contract.ORDER_VERSION_FIELD),
        schema_version=_whole_number(item, "schemaVersion"),
    )


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedRecord(f"{name} is {value!r}, not a non-empty string")
    return value


def _status(item: dict[str, Any]) -> OrderStatus:
    value = _text(item, contract.ORDER_STATUS_FIELD)
    try:
        return OrderStatus(value)
    except ValueError:
        raise MalformedRecord(f"status {value!r} is not an order status") from None


def _whole_number(item: dict[str, Any], name: str) -> int:
    value = item.get(name)
    # DynamoDB numbers deserialize as Decimal; a version must be a positive whole number.
    if not isinstance(value, Decimal) or value != value.to_integral_value() or value < 1:
        raise MalformedRecord(f"{name} is {value!r}, not a positive whole number")
    return int(value)
