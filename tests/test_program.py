"""The whole program under mocks, for each stack file, and with bad config."""

from __future__ import annotations

from functools import cache

import pytest

from offline.mocks import RecordingMocks
from offline.program import ProgramRun, run_program
from settings import ConfigError


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
