"""Each role must grant exactly what its user needs: nothing missing, nothing unused.

What a function needs is derived, never declared: the calls its handler really makes
(recorded by `tools.fidelity.operations`), what Lambda does on its behalf for each event source
mapping, its log group, X-Ray when tracing is active, and KMS for every customer managed
key behind a queue or topic it touches. An API integration role needs what API Gateway
does with it. What a role has is read from its recorded policies.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import parliament

from tools.fidelity.api_contract import sqs_integrations
from tools.fidelity.operations import Operation, Request
from tools.fidelity.recorded_stack import Finding, Stack, iam_pattern, json_document, label
from tools.pulumi_mocks.recording import RecordedResource

FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
TABLE = "aws:dynamodb/table:Table"
KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
REST_API = "aws:apigateway/restApi:RestApi"
MANAGED_POLICY_TYPES = frozenset(
    {
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
    }
)

# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html (execution role)
SQS_POLLER_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
# https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-eventsourcemapping.html
STREAM_POLLER_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
# https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-permissions.html
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
# https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
TRACE_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
# Writing to an encrypted queue or topic: a data key from, and decrypt with, its KMS key
# (SQS "Key management", SNS "Encryption at rest" pages); reading needs only decrypt.
KMS_WRITE_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
KMS_READ_ACTIONS = ("kms:Decrypt",)
WRITES = frozenset({"sqs:SendMessage", "sns:Publish"})
# Any stream name: Lambda names them per execution environment.
LOG_STREAM = "log-stream:2026/01/01/[$LATEST]0123456789abcdef"


@cache
def _resource_level_actions() -> frozenset[str]:
    """Actions IAM evaluates against a resource ARN; every other one only against "*"."""
    return frozenset(
        f"{service['prefix']}:{privilege['privilege']}".lower()
        for service in parliament.iam_definition
        for privilege in service["privileges"]
        if any(kind["resource_type"] for kind in privilege["resource_types"])
    )


def evaluated_resource(action: str, resource: str) -> str:
    return resource if action.lower() in _resource_level_actions() else "*"


@dataclass(frozen=True)
class Grant:
    action: str
    resource: str
    source: str

    def allows(self, request: Request) -> bool:
        return bool(
            iam_pattern(self.action, ignore_case=True).fullmatch(request.action)
            and iam_pattern(self.resource).fullmatch(request.resource)
        )


def _listed(value: Any) -> list[str]:
    return [str(item) for item in (value if isinstance(value, list) else [value])]


def _grants(document: Mapping[str, Any], source: str) -> Iterator[Grant | str]:
    for index, statement in enumerate(_listed_statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement or "NotResource" in statement:
            yield f"{source} statement {index} uses NotAction/NotResource; grant exact ones"
            continue
        for action in _listed(statement.get("Action")):
            for resource in _listed(statement.get("Resource")):
                yield Grant(action, resource, f"{source} statement {index}")


def _listed_statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def granted(stack: Stack, role: RecordedResource) -> tuple[list[Grant], list[str]]:
    """What the role's policies allow, and what about them cannot be checked."""
    documents: list[tuple[str, Any]] = [
        (f"{role.name} inline policy {p.get('name')}", p.get("policy"))
        for p in role.inputs.get("inlinePolicies") or []
    ]
    documents += [
        (f"{policy.name}", policy.inputs.get("policy"))
        for policy in stack.of_type(ROLE_POLICY)
        if stack.resolve_as(policy.inputs.get("role"), ROLE) is role
    ]
    problems: list[str] = []
    if role.inputs.get("managedPolicyArns"):
        problems.append(f"role {role.name} has managedPolicyArns; grant exact inline ones")
    for attachment in (r for r in stack.resources if r.type in MANAGED_POLICY_TYPES):
        if stack.resolve_as(attachment.inputs.get("role"), ROLE) is role:
            problems.append(f"{attachment.name} attaches a managed policy to role {role.name}")
    grants: list[Grant] = []
    for source, text in documents:
        for item in _grants(json_document(str(text)) or {}, source):
            if isinstance(item, Grant):
                grants.append(item)
            else:
                problems.append(item)
    return grants, problems


def _kms_requests(
    stack: Stack, target: RecordedResource | None, actions: Iterable[str], why: str
) -> Iterator[Request]:
    """KMS use for a queue or topic encrypted with one of the stack's own keys."""
    key = stack.resolve_as((target.inputs if target else {}).get("kmsMasterKeyId"), KEY)
    if key is not None:
        for action in actions:
            yield Request(action, str(key.state["arn"]), f"{why} is encrypted with {key.name}")


def _mapping_requests(stack: Stack, mapping: RecordedResource) -> Iterator[Request]:
    source = str(mapping.inputs.get("eventSourceArn"))
    why = f"event source mapping {mapping.name}"
    queue = stack.resolve_as(source, QUEUE)
    if queue is not None:
        yield from (Request(action, source, why) for action in SQS_POLLER_ACTIONS)
        yield from _kms_requests(stack, queue, KMS_READ_ACTIONS, f"its queue {queue.name}")
    elif stack.resolve_as(source, TABLE) is not None:
        yield from (Request(action, source, why) for action in STREAM_POLLER_ACTIONS)
    on_failure = mapping.inputs.get("destinationConfig", {}).get("onFailure", {})
    destination = on_failure.get("destinationArn")
    if destination is None:
        return
    failure_why = f"{why} sends failed batches to it"
    failure_queue = stack.resolve_as(destination, QUEUE)
    if failure_queue is not None:
        yield Request("sqs:SendMessage", str(destination), failure_why)
        yield from _kms_requests(
            stack, failure_queue, KMS_WRITE_ACTIONS, f"failure queue {failure_queue.name}"
        )
    elif stack.resolve_as(destination, TOPIC) is not None:
        yield Request("sns:Publish", str(destination), failure_why)


def _log_group(stack: Stack, function: RecordedResource) -> RecordedResource | None:
    name = function.inputs.get("loggingConfig", {}).get("logGroup")
    name = name or f"/aws/lambda/{function.state.get('name')}"
    return next((g for g in stack.of_type(LOG_GROUP) if g.state.get("name") == name), None)


def required(
    stack: Stack, function: RecordedResource, operations: Iterable[Operation]
) -> tuple[list[Request], list[str]]:
    """What the function needs, and what it needs that cannot be granted as designed."""
    requests: list[Request] = []
    problems: list[str] = []
    for operation in operations:
        for request in operation.requests(stack.region, stack.account):
            requests.append(request)
            if request.action in WRITES:
                target = stack.resolve(request.resource)
                requests += _kms_requests(stack, target, KMS_WRITE_ACTIONS, request.resource)
    for mapping in stack.of_type(MAPPING):
        if stack.resolve_as(mapping.inputs.get("functionName"), FUNCTION) is function:
            requests += _mapping_requests(stack, mapping)
    log_group = _log_group(stack, function)
    if log_group is None:
        problems.append("its log group is no resource of the stack (Lambda would create one)")
    else:
        stream = f"{log_group.state['arn']}:{LOG_STREAM}"
        requests += [Request(a, stream, f"logs to {log_group.name}") for a in LOG_ACTIONS]
    if function.inputs.get("tracingConfig", {}).get("mode") == "Active":
        requests += [Request(a, "*", "active tracing") for a in TRACE_ACTIONS]
    key = stack.resolve_as(function.inputs.get("kmsKeyArn"), KEY)
    if key is not None:
        requests.append(Request("kms:Decrypt", str(key.state["arn"]), "encrypted variables"))
    evaluated = [
        Request(r.action, evaluated_resource(r.action, r.resource), r.reason) for r in requests
    ]
    return evaluated, problems


def role_of(stack: Stack, function: RecordedResource) -> RecordedResource | None:
    return stack.resolve_as(function.inputs.get("role"), ROLE)


def check_function_permissions(
    stack: Stack, function: RecordedResource, operations: Iterable[Operation]
) -> list[Finding]:
    where = label(function)
    role = role_of(stack, function)
    if role is None:
        return [Finding("permissions", where, "its role is no role of the stack")]
    needed, problems = required(stack, function, operations)
    return [Finding("permissions", where, m) for m in _compare(stack, role, needed, problems)]


def integration_requests(stack: Stack) -> dict[str, list[Request]]:
    """By role ARN: what API Gateway does with each integration role (SendMessage for a
    route integrated with SQS, as the request template says)."""
    needed: dict[str, list[Request]] = {}
    for api in stack.of_type(REST_API):
        document = json_document(str(api.inputs.get("body", ""))) or {}
        for path, method, integration, uri in sqs_integrations(document):
            queue_arn = f"arn:aws:sqs:{uri['region']}:{uri['account']}:{uri['queue']}"
            why = f"{method.upper()} {path} sends to the queue"
            requests = [Request("sqs:SendMessage", queue_arn, why)]
            requests += _kms_requests(stack, stack.resolve(queue_arn), KMS_WRITE_ACTIONS, why)
            needed.setdefault(str(integration.get("credentials")), []).extend(requests)
    return needed


def check_integration_roles(stack: Stack) -> list[Finding]:
    findings: list[Finding] = []
    for role_arn, needed in integration_requests(stack).items():
        role = stack.resolve_as(role_arn, ROLE)
        if role is None:
            findings.append(Finding("permissions", role_arn, "integration role is no role"))
            continue
        messages = _compare(stack, role, needed, [])
        findings += [Finding("permissions", label(role), message) for message in messages]
    return findings


def unchecked_roles(stack: Stack) -> list[str]:
    """Roles neither a function nor an API integration uses: nothing checks their grants."""
    used = {id(role_of(stack, function)) for function in stack.of_type(FUNCTION)}
    used |= {id(stack.resolve_as(arn, ROLE)) for arn in integration_requests(stack)}
    return sorted(role.name for role in stack.of_type(ROLE) if id(role) not in used)


def _compare(
    stack: Stack, role: RecordedResource, needed: list[Request], problems: list[str]
) -> list[str]:
    grants, grant_problems = granted(stack, role)
    messages = problems + grant_problems
    for request in _unique(needed):
        if not any(grant.allows(request) for grant in grants):
            messages.append(f"missing {request.action} on {request.resource} ({request.reason})")
    for grant in grants:
        if not any(grant.allows(request) for request in needed):
            messages.append(f"unused {grant.action} on {grant.resource} ({grant.source})")
        else:
            messages += _too_broad(stack, grant, needed)
    return messages


def _too_broad(stack: Stack, grant: Grant, needed: list[Request]) -> list[str]:
    """A used grant may still allow more than is used: more actions, or more resources."""
    problems: list[str] = []
    wanted = {request.action.lower() for request in needed}
    allowed = {
        f"{item['service']}:{item['action']}"
        for item in parliament.expand_action(grant.action, raise_exceptions=False)
    }
    extra = sorted(action for action in allowed if action.lower() not in wanted)
    if extra:
        problems.append(
            f"{grant.action} on {grant.resource} also allows {len(extra)} unused actions, "
            f"e.g. {', '.join(extra[:3])} ({grant.source})"
        )
    wildcard = "*" in grant.resource or "?" in grant.resource
    if wildcard and grant.resource != "*" and stack.resolve(grant.resource) is None:
        problems.append(
            f"{grant.action} on {grant.resource} reaches beyond any one resource ({grant.source})"
        )
    return problems


def _unique(requests: Iterable[Request]) -> list[Request]:
    seen: dict[tuple[str, str], Request] = {}
    for request in requests:
        seen.setdefault((request.action, request.resource), request)
    return list(seen.values())
