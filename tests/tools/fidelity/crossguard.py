"""Run the CrossGuard policy pack offline on a recorded stack, as the engine would.

Resource policies get each resource's inputs; stack policies get every resource's outputs
and property dependencies. Both are wrapped in the engine's unknown-checking proxies, so a
policy that treats them as plain dicts fails here as it would under `pulumi preview`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from order_pipeline_policy import POLICIES
from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from tools.fidelity.recorded_stack import Stack, mock_id
from tools.fidelity.references import referenced_resources
from tools.pulumi_mocks.recording import RecordedResource

OPTIONS = PolicyResourceOptions(
    protect=False,
    ignore_changes=[],
    delete_before_replace=None,
    aliases=[],
    custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
    additional_secret_outputs=[],
)


@dataclass(frozen=True)
class Violation:
    policy: str
    resource: str
    message: str


def urn(stack: Stack, resource: RecordedResource) -> str:
    return f"urn:pulumi:{stack.name}::order-pipeline::{resource.type}::{resource.name}"


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def _outputs(resource: RecordedResource, unknown: Collection[str]) -> dict[str, Any]:
    """What the engine reports: inputs, computed attributes and the id; `unknown` ones are
    what a preview cannot know yet."""
    computed = {_camel(key): value for key, value in resource.state.items() if "_" in key}
    plain = {key: value for key, value in resource.state.items() if "_" not in key}
    outputs = copy.deepcopy({**plain, **computed, "id": mock_id(resource)})
    return {
        key: UNKNOWN_STRING_VALUE if key in unknown else value for key, value in outputs.items()
    }


def _stack_resources(stack: Stack, unknown: Mapping[str, Collection[str]]) -> list[PolicyResource]:
    recorded = stack.aws_resources()
    converted = {
        id(resource): PolicyResource(
            resource.type,
            unknown_checking_proxy(_outputs(resource, unknown.get(resource.name, ()))),
            urn(stack, resource),
            resource.name,
            OPTIONS,
            None,
            None,
            [],
            {},
        )
        for resource in recorded
    }
    for resource in recorded:
        policy_resource = converted[id(resource)]
        for key, value in resource.inputs.items():
            targets = [t for t in referenced_resources(stack, key, value) if t is not resource]
            policy_resource.property_dependencies[key] = [
                converted[id(t)] for t in targets if id(t) in converted
            ]
    return list(converted.values())


def _collector(violations: list[Violation], policy: str, urn_: str) -> ReportViolation:
    def report(message: str, violating_urn: str | None = None) -> None:
        violations.append(Violation(policy, violating_urn or urn_, message))

    return report


def run_policies(
    stack: Stack,
    policies: list[Policy] = POLICIES,
    unknown: Mapping[str, Collection[str]] | None = None,
) -> list[Violation]:
    """Every violation of the pack; `unknown` maps logical names to the outputs a preview
    would not know yet (their property dependencies are kept, as the engine keeps them)."""
    violations: list[Violation] = []
    for policy in policies:
        if isinstance(policy, ResourceValidationPolicy):
            for resource in stack.aws_resources():
                props = unknown_checking_proxy(copy.deepcopy(resource.inputs))
                args = ResourceValidationArgs(
                    resource.type, props, urn(stack, resource), resource.name, OPTIONS, None
                )
                policy.validate(args, _collector(violations, policy.name, args.urn))
        elif isinstance(policy, StackValidationPolicy):
            report = _collector(violations, policy.name, f"urn:pulumi:{stack.name}")
            resources = _stack_resources(stack, unknown or {})
            policy.validate(StackValidationArgs(resources), report)
    return violations


def resource_name(violation: Violation) -> str:
    return re.sub(r".*::", "", violation.resource)
