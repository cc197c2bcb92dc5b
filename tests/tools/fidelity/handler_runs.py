"""Run a stack's function under moto, wired exactly as the stack wires it, and record the
AWS calls its handler makes.

moto gets the stack's own tables, queues and topics under their physical names, and the
handler gets the function's own environment variables, so every call the handler makes
names the resource the deployed function would touch.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from unittest import mock

import boto3
from aws_lambda_powertools import Metrics
from moto import mock_aws

from tools.aws_doubles.lambda_events import LocalLambdaContext
from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT
from tools.fidelity.operations import Operation, OperationRecorder
from tools.fidelity.recorded_stack import Stack
from tools.pulumi_mocks.recording import RecordedResource

TABLE = "aws:dynamodb/table:Table"
QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
FUNCTION = "aws:lambda/function:Function"


@dataclass
class HandlerWorld:
    stack: Stack
    function: RecordedResource
    module: ModuleType
    recorder: OperationRecorder

    @property
    def variables(self) -> Mapping[str, str]:
        return dict(self.function.inputs.get("environment", {}).get("variables", {}))

    def client(self, service: str) -> Any:
        """A client for set-up and inspection; its calls are not recorded."""
        return boto3.client(service)

    def event_source(self, type_: str) -> RecordedResource:
        """The stack resource this function's event source mapping reads from."""
        for mapping in self.stack.of_type(MAPPING):
            if self.stack.resolve_as(mapping.inputs.get("functionName"), FUNCTION) is self.function:
                source = self.stack.resolve_as(mapping.inputs.get("eventSourceArn"), type_)
                if source is not None:
                    return source
        raise LookupError(f"{self.function.name} has no {type_} event source")

    def invoke(self, event: Mapping[str, Any]) -> Any:
        context = LocalLambdaContext(str(self.function.state["name"]), region=self.stack.region)
        with self.recorder.recording():
            return self.module.handler(dict(event), context)


Scenario = Callable[[HandlerWorld], None]
"""Drives one handler through representative events (and checks they did what they should)."""


def record_handler_operations(
    stack: Stack, function: RecordedResource, scenario: Scenario
) -> list[Operation]:
    recorder = OperationRecorder()
    environment = {
        **FAKE_AWS_ENVIRONMENT,
        "AWS_DEFAULT_REGION": stack.region,
        "AWS_REGION": stack.region,
        # moto serves DynamoDB Streams only on the regional endpoint.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        **{key: str(value) for key, value in _variables(function).items()},
    }
    module_name = str(function.inputs["handler"]).rpartition(".")[0]
    with mock.patch.dict(os.environ, environment), mock_aws():
        boto3.setup_default_session(region_name=stack.region)
        assert boto3.DEFAULT_SESSION is not None
        recorder.attach(boto3.DEFAULT_SESSION)
        _create_resources(stack)
        with _fresh_import(module_name) as module:
            scenario(HandlerWorld(stack, function, module, recorder))
    return recorder.operations


def _variables(function: RecordedResource) -> Mapping[str, Any]:
    return dict(function.inputs.get("environment", {}).get("variables", {}))


@contextmanager
def _powertools_metrics_kept() -> Iterator[None]:
    """Powertools keeps metrics and dimensions in class attributes shared by every Metrics
    object; a second import of a handler sets them again. Put them back as they were, so
    other tests' handlers keep their own dimensions."""
    shared = [Metrics._metrics, Metrics._dimensions, Metrics._metadata, Metrics._default_dimensions]
    saved = [dict(values) for values in shared]
    try:
        with warnings.catch_warnings():
            # The re-import re-adds the handler's default `environment` dimension.
            warnings.filterwarnings("ignore", "Dimension .* has already been added")
            yield
    finally:
        for values, before in zip(shared, saved, strict=True):
            values.clear()
            values.update(before)


@contextmanager
def _fresh_import(module_name: str) -> Iterator[ModuleType]:
    """Import the handler inside the mock (its clients are created at import), then put
    back whatever module object other tests hold."""
    package_name, _, attribute = module_name.rpartition(".")
    package = importlib.import_module(package_name)
    saved = sys.modules.pop(module_name, None)
    try:
        with _powertools_metrics_kept():
            yield importlib.import_module(module_name)
    finally:
        if saved is None:
            sys.modules.pop(module_name, None)
        else:
            sys.modules[module_name] = saved
            setattr(package, attribute, saved)


def _create_resources(stack: Stack) -> None:
    dynamodb = boto3.client("dynamodb")
    for table in stack.of_type(TABLE):
        dynamodb.create_table(**_table_request(table))
    sqs = boto3.client("sqs")
    for queue in stack.of_type(QUEUE):
        fifo = {"FifoQueue": "true"} if queue.inputs.get("fifoQueue") else {}
        sqs.create_queue(QueueName=str(queue.state["name"]), Attributes=fifo)
    sns = boto3.client("sns")
    for topic in stack.of_type(TOPIC):
        sns.create_topic(Name=str(topic.state["name"]))


def _key_schema(hash_key: Any, range_key: Any) -> list[dict[str, str]]:
    keys = [{"AttributeName": str(hash_key), "KeyType": "HASH"}]
    if range_key:
        keys.append({"AttributeName": str(range_key), "KeyType": "RANGE"})
    return keys


def _index(index: Mapping[str, Any]) -> dict[str, Any]:
    schemas = index.get("keySchemas")
    keys = (
        [{"AttributeName": s["attributeName"], "KeyType": s["keyType"]} for s in schemas]
        if schemas
        else _key_schema(index.get("hashKey"), index.get("rangeKey"))
    )
    projection: dict[str, Any] = {"ProjectionType": index.get("projectionType", "ALL")}
    if index.get("nonKeyAttributes"):
        projection["NonKeyAttributes"] = list(index["nonKeyAttributes"])
    return {"IndexName": index["name"], "KeySchema": keys, "Projection": projection}


def _table_request(table: RecordedResource) -> dict[str, Any]:
    inputs = table.inputs
    request: dict[str, Any] = {
        "TableName": str(table.state["name"]),
        "BillingMode": inputs.get("billingMode", "PAY_PER_REQUEST"),
        "KeySchema": _key_schema(inputs["hashKey"], inputs.get("rangeKey")),
        "AttributeDefinitions": [
            {"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs["attributes"]
        ],
    }
    indexes = inputs.get("globalSecondaryIndexes")
    if indexes:
        request["GlobalSecondaryIndexes"] = [_index(index) for index in indexes]
    if inputs.get("streamEnabled"):
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": inputs["streamViewType"],
        }
    return request
