"""The whole program under mocks, for each stack file, and with bad config."""

from __future__ import annotations

from functools import cache

import pytest

from handlers import contract
from settings import ConfigError
from tools.pulumi_mocks.program import ProgramRun, run_program, stack_config
from tools.pulumi_mocks.recording import RecordingMocks


@cache
def _run(stack: str) -> ProgramRun:
    return run_program(stack)


def _only(run: ProgramRun, type_: str, name: str) -> dict[str, object]:
    return run.mocks.named(type_, name).inputs


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stack_file_deploys_the_core(stack: str) -> None:
    run = _run(stack)
    components = {resource.type for resource in run.resources if resource.type.startswith("order")}
    assert {
        "order-pipeline:storage:OrderStore",
        "order-pipeline:messaging:OrderQueue",
        "order-pipeline:lambda:HandlerFunction",
    } <= components
    assert run.outputs["environment"] == stack
    assert str(run.outputs["queueUrl"]).startswith("https://sqs.eu-west-1.amazonaws.com/")
    assert run.outputs["tableName"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_stack_output_is_read_from_the_resource_it_names(stack: str) -> None:
    run = _run(stack)

    def state(type_: str, name: str) -> dict[str, object]:
        return run.mocks.named(type_, name).state

    queue = "aws:sqs/queue:Queue"
    assert run.outputs == {
        "environment": stack,
        "tableName": state("aws:dynamodb/table:Table", "orders-table")["name"],
        "queueUrl": state(queue, "orders-queue")["url"],
        "deadLetterQueueUrl": state(queue, "orders-dlq")["url"],
        "processorFunctionName": state("aws:lambda/function:Function", "orders-processor-function")[
            "name"
        ],
        "apiUrl": state("aws:apigateway/stage:Stage", "orders-stage")["invoke_url"],
        "topicArn": state("aws:sns/topic:Topic", "orders-topic")["arn"],
        "dashboardName": state("aws:cloudwatch/dashboard:Dashboard", "orders-dashboard")[
            "dashboardName"
        ],
        "alarmTopicArn": state("aws:sns/topic:Topic", "orders-alarm-topic")["arn"],
    }


def test_prod_differs_from_dev_where_it_should() -> None:
    dev, prod = _run("dev"), _run("prod")
    table = ("aws:dynamodb/table:Table", "orders-table")
    assert _only(dev, *table)["deletionProtectionEnabled"] is False
    assert _only(prod, *table)["deletionProtectionEnabled"] is True
    logs = ("aws:cloudwatch/logGroup:LogGroup", "orders-processor-logs")
    assert _only(dev, *logs)["retentionInDays"] == 7
    assert _only(prod, *logs)["retentionInDays"] == 90
    trigger = ("aws:lambda/eventSourceMapping:EventSourceMapping", "orders-processor-trigger")
    assert _only(dev, *trigger)["batchSize"] == 10
    assert _only(prod, *trigger)["batchSize"] == 25
    assert _only(prod, *trigger)["maximumBatchingWindowInSeconds"] == 2


@pytest.mark.parametrize(("stack", "retention_days"), [("dev", 7), ("prod", 90)])
def test_every_components_functions_share_the_stacks_environment_region_and_settings(
    stack: str, retention_days: int
) -> None:
    run = _run(stack)
    region = stack_config(stack)["aws:region"]
    functions = run.mocks.of_type("aws:lambda/function:Function")
    # One function or more from each component that owns functions.
    assert {function.name for function in functions} == {
        "orders-processor-function",
        "orders-reader-function",
        "orders-status-updater-function",
        "orders-notifier-function",
    }
    for function in functions:
        assert function.inputs["environment"]["variables"][contract.ENVIRONMENT_ENV] == stack
        (layer,) = function.inputs["layers"]
        assert layer.startswith(f"arn:aws:lambda:{region}:"), layer
        assert (function.inputs["runtime"], function.inputs["architectures"]) == (
            "python3.13",
            ["arm64"],
        )
    log_groups = run.mocks.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert {group.inputs["retentionInDays"] for group in log_groups} == {retention_days}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("order-pipeline:batchSize", "500"),
        ("order-pipeline:logRetentionDays", "-3"),
        ("order-pipeline:maxReceiveCount", "0"),
        ("order-pipeline:environment", "qa"),
        ("order-pipeline:bachSize", "5"),
    ],
)
def test_bad_config_stops_the_program_before_any_resource(key: str, value: str) -> None:
    mocks = RecordingMocks(region="eu-west-1")
    with pytest.raises(ConfigError, match="order-pipeline:"):
        run_program("dev", {key: value}, mocks=mocks)
    assert mocks.resources == []
