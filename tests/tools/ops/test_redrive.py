"""Redrive with botocore's Stubber (moto has no message move tasks) and the stack outputs."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from handlers import contract
from tools.ops import redrive
from tools.ops.redrive import Queues, RedriveRefused, start_redrive
from tools.ops.stack_outputs import read_stack_outputs
from tools.pulumi_mocks.program import run_program

DLQ_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq-1"
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-queue-1"
DLQ_ARN = "arn:aws:sqs:eu-west-1:123456789012:orders-dlq-1"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:orders-queue-1"
QUEUES = Queues(DLQ_URL, QUEUE_URL)
TASK_HANDLE = "eyJ0YXNrSWQiOiIxMjMifQ=="


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Stubber]]:
    sqs = boto3.client(
        "sqs",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - a fake for the stub
    )
    with Stubber(sqs) as stubber:
        yield sqs, stubber
        stubber.assert_no_pending_responses()


def _expect_arn(stubber: Stubber, url: str, arn: str) -> None:
    stubber.add_response(
        "get_queue_attributes",
        {"Attributes": {"QueueArn": arn}},
        {"QueueUrl": url, "AttributeNames": ["QueueArn"]},
    )


def _expect_tasks(stubber: Stubber, *statuses: str) -> None:
    stubber.add_response(
        "list_message_move_tasks",
        {
            "Results": [
                {"Status": status, "SourceArn": DLQ_ARN, "ApproximateNumberOfMessagesMoved": 7}
                for status in statuses
            ]
        },
        {"SourceArn": DLQ_ARN, "MaxResults": 10},
    )


def _expect_listing(stubber: Stubber, messages: list[dict[str, Any]]) -> None:
    """One DLQ listing: the count, one page of messages, an empty page, the hand-back."""
    stubber.add_response(
        "get_queue_attributes",
        {"Attributes": {"ApproximateNumberOfMessages": str(len(messages))}},
        {"QueueUrl": DLQ_URL, "AttributeNames": ["ApproximateNumberOfMessages"]},
    )
    receive = {
        "QueueUrl": DLQ_URL,
        "MaxNumberOfMessages": 10,
        "VisibilityTimeout": 60,
        "WaitTimeSeconds": 1,
        "MessageAttributeNames": [
            contract.REJECTION_REASON_ATTRIBUTE,
            contract.REJECTION_DETAIL_ATTRIBUTE,
        ],
        "MessageSystemAttributeNames": ["SentTimestamp", "ApproximateReceiveCount"],
    }
    stubber.add_response("receive_message", {"Messages": messages}, receive)
    stubber.add_response("receive_message", {}, receive)
    stubber.add_response(
        "change_message_visibility_batch",
        {"Successful": [{"Id": str(index)} for index in range(len(messages))], "Failed": []},
        {
            "QueueUrl": DLQ_URL,
            "Entries": [
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, handle in enumerate(message["ReceiptHandle"] for message in messages)
            ],
        },
    )


def _message(number: int, reason: str | None = None) -> dict[str, Any]:
    attributes = (
        {contract.REJECTION_REASON_ATTRIBUTE: {"DataType": "String", "StringValue": reason}}
        if reason
        else {}
    )
    return {
        "MessageId": f"message-{number}",
        "ReceiptHandle": f"receipt-{number}",
        "Body": "{}",
        "Attributes": {"SentTimestamp": "1767225600000", "ApproximateReceiveCount": "6"},
        "MessageAttributes": attributes,
    }


def test_starts_a_move_task_from_the_dlq_to_the_main_queue(
    stubbed: tuple[Any, Stubber],
) -> None:
    sqs, stubber = stubbed
    _expect_arn(stubber, DLQ_URL, DLQ_ARN)
    _expect_tasks(stubber, "COMPLETED", "CANCELLED")
    _expect_arn(stubber, QUEUE_URL, QUEUE_ARN)
    stubber.add_response(
        "start_message_move_task",
        {"TaskHandle": TASK_HANDLE},
        {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN},
    )

    assert start_redrive(sqs, QUEUES) == TASK_HANDLE


def test_refuses_while_a_move_task_is_running(stubbed: tuple[Any, Stubber]) -> None:
    sqs, stubber = stubbed
    _expect_arn(stubber, DLQ_URL, DLQ_ARN)
    _expect_tasks(stubber, "RUNNING")

    with pytest.raises(RedriveRefused, match=r"already running .*7 moved so far"):
        start_redrive(sqs, QUEUES)


def test_dry_run_lists_by_reason_and_moves_nothing(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, stubber = stubbed
    _expect_listing(stubber, [_message(1), _message(2, "INVALID_JSON"), _message(3)])

    exit_code = redrive.main(["--dlq-url", DLQ_URL, "--queue-url", QUEUE_URL, "--dry-run"], sqs=sqs)

    output = capsys.readouterr().out
    assert exit_code == 0
    assert "  retries exhausted: 2" in output
    assert "  INVALID_JSON: 1" in output
    assert "1 message(s) were rejected permanently (INVALID_JSON)" in output
    assert f"dry run: would move every message to {QUEUE_URL}" in output


def test_redrive_lists_then_starts_the_move_task(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, stubber = stubbed
    _expect_listing(stubber, [_message(1), _message(2)])
    _expect_arn(stubber, DLQ_URL, DLQ_ARN)
    _expect_tasks(stubber)
    _expect_arn(stubber, QUEUE_URL, QUEUE_ARN)
    stubber.add_response(
        "start_message_move_task",
        {"TaskHandle": TASK_HANDLE},
        {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN},
    )

    exit_code = redrive.main(["--dlq-url", DLQ_URL, "--queue-url", QUEUE_URL], sqs=sqs)

    output = capsys.readouterr().out
    assert exit_code == 0
    assert "  retries exhausted: 2" in output
    assert "rejected permanently" not in output
    assert f"task handle: {TASK_HANDLE}" in output


def test_a_running_task_stops_the_command_with_a_reason(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, stubber = stubbed
    _expect_listing(stubber, [_message(1)])
    _expect_arn(stubber, DLQ_URL, DLQ_ARN)
    _expect_tasks(stubber, "RUNNING")

    exit_code = redrive.main(["--dlq-url", DLQ_URL, "--queue-url", QUEUE_URL], sqs=sqs)

    assert exit_code == 2
    assert "not started: a move task is already running" in capsys.readouterr().err


def test_an_aws_error_stops_the_command_with_its_message(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, stubber = stubbed
    _expect_listing(stubber, [_message(1)])
    _expect_arn(stubber, DLQ_URL, DLQ_ARN)
    stubber.add_client_error(
        "list_message_move_tasks", "AccessDenied", "not authorized to sqs:ListMessageMoveTasks"
    )

    exit_code = redrive.main(["--dlq-url", DLQ_URL, "--queue-url", QUEUE_URL], sqs=sqs)

    assert exit_code == 1
    assert "not authorized to sqs:ListMessageMoveTasks" in capsys.readouterr().err


def test_an_empty_dlq_starts_nothing(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, stubber = stubbed
    stubber.add_response(
        "get_queue_attributes",
        {"Attributes": {"ApproximateNumberOfMessages": "0"}},
        {"QueueUrl": DLQ_URL, "AttributeNames": ["ApproximateNumberOfMessages"]},
    )
    stubber.add_response("receive_message", {})

    assert redrive.main(["--dlq-url", DLQ_URL, "--queue-url", QUEUE_URL], sqs=sqs) == 0
    assert "nothing to redrive" in capsys.readouterr().out


def _fake_pulumi(directory: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    executable = directory / "pulumi"
    executable.write_text(f"#!/bin/sh\n{script}\n")
    executable.chmod(executable.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")


def test_stack_outputs_come_from_the_pulumi_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_pulumi(
        tmp_path,
        'test "$*" = "stack output --json --stack prod" || exit 1\n'
        f'echo \'{{"queueUrl": "{QUEUE_URL}", "deadLetterQueueUrl": "{DLQ_URL}"}}\'',
        monkeypatch,
    )

    outputs = read_stack_outputs("prod")

    assert outputs[redrive.QUEUE_URL_OUTPUT] == QUEUE_URL
    assert outputs[redrive.DEAD_LETTER_QUEUE_URL_OUTPUT] == DLQ_URL


def test_a_failing_pulumi_cli_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pulumi(tmp_path, "echo 'error: no stack named prod found' >&2; exit 255", monkeypatch)

    with pytest.raises(RuntimeError, match="no stack named prod found"):
        read_stack_outputs("prod")


def test_the_program_exports_the_queue_urls_redrive_reads() -> None:
    run = run_program("dev")
    queues = {
        resource.state["url"]: resource
        for resource in run.resources
        if resource.type == "aws:sqs/queue:Queue"
    }

    main_queue = queues[run.outputs[redrive.QUEUE_URL_OUTPUT]]
    dead_letter_queue = queues[run.outputs[redrive.DEAD_LETTER_QUEUE_URL_OUTPUT]]

    redrive_policy = json.loads(main_queue.inputs["redrivePolicy"])
    assert redrive_policy["deadLetterTargetArn"] == dead_letter_queue.state["arn"]
