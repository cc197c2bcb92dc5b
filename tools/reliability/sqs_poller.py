"""Lambda's SQS event source for the fault scenarios: the local run's own
(`tools.local_run.sqs_source.SqsEventSource`), polled on the caller's thread so that a scenario is
deterministic.

Batches, invocations, `batchItemFailures` and deletes are the local run's; the scenarios
also drive its steps (`receive`, `invoke`, `settle`, `expire`) to lose a delete or hand one
batch to two sandboxes. Received messages keep the queue's own visibility timeout. Two
liberties: a receive does not wait for messages, so a drain ends as soon as the queue is
empty, and a failed message is made visible at once instead of when its visibility timeout
runs out, since that changes when a retry happens, not what it does.
"""

from __future__ import annotations

from tools.local_run.sqs_source import SqsEventSource

RECEIVE_WAIT_SECONDS = 0
# A queue that still has messages after this many polls is stuck: a bug, not a backlog.
MAX_POLLS = 10_000


class SqsPoller(SqsEventSource):
    """Never started: `drain` polls on the caller's thread."""

    @property
    def records_failed(self) -> int:
        """Records an invocation left for another attempt, so far."""
        return self.activity.retried

    def drain(self) -> None:
        """Poll until the queue is empty: every message settled or redriven."""
        for _ in range(MAX_POLLS):
            if not self.poll():
                return
        raise RuntimeError(f"{self.queue_url} still delivers after {MAX_POLLS} polls")
