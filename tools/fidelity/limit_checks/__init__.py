"""AWS limits and enumerations, checked on every resource the program records.

A resource type with no entry here fails `unreviewed_types`, so a new kind of resource
cannot reach a stack without someone deciding what AWS limits it.
"""

from __future__ import annotations

from tools.fidelity.aws_limits import NAME_RULES
from tools.fidelity.limit_checks import alarms, apis, iam, lambda_functions, messaging, storage
from tools.fidelity.limit_checks.names import check_name
from tools.fidelity.limit_checks.values import Check
from tools.fidelity.recorded_stack import Finding, Stack, label

CHECKS: dict[str, Check] = {
    **lambda_functions.CHECKS,
    **messaging.CHECKS,
    **alarms.CHECKS,
    **storage.CHECKS,
    **apis.CHECKS,
    **iam.CHECKS,
}

# Types whose only AWS-side constraints are checked elsewhere, and where.
REVIEWED_WITHOUT_LIMITS: dict[str, str] = {
    "aws:sqs/queuePolicy:QueuePolicy": "its document is linted by tools.fidelity.iam_lint",
    "aws:sns/topicPolicy:TopicPolicy": "its document is linted by tools.fidelity.iam_lint",
    "aws:apigateway/restApi:RestApi": (
        "its OpenAPI body is validated by tools.fidelity.api_contract"
    ),
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
