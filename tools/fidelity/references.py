"""Every reference between resources, and every alarm or graph dimension, must land.

Under the mocks an Output resolves to whatever the program computed; nothing checks that
an ARN, URL or name typed or assembled by hand points at a resource that exists. Here
each one has to resolve to a resource of the same stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from handlers import contract
from tools.fidelity.recorded_stack import (
    AUTO_NAMED,
    Finding,
    Stack,
    iam_pattern,
    json_document,
    label,
    strings_in,
)
from tools.pulumi_mocks.recording import RecordedResource

# Inputs whose whole value names another resource (by id, name, ARN or URL).
REFERENCE_INPUTS = frozenset(
    {
        "role",
        "restApi",
        "deployment",
        "parentId",
        "resourceId",
        "targetKeyId",
        "kmsMasterKeyId",
        "kmsKeyId",
        "kmsKeyArn",
        "topic",
        "queueUrl",
        "functionName",
        "function",
        "eventSourceArn",
        "resourceArn",
        "destinationArn",
    }
)
# Only inside a policy statement may an ARN be a pattern (a resource or condition).
POLICY_STATEMENT = ".Statement["
# AWS owns these; they exist in every account.
AWS_MANAGED_KEY_ALIAS = "alias/aws/"


def _arns(text: str, account: str) -> list[str]:
    return re.findall(rf"arn:aws:[a-z0-9-]+:[a-z0-9-]*:{account}:[^\s\"',;)]+", text)


def _queue_urls(text: str, account: str) -> list[str]:
    return re.findall(rf"https://sqs\.[a-z0-9-]+\.amazonaws\.com/{account}/[\w.-]+", text)


def _targets(key: str, path: str, value: str, stack: Stack) -> Iterator[str]:
    """The parts of one input string that must name a resource of the stack."""
    account_root = f"arn:aws:iam::{stack.account}:root"
    arns = [arn for arn in _arns(value, stack.account) if arn != account_root]
    found = [*arns, *_queue_urls(value, stack.account)]
    yield from found
    if found or account_root in value:
        return
    names_a_resource = key in REFERENCE_INPUTS and path == key
    if names_a_resource and value.startswith(AWS_MANAGED_KEY_ALIAS):
        return
    if names_a_resource or AUTO_NAMED.match(value):
        yield value


def referenced_resources(stack: Stack, key: str, value: Any) -> list[RecordedResource]:
    """The resources an input points at: what Pulumi records as its property dependencies."""
    found = {
        id(resource): resource
        for path, text in strings_in(value, key)
        for target in _targets(key, path, text, stack)
        if (resource := stack.resolve(target)) is not None
    }
    return list(found.values())


def _lands(target: str, path: str, stack: Stack) -> bool:
    """A reference resolves; in a policy statement, a wildcard pattern matches something."""
    if stack.resolve(target) is not None:
        return True
    if POLICY_STATEMENT not in path or ("*" not in target and "?" not in target):
        return False
    pattern = iam_pattern(target)
    return any(pattern.fullmatch(identifier) for identifier in stack.identifiers)


def check_references(stack: Stack) -> list[Finding]:
    findings: list[Finding] = []
    for resource in stack.aws_resources():
        for key, raw in resource.inputs.items():
            for path, value in strings_in(raw, key):
                for target in _targets(key, path, value, stack):
                    if not _lands(target, path, stack):
                        findings.append(
                            Finding(
                                "references",
                                label(resource),
                                f"{path} {target!r} resolves to no resource of stack {stack.name}",
                            )
                        )
    return findings


# What each AWS namespace's dimensions name, as CloudWatch emits them (each service's
# "metrics and dimensions" page): the resource type and the attribute holding the value.
AWS_DIMENSIONS: dict[str, dict[str, tuple[str, str] | None]] = {
    "AWS/SQS": {"QueueName": ("aws:sqs/queue:Queue", "name")},
    "AWS/Lambda": {
        "FunctionName": ("aws:lambda/function:Function", "name"),
        "Resource": ("aws:lambda/function:Function", "name"),
        "ExecutedVersion": None,
    },
    "AWS/DynamoDB": {
        "TableName": ("aws:dynamodb/table:Table", "name"),
        "GlobalSecondaryIndexName": None,
        "Operation": None,
        "StreamLabel": None,
        "ReceivingRegion": None,
    },
    "AWS/ApiGateway": {
        "ApiName": ("aws:apigateway/restApi:RestApi", "name"),
        "Stage": ("aws:apigateway/stage:Stage", "stageName"),
        "Method": None,
        "Resource": None,
    },
    "AWS/SNS": {"TopicName": ("aws:sns/topic:Topic", "name")},
    "AWS/WAFV2": {
        "WebACL": ("aws:wafv2/webAcl:WebAcl", "name"),
        "Rule": None,
        "Region": None,
    },
}
# Powertools names the `service` dimension after POWERTOOLS_SERVICE_NAME.
SERVICE_DIMENSION = "service"
SERVICE_VARIABLE = "POWERTOOLS_SERVICE_NAME"


def _business_dimensions() -> set[str]:
    """The dimensions the handlers emit: Powertools' `service` and the contract's names."""
    declared = {
        str(value)
        for name, value in vars(contract).items()
        if name.endswith("_DIMENSION") and isinstance(value, str)
    }
    return declared | {SERVICE_DIMENSION}


def _function_variables(stack: Stack, variable: str) -> set[str]:
    return {
        str(function.inputs.get("environment", {}).get("variables", {}).get(variable))
        for function in stack.of_type("aws:lambda/function:Function")
    }


def _business_dimension_problem(name: str, value: Any, stack: Stack) -> str | None:
    namespace = contract.METRICS_NAMESPACE
    if name not in _business_dimensions():
        return f"no handler emits dimension {name!r} in {namespace}"
    expected = {
        SERVICE_DIMENSION: _function_variables(stack, SERVICE_VARIABLE),
        contract.ENVIRONMENT_DIMENSION: _function_variables(stack, contract.ENVIRONMENT_ENV),
    }.get(name)
    if expected is not None and value not in expected:
        return f"{namespace} {name}={value!r} matches no function ({sorted(expected)})"
    return None


def _dimension_problem(namespace: str, name: str, value: Any, stack: Stack) -> str | None:
    if namespace == contract.METRICS_NAMESPACE:
        return _business_dimension_problem(name, value, stack)
    known = AWS_DIMENSIONS.get(namespace)
    if known is None:
        return f"namespace {namespace!r} has no dimension rules in tools.fidelity.references"
    if name not in known:
        return f"CloudWatch emits no dimension {name!r} in {namespace}"
    target = known[name]
    if target is None:
        return None
    type_, attribute = target
    # A Lambda `Resource` may carry a qualifier: `<function>:<alias>`.
    if str(value).split(":")[0] in {str(r.state.get(attribute)) for r in stack.of_type(type_)}:
        return None
    return f"{namespace} {name}={value!r} names no {type_} of stack {stack.name}"


def _alarm_metrics(alarm: RecordedResource) -> Iterator[tuple[str, Mapping[str, Any]]]:
    inputs = alarm.inputs
    if inputs.get("namespace"):
        yield str(inputs["namespace"]), inputs.get("dimensions") or {}
    for query in inputs.get("metricQueries") or []:
        metric = query.get("metric")
        if metric:
            yield str(metric.get("namespace")), metric.get("dimensions") or {}


def _graph_metrics(dashboard: RecordedResource) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Metric rows of every widget; "." repeats the previous row's value at that place."""
    body = json_document(str(dashboard.inputs.get("dashboardBody", ""))) or {}
    for widget in body.get("widgets", []):
        previous: list[Any] = []
        for row in widget.get("properties", {}).get("metrics", []):
            if not isinstance(row, list) or not row or isinstance(row[0], dict):
                continue  # an expression row: no namespace, no dimensions
            values = [part for part in row if not isinstance(part, dict)]
            values = [
                previous[index] if part == "." and index < len(previous) else part
                for index, part in enumerate(values)
            ]
            previous = values
            pairs = values[2:]
            yield str(values[0]), dict(zip(pairs[::2], pairs[1::2], strict=False))


def check_dimensions(stack: Stack) -> list[Finding]:
    findings: list[Finding] = []
    sources: list[tuple[RecordedResource, Iterable[tuple[str, Mapping[str, Any]]]]] = [
        *((alarm, _alarm_metrics(alarm)) for alarm in stack.of_type(ALARM)),
        *((board, _graph_metrics(board)) for board in stack.of_type(DASHBOARD)),
    ]
    for resource, metrics in sources:
        for namespace, dimensions in metrics:
            for name, value in dimensions.items():
                problem = _dimension_problem(namespace, name, value, stack)
                if problem:
                    findings.append(Finding("dimensions", label(resource), problem))
    return findings


ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
