"""DynamoDB stream consumer: announces order creations and status changes on SNS.

Thin AWS wiring around `handlers.order_events`; the client is created once per container.

A batch comes from one shard, in stream order, and Lambda resumes a shard at the lowest
sequence number reported failed. So publishing stops at the first event SNS does not take,
and that record and every later one are reported: nothing after a gap is checkpointed, and
nothing is skipped. Entries of the same PublishBatch call after the failed one may already
be out; their retry repeats them, which at-least-once subscribers absorb by (orderId, version).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from handlers import contract
from handlers.failures import retry_cause
from handlers.init_phase import freeze_imported_objects
from handlers.order_events import MalformedRecord, OrderEvent, order_event
from handlers.tracing import SampledTracer

# SNS takes at most ten entries per PublishBatch call.
MAX_ENTRIES_PER_PUBLISH = 10

freeze_imported_objects()

logger = Logger()
tracer = SampledTracer()
metrics = Metrics(namespace=contract.METRICS_NAMESPACE)
metrics.set_default_dimensions(
    **{contract.ENVIRONMENT_DIMENSION: os.environ.get(contract.ENVIRONMENT_ENV, "local")}
)

# A shard that cannot publish at all is a normal partial response: Lambda retries it from
# the first record either way, and the response says which records are at stake.
batch = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)

sns = boto3.client("sns")
TOPIC_ARN = os.environ[contract.ORDER_EVENTS_TOPIC_ARN_ENV]


class NotAnnounced(Exception):
    """Not announced yet: Lambda resumes the shard at the first record reported so."""


def _sequence_number(record: DynamoDBRecord) -> str:
    """How batchItemFailures names a stream record."""
    return str(record["dynamodb"]["SequenceNumber"])


@tracer.capture_method
def _publish(chunk: Sequence[tuple[int, OrderEvent]]) -> int | None:
    """Publish one PublishBatch call; the batch position of its first failed entry, if any."""
    entries = [
        {
            "Id": str(position),
            "Message": event.body(),
            "MessageAttributes": event.message_attributes(),
        }
        for position, event in chunk
    ]
    try:
        response = sns.publish_batch(TopicArn=TOPIC_ARN, PublishBatchRequestEntries=entries)
    except (ClientError, BotoCoreError) as error:
        logger.warning("events not published; retrying", cause=retry_cause(error).value)
        return chunk[0][0]
    published = len(response.get("Successful", []))
    if published:
        metrics.add_metric(
            name=contract.NOTIFICATIONS_PUBLISHED_METRIC, unit=MetricUnit.Count, value=published
        )
    failed = response.get("Failed", [])
    if not failed:
        return None
    logger.warning(
        "entries refused by SNS; retrying",
        refused=[
            {"position": entry["Id"], "code": entry["Code"], "senderFault": entry["SenderFault"]}
            for entry in failed
        ],
    )
    return min(int(entry["Id"]) for entry in failed)


def _announce(records: Sequence[DynamoDBRecord]) -> dict[str, str]:
    """Publish the batch's events in stream order until SNS refuses one.

    Returns, by sequence number, why each record from the first refused one on is not
    announced. A malformed record raises instead: the failed invocation makes Lambda bisect
    the batch until that record is alone, so only it ends up in the on-failure queue.
    """
    announced: list[tuple[int, OrderEvent]] = []
    for position, record in enumerate(records):
        try:
            event = order_event(record)
        except MalformedRecord:
            logger.exception(
                "stream record cannot be announced; failing the invocation to isolate it",
                sequence_number=_sequence_number(record),
            )
            raise
        if event is not None:
            announced.append((position, event))
    for start in range(0, len(announced), MAX_ENTRIES_PER_PUBLISH):
        failed_at = _publish(announced[start : start + MAX_ENTRIES_PER_PUBLISH])
        if failed_at is not None:
            return {
                _sequence_number(record): f"event at batch position {failed_at} not published"
                for record in records[failed_at:]
            }
    return {}


def _report(record: DynamoDBRecord, unannounced: Mapping[str, str]) -> None:
    reason = unannounced.get(_sequence_number(record))
    if reason is not None:
        raise NotAnnounced(reason)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    unannounced = _announce([DynamoDBRecord(raw) for raw in event["Records"]])
    return process_partial_response(
        event=event,
        record_handler=partial(_report, unannounced=unannounced),
        processor=batch,
        context=context,
    )
