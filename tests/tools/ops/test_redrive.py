"""Redrive with botocore's Stubber (moto has no message move tasks), the stack outputs, and
the move by hand on the local run's moto server; bad input answered in one line."""

from __future__ import annotations

import json
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from handlers import contract
from tests.tools.entry_points import run_make, the_one_line
from tools.local_run.aws_endpoint import AwsEndpoint, listening_socket
from tools.local_run.readback import take_messages
from tools.ops import redrive
from tools.ops.redrive import Queues, RedriveRefused, has_move_tasks, start_redrive
from tools.ops.stack_outputs import StackOutputsUnavailable, read_stack_outputs
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
            contract.REQUEST_ID_ATTRIBUTE,
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
    attributes = {
        contract.REQUEST_ID_ATTRIBUTE: {"DataType": "String", "StringValue": f"request-{number}"}
    }
    if reason:
        attributes[contract.REJECTION_REASON_ATTRIBUTE] = {
            "DataType": "String",
            "StringValue": reason,
        }
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
    assert "    message-2 request request-2 sent 2026-01-01T00:00:00+00:00" in output


def test_a_request_id_narrows_the_listing_to_that_submission(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, stubber = stubbed
    _expect_listing(stubber, [_message(number, "INVALID_JSON") for number in range(1, 6)])

    exit_code = redrive.main(
        ["--dlq-url", DLQ_URL, "--queue-url", QUEUE_URL, "--dry-run", "--request-id", "request-4"],
        sqs=sqs,
    )

    output = capsys.readouterr().out
    assert exit_code == 0
    assert "  INVALID_JSON: 1" in output
    assert "    message-4 request request-4 sent" in output
    assert "message-1" not in output
    assert "would move" not in output


def test_a_request_id_not_in_the_dlq_is_said_so(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, stubber = stubbed
    _expect_listing(stubber, [_message(1, "INVALID_JSON")])

    exit_code = redrive.main(
        ["--dlq-url", DLQ_URL, "--queue-url", QUEUE_URL, "--dry-run", "--request-id", "nope"],
        sqs=sqs,
    )

    output = capsys.readouterr().out
    assert exit_code == 0
    assert "no message of request nope among those inspected" in output
    assert "  INVALID_JSON: 1" in output


def test_a_request_id_without_dry_run_is_refused_before_anything_moves(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, _ = stubbed  # no response stubbed: any SQS call would fail the test

    exit_code = redrive.main(
        ["--dlq-url", DLQ_URL, "--queue-url", QUEUE_URL, "--request-id", "request-1"], sqs=sqs
    )

    assert exit_code == 2
    assert "--request-id only narrows a listing" in the_one_line(capsys.readouterr().err, "redrive")


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
    line = the_one_line(capsys.readouterr().err, "redrive")
    assert "not started: a move task is already running" in line


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
    line = the_one_line(capsys.readouterr().err, "redrive")
    assert line.startswith("redrive: failed: ")
    assert "not authorized to sqs:ListMessageMoveTasks" in line


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

    with pytest.raises(StackOutputsUnavailable, match="no stack named prod found"):
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


# Bad input and set-up: one line on stderr, exit 2, no traceback.

LOCAL_DLQ_URL = "http://127.0.0.1:5000/123456789012/orders-dlq-3559f76"
LOCAL_QUEUE_URL = "http://127.0.0.1:5000/123456789012/orders-queue-c28a125"
# What docs/local-run.md has the operator export before using the local run's AWS.
LOCAL_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def _without_region(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for variable in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))


@pytest.mark.parametrize("arguments", [[], ["--dlq-url", DLQ_URL]])
def test_without_queues_it_says_what_to_give(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert redrive.main(arguments) == 2
    line = the_one_line(capsys.readouterr().err, "redrive")
    assert "give --stack" in line
    assert "--dlq-url and --queue-url" in line


def test_without_a_region_it_says_to_set_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _without_region(monkeypatch, tmp_path)

    exit_code = redrive.main(["--dlq-url", LOCAL_DLQ_URL, "--queue-url", LOCAL_QUEUE_URL])

    assert exit_code == 2
    assert "no AWS region" in the_one_line(capsys.readouterr().err, "redrive")


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["--endpoint-url", "127.0.0.1:5000"], "Invalid endpoint: 127.0.0.1:5000"),
        (["--endpoint-url", "http://127.0.0.1:1"], "failed: Could not connect"),
    ],
)
def test_an_endpoint_that_is_no_url_or_not_there_is_one_line(
    arguments: list[str],
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in LOCAL_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    dlq_url, queue_url = f"{LOCAL_DLQ_URL}-nowhere", f"{LOCAL_QUEUE_URL}-nowhere"

    exit_code = redrive.main(["--dlq-url", dlq_url, "--queue-url", queue_url, *arguments])

    assert exit_code == (2 if "Invalid" in named else 1)
    assert named in the_one_line(capsys.readouterr().err, "redrive")


def test_a_profile_that_does_not_exist_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")

    assert redrive.main(["--dlq-url", LOCAL_DLQ_URL, "--queue-url", LOCAL_QUEUE_URL]) == 2
    assert "profile (no-such-profile) could not be found" in the_one_line(
        capsys.readouterr().err, "redrive"
    )


def test_make_redrive_without_a_region_is_one_line(tmp_path: Path) -> None:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"}
    }
    environment["AWS_CONFIG_FILE"] = str(tmp_path / "no-config")

    exit_code, stderr = run_make(
        "redrive",
        f"DLQ_URL={LOCAL_DLQ_URL}",
        f"QUEUE_URL={LOCAL_QUEUE_URL}",
        environment=environment,
    )

    assert exit_code == 2
    assert "set AWS_DEFAULT_REGION" in the_one_line(stderr, "redrive")


def test_without_the_pulumi_cli_it_says_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `pulumi`

    assert redrive.main(["--stack", "prod"]) == 2
    assert "the Pulumi CLI is not installed" in the_one_line(capsys.readouterr().err, "redrive")


@pytest.mark.parametrize(
    "said",
    [
        "error: no stack named 'staging' found",
        "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions",
    ],
)
def test_a_stack_pulumi_cannot_find_or_a_cli_not_logged_in_is_one_line(
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _fake_pulumi(
        tmp_path,
        f"echo 'warning: A new version of Pulumi is available.' >&2\necho \"{said}\" >&2; exit 255",
        monkeypatch,
    )

    assert redrive.main(["--stack", "staging"]) == 2
    line = the_one_line(capsys.readouterr().err, "redrive")
    assert line == f"redrive: `pulumi stack output --stack staging` failed: {said}"


@pytest.mark.parametrize(
    ("printed", "named"),
    [
        ("{}", "no output deadLetterQueueUrl or queueUrl (it has: none)"),
        (f'{{"queueUrl": "{QUEUE_URL}", "apiUrl": "x"}}', "no output deadLetterQueueUrl"),
        ("not JSON", "printed no JSON object"),
    ],
)
def test_stack_outputs_without_the_queue_urls_are_named(
    printed: str,
    named: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _fake_pulumi(tmp_path, f"echo '{printed}'", monkeypatch)

    assert redrive.main(["--stack", "prod"]) == 2
    assert named in the_one_line(capsys.readouterr().err, "redrive")


# Endpoints without message move tasks: the messages are moved by hand.


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        (None, True),
        ("https://sqs.eu-west-1.amazonaws.com", True),
        ("https://sqs-fips.us-east-1.amazonaws.com", True),
        ("https://vpce-0a1b.sqs.eu-west-1.vpce.amazonaws.com", True),
        ("https://sqs.cn-north-1.amazonaws.com.cn", True),
        ("http://127.0.0.1:5000", False),
        ("http://localhost:4566", False),
        ("http://amazonaws.com.example.org", False),
    ],
)
def test_only_aws_endpoints_are_taken_to_run_move_tasks(
    endpoint: str | None, expected: bool
) -> None:
    assert has_move_tasks(endpoint) is expected


def test_a_copy_the_queue_refuses_stays_in_the_dlq(
    stubbed: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, stubber = stubbed
    messages = [_message(1), _message(2, "INVALID_JSON")]
    _expect_listing(stubber, messages)
    stubber.add_response(
        "receive_message",
        {"Messages": messages},
        {
            "QueueUrl": DLQ_URL,
            "MaxNumberOfMessages": 2,
            "VisibilityTimeout": 60,
            "WaitTimeSeconds": 1,
            "MessageAttributeNames": ["All"],
        },
    )
    stubber.add_response(
        "send_message_batch",
        {
            "Successful": [{"Id": "0", "MessageId": "copy-1", "MD5OfMessageBody": "x"}],
            "Failed": [
                {"Id": "1", "SenderFault": True, "Code": "InvalidParameterValue", "Message": "no"}
            ],
        },
        {
            "QueueUrl": QUEUE_URL,
            "Entries": [
                {
                    "Id": "0",
                    "MessageBody": "{}",
                    "MessageAttributes": {
                        contract.REQUEST_ID_ATTRIBUTE: {
                            "DataType": "String",
                            "StringValue": "request-1",
                        }
                    },
                },
                {
                    "Id": "1",
                    "MessageBody": "{}",
                    "MessageAttributes": {
                        contract.REQUEST_ID_ATTRIBUTE: {
                            "DataType": "String",
                            "StringValue": "request-2",
                        },
                        contract.REJECTION_REASON_ATTRIBUTE: {
                            "DataType": "String",
                            "StringValue": "INVALID_JSON",
                        },
                    },
                },
            ],
        },
    )
    # Only the original whose copy was accepted is deleted; the other is handed back.
    stubber.add_response(
        "delete_message_batch",
        {"Successful": [{"Id": "0"}], "Failed": []},
        {"QueueUrl": DLQ_URL, "Entries": [{"Id": "0", "ReceiptHandle": "receipt-1"}]},
    )
    stubber.add_response(
        "change_message_visibility_batch",
        {"Successful": [{"Id": "0"}], "Failed": []},
        {
            "QueueUrl": DLQ_URL,
            "Entries": [{"Id": "0", "ReceiptHandle": "receipt-2", "VisibilityTimeout": 0}],
        },
    )

    exit_code = redrive.main(
        ["--dlq-url", DLQ_URL, "--queue-url", QUEUE_URL, "--endpoint-url", "http://127.0.0.1:1"],
        sqs=sqs,
    )

    assert exit_code == 1
    line = the_one_line(capsys.readouterr().err, "redrive")
    assert "1 message(s) moved, then the queue refused 1 (no); they stay in the DLQ" in line


@pytest.fixture
def local_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsEndpoint]:
    """The local run's moto server, on a free port, with the environment `make redrive`
    would run with there."""
    endpoint = AwsEndpoint(listening_socket(0, "AWS_PORT"), "eu-west-1")
    endpoint.start()
    for name, value in LOCAL_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    try:
        yield endpoint
    finally:
        endpoint.stop()


def _local_queues(endpoint: AwsEndpoint) -> tuple[Any, Queues]:
    sqs = endpoint.client("sqs")
    suffix = uuid.uuid4().hex[:8]
    return sqs, Queues(
        sqs.create_queue(QueueName=f"redrive-dlq-{suffix}")["QueueUrl"],
        sqs.create_queue(QueueName=f"redrive-queue-{suffix}")["QueueUrl"],
    )


def _dead_letters(sqs: Any, queues: Queues, count: int) -> list[tuple[str, dict[str, Any]]]:
    """`count` messages in the DLQ as the processor leaves them: body and attributes."""
    sent = []
    for number in range(count):
        body = json.dumps({"orderId": f"order-{number}"})
        attributes = {
            contract.RECEIVED_AT_ATTRIBUTE: {"DataType": "String", "StringValue": "1767225600000"},
            contract.REJECTION_REASON_ATTRIBUTE: {
                "DataType": "String",
                "StringValue": "SCHEMA_VIOLATION",
            },
        }
        sqs.send_message(
            QueueUrl=queues.dead_letter_queue_url, MessageBody=body, MessageAttributes=attributes
        )
        sent.append((body, attributes))
    return sent


def test_on_the_local_run_the_messages_are_moved_with_their_attributes(
    local_aws: AwsEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, queues = _local_queues(local_aws)
    sent = _dead_letters(sqs, queues, count=13)  # more than one batch

    exit_code = redrive.main(
        [
            "--dlq-url",
            queues.dead_letter_queue_url,
            "--queue-url",
            queues.queue_url,
            "--endpoint-url",
            local_aws.url,
        ]
    )

    captured = capsys.readouterr()
    assert exit_code == 0, captured.err
    assert f"moved 13 message(s) to {queues.queue_url}" in captured.out
    moved = take_messages(sqs, queues.queue_url)
    assert sorted(
        (
            message["Body"],
            {
                name: {"DataType": value["DataType"], "StringValue": value["StringValue"]}
                for name, value in message["MessageAttributes"].items()
            },
        )
        for message in moved
    ) == sorted(sent, key=lambda pair: pair[0])
    assert take_messages(sqs, queues.dead_letter_queue_url) == []


def test_on_the_local_run_a_send_that_fails_loses_nothing(
    local_aws: AwsEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, queues = _local_queues(local_aws)
    sent = _dead_letters(sqs, queues, count=3)
    nowhere = f"{queues.queue_url}-deleted"

    exit_code = redrive.main(
        [
            "--dlq-url",
            queues.dead_letter_queue_url,
            "--queue-url",
            nowhere,
            "--endpoint-url",
            local_aws.url,
        ]
    )

    assert exit_code == 2
    assert "no such queue in eu-west-1" in the_one_line(capsys.readouterr().err, "redrive")
    # Handed back at once, not after the hold: all three are there to be received.
    kept = take_messages(sqs, queues.dead_letter_queue_url)
    assert sorted(message["Body"] for message in kept) == sorted(body for body, _ in sent)


def test_on_the_local_run_without_credentials_it_says_to_set_them(
    local_aws: AwsEndpoint,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, queues = _local_queues(local_aws)
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    for variable in ("AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ROLE_ARN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    exit_code = redrive.main(
        [
            "--dlq-url",
            queues.dead_letter_queue_url,
            "--queue-url",
            queues.queue_url,
            "--endpoint-url",
            local_aws.url,
        ]
    )

    assert exit_code == 2
    assert "no AWS credentials found" in the_one_line(capsys.readouterr().err, "redrive")
