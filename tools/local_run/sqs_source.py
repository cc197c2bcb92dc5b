"""An SQS event source mapping, played locally: poll the queue, invoke, delete what succeeded.

As Lambda does: up to `batchSize` messages per invocation, gathered for up to the batching
window; with `ReportBatchItemFailures` only the reported messages stay on the queue, a
function error leaves them all. What stays becomes visible again after the visibility
timeout and counts a receive each time, so the queue's own redrive policy (moto's) moves
it to the dead-letter queue after `maxReceiveCount` receives.

The one local difference: messages are received with a visibility timeout of seconds
(`LocalOptions.visibility_timeout_for`) instead of the queue's, so a retry comes within
seconds, not minutes. The queue itself keeps the program's setting.

The local run polls on its own threads (`start`); the reliability scenarios call `poll`, or
its steps (`receive`, `invoke`, `settle`, `expire`), themselves, so they exercise exactly
this behaviour.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tools.aws_doubles.lambda_events import sqs_event
from tools.local_run.activity import SourceActivity
from tools.local_run.batch_responses import failed_sqs_records
from tools.local_run.blueprint import EventSourceMappingSpec
from tools.local_run.lambda_runtime import InvocationError
from tools.local_run.stream_source import Function

# One ReceiveMessage (and one DeleteMessageBatch) handles at most ten messages.
MAX_MESSAGES_PER_CALL = 10
# Long poll: short enough that stopping takes at most this long.
RECEIVE_WAIT_SECONDS = 1
# A mapping without `scalingConfig` runs this many concurrent pollers locally; it is
# Lambda's lowest `maximumConcurrency`.
DEFAULT_CONCURRENCY = 2
# Every function runs in this one Python process: beyond a few concurrent invocations they
# only queue for the interpreter lock, and held messages would outlive their visibility.
MAX_LOCAL_CONCURRENCY = 4

Message = dict[str, Any]


class SqsEventSource:
    def __init__(
        self,
        mapping: EventSourceMappingSpec,
        *,
        queue_url: str,
        queue_arn: str,
        region: str,
        function: Function,
        sqs: Any,
        visibility_timeout_seconds: int | None = None,
        receive_wait_seconds: int = RECEIVE_WAIT_SECONDS,
        retry_at_once: bool = False,
    ) -> None:
        """`visibility_timeout_seconds`: how long a received message stays invisible;
        None: the queue's own setting. `receive_wait_seconds`: how long an empty receive
        waits for a message (0: it answers at once). `retry_at_once`: a failed message is
        made visible again right away instead of when its visibility timeout runs out."""
        self.mapping = mapping
        self.queue_url = queue_url
        self._queue_arn = queue_arn
        self._region = region
        self._function = function
        self._sqs = sqs
        self._visibility_timeout = visibility_timeout_seconds
        self._receive_wait_seconds = receive_wait_seconds
        self._retry_at_once = retry_at_once
        self.activity = SourceActivity()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._busy = 0
        concurrency = min(mapping.max_concurrency or DEFAULT_CONCURRENCY, MAX_LOCAL_CONCURRENCY)
        self._threads = [
            threading.Thread(target=self._run, name=f"local-sqs-{mapping.name}-{index}")
            for index in range(concurrency)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()

    @property
    def quiet(self) -> bool:
        """No invocation in progress. A received message stays in `backlog` (in flight)
        until it is deleted, which happens before its invocation counts as finished."""
        with self._lock:
            return self._busy == 0

    def backlog(self) -> int:
        """Messages still on the queue: waiting, in flight or waiting for a retry."""
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def poll(self) -> bool:
        """One round: receive a batch, invoke, settle. False when nothing was received."""
        batch = self.receive()
        if not batch:
            return False
        with self._lock:
            self._busy += 1
        try:
            # Once stopping, not invoked: the messages come back after their visibility.
            if not self._stop.is_set():
                self.settle(batch, self.invoke(batch))
        finally:
            with self._lock:
                self._busy -= 1
        return True

    def receive(self) -> list[Message]:
        """Up to a batch, for up to the batching window from the first message."""
        batch: list[Message] = []
        window = self.mapping.batching_window_seconds
        first_at = 0.0
        while not self._stop.is_set() and len(batch) < self.mapping.batch_size:
            if batch and (window == 0 or time.monotonic() - first_at >= window):
                break
            received = self._receive(self.mapping.batch_size - len(batch))
            if received and not batch:
                first_at = time.monotonic()
            batch.extend(received)
            if not batch:
                break
        return batch

    def invoke(self, batch: list[Message]) -> set[str]:
        """One invocation for `batch`; the ids of the messages it did not settle."""
        ids = [message["MessageId"] for message in batch]
        event = sqs_event(batch, self._queue_arn, self._region)
        try:
            response = self._function.invoke(event)
            failed = failed_sqs_records(ids, response, self.mapping.reports_batch_item_failures)
            errored = False
        except InvocationError:
            failed, errored = set(ids), True
        with self._lock:
            self.activity.add_batch(len(batch), len(batch) - len(failed), errored)
        return failed

    def settle(self, batch: list[Message], failed: set[str]) -> None:
        """Delete what succeeded; what failed comes back when its visibility runs out."""
        done = [message for message in batch if message["MessageId"] not in failed]
        for chunk in _chunks(done):
            self._sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=_receipts(chunk))
        if self._retry_at_once:
            self.expire([message for message in batch if message["MessageId"] in failed])

    def expire(self, messages: list[Message]) -> None:
        """The messages' visibility timeout runs out now: they can be received again."""
        for chunk in _chunks(messages):
            entries = [{**entry, "VisibilityTimeout": 0} for entry in _receipts(chunk)]
            self._sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)

    def _receive(self, count: int) -> list[Message]:
        visibility = (
            {}
            if self._visibility_timeout is None
            else {"VisibilityTimeout": self._visibility_timeout}
        )
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(count, MAX_MESSAGES_PER_CALL),
            WaitTimeSeconds=self._receive_wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
            **visibility,
        )
        messages: list[Message] = response.get("Messages", [])
        return messages

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception as error:  # an event source outlives a failed poll
                with self._lock:
                    self.activity.add_poll_error(error)
                self._stop.wait(RECEIVE_WAIT_SECONDS)


def _chunks(messages: list[Message]) -> list[list[Message]]:
    return [
        messages[start : start + MAX_MESSAGES_PER_CALL]
        for start in range(0, len(messages), MAX_MESSAGES_PER_CALL)
    ]


def _receipts(messages: list[Message]) -> list[dict[str, Any]]:
    return [
        {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
        for index, message in enumerate(messages)
    ]
