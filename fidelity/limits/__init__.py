"""AWS limits and enumerations, checked on every resource the program records.

A resource type with no entry here fails `unreviewed_types`, so a new kind of resource
cannot reach a stack without someone deciding what AWS limits it.
"""

from __future__ import annotations

from fidelity.aws_limits import NAME_RULES
from fidelity.limits import alarms, apis, functions, iam, messaging, storage
from fidelity.limits.names import check_name
from fidelity.limits.values import Check
from fidelity.stack import Finding, Stack, label

CHECKS: dict[str, Check] = {
    **functions.CHECKS,
    **messaging.CHECKS,
    **alarms.CHECKS,
    **storage.CHECKS,
    **apis.CHECKS,
    **iam.CHECKS,
}

# Types whose only AWS-side constraints are checked elsewhere, and where.
REVIEWED_WITHOUT_LIMITS: dict[str, str] = {
    "aws:sqs/queuePolicy:QueuePolicy": "its document is linted by fidelity.iam_lint",
    "aws:sns/topicPolicy:TopicPolicy": "its document is linted by fidelity.iam_lint",
    "aws:apigateway/restApi:RestApi": "its OpenAPI body is validated by fidelity.api_contract",
    "aws:apigateway/deployment:Deployment": "only its API reference, checked by references",
}


def check_limits(stack: Stack) -> list[Finding]:
    findings: list[Finding] = []
    for resource in stack.aws_resources():
        messages = [*check_name(resource, stack)]
        check = CHECKS.get(resource.type)
        if check is not None:
            messages += check(resource, stack)
        findings += [Finding("aws-limits", label(resource), message) for message in messages]
    return findings


def unreviewed_types(stack: Stack) -> list[str]:
    reviewed = CHECKS.keys() | NAME_RULES.keys() | REVIEWED_WITHOUT_LIMITS.keys()
    return sorted({r.type for r in stack.aws_resources()} - reviewed)
