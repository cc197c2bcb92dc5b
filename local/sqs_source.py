"""An SQS event source mapping, played locally: poll the queue, invoke, delete what succeeded.

As Lambda does: up to `batchSize` messages per invocation, gathered for up to the batching
window; with `ReportBatchItemFailures` only the reported messages stay on the queue, a
function error leaves them all. What stays becomes visible again after the visibility
timeout and counts a receive each time, so the queue's own redrive policy (moto's) moves
it to the dead-letter queue after `maxReceiveCount` receives.

The one local difference: messages are received with a visibility timeout of seconds
(`LocalOptions.visibility_timeout_for`) instead of the queue's, so a retry comes within
seconds, not minutes. The queue itself keeps the program's setting.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from local.activity import SourceActivity
from local.batch_responses import failed_sqs_records
from local.blueprint import EventSourceMappingSpec
from local.functions import FunctionPool, InvocationError
from offline.lambda_events import sqs_event

# One ReceiveMessage returns at most ten messages.
MAX_MESSAGES_PER_RECEIVE = 10
# Long poll: short enough that stopping takes at most this long.
RECEIVE_WAIT_SECONDS = 1
# A mapping without `scalingConfig` runs this many concurrent pollers locally; it is
# Lambda's lowest `maximumConcurrency`.
DEFAULT_CONCURRENCY = 2
# Every function runs in this one Python process: beyond a few concurrent invocations they
# only queue for the interpreter lock, and held messages would outlive their visibility.
MAX_LOCAL_CONCURRENCY = 4


class SqsEventSource:
    def __init__(
        self,
        mapping: EventSourceMappingSpec,
        *,
        queue_url: str,
        queue_arn: str,
        region: str,
        function: FunctionPool,
        sqs: Any,
        visibility_timeout_seconds: int,
    ) -> None:
        self.mapping = mapping
        self.queue_url = queue_url
        self._queue_arn = queue_arn
        self._region = region
        self._function = function
        self._sqs = sqs
        self._visibility_timeout = visibility_timeout_seconds
        self.activity = SourceActivity()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._busy = 0
        concurrency = min(mapping.max_concurrency or DEFAULT_CONCURRENCY, MAX_LOCAL_CONCURRENCY)
        self._threads = [
            threading.Thread(target=self._poll, name=f"local-sqs-{mapping.name}-{index}")
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

    def _receive(self, count: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(count, MAX_MESSAGES_PER_RECEIVE),
            WaitTimeSeconds=RECEIVE_WAIT_SECONDS,
            VisibilityTimeout=self._visibility_timeout,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    def _gather(self) -> list[dict[str, Any]]:
        """Up to a batch, for up to the batching window from the first message."""
        batch: list[dict[str, Any]] = []
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

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                batch = self._gather()
            except Exception as error:  # an event source outlives a failed poll
                self._record_poll_error(error)
                continue
            if batch:
                with self._lock:
                    self._busy += 1
                try:
                    self._deliver(batch)
                except Exception as error:
                    self._record_poll_error(error)
                finally:
                    with self._lock:
                        self._busy -= 1

    def _record_poll_error(self, error: Exception) -> None:
        with self._lock:
            self.activity.poll_errors += 1
            self.activity.last_poll_error = repr(error)
        self._stop.wait(RECEIVE_WAIT_SECONDS)

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        if self._stop.is_set():
            return  # not invoked: the messages come back after their visibility timeout
        event = sqs_event(batch, self._queue_arn, self._region)
        ids = [message["MessageId"] for message in batch]
        try:
            response = self._function.invoke(event)
            failed = failed_sqs_records(ids, response, self.mapping.reports_batch_item_failures)
            errored = False
        except InvocationError:
            failed, errored = set(ids), True
        done = [message for message in batch if message["MessageId"] not in failed]
        for start in range(0, len(done), MAX_MESSAGES_PER_RECEIVE):
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(done[start : start + MAX_MESSAGES_PER_RECEIVE])
                ],
            )
        with self._lock:
            self.activity.add_batch(len(batch), len(done), errored)
