"""What sits in a dead-letter queue, grouped by why it is there, read without consuming it.

SQS has no "peek": reading a message hides it for its visibility timeout. The listing holds
each message it receives (so the next receive returns new ones, not the same ten again),
then hands every one back at once with a visibility timeout of 0. Should the process die
first, the messages come back anyway when the hold expires. Receiving raises a message's
ApproximateReceiveCount, which is harmless here: a DLQ has no redrive policy of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from handlers import contract

# The processor dead-letters permanent rejections itself, with a reason; SQS moves the rest
# after maxReceiveCount failed receives, with no attributes of ours.
RETRIES_EXHAUSTED = "retries exhausted"
# Shown for a message sent before the API gave every message its request id.
NO_REQUEST_ID = "-"

SQS_BATCH_LIMIT = 10


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    request_id: str
    """API Gateway's id of the request that submitted it: the one a customer quotes."""
    reason: str
    detail: str
    sent_at: str
    receive_count: int

    @property
    def is_permanent_rejection(self) -> bool:
        """Processing it again gives the same answer unless its cause has been fixed."""
        return self.reason != RETRIES_EXHAUSTED


@dataclass(frozen=True)
class DeadLetterReport:
    queue_url: str
    approximate_count: int
    messages: tuple[DeadLetter, ...]

    def by_reason(self) -> dict[str, list[DeadLetter]]:
        groups: dict[str, list[DeadLetter]] = defaultdict(list)
        for message in self.messages:
            groups[message.reason].append(message)
        return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))

    def submitted_by(self, request_id: str) -> DeadLetterReport:
        """The same report, narrowed to the messages of one API request."""
        found = tuple(message for message in self.messages if message.request_id == request_id)
        return DeadLetterReport(self.queue_url, self.approximate_count, found)

    def render(self, examples_per_reason: int = 3) -> str:
        lines = [
            f"{self.queue_url}: about {self.approximate_count} message(s), "
            f"{len(self.messages)} inspected"
        ]
        for reason, messages in self.by_reason().items():
            lines.append(f"  {reason}: {len(messages)}")
            lines.extend(
                f"    {message.message_id} request {message.request_id} sent {message.sent_at}"
                + (f": {message.detail}" if message.detail else "")
                for message in messages[:examples_per_reason]
            )
        return "\n".join(lines)


def _string_attribute(message: dict[str, Any], name: str) -> str:
    attribute = message.get("MessageAttributes", {}).get(name, {})
    return str(attribute.get("StringValue", ""))


def _dead_letter(message: dict[str, Any]) -> DeadLetter:
    system = message.get("Attributes", {})
    sent_millis = int(system.get("SentTimestamp", "0"))
    return DeadLetter(
        message_id=message["MessageId"],
        request_id=_string_attribute(message, contract.REQUEST_ID_ATTRIBUTE) or NO_REQUEST_ID,
        reason=_string_attribute(message, contract.REJECTION_REASON_ATTRIBUTE) or RETRIES_EXHAUSTED,
        detail=_string_attribute(message, contract.REJECTION_DETAIL_ATTRIBUTE),
        sent_at=datetime.fromtimestamp(sent_millis / 1000, tz=UTC).isoformat(timespec="seconds"),
        receive_count=int(system.get("ApproximateReceiveCount", "0")),
    )


def inspect_dead_letters(
    sqs: Any, queue_url: str, limit: int = 1000, hold_seconds: int = 60, wait_seconds: int = 1
) -> DeadLetterReport:
    """Read up to `limit` messages of `queue_url` and put every one of them back.

    `hold_seconds` must outlast the listing, or a message shows up twice (and is counted
    once); `wait_seconds` long-polls, so an empty answer means the queue has no more.
    """
    approximate = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    seen: dict[str, DeadLetter] = {}
    # Only a message's latest receipt handle can change its visibility.
    held: dict[str, str] = {}
    try:
        while len(seen) < limit:
            received = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(SQS_BATCH_LIMIT, limit - len(seen)),
                VisibilityTimeout=hold_seconds,
                WaitTimeSeconds=wait_seconds,
                MessageAttributeNames=[
                    contract.REQUEST_ID_ATTRIBUTE,
                    contract.REJECTION_REASON_ATTRIBUTE,
                    contract.REJECTION_DETAIL_ATTRIBUTE,
                ],
                MessageSystemAttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
            ).get("Messages", [])
            if not received:
                break
            for message in received:
                held[message["MessageId"]] = message["ReceiptHandle"]
                seen.setdefault(message["MessageId"], _dead_letter(message))
    finally:
        release(sqs, queue_url, list(held.values()))
    return DeadLetterReport(queue_url, int(approximate), tuple(seen.values()))


def release(sqs: Any, queue_url: str, receipt_handles: list[str]) -> None:
    """Make held messages visible again at once."""
    for start in range(0, len(receipt_handles), SQS_BATCH_LIMIT):
        chunk = receipt_handles[start : start + SQS_BATCH_LIMIT]
        response = sqs.change_message_visibility_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, handle in enumerate(chunk)
            ],
        )
        if response.get("Failed"):
            raise RuntimeError(
                f"could not hand back {len(response['Failed'])} message(s); they return by "
                f"themselves when the hold expires: {response['Failed']}"
            )
