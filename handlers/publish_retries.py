"""Which events a stream batch publishes in which PublishBatch call, and when refused ones are
tried again. Pure: the call, the clock, the sleep and the jitter are passed in.

SNS may take some entries of a PublishBatch call and refuse others (its `Failed` list,
https://docs.aws.amazon.com/sns/latest/api/API_BatchResultErrorEntry.html). Only the refused
ones are tried again, in rounds, with capped exponential backoff and full jitter between rounds
(https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/), while the
invocation has time for it. Powertools has no retry utility (its batch utility reports failed
records and leaves retrying to the event source), hence this module.

Order per order: an event is sent only once every earlier event of its order is out, so a call
carries at most one event per order (SNS may take the later entry of a call and refuse the
earlier one) and an order whose event was refused sends nothing more until that event is out.
Events of other orders go on meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from typing import Protocol, TypeVar

# SNS takes at most ten entries per PublishBatch call.
MAX_ENTRIES_PER_CALL = 10


class Announceable(Protocol):
    @property
    def order_id(self) -> str: ...


Event = TypeVar("Event", bound=Announceable)


@dataclass(frozen=True)
class CallOutcome:
    refused: frozenset[int]
    """Batch positions of the call's entries SNS did not take."""
    call_failed: bool = False
    """The call itself failed (every entry refused): the round stops, SNS is in trouble."""


@dataclass(frozen=True)
class RetryPolicy:
    max_rounds: int = 4
    """The first round and up to three retries of what it left."""
    base_delay_seconds: float = 0.1
    max_delay_seconds: float = 2.0
    safety_margin_millis: int = 3_000
    """Left to the invocation after the last wait: one more call and the report."""

    def delay(self, retry: int, jitter: float) -> float:
        """Full jitter: anywhere up to the capped exponential delay; `jitter` is in [0, 1)."""
        return jitter * min(self.max_delay_seconds, self.base_delay_seconds * 2.0**retry)


@dataclass(frozen=True)
class Announcement:
    unannounced: tuple[int, ...]
    """Batch positions of events still not out, in stream order."""
    rounds: int
    calls: int


def next_call(
    waiting: Sequence[tuple[int, Event]], held: Set[str], max_entries: int
) -> list[tuple[int, Event]]:
    """The next call's entries, in stream order: each order's earliest waiting event, unless
    the order is held (an event of it was refused this round)."""
    call: list[tuple[int, Event]] = []
    behind: set[str] = set(held)
    for entry in waiting:
        order_id = entry[1].order_id
        if order_id not in behind:
            call.append(entry)
            if len(call) == max_entries:
                break
        behind.add(order_id)
    return call


def publish_round(
    waiting: Sequence[tuple[int, Event]],
    publish: Callable[[Sequence[tuple[int, Event]]], CallOutcome],
    max_entries: int = MAX_ENTRIES_PER_CALL,
) -> tuple[list[tuple[int, Event]], int]:
    """Send what can go out now; what is still waiting afterwards, and the calls made."""
    remaining = list(waiting)
    held: set[str] = set()
    calls = 0
    while call := next_call(remaining, held, max_entries):
        outcome = publish(call)
        calls += 1
        sent = {position for position, _ in call} - outcome.refused
        remaining = [entry for entry in remaining if entry[0] not in sent]
        held |= {event.order_id for position, event in call if position in outcome.refused}
        if outcome.call_failed:
            break
    return remaining, calls


def announce(
    events: Sequence[tuple[int, Event]],
    publish: Callable[[Sequence[tuple[int, Event]]], CallOutcome],
    *,
    policy: RetryPolicy,
    remaining_millis: Callable[[], int],
    sleep: Callable[[float], None],
    jitter: Callable[[], float],
) -> Announcement:
    """Publish `events` (each with its record's batch position, in stream order) in rounds
    until all are out, the rounds are used up, or the next wait would leave the invocation
    less than its safety margin."""
    waiting = list(events)
    rounds = calls = 0
    while waiting:
        waiting, made = publish_round(waiting, publish)
        rounds += 1
        calls += made
        if not waiting or rounds == policy.max_rounds:
            break
        delay = policy.delay(rounds - 1, jitter())
        if remaining_millis() - delay * 1000 < policy.safety_margin_millis:
            break
        sleep(delay)
    return Announcement(tuple(position for position, _ in waiting), rounds, calls)
