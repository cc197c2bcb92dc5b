"""Redrive the order DLQ: list its messages by rejection reason, then move them back.

    python -m tools.ops.redrive --stack prod [--dry-run]
    python -m tools.ops.redrive --dlq-url URL --queue-url URL --endpoint-url http://localhost:5000

The move is an SQS message move task (StartMessageMoveTask): SQS itself moves every
message, at its own pace, and the task can be watched or cancelled in the console.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from tools.ops.dead_letters import DeadLetterReport, inspect_dead_letters
from tools.ops.stack_outputs import read_stack_outputs

# The program's exports (see __main__.py) that locate the two queues.
QUEUE_URL_OUTPUT = "queueUrl"
DEAD_LETTER_QUEUE_URL_OUTPUT = "deadLetterQueueUrl"

REGIONAL_SQS_HOST = re.compile(r"^https://sqs\.([a-z0-9-]+)\.amazonaws\.com/")


class RedriveRefused(RuntimeError):
    """Starting the move would not do what the operator asked."""


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


def redrive(sqs: Any, queues: Queues, dry_run: bool, limit: int) -> list[str]:
    """The report lines; starts the move task unless `dry_run`."""
    report = inspect_dead_letters(sqs, queues.dead_letter_queue_url, limit=limit)
    lines = [report.render(), *warnings_for(report)]
    if report.approximate_count == 0 and not report.messages:
        return [*lines, "nothing to redrive"]
    if dry_run:
        return [*lines, f"dry run: would move every message to {queues.queue_url}"]
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
        return Queues(outputs[DEAD_LETTER_QUEUE_URL_OUTPUT], outputs[QUEUE_URL_OUTPUT])
    if not (args.dlq_url and args.queue_url):
        raise SystemExit("give --stack, or both --dlq-url and --queue-url")
    return Queues(args.dlq_url, args.queue_url)


def main(argv: list[str] | None = None, sqs: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", help="read the queue URLs from this stack's outputs")
    parser.add_argument("--dlq-url", help="the dead-letter queue's URL")
    parser.add_argument("--queue-url", help="the main queue's URL (where messages go back)")
    parser.add_argument("--endpoint-url", help="another SQS endpoint, e.g. the local run's")
    parser.add_argument("--dry-run", action="store_true", help="list only; move nothing")
    parser.add_argument("--limit", type=int, default=1000, help="most messages to list")
    args = parser.parse_args(argv)
    queues = _queues(args)
    if sqs is None:
        sqs = boto3.client(
            "sqs",
            region_name=_region_of(queues.dead_letter_queue_url),
            endpoint_url=args.endpoint_url,
        )
    try:
        lines = redrive(sqs, queues, dry_run=args.dry_run, limit=args.limit)
    except RedriveRefused as refusal:
        print(f"not started: {refusal}", file=sys.stderr)
        return 2
    except ClientError as error:
        # Typically missing permissions, or an endpoint without message move tasks (moto).
        print(f"failed: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
