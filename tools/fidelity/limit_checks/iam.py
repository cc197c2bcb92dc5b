"""IAM roles and policies: the sizes and ranges IAM enforces."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tools.fidelity.limit_checks.values import Check, number, outside
from tools.fidelity.recorded_stack import Stack
from tools.pulumi_mocks.recording import RecordedResource

# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
TRUST_POLICY_MAX_CHARS = 2_048
INLINE_POLICIES_MAX_CHARS = 10_240
"""All of a role's inline policies together, whitespace not counted."""
MANAGED_POLICY_MAX_CHARS = 6_144
ROLE_DESCRIPTION_MAX = 1_000
SESSION_DURATION_SECONDS = (3_600, 43_200)
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
WHITESPACE = re.compile(r"\s+")


def _chars(document: object) -> int:
    return len(WHITESPACE.sub("", str(document)))


def check_role(resource: RecordedResource, stack: Stack) -> Iterable[str]:
    inputs = resource.inputs
    trust = _chars(inputs.get("assumeRolePolicy", ""))
    if trust > TRUST_POLICY_MAX_CHARS:
        yield f"assumeRolePolicy is {trust} characters; IAM allows {TRUST_POLICY_MAX_CHARS}"
    if len(str(inputs.get("description", ""))) > ROLE_DESCRIPTION_MAX:
        yield f"description is over {ROLE_DESCRIPTION_MAX} characters"
    duration = number(inputs, "maxSessionDuration")
    yield from outside("maxSessionDuration", duration, SESSION_DURATION_SECONDS)
    inline = [policy.get("policy", "") for policy in inputs.get("inlinePolicies") or []]
    inline += [
        policy.inputs.get("policy", "")
        for policy in stack.of_type(ROLE_POLICY)
        if stack.resolve_as(policy.inputs.get("role"), ROLE) is resource
    ]
    total = sum(_chars(document) for document in inline)
    if total > INLINE_POLICIES_MAX_CHARS:
        yield f"inline policies total {total} characters; IAM allows {INLINE_POLICIES_MAX_CHARS}"


def check_managed_policy(resource: RecordedResource, _stack: Stack) -> Iterable[str]:
    size = _chars(resource.inputs.get("policy", ""))
    if size > MANAGED_POLICY_MAX_CHARS:
        yield f"policy is {size} characters; IAM allows {MANAGED_POLICY_MAX_CHARS}"


def check_role_policy(resource: RecordedResource, stack: Stack) -> Iterable[str]:
    if stack.resolve_as(resource.inputs.get("role"), ROLE) is None:
        yield f"role {resource.inputs.get('role')!r} is no role of this stack"


CHECKS: dict[str, Check] = {
    ROLE: check_role,
    ROLE_POLICY: check_role_policy,
    "aws:iam/policy:Policy": check_managed_policy,
}
