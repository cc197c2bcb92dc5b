"""The AWS calls code really makes, recorded with a botocore event hook, as IAM requests.

`OperationRecorder.attach(session)` registers on `before-parameter-build`, so it sees the
parameters of every call of every client the session creates, however the handler module
names its clients.
Each call becomes the IAM action it is authorised as, on the ARN it touches.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

# Batch operations are authorised as their single-entry action (each service's
# "Actions, resources, and condition keys" page in the Service Authorization Reference).
AUTHORISED_AS = {
    "sns:PublishBatch": "sns:Publish",
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}


@dataclass(frozen=True)
class Request:
    """One IAM authorisation: an action on a resource, and what made it necessary."""

    action: str
    resource: str
    reason: str


@dataclass(frozen=True)
class Operation:
    service: str
    """The IAM prefix (the service's signing name)."""
    name: str
    params: Mapping[str, Any]

    @property
    def action(self) -> str:
        action = f"{self.service}:{self.name}"
        return AUTHORISED_AS.get(action, action)

    def requests(self, region: str, account: str) -> list[Request]:
        reason = f"the handler calls {self.service}:{self.name}"
        return [
            Request(self.action, resource, reason) for resource in _resources(self, region, account)
        ]


def _table_arns(params: Mapping[str, Any], region: str, account: str) -> Iterator[str]:
    table = f"arn:aws:dynamodb:{region}:{account}:table/"
    if "TableName" in params:
        index = params.get("IndexName")
        yield table + params["TableName"] + (f"/index/{index}" if index else "")
    for name in params.get("RequestItems", {}):
        yield table + name
    for item in params.get("TransactItems", []):
        for request in item.values():
            yield table + request["TableName"]


def _resources(operation: Operation, region: str, account: str) -> list[str]:
    params = operation.params
    if operation.service == "dynamodb":
        arns = list(_table_arns(params, region, account))
    elif "QueueUrl" in params:
        name = str(params["QueueUrl"]).rstrip("/").rsplit("/", 1)[-1]
        arns = [f"arn:aws:sqs:{region}:{account}:{name}"]
    elif "TopicArn" in params or "TargetArn" in params:
        arns = [str(params.get("TopicArn") or params["TargetArn"])]
    elif "KeyId" in params:
        arns = [str(params["KeyId"])]
    else:
        arns = []
    if not arns:
        raise LookupError(
            f"no rule for the resource of {operation.service}:{operation.name}; "
            "add one to tools.fidelity.operations"
        )
    return arns


@dataclass
class OperationRecorder:
    operations: list[Operation] = field(default_factory=list)
    _recording: bool = False

    def attach(self, session: boto3.Session) -> None:
        session.events.register("before-parameter-build", self._before_parameter_build)

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Record only inside this block: set-up and inspection calls stay out."""
        self._recording = True
        try:
            yield
        finally:
            self._recording = False

    def _before_parameter_build(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        if self._recording:
            service = model.service_model
            prefix = service.signing_name or service.endpoint_prefix
            self.operations.append(Operation(prefix, model.name, dict(params)))
