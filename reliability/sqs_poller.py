"""Lambda's SQS event source, played one poll at a time so a scenario is deterministic.

As Lambda does: receive up to the mapping's batch size, invoke, delete only the records
that succeeded (all of them unless `batchItemFailures` names some; none after a function
error). What is not deleted comes back once its visibility timeout has passed, counting a
receive each time, so the queue's own redrive policy moves it to the dead-letter queue
after `maxReceiveCount` receives. The one liberty: instead of waiting out the visibility
timeout, a failed message's timeout is cut to zero, which is when it would come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local.batch_responses import failed_sqs_records
from local.blueprint import EventSourceMappingSpec
from local.functions import InvocationError
from offline.lambda_events import sqs_event
from reliability.functions import LambdaFunction

# One ReceiveMessage (and one DeleteMessageBatch) handles at most ten messages.
MAX_MESSAGES_PER_CALL = 10
# A queue that still has messages after this many polls is stuck: a bug, not a backlog.
MAX_POLLS = 10_000


@dataclass
class SqsPoller:
    sqs: Any
    queue_url: str
    queue_arn: str
    region: str
    mapping: EventSourceMappingSpec
    function: LambdaFunction
    polls: int = 0
    records_failed: int = 0

    def receive(self) -> list[dict[str, Any]]:
        """Up to a batch of visible messages, received as the poller receives them."""
        batch: list[dict[str, Any]] = []
        while len(batch) < self.mapping.batch_size:
            messages: list[dict[str, Any]] = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(
                    MAX_MESSAGES_PER_CALL, self.mapping.batch_size - len(batch)
                ),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                break
            batch.extend(messages)
        return batch

    def invoke(self, batch: list[dict[str, Any]]) -> set[str]:
        """One invocation for `batch`; the ids of the records it did not settle."""
        ids = [message["MessageId"] for message in batch]
        try:
            response = self.function.invoke(sqs_event(batch, self.queue_arn, self.region))
        except InvocationError:
            return set(ids)
        return failed_sqs_records(ids, response, self.mapping.reports_batch_item_failures)

    def settle(self, batch: list[dict[str, Any]], failed: set[str]) -> None:
        """Delete what succeeded; let the rest come back (its visibility timeout passes)."""
        done = [message for message in batch if message["MessageId"] not in failed]
        retried = [message for message in batch if message["MessageId"] in failed]
        self.records_failed += len(retried)
        for messages, call in ((done, self._delete), (retried, self.expire)):
            for start in range(0, len(messages), MAX_MESSAGES_PER_CALL):
                call(messages[start : start + MAX_MESSAGES_PER_CALL])

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        self.sqs.delete_message_batch(
            QueueUrl=self.queue_url,
            Entries=[
                {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                for index, message in enumerate(messages)
            ],
        )

    def expire(self, messages: list[dict[str, Any]]) -> None:
        """The messages' visibility timeout runs out now: they can be received again."""
        self.sqs.change_message_visibility_batch(
            QueueUrl=self.queue_url,
            Entries=[
                {
                    "Id": str(index),
                    "ReceiptHandle": message["ReceiptHandle"],
                    "VisibilityTimeout": 0,
                }
                for index, message in enumerate(messages)
            ],
        )

    def poll(self) -> bool:
        """One receive-invoke-settle round; False when the queue had nothing to deliver."""
        batch = self.receive()
        if not batch:
            return False
        self.polls += 1
        self.settle(batch, self.invoke(batch))
        return True

    def drain(self) -> None:
        """Poll until the queue is empty: every message settled or redriven."""
        for _ in range(MAX_POLLS):
            if not self.poll():
                return
        raise RuntimeError(f"{self.queue_url} still delivers after {MAX_POLLS} polls")
