"""Every alarm and dashboard metric of the whole program, for each stack, checked against
what CloudWatch really emits and against the resources the same stack creates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from handlers import contract
from tools.pulumi_mocks.program import ProgramRun, run_program
from tools.pulumi_mocks.recording import RecordedResource

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
QUEUE = "aws:sqs/queue:Queue"
FUNCTION = "aws:lambda/function:Function"

BUSINESS = frozenset({contract.ENVIRONMENT_DIMENSION, "service"})

# What each service emits, by the exact dimension set (AWS "metrics and dimensions" pages:
# SQS, Lambda, API Gateway REST APIs, DynamoDB, SNS), and what the handlers emit (EMF).
EMITTED: dict[tuple[str, frozenset[str]], set[str]] = {
    ("AWS/SQS", frozenset({"QueueName"})): {
        "ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateAgeOfOldestMessage", "NumberOfMessagesSent", "NumberOfMessagesReceived",
        "NumberOfMessagesDeleted",
    },
    ("AWS/Lambda", frozenset({"FunctionName"})): {
        "Invocations", "Errors", "Throttles", "Duration", "IteratorAge", "ConcurrentExecutions",
    },
    ("AWS/ApiGateway", frozenset({"ApiName", "Stage"})): {
        "Count", "4XXError", "5XXError", "Latency", "IntegrationLatency",
    },
    ("AWS/DynamoDB", frozenset({"TableName", "Operation"})): {
        "ThrottledRequests", "SystemErrors", "SuccessfulRequestLatency", "ReturnedItemCount",
    },
    ("AWS/SNS", frozenset({"TopicName"})): {
        "NumberOfMessagesPublished", "NumberOfNotificationsDelivered",
        "NumberOfNotificationsFailed",
    },
    (contract.METRICS_NAMESPACE, BUSINESS): {
        contract.ORDERS_STORED_METRIC, contract.DUPLICATE_ORDERS_METRIC,
        contract.ORDERS_REJECTED_METRIC, contract.ORDER_RETRIES_METRIC,
        contract.NOTIFICATIONS_PUBLISHED_METRIC,
    },
    (contract.METRICS_NAMESPACE, BUSINESS | {contract.REJECTION_REASON_DIMENSION}): {
        contract.ORDERS_REJECTED_METRIC,
    },
}  # fmt: skip

# The values of DynamoDB's Operation dimension (the table API plus the stream's GetRecords).
DYNAMODB_OPERATIONS = {
    "PutItem", "DeleteItem", "UpdateItem", "GetItem", "BatchGetItem", "Scan", "Query",
    "BatchWriteItem", "TransactWriteItems", "TransactGetItems", "ExecuteTransaction",
    "BatchExecuteStatement", "ExecuteStatement", "GetRecords",
}  # fmt: skip

STATISTIC = re.compile(r"(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d+)?)")
SEARCH = re.compile(
    r"SEARCH\('\{(?P<schema>[^}]*)\} MetricName=\"(?P<metric>\w+)\"(?P<rest>[^']*)'"
)


@pytest.fixture(scope="module", params=["dev", "prod"])
def program(request: pytest.FixtureRequest) -> ProgramRun:
    return run_program(request.param)


def _variables(function: RecordedResource) -> dict[str, str]:
    return dict(function.inputs["environment"]["variables"])


def _granted_table_operations(program: ProgramRun) -> set[str]:
    """DynamoDB operations some role may perform on a table, its indexes or its stream."""
    tables = [table.state["arn"] for table in program.mocks.of_type("aws:dynamodb/table:Table")]
    granted = set()
    for policy in program.mocks.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            resources = statement["Resource"]
            if not any(str(arn).startswith(tuple(tables)) for arn in resources):
                continue
            granted |= {
                action.removeprefix("dynamodb:")
                for action in statement["Action"]
                if action.removeprefix("dynamodb:") in DYNAMODB_OPERATIONS
            }
    return granted


def _stack_names(program: ProgramRun) -> dict[str, set[str]]:
    """The value every dimension may take in this stack: names of its own resources."""
    functions = program.mocks.of_type(FUNCTION)
    return {
        "QueueName": {queue.physical_name for queue in program.mocks.of_type(QUEUE)},
        "FunctionName": {function.physical_name for function in functions},
        "ApiName": {
            api.physical_name for api in program.mocks.of_type("aws:apigateway/restApi:RestApi")
        },
        "Stage": {
            stage.inputs["stageName"]
            for stage in program.mocks.of_type("aws:apigateway/stage:Stage")
        },
        "TableName": {
            table.physical_name for table in program.mocks.of_type("aws:dynamodb/table:Table")
        },
        "Operation": _granted_table_operations(program),
        "TopicName": {
            topic.physical_name for topic in program.mocks.of_type("aws:sns/topic:Topic")
        },
        contract.ENVIRONMENT_DIMENSION: {
            _variables(function)[contract.ENVIRONMENT_ENV] for function in functions
        },
        "service": {_variables(function)["POWERTOOLS_SERVICE_NAME"] for function in functions},
    }


def _check_metric(
    program: ProgramRun, namespace: str, name: str, dimensions: dict[str, str], stat: str
) -> None:
    emitted = EMITTED.get((namespace, frozenset(dimensions)))
    assert emitted is not None, f"{namespace} has no metrics with dimensions {set(dimensions)}"
    assert name in emitted, f"{namespace} does not emit {name} per {set(dimensions)}"
    assert STATISTIC.fullmatch(stat), stat
    names = _stack_names(program)
    for dimension, value in dimensions.items():
        assert value in names.get(dimension, set()), f"{dimension}={value} is not in this stack"
    if {"ApiName", "Stage"} <= set(dimensions):
        _check_stage_belongs_to_api(program, dimensions["ApiName"], dimensions["Stage"])


def _check_stage_belongs_to_api(program: ProgramRun, api_name: str, stage_name: str) -> None:
    (api,) = [
        api
        for api in program.mocks.of_type("aws:apigateway/restApi:RestApi")
        if api.physical_name == api_name
    ]
    stages = program.mocks.of_type("aws:apigateway/stage:Stage")
    assert any(
        stage.inputs["stageName"] == stage_name and stage.inputs["restApi"] == f"{api.name}-id"
        for stage in stages
    )


def _alarm_metrics(alarm: RecordedResource) -> Iterator[tuple[str, str, dict[str, str], str]]:
    inputs = alarm.inputs
    if "metricQueries" not in inputs:
        stat = inputs.get("statistic") or inputs["extendedStatistic"]
        yield inputs["namespace"], inputs["metricName"], inputs["dimensions"], stat
        return
    for query in inputs["metricQueries"]:
        if "metric" in query:
            metric = query["metric"]
            yield metric["namespace"], metric["metricName"], metric["dimensions"], metric["stat"]


def test_every_alarm_reads_a_metric_cloudwatch_emits_for_a_resource_of_the_stack(
    program: ProgramRun,
) -> None:
    alarms = program.mocks.of_type(ALARM)
    assert len(alarms) >= 14
    for alarm in alarms:
        metrics = list(_alarm_metrics(alarm))
        assert metrics, alarm.name
        for namespace, name, dimensions, stat in metrics:
            _check_metric(program, namespace, name, dimensions, stat)


def test_metric_math_alarms_are_ones_cloudwatch_accepts(program: ProgramRun) -> None:
    for alarm in program.mocks.of_type(ALARM):
        queries = alarm.inputs.get("metricQueries")
        if queries is None:
            continue
        assert len([query for query in queries if "metric" in query]) <= 10, alarm.name
        assert [query.get("returnData", False) for query in queries].count(True) == 1
        ids = {query["id"] for query in queries}
        assert all(re.fullmatch(r"[a-z][A-Za-z0-9_]*", query_id) for query_id in ids)
        (result,) = [query for query in queries if query.get("returnData")]
        used = set(re.findall(r"\b[a-z][A-Za-z0-9_]*\b", result["expression"]))
        assert used - {"IF", "SUM"} <= ids, alarm.name


def test_every_alarm_pages_the_stacks_alarm_topic_on_alarm_and_on_ok(program: ProgramRun) -> None:
    topic_arn = program.outputs["alarmTopicArn"]
    for alarm in program.mocks.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [topic_arn], alarm.name
        assert alarm.inputs["okActions"] == [topic_arn], alarm.name
        assert alarm.inputs["treatMissingData"] in {"notBreaching", "ignore"}, alarm.name


def test_every_failure_queue_of_the_stack_has_a_not_empty_alarm(program: ProgramRun) -> None:
    queues = program.mocks.of_type(QUEUE)
    failure_arns = {
        json.loads(queue.inputs["redrivePolicy"])["deadLetterTargetArn"]
        for queue in queues
        if "redrivePolicy" in queue.inputs
    }
    for mapping in program.mocks.of_type("aws:lambda/eventSourceMapping:EventSourceMapping"):
        destination = mapping.inputs.get("destinationConfig", {}).get("onFailure")
        if destination:
            failure_arns.add(destination["destinationArn"])
    failure_queues = {queue.physical_name for queue in queues if queue.state["arn"] in failure_arns}
    assert len(failure_queues) == 2  # the order DLQ and the notifier's on-failure queue
    watched = {
        alarm.inputs["dimensions"]["QueueName"]
        for alarm in program.mocks.of_type(ALARM)
        if alarm.inputs.get("metricName") == "ApproximateNumberOfMessagesVisible"
        and alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
        and alarm.inputs["threshold"] == 0
    }
    assert failure_queues <= watched


def test_table_alarms_cover_every_operation_the_stacks_roles_may_perform(
    program: ProgramRun,
) -> None:
    granted = _granted_table_operations(program)
    assert {"PutItem", "GetRecords"} <= granted
    for metric_name in ("ThrottledRequests", "SystemErrors"):
        covered = {
            dimensions["Operation"]
            for alarm in program.mocks.of_type(ALARM)
            for _, name, dimensions, _ in _alarm_metrics(alarm)
            if name == metric_name
        }
        assert covered == granted, metric_name


def _dashboard(program: ProgramRun) -> dict[str, Any]:
    (dashboard,) = program.mocks.of_type("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == program.outputs["dashboardName"]
    return dict(json.loads(dashboard.inputs["dashboardBody"]))


def _graph_rows(program: ProgramRun) -> Iterator[list[Any]]:
    for widget in _dashboard(program)["widgets"]:
        yield from widget["properties"].get("metrics", [])


def test_every_dashboard_metric_resolves_to_a_resource_of_the_stack(program: ProgramRun) -> None:
    rows = list(_graph_rows(program))
    assert rows
    for row in rows:
        if isinstance(row[0], dict):
            continue
        namespace, name, *pairs, options = row
        dimensions = dict(zip(pairs[::2], pairs[1::2], strict=True))
        _check_metric(program, namespace, name, dimensions, options["stat"])


def test_dashboard_searches_resolve_to_metrics_the_handlers_emit(program: ProgramRun) -> None:
    expressions = [row[0]["expression"] for row in _graph_rows(program) if isinstance(row[0], dict)]
    searches = [SEARCH.match(expression) for expression in expressions]
    assert searches
    names = _stack_names(program)
    for search in searches:
        assert search is not None
        namespace, *dimensions = search["schema"].split(",")
        assert search["metric"] in EMITTED[(namespace, frozenset(dimensions))]
        values = dict(re.findall(r'(\w+)="([^"]*)"', search["rest"]))
        for dimension, value in values.items():
            assert value in names[dimension], f"{dimension}={value} is not in this stack"


def test_dashboard_shows_every_function_and_every_alarm_of_the_stack(program: ProgramRun) -> None:
    lambda_rows = [row for row in _graph_rows(program) if row[0] == "AWS/Lambda"]
    for function in program.mocks.of_type(FUNCTION):
        shown = {
            (row[1], row[-1]["stat"]) for row in lambda_rows if row[3] == function.physical_name
        }
        assert {("Errors", "Sum"), ("Duration", "p50"), ("Duration", "p99")} <= shown, function.name
    (alarm_widget,) = [w for w in _dashboard(program)["widgets"] if w["type"] == "alarm"]
    assert set(alarm_widget["properties"]["alarms"]) == {
        alarm.state["arn"] for alarm in program.mocks.of_type(ALARM)
    }
