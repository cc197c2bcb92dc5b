"""moto set-up shared by the handler tests: credentials, region and the order table."""

from __future__ import annotations

from typing import Any

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
    """The order table's key, index and stream, as OrderStore declares them."""
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
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return name
