"""DLQ listing on moto: grouped by rejection reason, and nothing is consumed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from handlers import contract
from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT
from tools.ops.dead_letters import NO_REQUEST_ID, RETRIES_EXHAUSTED, inspect_dead_letters


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.client("sqs")


def _dead_letter(
    sqs: Any, queue_url: str, body: str, reason: str | None = None, request_id: str | None = None
) -> None:
    attributes: dict[str, Any] = (
        {
            contract.REJECTION_REASON_ATTRIBUTE: {"DataType": "String", "StringValue": reason},
            contract.REJECTION_DETAIL_ATTRIBUTE: {
                "DataType": "String",
                "StringValue": f"why {body} failed",
            },
        }
        if reason
        else {}
    )
    if request_id:
        attributes[contract.REQUEST_ID_ATTRIBUTE] = {
            "DataType": "String",
            "StringValue": request_id,
        }
    sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageAttributes=attributes)


def _visible_and_held(sqs: Any, queue_url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


def test_groups_messages_by_reason_and_puts_every_one_back(sqs: Any) -> None:
    dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    _dead_letter(sqs, dlq_url, "a", "SCHEMA_VIOLATION")
    _dead_letter(sqs, dlq_url, "b", "SCHEMA_VIOLATION")
    _dead_letter(sqs, dlq_url, "c", "INVALID_JSON")
    _dead_letter(sqs, dlq_url, "d")
    _dead_letter(sqs, dlq_url, "e")
    _dead_letter(sqs, dlq_url, "f")

    report = inspect_dead_letters(sqs, dlq_url, wait_seconds=0)

    groups = report.by_reason()
    assert {reason: len(messages) for reason, messages in groups.items()} == {
        RETRIES_EXHAUSTED: 3,
        "SCHEMA_VIOLATION": 2,
        "INVALID_JSON": 1,
    }
    assert list(groups) == [RETRIES_EXHAUSTED, "SCHEMA_VIOLATION", "INVALID_JSON"]
    assert {message.detail for message in groups["SCHEMA_VIOLATION"]} == {
        "why a failed",
        "why b failed",
    }
    assert not any(message.is_permanent_rejection for message in groups[RETRIES_EXHAUSTED])
    assert all(message.is_permanent_rejection for message in groups["INVALID_JSON"])
    assert report.approximate_count == 6
    assert _visible_and_held(sqs, dlq_url) == (6, 0)


def test_lists_past_one_receive_without_counting_a_message_twice(sqs: Any) -> None:
    dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    for index in range(25):
        _dead_letter(sqs, dlq_url, f"order-{index}")

    report = inspect_dead_letters(sqs, dlq_url, wait_seconds=0)

    assert len({message.message_id for message in report.messages}) == 25
    assert len(report.messages) == 25
    assert _visible_and_held(sqs, dlq_url) == (25, 0)


def test_stops_at_the_limit_and_still_puts_everything_back(sqs: Any) -> None:
    dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    for index in range(15):
        _dead_letter(sqs, dlq_url, f"order-{index}", "CONFLICTING_DUPLICATE")

    report = inspect_dead_letters(sqs, dlq_url, limit=12, wait_seconds=0)

    assert len(report.messages) == 12
    assert report.approximate_count == 15
    assert "about 15 message(s), 12 inspected" in report.render()
    assert _visible_and_held(sqs, dlq_url) == (15, 0)


def test_renders_each_reason_with_its_count_and_examples(sqs: Any) -> None:
    dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    for body in ("a", "b", "c", "d"):
        _dead_letter(sqs, dlq_url, body, "INVALID_JSON")

    rendered = inspect_dead_letters(sqs, dlq_url, wait_seconds=0).render(examples_per_reason=2)

    assert "  INVALID_JSON: 4" in rendered
    assert rendered.count("failed") == 2


def test_an_empty_queue_reports_nothing(sqs: Any) -> None:
    dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]

    report = inspect_dead_letters(sqs, dlq_url, wait_seconds=0)

    assert report.messages == ()
    assert report.by_reason() == {}
    assert report.approximate_count == 0


def test_shows_each_message_with_the_request_id_a_customer_quotes(sqs: Any) -> None:
    dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    _dead_letter(sqs, dlq_url, "a", "CONFLICTING_DUPLICATE", request_id="c0ffee-1")
    _dead_letter(sqs, dlq_url, "b", request_id="c0ffee-2")
    _dead_letter(sqs, dlq_url, "c", "CONFLICTING_DUPLICATE")  # sent before request ids

    report = inspect_dead_letters(sqs, dlq_url, wait_seconds=0)

    by_body_reason = {message.detail or message.reason: message for message in report.messages}
    assert by_body_reason["why a failed"].request_id == "c0ffee-1"
    assert by_body_reason[RETRIES_EXHAUSTED].request_id == "c0ffee-2"
    assert by_body_reason["why c failed"].request_id == NO_REQUEST_ID
    rendered = report.render()
    for message in report.messages:
        assert f"    {message.message_id} request {message.request_id} sent " in rendered
    narrowed = report.submitted_by("c0ffee-1")
    assert [message.detail for message in narrowed.messages] == ["why a failed"]
