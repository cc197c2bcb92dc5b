"""Every ARN, URL, id and name one resource uses to reach another, and every alarm or graph
dimension, resolves to a resource of the same stack."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tools.fidelity import mutations as m
from tools.fidelity.recorded_stack import Stack
from tools.fidelity.references import check_dimensions, check_references
from tools.pulumi_mocks.recording import RecordedResource

STRANGER_QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq"


def test_every_reference_resolves_in_both_stacks(stack: Stack) -> None:
    findings = check_references(stack)
    assert not findings, "\n".join(map(str, findings))


def test_every_alarm_and_graph_dimension_names_a_resource_of_the_stack(stack: Stack) -> None:
    findings = check_dimensions(stack)
    assert not findings, "\n".join(map(str, findings))


def _processor_variable(stack: Stack, name: str, value: str) -> Stack:
    function = stack.named(m.FUNCTION, m.PROCESSOR)
    environment = function.inputs["environment"]
    variables = {**environment["variables"], name: value}
    return stack.with_inputs(m.FUNCTION, m.PROCESSOR, environment={"variables": variables})


def _rename_dimension(dimension: str, value: str) -> m.Mutation:
    def mutate(stack: Stack) -> Stack:
        alarm = m.first(stack, m.ALARM, lambda a: dimension in (a.inputs.get("dimensions") or {}))
        dimensions = {**alarm.inputs["dimensions"], dimension: value}
        return stack.with_inputs(m.ALARM, alarm.name, dimensions=dimensions)

    return mutate


def _dashboard(stack: Stack) -> RecordedResource:
    return m.only(stack, m.DASHBOARD)


def _graph_dimension(body: dict[str, Any]) -> None:
    for widget in body["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            if row and row[0] == "AWS/SQS":
                row[3] = "orders-queue-0000000"
                return
    raise AssertionError("the dashboard graphs no queue")


REFERENCE_CASES = [
    pytest.param(
        lambda s: _processor_variable(s, "DEAD_LETTER_QUEUE_URL", STRANGER_QUEUE_URL),
        f"environment.variables.DEAD_LETTER_QUEUE_URL {STRANGER_QUEUE_URL!r} resolves to no "
        "resource of stack dev",
        id="url-built-by-hand",
    ),
    pytest.param(
        lambda s: _processor_variable(s, "ORDERS_TABLE_NAME", "orders-table-1234567"),
        "environment.variables.ORDERS_TABLE_NAME 'orders-table-1234567' resolves to no resource",
        id="stale-physical-name",
    ),
    pytest.param(
        m.drop(m.QUEUE, m.DEAD_LETTER_QUEUE),
        "redrivePolicy.deadLetterTargetArn 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq-",
        id="deleted-target",
    ),
    pytest.param(
        m.change(m.ROLE_POLICY, m.PROCESSOR_POLICY, role="orders-reader-role-id-2"),
        "role 'orders-reader-role-id-2' resolves to no resource of stack dev",
        id="id-of-nothing",
    ),
    pytest.param(
        m.change(
            m.MAPPING, m.PROCESSOR_TRIGGER, eventSourceArn="arn:aws:sqs:eu-west-1:123456789012:*"
        ),
        "eventSourceArn 'arn:aws:sqs:eu-west-1:123456789012:*' resolves to no resource",
        id="wildcard-instead-of-arn",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), REFERENCE_CASES)
def test_a_reference_to_nothing_is_reported(dev: Stack, mutate: m.Mutation, expected: str) -> None:
    messages = [finding.message for finding in check_references(mutate(dev))]
    assert any(expected in message for message in messages), messages


def test_a_wildcard_in_a_policy_condition_must_match_something(dev: Stack) -> None:
    """The alarm topic lets this stack's alarms publish by name pattern; a pattern that
    matches no alarm (a stale prefix) is as dangling as a wrong ARN."""
    condition_values = [
        value
        for resource in dev.aws_resources()
        for value in str(resource.inputs.get("policy", "")).split('"')
        if value.endswith("*") and ":alarm:" in value
    ]
    assert condition_values, "no policy names alarms by pattern any more"

    def stale(policy: Any) -> Any:
        return str(policy).replace(
            condition_values[0], condition_values[0].replace("-dev-", "-old-")
        )

    owner = m.first(
        dev, "aws:sns/topicPolicy:TopicPolicy", lambda t: ":alarm:" in t.inputs["policy"]
    )
    messages = [
        f.message
        for f in check_references(
            m.edit("aws:sns/topicPolicy:TopicPolicy", owner.name, "policy", stale)(dev)
        )
    ]
    assert len(messages) == 1
    assert "-old-*' resolves to no resource of stack dev" in messages[0]


DIMENSION_CASES = [
    pytest.param(
        _rename_dimension("QueueName", "orders-queue"),
        "AWS/SQS QueueName='orders-queue' names no aws:sqs/queue:Queue of stack dev",
        id="logical-instead-of-physical-name",
    ),
    pytest.param(
        _rename_dimension("FunctionName", "orders-processor-function-0000000"),
        "FunctionName='orders-processor-function-0000000' names no aws:lambda/function:Function",
        id="function-of-another-stack",
    ),
    pytest.param(
        lambda s: m.change(m.ALARM, m.single_metric_alarm, dimensions={"ApiId": "x"})(
            m.change(m.ALARM, m.single_metric_alarm, namespace="AWS/ApiGateway")(s)
        ),
        "CloudWatch emits no dimension 'ApiId' in AWS/ApiGateway",
        id="dimension-cloudwatch-never-emits",
    ),
    pytest.param(
        m.edit_json(
            m.DASHBOARD, lambda s: m.only(s, m.DASHBOARD), "dashboardBody", _graph_dimension
        ),
        "AWS/SQS QueueName='orders-queue-0000000' names no aws:sqs/queue:Queue",
        id="dashboard-graph",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), DIMENSION_CASES)
def test_a_dimension_naming_nothing_is_reported(
    dev: Stack, mutate: m.Mutation, expected: str
) -> None:
    messages = [finding.message for finding in check_dimensions(mutate(dev))]
    assert any(expected in message for message in messages), messages


def _misspell_service(body: dict[str, Any]) -> None:
    rows = [
        row
        for widget in body["widgets"]
        for row in widget.get("properties", {}).get("metrics", [])
        if row and row[0] == "OrderPipeline" and "service" in row
    ]
    assert rows, "the dashboard graphs no business metric"
    row = rows[0]
    row[row.index("service") + 1] = "order-procesor"


def test_business_metric_dimensions_must_match_a_function(dev: Stack) -> None:
    mutated = m.edit_json(m.DASHBOARD, _dashboard, "dashboardBody", _misspell_service)(dev)
    messages = [finding.message for finding in check_dimensions(mutated)]
    assert len(messages) == 1
    assert messages[0].startswith("OrderPipeline service='order-procesor' matches no function")
