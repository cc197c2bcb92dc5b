"""Pulumi mocks that record every resource and answer with realistic AWS attributes."""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import dataclass
from typing import Any

import pulumi

ACCOUNT_ID = "123456789012"
STREAM_LABEL = "2026-01-01T00:00:00.000"


@dataclass(frozen=True)
class RecordedResource:
    type: str
    name: str
    inputs: dict[str, Any]
    state: dict[str, Any]

    @property
    def physical_name(self) -> str:
        return str(self.state.get("name", self.name))


def physical_name(logical_name: str) -> str:
    """What Pulumi's auto-naming would call it: the logical name plus a random suffix."""
    return f"{logical_name}-{hashlib.sha256(logical_name.encode()).hexdigest()[:7]}"


def _attributes(type_: str, name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    """The provider-computed attributes the program reads back from resources."""
    regional = f"{region}:{ACCOUNT_ID}"
    physical = inputs.get("name") or physical_name(name)
    # Pulumi's auto-name of a FIFO topic ends in `.fifo`, as SNS requires (pulumi-aws's
    # PostTransform for aws_sns_topic).
    if type_ == "aws:sns/topic:Topic" and inputs.get("fifoTopic") and "name" not in inputs:
        physical += ".fifo"
    # Inputs arrive camelCased; a stage lives under its REST API's id.
    stage, rest_api_id = inputs.get("stageName", ""), inputs.get("restApi", "")
    by_type: dict[str, dict[str, Any]] = {
        "aws:sqs/queue:Queue": {
            "name": physical,
            "arn": f"arn:aws:sqs:{regional}:{physical}",
            "url": f"https://sqs.{region}.amazonaws.com/{ACCOUNT_ID}/{physical}",
        },
        "aws:dynamodb/table:Table": {
            "name": physical,
            "arn": f"arn:aws:dynamodb:{regional}:table/{physical}",
            "stream_arn": f"arn:aws:dynamodb:{regional}:table/{physical}/stream/{STREAM_LABEL}",
        },
        "aws:lambda/function:Function": {
            "name": physical,
            "arn": f"arn:aws:lambda:{regional}:function:{physical}",
            "invoke_arn": (
                f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
                f"arn:aws:lambda:{regional}:function:{physical}/invocations"
            ),
        },
        "aws:iam/role:Role": {
            "name": physical,
            "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{physical}",
        },
        "aws:cloudwatch/logGroup:LogGroup": {
            "name": physical,
            "arn": f"arn:aws:logs:{regional}:log-group:{physical}",
        },
        "aws:sns/topic:Topic": {"name": physical, "arn": f"arn:aws:sns:{regional}:{physical}"},
        "aws:cloudwatch/metricAlarm:MetricAlarm": {
            "name": physical,
            "arn": f"arn:aws:cloudwatch:{regional}:alarm:{physical}",
        },
        "aws:kms/key:Key": {
            "key_id": f"{name}-key-id",
            "arn": f"arn:aws:kms:{regional}:key/{name}-key-id",
        },
        "aws:apigateway/restApi:RestApi": {
            "name": physical,
            "root_resource_id": f"{name}-root",
            "execution_arn": f"arn:aws:execute-api:{regional}:{name}-id",
            "arn": f"arn:aws:apigateway:{region}::/restapis/{name}-id",
        },
        "aws:apigateway/stage:Stage": {
            "invoke_url": f"https://{rest_api_id}.execute-api.{region}.amazonaws.com/{stage}",
            "arn": f"arn:aws:apigateway:{region}::/restapis/{rest_api_id}/stages/{stage}",
            "execution_arn": f"arn:aws:execute-api:{regional}:{rest_api_id}/{stage}",
        },
    }
    service = type_.split(":")[1].split("/", maxsplit=1)[0]
    default = {"arn": f"arn:aws:{service}:{regional}:{physical}"}
    return by_type.get(type_, default)


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers like AWS would and keeps every registration for the assertions."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.resources: list[RecordedResource] = []
        self.transforms: list[pulumi.ResourceTransform] = []

    def register_transform(self, transform: pulumi.ResourceTransform) -> None:
        self.transforms.append(transform)

    def _transformed(self, args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
        """The inputs the engine would register: Pulumi's mock monitor runs no stack transform,
        the engine runs each, in the order they were registered, on every resource."""
        inputs = dict(args.inputs)
        for transform in self.transforms:
            transform_args = pulumi.ResourceTransformArgs(
                bool(args.custom), args.typ, args.name, inputs, pulumi.ResourceOptions()
            )
            result = transform(transform_args)
            if inspect.iscoroutine(result):
                result.close()  # never awaited: say so here, not in a warning at exit
            if inspect.isawaitable(result):
                raise TypeError("the recording mocks run synchronous transforms only")
            if result is not None:
                inputs = dict(result.props)
        return inputs

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = self._transformed(args)
        state = {**inputs, **_attributes(args.typ, args.name, inputs, self.region)}
        self.resources.append(RecordedResource(args.typ, args.name, inputs, state))
        return f"{args.name}-id", state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        answers: dict[str, dict[str, Any]] = {
            "aws:index/getCallerIdentity:getCallerIdentity": {"accountId": ACCOUNT_ID},
            "aws:index/getRegion:getRegion": {"name": self.region, "region": self.region},
            "aws:index/getPartition:getPartition": {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
            },
        }
        return answers.get(args.token, {}), []

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [resource for resource in self.resources if resource.type == type_]

    def named(self, type_: str, name: str) -> RecordedResource:
        matches = [resource for resource in self.of_type(type_) if resource.name == name]
        if len(matches) != 1:
            known = sorted(resource.name for resource in self.of_type(type_))
            raise LookupError(f"expected one {type_} named {name!r}, have {known}")
        return matches[0]
