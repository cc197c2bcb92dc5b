"""One reader container, traced as in Lambda, in a fresh interpreter: `tests/test_tracing.py`
runs this and checks what it prints (one JSON document).

Tracing is on (no POWERTOOLS_TRACE_DISABLED, LAMBDA_TASK_ROOT set) and the X-Ray "daemon"
is a UDP socket of this process, so every segment document the SDK sends is caught. The
container imports the handler the first argument names (`reader` or `processor`), then
serves one invocation per further argument, each `sampled` or `unsampled`: for the reader a
GET of an unknown order, for the processor a batch of one new order.
"""

from __future__ import annotations

import gc
import json
import os
import socket
import sys
import uuid
from collections.abc import Callable
from typing import Any

from moto import mock_aws

from handlers import contract
from tests.api_gateway_events import proxy_event
from tools.aws_doubles.lambda_events import LocalLambdaContext, sqs_event
from tools.aws_doubles.moto_setup import REGION, create_order_table, create_submissions_table

ROOT = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"
XRAY_SDK = "aws_xray_sdk.core"


def _reader(aws: Any) -> Callable[[], Any]:
    create_order_table(aws.client("dynamodb"))
    create_submissions_table(aws.client("dynamodb"))
    from handlers import reader  # noqa: PLC0415 - imported in the mock, as Lambda would

    def invoke() -> Any:
        event = proxy_event("GET", contract.ORDER_RESOURCE, {contract.ORDER_KEY: "o-1"})
        return reader.handler(event, LocalLambdaContext("reader"))["statusCode"]

    return invoke


def _processor(aws: Any) -> Callable[[], Any]:
    create_order_table(aws.client("dynamodb"))
    create_submissions_table(aws.client("dynamodb"))
    sqs = aws.client("sqs")
    queue_url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    dead_letters = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    os.environ[contract.DEAD_LETTER_QUEUE_URL_ENV] = dead_letters
    from handlers import processor  # noqa: PLC0415 - imported in the mock, as Lambda would

    def invoke() -> Any:
        body = {"orderId": str(uuid.uuid4()), "customerId": "c-1", "items": ["sku-1"]}
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
        messages = sqs.receive_message(
            QueueUrl=queue_url, AttributeNames=["All"], MessageAttributeNames=["All"]
        )["Messages"]
        event = sqs_event(messages, queue_arn["Attributes"]["QueueArn"], REGION)
        return processor.handler(event, LocalLambdaContext("processor"))

    return invoke


HANDLERS = {"reader": _reader, "processor": _processor}


def _documents(daemon: socket.socket) -> list[dict[str, Any]]:
    """Every segment document received: each datagram is a JSON header line, then one."""
    documents: list[dict[str, Any]] = []
    daemon.settimeout(0.5)
    while True:
        try:
            datagram = daemon.recv(65536)
        except TimeoutError:
            return documents
        _header, document = datagram.decode().split("\n", 1)
        documents.append(json.loads(document))


def main() -> None:
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    os.environ["AWS_XRAY_DAEMON_ADDRESS"] = f"127.0.0.1:{daemon.getsockname()[1]}"
    report: dict[str, Any] = {}
    with mock_aws():
        import boto3  # noqa: PLC0415 - inside the mock, as the handler's own import is

        freeze_count = gc.get_freeze_count()
        invoke = HANDLERS[sys.argv[1]](boto3)
        report["frozen_by_import"] = gc.get_freeze_count() - freeze_count
        report["sdk_after_import"] = XRAY_SDK in sys.modules
        report["invocations"] = []
        for sampled in sys.argv[2:]:
            os.environ["_X_AMZN_TRACE_ID"] = f"{ROOT};Sampled={int(sampled == 'sampled')}"
            result = invoke()
            report["invocations"].append({"result": result, "sdk_loaded": XRAY_SDK in sys.modules})
    report["documents"] = _documents(daemon)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
