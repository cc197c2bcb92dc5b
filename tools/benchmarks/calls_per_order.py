"""P1: AWS requests per stored order, through the processor and the notifier, on moto.

Counted: every HTTP request sent by the clients the handler modules create (processor:
DynamoDB PutItem, SQS SendMessage to the DLQ; notifier: SNS PublishBatch), retries
included, while a handler runs. Not counted: what Lambda itself does around the handlers
(the SQS poller's ReceiveMessage/DeleteMessage, the stream poller's GetRecords) and set-up;
those use a separate session and run outside the counting window.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws

from handlers import contract
from tools.aws_doubles.lambda_events import LocalLambdaContext, sqs_event
from tools.aws_doubles.moto_setup import (
    REGION,
    create_order_table,
    create_submissions_table,
    serve_dynamodb_calls_one_at_a_time,
)
from tools.aws_doubles.stream_events import dynamodb_stream_event, read_stream
from tools.benchmarks import report
from tools.benchmarks.harness import (
    LAMBDA_ENVIRONMENT,
    fresh_import,
    handler_session,
    order_body,
    order_ids,
    queue_arn,
    queued_messages,
    quiet,
)
from tools.benchmarks.hooks import RequestCounter
from tools.benchmarks.naive import NaiveHandler
from tools.local_run.lambda_runtime import applied_environment

ORDERS = 1000
TARGET = 1.1
# What the dev stack's event source mappings hand over (batchSize, notifierBatchSize).
QUEUE_BATCH = 10
STREAM_BATCH = 100
TABLE = "orders"
QUEUE = "orders-queue"


@dataclass(frozen=True)
class Counted:
    stored: int
    requests: Counter[str]

    @property
    def per_order(self) -> float:
        return sum(self.requests.values()) / self.stored


@dataclass
class World:
    """The table (with its stream), DLQ and topic in moto, and a set-up session."""

    dynamodb: Any
    streams: Any
    stream_arn: str
    variables: dict[str, str]

    @classmethod
    def create(cls) -> World:
        harness = boto3.Session(region_name=REGION)
        dynamodb = harness.client("dynamodb")
        create_order_table(dynamodb, TABLE)
        create_submissions_table(dynamodb)
        dlq_url = harness.client("sqs").create_queue(QueueName="orders-dlq")["QueueUrl"]
        topic_arn = harness.client("sns").create_topic(Name="orders-topic")["TopicArn"]
        return cls(
            dynamodb=dynamodb,
            streams=harness.client("dynamodbstreams"),
            stream_arn=dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"],
            variables={
                contract.ORDERS_TABLE_ENV: TABLE,
                contract.SUBMISSIONS_TABLE_ENV: "submissions",
                contract.DEAD_LETTER_QUEUE_URL_ENV: dlq_url,
                contract.ORDER_EVENTS_TOPIC_ARN_ENV: topic_arn,
            },
        )

    def stored(self) -> int:
        return int(self.dynamodb.scan(TableName=TABLE, Select="COUNT")["Count"])


def _failures(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


def count_pipeline(orders: int = ORDERS) -> Counted:
    """Orders as the API queues them, through the processor and notifier as Lambda runs them:
    SQS batches of QUEUE_BATCH, stream batches of STREAM_BATCH.

    The SQS events are built from the messages directly: moto's queue would only add the
    poller's ReceiveMessage/DeleteMessage, which are not counted, and minutes of waiting.
    """
    counter = RequestCounter()
    # The processor's writer threads would otherwise leave moto's stream out of order.
    serve_dynamodb_calls_one_at_a_time()
    with mock_aws(), applied_environment(LAMBDA_ENVIRONMENT):
        world = World.create()
        with applied_environment(world.variables), quiet(), handler_session(counter):
            processor = fresh_import("handlers.processor")
            notifier = fresh_import("handlers.notifier")
            bodies = [order_body(order_id) for order_id in order_ids("p1", orders)]
            for start in range(0, len(bodies), QUEUE_BATCH):
                messages = queued_messages(bodies[start : start + QUEUE_BATCH])
                event = sqs_event(messages, queue_arn(QUEUE), REGION)
                with counter.counting():
                    response = processor.handler(event, LocalLambdaContext("processor"))
                if _failures(response):
                    raise RuntimeError(f"processor failed records: {_failures(response)}")
            records = read_stream(world.streams, world.stream_arn)
            for start in range(0, len(records), STREAM_BATCH):
                event = dynamodb_stream_event(
                    records[start : start + STREAM_BATCH], world.stream_arn, REGION
                )
                with counter.counting():
                    response = notifier.handler(event, LocalLambdaContext("notifier"))
                if _failures(response):
                    raise RuntimeError(f"notifier failed records: {_failures(response)}")
        return Counted(world.stored(), counter.requests)


def count_naive(orders: int = ORDERS) -> Counted:
    counter = RequestCounter()
    with mock_aws(), applied_environment(LAMBDA_ENVIRONMENT):
        world = World.create()
        with handler_session(counter) as session:
            topic_arn = world.variables[contract.ORDER_EVENTS_TOPIC_ARN_ENV]
            naive = NaiveHandler(session, TABLE, topic_arn)
            for order_id in order_ids("p1", orders):
                with counter.counting():
                    naive.handle(order_body(order_id))
        return Counted(world.stored(), counter.requests)


def _breakdown(counted: Counted) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counted.requests.items()))


def run() -> None:
    report.section(f"P1  AWS requests per stored order ({ORDERS:,} new orders, moto in-process)")
    pipeline = count_pipeline()
    naive = count_naive()
    for counted in (pipeline, naive):
        if counted.stored != ORDERS:
            report.warn(f"{counted.stored} of {ORDERS} orders stored")
    report.row(
        f"processor + notifier ({pipeline.stored} stored)",
        f"{pipeline.per_order:6.3f}",
        _breakdown(pipeline),
    )
    report.row(
        f"naive baseline ({naive.stored} stored)", f"{naive.per_order:6.3f}", _breakdown(naive)
    )
    report.row(
        "ratio to baseline",
        f"{pipeline.per_order / naive.per_order:6.3f}",
        report.verdict(pipeline.per_order, TARGET),
    )
