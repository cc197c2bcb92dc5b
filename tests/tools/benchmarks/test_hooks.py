"""The instruments behind `make bench`, so its figures can be trusted: the request counter,
the injected latency, the canned answers, and the reading of `-X importtime` output."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT, REGION, create_order_table
from tools.benchmarks import report
from tools.benchmarks.batch_latency import time_processor
from tools.benchmarks.calls_per_order import count_pipeline
from tools.benchmarks.cold_start import module_import, parse_importtime
from tools.benchmarks.hooks import CannedAnswers, InjectedLatency, RequestCounter

ITEM = {"orderId": {"S": "o-1"}, "customerId": {"S": "c-1"}, "createdAt": {"S": "t"}}


@pytest.fixture
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")


def _put(client: Any, times: int) -> None:
    for _ in range(times):
        client.put_item(TableName="orders", Item=ITEM)


def test_the_counter_counts_each_request_of_the_hooked_session_inside_its_window_only(
    aws_environment: None,
) -> None:
    counter = RequestCounter()
    counted = boto3.Session(region_name=REGION)
    counter.attach(counted.events)
    with mock_aws():
        harness = boto3.Session(region_name=REGION).client("dynamodb")
        create_order_table(harness)
        client = counted.client("dynamodb")
        _put(client, 2)  # before the window
        with counter.counting():
            _put(client, 7)
            _put(harness, 3)  # another session: set-up, never counted
            client.get_item(TableName="orders", Key={"orderId": {"S": "o-1"}})
        _put(client, 2)  # after the window

    assert counter.requests == {"dynamodb.PutItem": 7, "dynamodb.GetItem": 1}
    assert counter.total == 8


def test_latency_is_injected_once_per_request_even_when_moto_answers(
    aws_environment: None,
) -> None:
    sleeps: list[float] = []
    session = boto3.Session(region_name=REGION)
    InjectedLatency(0.01, sleep=sleeps.append).attach(session.events)
    with mock_aws():
        create_order_table(boto3.Session(region_name=REGION).client("dynamodb"))
        _put(session.client("dynamodb"), 5)

    assert sleeps == [0.01] * 5


def test_canned_answers_stand_in_for_aws_after_counting_and_latency(
    aws_environment: None,
) -> None:
    sleeps: list[float] = []
    counter = RequestCounter()
    session = boto3.Session(region_name=REGION)
    latency = InjectedLatency(0.01, sleep=sleeps.append)
    for hook in (counter, latency, CannedAnswers({"dynamodb.PutItem": b"{}"})):
        hook.attach(session.events)
    client = session.client("dynamodb")

    with counter.counting():
        _put(client, 4)
        with pytest.raises(LookupError, match=r"dynamodb\.GetItem"):
            client.get_item(TableName="orders", Key={"orderId": {"S": "o-1"}})

    assert counter.requests == {"dynamodb.PutItem": 4, "dynamodb.GetItem": 1}
    assert sleeps == [0.01] * 5


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 | _io
import time:       200 |        200 | handlers
import time:       500 |       2000 |     botocore.session
import time:      1000 |      90000 |   boto3
import time:       300 |        300 |   handlers.contract
import time:      4000 |      95000 | handlers.processor
import time:       700 |        700 | atexit
"""


def test_a_modules_import_is_read_with_its_package_and_direct_imports() -> None:
    total, children = module_import(parse_importtime(IMPORTTIME), "handlers.processor")

    assert total == pytest.approx(0.0952)
    assert children == {"boto3": pytest.approx(0.09), "handlers.contract": pytest.approx(0.0003)}


def test_a_module_missing_from_the_output_is_an_error_not_zero() -> None:
    with pytest.raises(LookupError, match=r"handlers\.notifier"):
        module_import(parse_importtime(IMPORTTIME), "handlers.notifier")


def test_percentiles_are_nearest_rank() -> None:
    samples = [float(value) for value in range(1, 101)]
    assert report.percentile(samples, 0.50) == 50
    assert report.percentile(samples, 0.99) == 99
    assert report.percentile([3.0, 1.0, 2.0], 0.99) == 3


def test_the_pipeline_count_sees_only_the_handlers_requests() -> None:
    counted = count_pipeline(orders=25)

    assert counted.stored == 25
    # One write per order; ten events per PublishBatch, the last one partly filled.
    assert counted.requests == {"dynamodb.PutItem": 25, "sns.PublishBatch": 3}


def test_the_timed_batch_is_the_processor_writing_every_order_once() -> None:
    # Each run checks its own requests (100 PutItem) and raises when they differ.
    assert len(time_processor(runs=1, latency=0)) == 1
