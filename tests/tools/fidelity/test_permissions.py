"""Each function's role grants exactly what its handler, event sources, logs and traces use."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.tools.fidelity import mutations as m
from tests.tools.fidelity.handler_runs import FUNCTION, record_handler_operations
from tests.tools.fidelity.scenarios import SCENARIOS
from tools.fidelity.operations import Operation
from tools.fidelity.permissions import (
    check_function_permissions,
    check_integration_roles,
    integration_requests,
    unchecked_roles,
)
from tools.fidelity.recorded_stack import Stack
from tools.pulumi_mocks.recording import RecordedResource

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
Recorded = Callable[[Stack, RecordedResource], list[Operation]]


@pytest.fixture(scope="session")
def recorded() -> Recorded:
    """The calls each function's handler makes in its scenario, once per stack."""
    cache: dict[tuple[str, str], list[Operation]] = {}

    def operations(stack: Stack, function: RecordedResource) -> list[Operation]:
        key = (stack.name, function.name)
        if key not in cache:
            scenario = SCENARIOS[str(function.inputs["handler"])]
            cache[key] = record_handler_operations(stack, function, scenario)
        return cache[key]

    return operations


def _processor(stack: Stack) -> RecordedResource:
    return stack.named(FUNCTION, "orders-processor-function")


def test_every_function_has_a_scenario(stack: Stack) -> None:
    handlers = {str(f.inputs["handler"]) for f in stack.of_type(FUNCTION)}
    assert handlers, "the stack has no functions to check"
    assert handlers <= SCENARIOS.keys(), f"add scenarios for {sorted(handlers - SCENARIOS.keys())}"


def test_every_role_grants_exactly_what_its_function_uses(stack: Stack, recorded: Recorded) -> None:
    findings = [
        finding
        for function in stack.of_type(FUNCTION)
        for finding in check_function_permissions(stack, function, recorded(stack, function))
    ]
    assert not findings, "\n".join(map(str, findings))


def test_the_hook_records_the_processors_calls_as_iam_actions(
    dev: Stack, recorded: Recorded
) -> None:
    requests = {
        (request.action, request.resource.rsplit(":", 1)[-1])
        for operation in recorded(dev, _processor(dev))
        for request in operation.requests(dev.region, dev.account)
    }
    table = dev.named("aws:dynamodb/table:Table", "orders-table").state["name"]
    submissions = dev.named("aws:dynamodb/table:Table", "orders-submissions").state["name"]
    dead_letters = dev.named("aws:sqs/queue:Queue", "orders-dlq").state["name"]
    assert requests == {
        ("dynamodb:PutItem", f"table/{table}"),
        ("dynamodb:PutItem", f"table/{submissions}"),
        ("sqs:SendMessage", dead_letters),
    }


def _processor_policy(stack: Stack, edit: Callable[[list[dict[str, object]]], None]) -> Stack:
    policy = stack.named(ROLE_POLICY, "orders-processor-policy")
    document = json.loads(policy.inputs["policy"])
    edit(document["Statement"])
    return stack.with_inputs(ROLE_POLICY, policy.name, policy=json.dumps(document))


def test_a_grant_the_handler_needs_is_reported_missing(dev: Stack, recorded: Recorded) -> None:
    def drop_put_item(statements: list[dict[str, object]]) -> None:
        statements[:] = [s for s in statements if s["Action"] != ["dynamodb:PutItem"]]

    mutated = _processor_policy(dev, drop_put_item)
    messages = [
        f.message
        for f in check_function_permissions(
            mutated, _processor(mutated), recorded(dev, _processor(dev))
        )
    ]
    # One for the order table, one for the submissions table.
    assert len(messages) == 2
    for message in messages:
        assert message.startswith("missing dynamodb:PutItem on arn:aws:dynamodb:")
        assert "the handler calls dynamodb:PutItem" in message


def test_a_grant_nothing_uses_is_reported_unused(dev: Stack, recorded: Recorded) -> None:
    table = dev.named("aws:dynamodb/table:Table", "orders-table").state["arn"]

    def add_delete_item(statements: list[dict[str, object]]) -> None:
        statements.append(
            {"Effect": "Allow", "Action": ["dynamodb:DeleteItem"], "Resource": [table]}
        )

    mutated = _processor_policy(dev, add_delete_item)
    messages = [
        f.message
        for f in check_function_permissions(
            mutated, _processor(mutated), recorded(dev, _processor(dev))
        )
    ]
    assert messages == [
        f"unused dynamodb:DeleteItem on {table} (orders-processor-policy statement 5)"
    ]


def test_what_the_event_source_needs_is_required_too(dev: Stack, recorded: Recorded) -> None:
    def drop_queue_polling(statements: list[dict[str, object]]) -> None:
        statements[:] = [s for s in statements if "sqs:ReceiveMessage" not in str(s["Action"])]

    mutated = _processor_policy(dev, drop_queue_polling)
    messages = [
        f.message
        for f in check_function_permissions(
            mutated, _processor(mutated), recorded(dev, _processor(dev))
        )
    ]
    assert len(messages) == 3
    assert all("(event source mapping orders-processor-trigger)" in m for m in messages)
    assert {m.split()[1] for m in messages} == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    }


def test_a_grant_wider_than_what_is_used_is_reported(dev: Stack, recorded: Recorded) -> None:
    def widen_to_every_table(statements: list[dict[str, object]]) -> None:
        statements[0] = {
            "Effect": "Allow",
            "Action": ["dynamodb:Put*"],
            "Resource": ["arn:aws:dynamodb:*"],
        }

    mutated = _processor_policy(dev, widen_to_every_table)
    messages = [
        f.message
        for f in check_function_permissions(
            mutated, _processor(mutated), recorded(dev, _processor(dev))
        )
    ]
    assert messages == [
        "dynamodb:Put* on arn:aws:dynamodb:* also allows 1 unused actions, "
        "e.g. dynamodb:PutResourcePolicy (orders-processor-policy statement 0)",
        "dynamodb:Put* on arn:aws:dynamodb:* reaches beyond any one resource "
        "(orders-processor-policy statement 0)",
    ]


def test_every_api_integration_role_grants_exactly_what_api_gateway_does(stack: Stack) -> None:
    findings = check_integration_roles(stack)
    assert not findings, "\n".join(map(str, findings))


def test_every_role_is_checked(stack: Stack) -> None:
    assert unchecked_roles(stack) == []


def test_an_integration_role_allowed_more_than_sending_is_reported(dev: Stack) -> None:
    (role_arn,) = integration_requests(dev)
    role = dev.resolve_as(role_arn, "aws:iam/role:Role")
    assert role is not None
    policy = m.first(dev, ROLE_POLICY, lambda p: dev.resolve(p.inputs["role"]) is role)

    def add_receive(document: dict[str, Any]) -> None:
        document["Statement"][0]["Action"].append("sqs:ReceiveMessage")

    mutated = m.edit_json(ROLE_POLICY, policy.name, "policy", add_receive)(dev)
    messages = [finding.message for finding in check_integration_roles(mutated)]
    assert len(messages) == 1
    assert messages[0].startswith("unused sqs:ReceiveMessage on arn:aws:sqs:")


def test_a_role_nothing_uses_is_reported_unchecked(dev: Stack) -> None:
    processor = dev.named(FUNCTION, "orders-processor-function")
    reader = m.first(dev, FUNCTION, lambda f: f is not processor)
    mutated = dev.with_inputs(FUNCTION, processor.name, role=reader.inputs["role"])
    assert unchecked_roles(mutated) == ["orders-processor-role"]
