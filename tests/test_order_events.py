"""Which stream records become which order events: pure rules, no AWS."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from boto3.dynamodb.types import TypeSerializer

from handlers.order_events import MalformedRecord, OrderEvent, order_event
from handlers.order_status import OrderStatus

_serializer = TypeSerializer()

PENDING_ORDER: dict[str, Any] = {
    "orderId": "o-1",
    "customerId": "c-9",
    "items": [{"sku": "A", "quantity": Decimal(1)}],
    "status": "PENDING",
    "createdAt": "2025-11-25T10:00:00.000Z",
    "updatedAt": "2025-11-25T10:00:00.000Z",
    "version": Decimal(1),
    "schemaVersion": Decimal(1),
    "fingerprint": "f" * 64,
}


def _image(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in item.items()}


def _record(
    event_name: str | None,
    new: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
) -> DynamoDBRecord:
    stream: dict[str, Any] = {"Keys": {"orderId": {"S": "o-1"}}, "SequenceNumber": "100"}
    if new is not None:
        stream["NewImage"] = _image(new)
    if old is not None:
        stream["OldImage"] = _image(old)
    raw: dict[str, Any] = {"eventSource": "aws:dynamodb", "dynamodb": stream}
    if event_name is not None:
        raw["eventName"] = event_name
    return DynamoDBRecord(raw)


def _moved(item: dict[str, Any], status: str, **changes: Any) -> dict[str, Any]:
    return {
        **item,
        "status": status,
        "version": item["version"] + 1,
        "updatedAt": "2025-11-25T11:00:00.000Z",
        **changes,
    }


def test_an_insert_is_an_order_created_event() -> None:
    event = order_event(_record("INSERT", new=PENDING_ORDER))

    assert event == OrderEvent(
        event_type="OrderCreated",
        order_id="o-1",
        customer_id="c-9",
        old_status=None,
        new_status=OrderStatus.PENDING,
        timestamp="2025-11-25T10:00:00.000Z",
        version=1,
        schema_version=1,
    )


def test_a_status_change_is_an_order_status_changed_event_with_both_statuses() -> None:
    confirmed = _moved(PENDING_ORDER, "CONFIRMED")

    event = order_event(_record("MODIFY", new=confirmed, old=PENDING_ORDER))

    assert event is not None
    assert event.event_type == "OrderStatusChanged"
    assert (event.old_status, event.new_status) == (OrderStatus.PENDING, OrderStatus.CONFIRMED)
    assert event.version == 2
    assert event.timestamp == "2025-11-25T11:00:00.000Z"


@pytest.mark.parametrize(
    "changed",
    [
        {"updatedAt": "2025-11-25T12:00:00.000Z"},
        {"note": "gift wrap"},
        {"version": Decimal(2)},
    ],
)
def test_a_modify_that_keeps_the_status_announces_nothing(changed: dict[str, Any]) -> None:
    assert (
        order_event(_record("MODIFY", new={**PENDING_ORDER, **changed}, old=PENDING_ORDER)) is None
    )


def test_a_remove_announces_nothing() -> None:
    assert order_event(_record("REMOVE", old=PENDING_ORDER)) is None


def test_the_body_is_the_documented_json_event() -> None:
    event = order_event(
        _record("MODIFY", new=_moved(PENDING_ORDER, "CANCELLED"), old=PENDING_ORDER)
    )

    assert event is not None
    assert json.loads(event.body()) == {
        "eventType": "OrderStatusChanged",
        "orderId": "o-1",
        "customerId": "c-9",
        "oldStatus": "PENDING",
        "newStatus": "CANCELLED",
        "timestamp": "2025-11-25T11:00:00.000Z",
        "version": 2,
        "schemaVersion": 1,
    }


def test_a_created_event_has_no_old_status_in_its_body() -> None:
    event = order_event(_record("INSERT", new=PENDING_ORDER))

    assert event is not None
    assert json.loads(event.body())["oldStatus"] is None


def test_message_attributes_are_strings_subscribers_can_filter_on() -> None:
    event = order_event(_record("MODIFY", new=_moved(PENDING_ORDER, "SHIPPED"), old=PENDING_ORDER))

    assert event is not None
    assert event.message_attributes() == {
        "eventType": {"DataType": "String", "StringValue": "OrderStatusChanged"},
        "status": {"DataType": "String", "StringValue": "SHIPPED"},
        "customerId": {"DataType": "String", "StringValue": "c-9"},
    }


def _without(name: str) -> dict[str, Any]:
    return {key: value for key, value in PENDING_ORDER.items() if key != name}


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (_record(None, new=PENDING_ORDER), "without an event name"),
        (_record("UPSERT", new=PENDING_ORDER), "unknown event name 'UPSERT'"),
        (_record("INSERT"), "INSERT record without a new image"),
        (_record("MODIFY", old=PENDING_ORDER), "MODIFY record without a new image"),
        (_record("MODIFY", new=PENDING_ORDER), "without an old image"),
        (_record("INSERT", new=_without("customerId")), "customerId is None"),
        (_record("INSERT", new=_without("status")), "status is None"),
        (_record("INSERT", new=_without("updatedAt")), "updatedAt is None"),
        (_record("INSERT", new=_without("schemaVersion")), "schemaVersion is None"),
        (_record("INSERT", new={**PENDING_ORDER, "orderId": ""}), "orderId is ''"),
        (_record("INSERT", new={**PENDING_ORDER, "status": "LOST"}), "'LOST' is not an order"),
        (_record("INSERT", new={**PENDING_ORDER, "version": "1"}), "version is '1'"),
        (_record("INSERT", new={**PENDING_ORDER, "version": Decimal("1.5")}), "positive whole"),
        (_record("INSERT", new={**PENDING_ORDER, "version": Decimal(0)}), "positive whole"),
        (
            _record("MODIFY", new=PENDING_ORDER, old={**PENDING_ORDER, "status": "LOST"}),
            "'LOST' is not an order",
        ),
        # Readable, but the event would break the contract subscribers build on.
        (
            _record("INSERT", new={**PENDING_ORDER, "customerId": "c 9"}),
            "OrderCreated body: data.customerId must match pattern",
        ),
        (
            _record("INSERT", new={**PENDING_ORDER, "updatedAt": "yesterday"}),
            "OrderCreated body: data.timestamp must match pattern",
        ),
    ],
)
def test_a_malformed_record_is_refused_with_the_reason(
    record: DynamoDBRecord, problem: str
) -> None:
    with pytest.raises(MalformedRecord) as refused:
        order_event(record)
    assert problem in str(refused.value)


def test_on_a_fifo_topic_the_order_is_the_group_and_the_change_the_deduplication_id() -> None:
    created = order_event(_record("INSERT", new=PENDING_ORDER))
    moved = order_event(_record("MODIFY", new=_moved(PENDING_ORDER, "SHIPPED"), old=PENDING_ORDER))

    assert created is not None
    assert moved is not None
    assert created.fifo_ids() == {"MessageGroupId": "o-1", "MessageDeduplicationId": "o-1:1"}
    assert moved.fifo_ids() == {"MessageGroupId": "o-1", "MessageDeduplicationId": "o-1:2"}
