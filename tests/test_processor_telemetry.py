"""What the processor tells operators: EMF metrics, log lines, and tracing on every function.

The metrics are read back from stdout as CloudWatch would ingest them (EMF blobs), and are
checked against the dimensions the dashboard asks for, so the two cannot drift apart.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from components import cloudwatch_metrics as cw
from handlers import contract
from tools.aws_doubles.lambda_events import LocalLambdaContext, sqs_event
from tools.aws_doubles.moto_setup import (
    FAKE_AWS_ENVIRONMENT,
    REGION,
    create_order_table,
    create_submissions_table,
)
from tools.pulumi_mocks.program import ProgramRun, run_program

ENVIRONMENT = "prod"
BUSINESS_DIMENSIONS = {contract.ENVIRONMENT_DIMENSION, cw.POWERTOOLS_SERVICE_DIMENSION}


# Long enough that no random request or message id in a log line can contain it by chance.
CUSTOMER_ID = "private-customer-4711"


def _order(order_id: str, sku: str = "sku-1", **extra: Any) -> str:
    return json.dumps({"orderId": order_id, "customerId": CUSTOMER_ID, "items": [sku], **extra})


@dataclass
class Emitted:
    """One invocation's output: EMF blobs and JSON log lines."""

    blobs: list[dict[str, Any]]
    logs: list[dict[str, Any]]
    raw_logs: str

    def totals(self, dimensions: set[str]) -> Counter[str]:
        """Metric values summed over the blobs whose dimension set is exactly `dimensions`."""
        totals: Counter[str] = Counter()
        for blob in self.blobs:
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                if {name for names in directive["Dimensions"] for name in names} != dimensions:
                    continue
                for metric in directive["Metrics"]:
                    values = blob[metric["Name"]]
                    totals[metric["Name"]] += sum(values) if isinstance(values, list) else values
        return totals


@dataclass
class Processor:
    module: ModuleType
    sqs: Any
    queue_url: str
    queue_arn: str
    capsys: pytest.CaptureFixture[str]

    def process(self, *bodies: str) -> Emitted:
        for body in bodies:
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=body)
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )["Messages"]
        assert len(messages) == len(bodies)
        self.capsys.readouterr()
        # Powertools keeps the stream it found at its first import: log where EMF goes.
        self.module.logger.logger_handler.stream = sys.stdout
        self.module.handler(
            sqs_event(messages, self.queue_arn, REGION), LocalLambdaContext("processor")
        )
        for message in messages:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        out = self.capsys.readouterr().out
        printed = [json.loads(line) for line in out.splitlines() if line]
        logs = [line for line in printed if "_aws" not in line]
        return Emitted(
            blobs=[blob for blob in printed if "_aws" in blob],
            logs=logs,
            raw_logs="\n".join(json.dumps(line) for line in logs),
        )


@pytest.fixture
def processor(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Processor]:
    environment = {
        **FAKE_AWS_ENVIRONMENT,
        # What HandlerFunction sets on the deployed function.
        "POWERTOOLS_SERVICE_NAME": contract.PROCESSOR_SERVICE_NAME,
        contract.ENVIRONMENT_ENV: ENVIRONMENT,
        contract.ORDERS_TABLE_ENV: "orders",
        contract.SUBMISSIONS_TABLE_ENV: "submissions",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        sqs = boto3.client("sqs")
        create_order_table(boto3.client("dynamodb"))
        create_submissions_table(boto3.client("dynamodb"))
        dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
        queue_url = sqs.create_queue(QueueName="orders-queue")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        monkeypatch.setenv(contract.DEAD_LETTER_QUEUE_URL_ENV, dlq_url)
        # The handler creates its clients and reads its settings at import: import it here.
        module = sys.modules.get("handlers.processor")
        module = (
            importlib.reload(module) if module else importlib.import_module("handlers.processor")
        )
        try:
            yield Processor(module, sqs, queue_url, queue_arn["Attributes"]["QueueArn"], capsys)
        finally:
            # Never leave Powertools holding this test's capture, which pytest closes.
            module.logger.logger_handler.stream = sys.__stdout__


def test_stored_and_duplicate_orders_are_counted_with_the_dashboards_dimensions(
    processor: Processor,
) -> None:
    first = processor.process(_order("o-1"))
    second = processor.process(_order("o-1"), _order("o-2"))

    for emitted in (first, second):
        for blob in emitted.blobs:
            (directive,) = blob["_aws"]["CloudWatchMetrics"]
            assert directive["Namespace"] == contract.METRICS_NAMESPACE
            assert blob[contract.ENVIRONMENT_DIMENSION] == ENVIRONMENT
            assert blob[cw.POWERTOOLS_SERVICE_DIMENSION] == contract.PROCESSOR_SERVICE_NAME
    assert first.totals(BUSINESS_DIMENSIONS) == Counter({contract.ORDERS_STORED_METRIC: 1})
    assert second.totals(BUSINESS_DIMENSIONS) == Counter(
        {contract.ORDERS_STORED_METRIC: 1, contract.DUPLICATE_ORDERS_METRIC: 1}
    )
    # the dashboard's series name exactly the dimensions the handler emits
    graphed = cw.business(
        contract.ORDERS_STORED_METRIC, ENVIRONMENT, contract.PROCESSOR_SERVICE_NAME
    )
    assert dict(graphed.dimensions) == {
        contract.ENVIRONMENT_DIMENSION: ENVIRONMENT,
        cw.POWERTOOLS_SERVICE_DIMENSION: contract.PROCESSOR_SERVICE_NAME,
    }


def test_rejections_are_counted_in_total_and_per_reason(processor: Processor) -> None:
    processor.process(_order("dup-1", "sku-a"))

    emitted = processor.process(
        "{not json",
        _order("bad id"),
        json.dumps({"orderId": "o-9", "customerId": "c-1", "items": []}),
        _order("dup-1", "sku-b"),
    )

    assert emitted.totals(BUSINESS_DIMENSIONS) == Counter({contract.ORDERS_REJECTED_METRIC: 4})
    by_reason = [
        blob
        for blob in emitted.blobs
        if contract.REJECTION_REASON_DIMENSION
        in blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]
    ]
    reasons = Counter(blob[contract.REJECTION_REASON_DIMENSION] for blob in by_reason)
    assert reasons == Counter(
        {"INVALID_JSON": 1, "SCHEMA_VIOLATION": 2, "CONFLICTING_DUPLICATE": 1}
    )
    per_reason_dimensions = BUSINESS_DIMENSIONS | {contract.REJECTION_REASON_DIMENSION}
    assert emitted.totals(per_reason_dimensions) == Counter({contract.ORDERS_REJECTED_METRIC: 4})
    for blob in by_reason:
        assert blob[contract.ENVIRONMENT_DIMENSION] == ENVIRONMENT
        assert blob[cw.POWERTOOLS_SERVICE_DIMENSION] == contract.PROCESSOR_SERVICE_NAME


def test_retried_records_are_counted(processor: Processor, monkeypatch: pytest.MonkeyPatch) -> None:
    def throttled(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutItem"
        )

    monkeypatch.setattr(processor.module.dynamodb, "put_item", throttled)

    emitted = processor.process(_order("r-1"), _order("r-2"))

    assert emitted.totals(BUSINESS_DIMENSIONS) == Counter({contract.ORDER_RETRIES_METRIC: 2})
    retried = [line for line in emitted.logs if line["message"] == "order will be retried"]
    assert {line["cause"] for line in retried} == {"THROTTLED"}


def test_log_lines_carry_the_order_id_as_correlation_id_and_no_order_content(
    processor: Processor,
) -> None:
    processor.process(_order("o-3", "sku-a"))

    emitted = processor.process(
        _order("o-1", "very-private-sku"),
        _order("o-2", creditCard="4111-1111-1111-1111"),
        _order("o-3", "another-private-sku"),
    )

    stored = [line for line in emitted.logs if line["message"] == "order stored"]
    assert [line["correlation_id"] for line in stored] == ["o-1"]
    assert stored[0]["service"] == contract.PROCESSOR_SERVICE_NAME
    rejected = {
        line["reason"]: line for line in emitted.logs if line["message"] == "order rejected"
    }
    # a conflicting duplicate has a trustworthy id; an invalid order only its message id
    assert rejected["CONFLICTING_DUPLICATE"]["correlation_id"] == "o-3"
    assert "correlation_id" not in rejected["SCHEMA_VIOLATION"]
    assert all(line["message_id"] for line in rejected.values())
    assert {line["level"] for line in emitted.logs} == {"INFO", "WARNING"}
    # ids only: neither an order's content nor a rejected body reaches the logs
    for secret in ("very-private-sku", "4111-1111-1111-1111", "another-private-sku", CUSTOMER_ID):
        assert secret not in emitted.raw_logs


@pytest.fixture(scope="module", params=["dev", "prod"])
def program(request: pytest.FixtureRequest) -> ProgramRun:
    return run_program(request.param)


def test_every_lambda_of_the_program_traces_with_xray(program: ProgramRun) -> None:
    functions = program.mocks.of_type("aws:lambda/function:Function")
    assert len(functions) >= 2
    roles = {role.state["arn"]: role for role in program.mocks.of_type("aws:iam/role:Role")}
    policies = program.mocks.of_type("aws:iam/rolePolicy:RolePolicy")
    for function in functions:
        assert function.inputs["tracingConfig"] == {"mode": "Active"}, function.name
        # Active tracing without permission to send segments traces nothing.
        role = roles[function.inputs["role"]]
        granted = [
            action
            for policy in policies
            if policy.inputs["role"] == f"{role.name}-id"
            for statement in json.loads(policy.inputs["policy"])["Statement"]
            for action in statement["Action"]
        ]
        assert "xray:PutTraceSegments" in granted, function.name


def test_the_api_stage_traces_with_xray(program: ProgramRun) -> None:
    apis = program.mocks.of_type("aws:apigateway/restApi:RestApi")
    stages = program.mocks.of_type("aws:apigateway/stage:Stage")
    assert len(stages) == len(apis)
    for stage in stages:
        assert stage.inputs["xrayTracingEnabled"] is True, stage.name
