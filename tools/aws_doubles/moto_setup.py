"""moto set-up shared by the tests, the local run, reliability and the benchmarks: credentials,
region, the order and submissions tables, and DynamoDB calls applied whole as DynamoDB
applies them."""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler

from handlers import contract

REGION = "eu-west-1"

FAKE_AWS_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    # As inside Lambda: Powertools' async batch processor then reuses the thread's event loop
    # instead of asyncio.run(), which would leave the thread without one for later tests.
    "LAMBDA_TASK_ROOT": "/var/task",
    # Tracing needs the X-Ray daemon, which exists only inside Lambda.
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": contract.METRICS_NAMESPACE,
}


def create_order_table(dynamodb: Any, name: str = "orders") -> str:
    """The order table's key, indexes and stream, as OrderStore declares them."""
    string = "S"
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": contract.ORDER_KEY, "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": attribute, "AttributeType": string}
            for attribute in (
                contract.ORDER_KEY,
                contract.CUSTOMER_INDEX_PARTITION_KEY,
                contract.CUSTOMER_INDEX_SORT_KEY,
                contract.ORDER_REQUEST_ID_FIELD,
            )
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": contract.CUSTOMER_INDEX_NAME,
                "KeySchema": [
                    {"AttributeName": contract.CUSTOMER_INDEX_PARTITION_KEY, "KeyType": "HASH"},
                    {"AttributeName": contract.CUSTOMER_INDEX_SORT_KEY, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": contract.SUBMISSION_INDEX_NAME,
                "KeySchema": [
                    {"AttributeName": contract.ORDER_REQUEST_ID_FIELD, "KeyType": "HASH"}
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return name


def create_submissions_table(dynamodb: Any, name: str = "submissions") -> str:
    """The submissions table's key and TTL, as OrderStore declares them."""
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": contract.SUBMISSION_KEY, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": contract.SUBMISSION_KEY, "AttributeType": "S"}],
    )
    dynamodb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={
            "Enabled": True,
            "AttributeName": contract.SUBMISSION_EXPIRES_AT_FIELD,
        },
    )
    return name


_DYNAMODB_CALLS = threading.RLock()


def serve_dynamodb_calls_one_at_a_time() -> None:
    """Make moto apply each DynamoDB call whole, as DynamoDB does, for every moto of this
    process (the server's and `mock_aws`'s). Idempotent.

    moto serves calls on as many threads as make them (the processor writes a batch on 16),
    and nothing in a call is atomic. Two writes of one order can both pass
    `attribute_not_exists`. Worse for the stream: moto numbers a record by the shard's length
    when the write began and appends it once built, so concurrent writes get one sequence
    number, and a record can carry a number below its place in the shard. moto positions
    iterators by number, so a reader is sent back over records it already read, and one
    reading by number cannot tell such a record from a new one: the local stream source
    announced stored orders twice. DynamoDB numbers a shard's records in the order they
    were written, so one call at a time is what the local run must give the handlers.
    """
    call_action = DynamoHandler.call_action
    if getattr(call_action, "one_at_a_time", False):
        return

    @functools.wraps(call_action)
    def one_at_a_time(handler: Any) -> Any:
        with _DYNAMODB_CALLS:
            return call_action(handler)

    one_at_a_time.one_at_a_time = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = one_at_a_time  # type: ignore[method-assign]
