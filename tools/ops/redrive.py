"""Redrive the order DLQ: list its messages by rejection reason, then move them back.

    python -m tools.ops.redrive --stack prod [--dry-run]
    python -m tools.ops.redrive --stack prod --dry-run --request-id ID
    python -m tools.ops.redrive --dlq-url URL --queue-url URL --endpoint-url http://127.0.0.1:5000

On AWS the move is an SQS message move task (StartMessageMoveTask): SQS itself moves every
message, at its own pace, and the task can be watched or cancelled in the console. An
`--endpoint-url` outside amazonaws.com (the local run's moto) has no move tasks: there this
command moves the messages itself (`move_messages`).

Bad input or set-up (no queues named, no region, no credentials, no Pulumi CLI, no such
queue) is one line on stderr and exit 2; AWS refusing the move, exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from tools.command_line import OperationFailed, UsageError, entry_point
from tools.ops.dead_letters import SQS_BATCH_LIMIT, DeadLetterReport, inspect_dead_letters, release
from tools.ops.stack_outputs import read_stack_outputs

# The program's exports (see __main__.py) that locate the two queues.
QUEUE_URL_OUTPUT = "queueUrl"
DEAD_LETTER_QUEUE_URL_OUTPUT = "deadLetterQueueUrl"

REGIONAL_SQS_HOST = re.compile(r"^https://sqs\.([a-z0-9-]+)\.amazonaws\.com/")
# AWS's own SQS endpoints (regional, FIPS, VPC endpoints, China) run message move tasks.
AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")
# What SQS answers for a queue URL it does not know (query and JSON protocols).
NO_SUCH_QUEUE = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
# The fields SendMessage takes for a message attribute; ReceiveMessage may add empty lists.
SENT_ATTRIBUTE_FIELDS = ("DataType", "StringValue", "BinaryValue")


class RedriveRefused(RuntimeError):
    """Starting the move would not do what the operator asked."""


class MoveFailed(OperationFailed):
    """The queue refused copies, or the DLQ kept originals, part way through a move by hand."""


@dataclass(frozen=True)
class Queues:
    dead_letter_queue_url: str
    queue_url: str


def queue_arn(sqs: Any, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def start_redrive(sqs: Any, queues: Queues) -> str:
    """Start moving every DLQ message to the main queue; returns the task handle.

    The destination is explicit: without one SQS sends each message back to the queue it
    was dead-lettered from, and the processor's own rejections were never in one.
    """
    source = queue_arn(sqs, queues.dead_letter_queue_url)
    tasks = sqs.list_message_move_tasks(SourceArn=source, MaxResults=10)["Results"]
    running = [task for task in tasks if task.get("Status") == "RUNNING"]
    if running:
        moved = running[0].get("ApproximateNumberOfMessagesMoved", 0)
        raise RedriveRefused(
            f"a move task is already running for {source} ({moved} moved so far); "
            "wait for it or cancel it (aws sqs cancel-message-move-task)"
        )
    destination = queue_arn(sqs, queues.queue_url)
    started = sqs.start_message_move_task(SourceArn=source, DestinationArn=destination)
    return str(started["TaskHandle"])


def has_move_tasks(endpoint_url: str | None) -> bool:
    """Whether the SQS at `endpoint_url` runs message move tasks: AWS's does (no
    `--endpoint-url`, or one under amazonaws.com); any other endpoint is taken not to.

    Decided from the endpoint the operator named, not from the error a call gets: the local
    run's moto answers ListMessageMoveTasks with an HTML 500 page (after botocore's
    retries), which says nothing a passing server error would not.
    """
    if endpoint_url is None:
        return True
    host = urlsplit(endpoint_url).hostname or ""
    return host.endswith(AWS_HOST_SUFFIXES)


def _copy(entry_id: str, message: dict[str, Any]) -> dict[str, Any]:
    """A SendMessageBatch entry with `message`'s body and message attributes."""
    attributes = {
        name: {field: value[field] for field in SENT_ATTRIBUTE_FIELDS if field in value}
        for name, value in message.get("MessageAttributes", {}).items()
    }
    entry = {"Id": entry_id, "MessageBody": message["Body"]}
    return {**entry, "MessageAttributes": attributes} if attributes else entry


def move_messages(sqs: Any, queues: Queues, most: int, hold_seconds: int = 60) -> int:
    """Move up to `most` messages from the DLQ to the queue, a batch at a time, by receiving,
    sending and deleting them; returns how many moved.

    This path exists for SQS endpoints without message move tasks (`has_move_tasks`): the
    local run's moto implements neither StartMessageMoveTask nor ListMessageMoveTasks, and
    a user of the local run expects `make redrive` to work there. Each message is held
    (`hold_seconds`) while its copy is sent with the same body and message attributes (the
    processor reads its `receivedAt` attribute), and deleted from the DLQ only once the
    queue accepted the copy: a failure anywhere leaves it in the DLQ, or at worst in both
    queues (the processor stores an order once, a conditional write), never in neither.
    `most` is what the DLQ held when the move began, so what the processor dead-letters
    again meanwhile is not sent round in a circle.
    """
    moved = 0
    while moved < most:
        received = sqs.receive_message(
            QueueUrl=queues.dead_letter_queue_url,
            MaxNumberOfMessages=min(SQS_BATCH_LIMIT, most - moved),
            VisibilityTimeout=hold_seconds,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            break
        try:
            sent = sqs.send_message_batch(
                QueueUrl=queues.queue_url,
                Entries=[_copy(str(index), message) for index, message in enumerate(received)],
            )
        except (ClientError, BotoCoreError):
            # Nothing was copied: hand the batch back now (it would return after the hold).
            with contextlib.suppress(ClientError, BotoCoreError, RuntimeError):
                release(sqs, queues.dead_letter_queue_url, [m["ReceiptHandle"] for m in received])
            raise
        accepted = {entry["Id"] for entry in sent.get("Successful", [])}
        copied = [m for index, m in enumerate(received) if str(index) in accepted]
        refused = [m for index, m in enumerate(received) if str(index) not in accepted]
        _delete(sqs, queues.dead_letter_queue_url, copied, moved)
        moved += len(copied)
        if refused:
            release(sqs, queues.dead_letter_queue_url, [m["ReceiptHandle"] for m in refused])
            failed = sent.get("Failed", [])
            reasons = sorted({str(f.get("Message") or f.get("Code")) for f in failed})
            raise MoveFailed(
                f"{moved} message(s) moved, then the queue refused {len(refused)} "
                f"({'; '.join(reasons) or 'no reason given'}); they stay in the DLQ"
            )
    return moved


def _delete(sqs: Any, queue_url: str, messages: list[dict[str, Any]], moved: int) -> None:
    """Delete the originals of `messages`, whose copies the queue has accepted."""
    if not messages:
        return
    copied = f"{moved + len(messages)} message(s) copied to the queue, but"
    try:
        response = sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(messages)
            ],
        )
    except (ClientError, BotoCoreError) as error:
        raise MoveFailed(
            f"{copied} the last {len(messages)} could not be deleted from the DLQ ({error}); "
            "those are in both queues now"
        ) from None
    if response.get("Failed"):
        raise MoveFailed(
            f"{copied} {len(response['Failed'])} of them could not be deleted from the DLQ "
            f"({response['Failed'][0].get('Message', '')}); those are in both queues now"
        )


def warnings_for(report: DeadLetterReport) -> list[str]:
    rejected = [message for message in report.messages if message.is_permanent_rejection]
    if not rejected:
        return []
    reasons = sorted({message.reason for message in rejected})
    return [
        f"{len(rejected)} message(s) were rejected permanently ({', '.join(reasons)}); "
        "unless their cause has been fixed, the processor rejects them again and they "
        "come back here with the same reason"
    ]


def find_submission(sqs: Any, queues: Queues, request_id: str, limit: int) -> list[str]:
    """The report lines for the DLQ messages of one API request: every one of them, where the
    listing shows a few per reason."""
    report = inspect_dead_letters(sqs, queues.dead_letter_queue_url, limit=limit)
    found = report.submitted_by(request_id)
    if not found.messages:
        return [report.render(), f"no message of request {request_id} among those inspected"]
    return [found.render(examples_per_reason=len(found.messages)), *warnings_for(found)]


def redrive(
    sqs: Any, queues: Queues, dry_run: bool, limit: int, move_tasks: bool = True
) -> list[str]:
    """The report lines; unless `dry_run`, starts the move task, or with `move_tasks` False
    (an endpoint without them) moves the messages itself."""
    report = inspect_dead_letters(sqs, queues.dead_letter_queue_url, limit=limit)
    lines = [report.render(), *warnings_for(report)]
    if report.approximate_count == 0 and not report.messages:
        return [*lines, "nothing to redrive"]
    if dry_run:
        return [*lines, f"dry run: would move every message to {queues.queue_url}"]
    if not move_tasks:
        moved = move_messages(sqs, queues, most=max(report.approximate_count, len(report.messages)))
        return [
            *lines,
            f"moved {moved} message(s) to {queues.queue_url} (received, sent, then deleted: "
            "this endpoint has no SQS message move tasks)",
        ]
    handle = start_redrive(sqs, queues)
    return [
        *lines,
        f"move task started towards {queues.queue_url}",
        f"task handle: {handle}",
        "follow it: aws sqs list-message-move-tasks --source-arn <DLQ ARN>",
    ]


def _region_of(queue_url: str) -> str | None:
    match = REGIONAL_SQS_HOST.match(queue_url)
    return match.group(1) if match else None


def _queues(args: argparse.Namespace) -> Queues:
    if args.stack:
        outputs = read_stack_outputs(args.stack)
        names = (DEAD_LETTER_QUEUE_URL_OUTPUT, QUEUE_URL_OUTPUT)
        missing = [name for name in names if not isinstance(outputs.get(name), str)]
        if missing:
            raise UsageError(
                f"stack {args.stack} has no output {' or '.join(missing)} "
                f"(it has: {', '.join(sorted(outputs)) or 'none'}); is it deployed, "
                "from this program?"
            )
        return Queues(outputs[DEAD_LETTER_QUEUE_URL_OUTPUT], outputs[QUEUE_URL_OUTPUT])
    if not (args.dlq_url and args.queue_url):
        raise UsageError(
            "give --stack (make redrive STACK=prod), or both --dlq-url and --queue-url"
        )
    return Queues(args.dlq_url, args.queue_url)


def _client(queues: Queues, endpoint_url: str | None) -> Any:
    """An SQS client in the DLQ's region: named by its URL on AWS, else by the environment
    (AWS_DEFAULT_REGION, the profile); none is a usage error, not botocore's traceback."""
    try:
        session = boto3.session.Session()
        region = _region_of(queues.dead_letter_queue_url) or session.region_name
        if not region:
            raise UsageError(
                "no AWS region: the queue URLs do not name one; set AWS_DEFAULT_REGION "
                "(for the local run, its stack's aws:region)"
            )
        return session.client("sqs", region_name=region, endpoint_url=endpoint_url)
    except BotoCoreError as error:  # a profile that does not exist
        raise UsageError(str(error)) from None
    except ValueError as error:  # an --endpoint-url without its scheme: `Invalid endpoint: ...`
        raise UsageError(f"{error} (give it as http://host:port)") from None


@entry_point("redrive")
def main(argv: list[str] | None = None, sqs: Any = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.ops.redrive", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--stack", help="read the queue URLs from this stack's outputs")
    parser.add_argument("--dlq-url", help="the dead-letter queue's URL")
    parser.add_argument("--queue-url", help="the main queue's URL (where messages go back)")
    parser.add_argument("--endpoint-url", help="another SQS endpoint, e.g. the local run's")
    parser.add_argument("--dry-run", action="store_true", help="list only; move nothing")
    parser.add_argument("--limit", type=int, default=1000, help="most messages to list")
    parser.add_argument(
        "--request-id", help="with --dry-run: list only the messages of this API request"
    )
    args = parser.parse_args(argv)
    if args.request_id is not None and not args.dry_run:
        # A move takes the whole DLQ: narrowing the listing must not look like narrowing it.
        raise UsageError("--request-id only narrows a listing: give it with --dry-run")
    queues = _queues(args)
    if sqs is None:
        sqs = _client(queues, args.endpoint_url)
    try:
        lines = (
            find_submission(sqs, queues, args.request_id, limit=args.limit)
            if args.request_id is not None
            else redrive(
                sqs,
                queues,
                dry_run=args.dry_run,
                limit=args.limit,
                move_tasks=has_move_tasks(args.endpoint_url),
            )
        )
    except RedriveRefused as refusal:
        raise UsageError(f"not started: {refusal}") from None
    except NoCredentialsError:
        raise UsageError(
            "no AWS credentials found (aws configure, AWS_PROFILE); for the local run set "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to anything"
        ) from None
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in NO_SUCH_QUEUE:
            raise UsageError(
                f"no such queue in {sqs.meta.region_name}: check the queue URLs "
                "(or the stack) and the region"
            ) from None
        # Typically missing permissions.
        raise OperationFailed(f"failed: {error}") from None
    except BotoCoreError as error:  # e.g. nothing listening at --endpoint-url
        raise OperationFailed(f"failed: {error}") from None
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
