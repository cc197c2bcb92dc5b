"""What an event source has done so far: the local run's progress and idle checks read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SourceActivity:
    """What an event source has done so far."""

    invocations: int = 0
    records: int = 0
    largest_batch: int = 0
    retried: int = 0
    """Records left for another attempt (failed or part of a failed invocation)."""
    function_errors: int = 0
    discarded: int = 0
    """Records given up on and sent to the on-failure destination (streams only)."""
    poll_errors: int = 0
    """AWS calls of the event source itself that failed (it keeps polling)."""
    last_poll_error: str | None = None

    def add_batch(self, size: int, succeeded: int, errored: bool) -> None:
        self.invocations += 1
        self.records += size
        self.largest_batch = max(self.largest_batch, size)
        self.retried += size - succeeded
        self.function_errors += int(errored)

    def add_poll_error(self, error: Exception) -> None:
        self.poll_errors += 1
        self.last_poll_error = repr(error)
