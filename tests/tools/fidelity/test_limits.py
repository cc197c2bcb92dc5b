"""AWS limits and enumerations on every recorded resource: both stacks pass, and each kind
of mistake the mocks accept is caught with a message that says what AWS would refuse."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.tools.fidelity import mutations as m
from tools.fidelity.limit_checks import check_limits, unreviewed_types
from tools.fidelity.limit_checks.lambda_functions import check_function
from tools.fidelity.limit_checks.names import check_name
from tools.fidelity.recorded_stack import Stack
from tools.pulumi_mocks.recording import RecordedResource


def test_both_stacks_are_within_aws_limits(stack: Stack) -> None:
    findings = check_limits(stack)
    assert not findings, "\n".join(map(str, findings))


def test_every_resource_type_has_been_reviewed_for_limits(stack: Stack) -> None:
    assert unreviewed_types(stack) == []


def test_a_resource_type_nobody_reviewed_is_reported(dev: Stack) -> None:
    mutated = m.retype(m.QUEUE, m.MAIN_QUEUE, "aws:sqs/newThing:NewThing")(dev)
    assert unreviewed_types(mutated) == ["aws:sqs/newThing:NewThing"]


def _variables(stack: Stack, **extra: str) -> dict[str, Any]:
    environment = stack.named(m.FUNCTION, m.PROCESSOR).inputs["environment"]
    return {"variables": {**environment["variables"], **extra}}


def _shorter_retention(stack: Stack) -> Stack:
    return stack.with_inputs(m.QUEUE, m.DEAD_LETTER_QUEUE, messageRetentionSeconds=60)


def _set_max_receive_count(policy: dict[str, Any]) -> None:
    policy["maxReceiveCount"] = 0


def _both_statistics(stack: Stack) -> Stack:
    alarm = m.single_metric_alarm(stack)
    return stack.with_inputs(m.ALARM, alarm.name, extendedStatistic="p99")


def _unknown_widget(body: dict[str, Any]) -> None:
    body["widgets"][0]["type"] = "chart"


def _format_without_request_id(settings: dict[str, Any] | None) -> dict[str, Any]:
    """dev writes no access logs by default: its stage gets some, without the request id."""
    destination = "arn:aws:logs:eu-west-1:123456789012:log-group:orders-access-logs"
    return {
        "destinationArn": destination,
        **(settings or {}),
        "format": '{"status": "$context.status"}',
    }


def _query_without_return(queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**query, "returnData": False} for query in queries]


CASES = [
    pytest.param(
        m.change(m.FUNCTION, m.PROCESSOR, runtime="python9.99"),
        "runtime 'python9.99' is not a supported Lambda runtime",
        id="unknown-runtime",
    ),
    pytest.param(
        m.change(m.FUNCTION, m.PROCESSOR, runtime="python3.10"),
        "runtime 'python3.10' was deprecated on 2026-06-30",
        id="deprecated-runtime",
    ),
    pytest.param(
        m.change(m.FUNCTION, m.PROCESSOR, memorySize=64),
        "memorySize 64 is outside 128..10240",
        id="memory",
    ),
    pytest.param(
        m.change(m.FUNCTION, m.PROCESSOR, timeout=901),
        "timeout 901 is outside 1..900",
        id="timeout",
    ),
    pytest.param(
        m.change(m.FUNCTION, m.PROCESSOR, architectures=["arm32"]),
        "architecture 'arm32' is not one of arm64, x86_64",
        id="architecture",
    ),
    pytest.param(
        m.change(m.FUNCTION, m.PROCESSOR, handler="handlers.processor.handle"),
        "handler 'handlers.processor.handle': handlers.processor defines no 'handle'",
        id="handler-function",
    ),
    pytest.param(
        m.change(m.FUNCTION, m.PROCESSOR, handler="handlers.procesor.handler"),
        "the archive has no module 'handlers.procesor'",
        id="handler-module",
    ),
    pytest.param(
        lambda s: m.change(m.FUNCTION, m.PROCESSOR, environment=_variables(s, AWS_REGION="x"))(s),
        "environment variable AWS_REGION is reserved by Lambda",
        id="reserved-variable",
    ),
    pytest.param(
        lambda s: m.change(m.FUNCTION, m.PROCESSOR, environment=_variables(s, BIG="x" * 5000))(s),
        "Lambda allows 4 KB",
        id="environment-size",
    ),
    pytest.param(
        m.change(m.FUNCTION, m.PROCESSOR, architectures=["x86_64"]),
        "is built for python313/arm64, the function runs python313/x86_64",
        id="layer-architecture",
    ),
    pytest.param(
        m.change(m.QUEUE, m.MAIN_QUEUE, name="q" * 100),
        "is 100 characters; AWS allows 1..80 (SQS CreateQueue QueueName)",
        id="queue-name-length",
    ),
    pytest.param(
        m.change(m.QUEUE, m.MAIN_QUEUE, messageRetentionSeconds=30),
        "messageRetentionSeconds 30 is outside 60..1209600",
        id="queue-retention",
    ),
    pytest.param(
        m.change(m.QUEUE, m.MAIN_QUEUE, visibilityTimeoutSeconds=50_000),
        "visibilityTimeoutSeconds 50000 is outside 0..43200",
        id="queue-visibility-range",
    ),
    pytest.param(
        m.change(m.QUEUE, m.MAIN_QUEUE, visibilityTimeoutSeconds=60),
        "visibilityTimeoutSeconds 60 is under 6 x function timeout 30 + batching window 0 = 180",
        id="visibility-vs-timeout",
    ),
    pytest.param(
        _shorter_retention,
        "dead-letter queue orders-dlq keeps messages 60 s, less than this queue's 345600 s",
        id="dead-letter-retention",
    ),
    pytest.param(
        m.edit_json(m.QUEUE, m.MAIN_QUEUE, "redrivePolicy", _set_max_receive_count),
        "redrivePolicy.maxReceiveCount 0 is outside 1..1000",
        id="max-receive-count",
    ),
    pytest.param(
        m.change(m.MAPPING, m.PROCESSOR_TRIGGER, batchSize=20),
        "batchSize 20 over 10 needs maximumBatchingWindowInSeconds of at least 1",
        id="batch-without-window",
    ),
    pytest.param(
        m.change(m.MAPPING, m.PROCESSOR_TRIGGER, batchSize=20_000),
        "batchSize 20000 is outside 1..10000",
        id="sqs-batch-size",
    ),
    pytest.param(
        m.change(m.MAPPING, m.PROCESSOR_TRIGGER, startingPosition="LATEST"),
        "startingPosition is not supported for an SQS event source",
        id="sqs-starting-position",
    ),
    pytest.param(
        m.change(m.MAPPING, m.stream_mapping, startingPosition=None),
        "startingPosition is required for a stream event source",
        id="stream-starting-position",
    ),
    pytest.param(
        m.change(m.MAPPING, m.stream_mapping, maximumRecordAgeInSeconds=30),
        "maximumRecordAgeInSeconds 30 is outside 60..604800",
        id="stream-record-age",
    ),
    pytest.param(
        m.change(m.ALARM, m.single_metric_alarm, evaluationPeriods=None),
        "evaluationPeriods is required and at least 1",
        id="alarm-evaluation-periods",
    ),
    pytest.param(
        m.change(m.ALARM, m.single_metric_alarm, comparisonOperator="GreaterThan"),
        "comparisonOperator 'GreaterThan' is not one of",
        id="alarm-operator",
    ),
    pytest.param(
        m.change(m.ALARM, m.single_metric_alarm, period=45),
        "period 45 must be 10, 30 or a multiple of 60 seconds",
        id="alarm-period",
    ),
    pytest.param(
        m.change(m.ALARM, m.single_metric_alarm, evaluationPeriods=300, datapointsToAlarm=1),
        "period x evaluationPeriods is 90000 s; CloudWatch allows 86400",
        id="alarm-evaluation-window",
    ),
    pytest.param(
        _both_statistics,
        "exactly one of statistic and extendedStatistic is required",
        id="alarm-statistics",
    ),
    pytest.param(
        m.change(m.ALARM, m.single_metric_alarm, threshold=None),
        "threshold is required",
        id="alarm-threshold",
    ),
    pytest.param(
        m.edit(m.ALARM, m.query_alarm, "metricQueries", _query_without_return),
        "0 metricQueries return data; exactly one must",
        id="alarm-query-result",
    ),
    pytest.param(
        m.edit_json(
            m.DASHBOARD, lambda s: m.only(s, m.DASHBOARD), "dashboardBody", _unknown_widget
        ),
        "widget 0 type 'chart' is not a dashboard widget type",
        id="dashboard-widget",
    ),
    pytest.param(
        m.change(m.LOG_GROUP, m.PROCESSOR_LOGS, retentionInDays=10),
        "retentionInDays 10 is not one CloudWatch Logs accepts",
        id="log-retention",
    ),
    pytest.param(
        m.edit(m.TABLE, m.ORDER_TABLE, "globalSecondaryIndexes", lambda _: None),
        "attribute 'createdAt' is defined but no key uses it",
        id="table-unused-attribute",
    ),
    pytest.param(
        m.change(m.TABLE, m.ORDER_TABLE, billingMode="ON_DEMAND"),
        "billingMode 'ON_DEMAND' is not one of PROVISIONED, PAY_PER_REQUEST",
        id="table-billing-mode",
    ),
    pytest.param(
        m.change(m.KEY, lambda s: m.only(s, m.KEY), deletionWindowInDays=3),
        "deletionWindowInDays 3 is outside 7..30",
        id="kms-deletion-window",
    ),
    pytest.param(
        m.edit(
            m.STAGE, lambda s: m.only(s, m.STAGE), "accessLogSettings", _format_without_request_id
        ),
        "accessLogSettings.format must contain $context.requestId",
        id="access-log-format",
    ),
    pytest.param(
        m.change(m.METHOD_SETTINGS, lambda s: m.only(s, m.METHOD_SETTINGS), stageName="v2"),
        "stage 'v2' of restApi",
        id="method-settings-stage",
    ),
    pytest.param(
        m.change(m.ROLE_POLICY, m.PROCESSOR_POLICY, role="someone-elses-role"),
        "role 'someone-elses-role' is no role of this stack",
        id="role-policy-role",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), CASES)
def test_each_limit_is_enforced(dev: Stack, mutate: m.Mutation, expected: str) -> None:
    messages = [finding.message for finding in check_limits(mutate(dev))]
    assert any(expected in message for message in messages), messages


def test_an_auto_name_is_measured_with_pulumis_suffix(dev: Stack) -> None:
    queue = dev.named(m.QUEUE, m.MAIN_QUEUE)
    # 72 characters + "-" + 7 random characters = 80: the longest auto-name SQS takes.
    longest = RecordedResource(queue.type, "q" * 72, {}, {})
    too_long = RecordedResource(queue.type, "q" * 73, {}, {})
    assert list(check_name(longest, dev)) == []
    (message,) = check_name(too_long, dev)
    assert message.startswith(f"auto-name '{'q' * 73}-")
    assert "is 81 characters; AWS allows 1..80 (SQS CreateQueue QueueName)" in message


def test_a_runtime_is_refused_from_its_deprecation_date(dev: Stack) -> None:
    function = dev.named(m.FUNCTION, m.PROCESSOR)
    before, on = date(2029, 6, 29), date(2029, 6, 30)
    assert not [msg for msg in check_function(function, dev, before) if "runtime" in msg]
    assert [msg for msg in check_function(function, dev, on) if "runtime" in msg] == [
        "runtime 'python3.13' was deprecated on 2029-06-30"
    ]
