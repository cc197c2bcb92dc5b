"""DynamoDB stream consumer: announces order creations and status changes on SNS.

Thin AWS wiring around `handlers.order_events` (what to announce) and
`handlers.publish_retries` (in which call, and retrying what SNS refused); the client is
created once per container.

A batch comes from one shard, in stream order, and Lambda resumes a shard at the lowest
sequence number reported failed. Entries SNS refuses are tried again within the invocation,
so a refusal that clears repeats nothing; what is still not out when the retries or the time
run out is reported, with every later event of the same order (held back so that no version
is announced before the one it follows). Nothing is skipped: Lambda resumes at the first
reported record, and entries published after it are repeated, which at-least-once
subscribers absorb by (orderId, version).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Sequence, Set
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
from handlers.publish_retries import CallOutcome, RetryPolicy, announce
from handlers.tracing import SampledTracer

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
# A FIFO topic's name ends so (SNS requires it), and it requires a group id on every entry.
FIFO_TOPIC = TOPIC_ARN.endswith(".fifo")
RETRY_POLICY = RetryPolicy()
# Replaceable by tests, which must not wait for real.
sleep = time.sleep
jitter = random.random


class NotAnnounced(Exception):
    """Not announced yet: Lambda resumes the shard at the first record reported so."""


def _sequence_number(record: DynamoDBRecord) -> str:
    """How batchItemFailures names a stream record."""
    return str(record["dynamodb"]["SequenceNumber"])


@tracer.capture_method
def _publish(call: Sequence[tuple[int, OrderEvent]]) -> CallOutcome:
    """One PublishBatch call; which of its entries SNS did not take."""
    entries = [
        {
            "Id": str(position),
            "Message": event.body(),
            "MessageAttributes": event.message_attributes(),
            **(event.fifo_ids() if FIFO_TOPIC else {}),
        }
        for position, event in call
    ]
    try:
        response = sns.publish_batch(TopicArn=TOPIC_ARN, PublishBatchRequestEntries=entries)
    except (ClientError, BotoCoreError) as error:
        logger.warning("events not published", cause=retry_cause(error).value)
        return CallOutcome(frozenset(position for position, _ in call), call_failed=True)
    published = len(response.get("Successful", []))
    if published:
        metrics.add_metric(
            name=contract.NOTIFICATIONS_PUBLISHED_METRIC, unit=MetricUnit.Count, value=published
        )
    failed = response.get("Failed", [])
    if failed:
        logger.warning(
            "entries refused by SNS",
            refused=[
                {
                    "position": entry["Id"],
                    "code": entry["Code"],
                    "senderFault": entry["SenderFault"],
                }
                for entry in failed
            ],
        )
    return CallOutcome(frozenset(int(entry["Id"]) for entry in failed))


def _events(records: Sequence[DynamoDBRecord]) -> list[tuple[int, OrderEvent]]:
    """The batch's events with their records' positions, in stream order.

    A malformed record raises: the failed invocation makes Lambda bisect the batch until that
    record is alone, so only it ends up in the on-failure queue.
    """
    events: list[tuple[int, OrderEvent]] = []
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
            events.append((position, event))
    return events


def _unannounced(records: Sequence[DynamoDBRecord], context: LambdaContext) -> set[str]:
    """Sequence numbers of the records whose events are still not out."""
    outcome = announce(
        _events(records),
        _publish,
        policy=RETRY_POLICY,
        remaining_millis=context.get_remaining_time_in_millis,
        sleep=sleep,
        jitter=jitter,
    )
    if outcome.unannounced:
        logger.warning(
            "events not announced; reporting their records",
            positions=list(outcome.unannounced),
            rounds=outcome.rounds,
        )
    return {_sequence_number(records[position]) for position in outcome.unannounced}


def _report(record: DynamoDBRecord, unannounced: Set[str]) -> None:
    if _sequence_number(record) in unannounced:
        raise NotAnnounced("event not published; later versions of its order held back")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    unannounced = _unannounced([DynamoDBRecord(raw) for raw in event["Records"]], context)
    return process_partial_response(
        event=event,
        record_handler=partial(_report, unannounced=unannounced),
        processor=batch,
        context=context,
    )
