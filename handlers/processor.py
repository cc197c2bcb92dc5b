"""SQS consumer: stores each order once and dead-letters what can never be stored.

Thin AWS wiring around `handlers.orders` and `handlers.submission_records`: a stored order
carries its submission's request id; a rejection, and an identical re-submission of an order
already stored, are also recorded for the submission's status monitor. The table's client
and the writer pool are created once per container; the records of a batch are written
concurrently, each reported on its own. The dead-letter queue's client is made by the first
order that needs it.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    EventType,
    async_process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from handlers import contract
from handlers.clients import OnDemandClient
from handlers.failures import retry_cause
from handlers.init_phase import freeze_imported_objects
from handlers.order_views import item_values
from handlers.orders import (
    OrderRejected,
    check_redelivery,
    new_order_item,
    parse_order,
    timestamp_from_epoch_millis,
)
from handlers.submission_records import rejection_record, resubmission_record
from handlers.tracing import SampledTracer

# The DLQ keeps why a message was rejected; a reason longer than this is already unreadable.
MAX_DETAIL_CHARS = 1024

# Writes in flight per invocation. A batch's latency is dominated by DynamoDB round trips,
# so overlapping them turns 100 sequential writes into about 100/16 round trips.
WRITE_CONCURRENCY = 16

freeze_imported_objects()

logger = Logger()
tracer = SampledTracer()
metrics = Metrics(namespace=contract.METRICS_NAMESPACE)
metrics.set_default_dimensions(
    **{contract.ENVIRONMENT_DIMENSION: os.environ.get(contract.ENVIRONMENT_ENV, "local")}
)

# Every record is reported individually; an all-failed batch is a normal partial response,
# not an invocation error that would retry the records that did succeed.
batch = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

# One client shared by all writer threads (clients are thread-safe), with a connection each.
_client_config = Config(max_pool_connections=WRITE_CONCURRENCY)
dynamodb = boto3.client("dynamodb", config=_client_config)
dead_letter_queue = OnDemandClient("sqs", config=_client_config)
_writers = ThreadPoolExecutor(max_workers=WRITE_CONCURRENCY, thread_name_prefix="order-writer")
TABLE_NAME = os.environ[contract.ORDERS_TABLE_ENV]
DEAD_LETTER_QUEUE_URL = os.environ[contract.DEAD_LETTER_QUEUE_URL_ENV]
SUBMISSIONS_TABLE_NAME = os.environ[contract.SUBMISSIONS_TABLE_ENV]

_serializer = TypeSerializer()


@dataclass(frozen=True)
class Settled:
    """What became of one record that needs no retry."""

    order_id: str | None
    stored: bool = False
    rejection: OrderRejected | None = None


def _received_at(record: SQSRecord) -> str:
    """When the API accepted the order, so redeliveries keep the original createdAt."""
    # Indexing (not .get) is what wraps the raw attribute in Powertools' accessor class.
    attribute = record.message_attributes[contract.RECEIVED_AT_ATTRIBUTE]
    stamp = attribute.string_value if attribute else None
    if stamp is None or not stamp.isdigit():
        stamp = record.attributes.sent_timestamp
    return timestamp_from_epoch_millis(int(stamp))


def _request_id(record: SQSRecord) -> str | None:
    """The API's request id for the order, which names its submission; None for a message
    that did not come through the API."""
    attribute = record.message_attributes[contract.REQUEST_ID_ATTRIBUTE]
    return attribute.string_value if attribute else None


def _record_outcome(item: dict[str, Any]) -> None:
    dynamodb.put_item(
        TableName=SUBMISSIONS_TABLE_NAME,
        Item={key: _serializer.serialize(value) for key, value in item.items()},
    )


def _store(item: dict[str, Any]) -> bool:
    """Write the order unless its id exists; True if written, False for a redelivery or an
    identical re-submission (recorded for its monitor: the order carries another request id)."""
    try:
        dynamodb.put_item(
            TableName=TABLE_NAME,
            Item={key: _serializer.serialize(value) for key, value in item.items()},
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": contract.ORDER_KEY},
            # The existing item comes back with the failure: no second read to compare.
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        stored = item_values(error.response.get("Item", {}))
        check_redelivery(stored.get("fingerprint"), item["fingerprint"])
        request_id = item.get(contract.ORDER_REQUEST_ID_FIELD)
        if request_id is not None and stored.get(contract.ORDER_REQUEST_ID_FIELD) != request_id:
            _record_outcome(
                resubmission_record(request_id, item[contract.ORDER_KEY], int(time.time()))
            )
        return False
    return True


def _dead_letter(record: SQSRecord, rejection: OrderRejected) -> None:
    attributes: dict[str, Any] = {
        name: {"DataType": value.data_type, "StringValue": value.string_value}
        for name, value in record.message_attributes.items()
        if value.string_value is not None
    }
    reason = {
        contract.REJECTION_REASON_ATTRIBUTE: rejection.reason.value,
        contract.REJECTION_DETAIL_ATTRIBUTE: rejection.detail[:MAX_DETAIL_CHARS] or "-",
        contract.SOURCE_MESSAGE_ID_ATTRIBUTE: record.message_id,
    }
    for name, text in reason.items():
        attributes[name] = {"DataType": "String", "StringValue": text}
    dead_letter_queue.get().send_message(
        QueueUrl=DEAD_LETTER_QUEUE_URL, MessageBody=record.body, MessageAttributes=attributes
    )


def _settle(record: SQSRecord) -> Settled:
    """Store the order or dead-letter it with its reason. Runs in a writer thread.

    A rejection is recorded before it is dead-lettered: if the DLQ send fails, the retry
    writes the same record again, while a record that failed after the send would have
    dead-lettered the message twice.
    """
    order_id = None
    request_id = _request_id(record)
    try:
        order = parse_order(record.body)
        order_id = order["orderId"]
        item = new_order_item(order, created_at=_received_at(record), request_id=request_id)
        stored = _store(item)
    except OrderRejected as rejection:
        if request_id is not None:
            _record_outcome(
                rejection_record(
                    request_id,
                    order_id,
                    rejection.reason.value,
                    rejection.detail[:MAX_DETAIL_CHARS],
                    int(time.time()),
                )
            )
        _dead_letter(record, rejection)
        return Settled(order_id, rejection=rejection)
    return Settled(order_id, stored=stored)


def _count(record: SQSRecord, settled: Settled) -> None:
    # The order id is the line's correlation id (Powertools' key), so one query finds every line
    # about an order. Records of a batch interleave: it goes on each line, not on the logger.
    if settled.rejection is None:
        name = contract.ORDERS_STORED_METRIC if settled.stored else contract.DUPLICATE_ORDERS_METRIC
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        logger.info("order stored", correlation_id=settled.order_id, redelivery=not settled.stored)
        return
    reason = settled.rejection.reason.value
    # An unparsable order has no id: the message id matches the DLQ's sourceMessageId.
    logger.warning(
        "order rejected",
        correlation_id=settled.order_id,
        message_id=record.message_id,
        reason=reason,
    )
    # The total feeds alarms; the per-reason series (an extra dimension) feeds the dashboard.
    metrics.add_metric(name=contract.ORDERS_REJECTED_METRIC, unit=MetricUnit.Count, value=1)
    with single_metric(
        name=contract.ORDERS_REJECTED_METRIC,
        unit=MetricUnit.Count,
        value=1,
        namespace=contract.METRICS_NAMESPACE,
        default_dimensions=metrics.default_dimensions,
    ) as by_reason:
        by_reason.add_dimension(name=contract.REJECTION_REASON_DIMENSION, value=reason)


async def record_handler(record: SQSRecord) -> None:
    """Store, or dead-letter with a reason; anything raised is retried by SQS.

    Logging and metrics stay on the event loop's thread: Powertools' logger keys and metric
    set are shared state, so only the AWS calls run in the writer pool.
    """
    try:
        settled = await asyncio.get_running_loop().run_in_executor(_writers, _settle, record)
    except Exception as error:
        logger.warning(
            "order will be retried", message_id=record.message_id, cause=retry_cause(error).value
        )
        metrics.add_metric(name=contract.ORDER_RETRIES_METRIC, unit=MetricUnit.Count, value=1)
        raise
    _count(record, settled)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return async_process_partial_response(
        event=event, record_handler=record_handler, processor=batch, context=context
    )
