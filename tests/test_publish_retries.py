"""Retrying what SNS refused within the invocation, per order in order: pure rules, no AWS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.publish_retries import (
    MAX_ENTRIES_PER_CALL,
    Announcement,
    CallOutcome,
    RetryPolicy,
    announce,
    next_call,
    publish_round,
)


@dataclass(frozen=True)
class Change:
    order_id: str
    version: int


Entries = list[tuple[int, Change]]


def _batch(*changes: tuple[str, int]) -> Entries:
    return [(position, Change(order, version)) for position, (order, version) in enumerate(changes)]


@dataclass
class FakeSns:
    """Takes every entry except those `refuses` says no to, given the attempt number (from 1)
    of that entry; records what went out, in order."""

    refuses: Callable[[Change, int], bool] = lambda _, __: False
    failing_calls: int = 0
    published: list[Change] = field(default_factory=list)
    calls: list[list[Change]] = field(default_factory=list)
    attempts: dict[Change, int] = field(default_factory=dict)

    def __call__(self, call: Sequence[tuple[int, Change]]) -> CallOutcome:
        self.calls.append([change for _, change in call])
        if len(self.calls) <= self.failing_calls:
            return CallOutcome(frozenset(position for position, _ in call), call_failed=True)
        refused = set()
        for position, change in call:
            self.attempts[change] = self.attempts.get(change, 0) + 1
            if self.refuses(change, self.attempts[change]):
                refused.add(position)
            else:
                self.published.append(change)
        return CallOutcome(frozenset(refused))


@dataclass
class Clock:
    remaining: int = 30_000
    slept: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.remaining -= int(seconds * 1000)


POLICY = RetryPolicy(max_rounds=4, base_delay_seconds=0.1, max_delay_seconds=2.0)


def _announce(events: Entries, sns: FakeSns, clock: Clock) -> Announcement:
    return announce(
        events,
        sns,
        policy=POLICY,
        remaining_millis=lambda: clock.remaining,
        sleep=clock.sleep,
        jitter=lambda: 0.5,
    )


def test_a_call_carries_each_orders_earliest_waiting_event_only() -> None:
    events = _batch(("A", 1), ("B", 1), ("A", 2), ("C", 1), ("B", 2))

    call = next_call(events, held=set(), max_entries=MAX_ENTRIES_PER_CALL)

    assert [change for _, change in call] == [Change("A", 1), Change("B", 1), Change("C", 1)]


def test_a_held_order_sends_nothing_and_a_call_has_at_most_ten_entries() -> None:
    events = _batch(*((f"o-{number}", 1) for number in range(12)), ("held", 2))

    call = next_call(events, held={"o-0", "held"}, max_entries=MAX_ENTRIES_PER_CALL)

    assert [change.order_id for _, change in call] == [f"o-{number}" for number in range(1, 11)]


def test_a_round_holds_back_the_later_versions_of_a_refused_order_only() -> None:
    # GIVEN A's first version refused, and later versions of A and B behind it
    events = _batch(("A", 1), ("B", 1), ("A", 2), ("B", 2), ("A", 3))
    sns = FakeSns(refuses=lambda change, _: change == Change("A", 1))

    waiting, calls = publish_round(events, sns)

    # THEN B goes out version after version, A nothing after its refused first version
    assert sns.published == [Change("B", 1), Change("B", 2)]
    assert [change for _, change in waiting] == [Change("A", 1), Change("A", 2), Change("A", 3)]
    assert calls == 2


def test_a_refusal_that_clears_is_retried_alone_after_a_jittered_wait() -> None:
    # GIVEN SNS refusing the fourth entry once
    events = _batch(*((f"o-{number}", 1) for number in range(15)))
    sns = FakeSns(refuses=lambda change, attempt: change.order_id == "o-3" and attempt == 1)
    clock = Clock()

    announcement = _announce(events, sns, clock)

    # THEN everything is out, each event once, the refused one in a second round of its own
    assert announcement.unannounced == ()
    assert sorted(sns.published, key=lambda change: int(change.order_id[2:])) == [
        change for _, change in events
    ]
    assert sns.calls[-1] == [Change("o-3", 1)]
    assert announcement.rounds == 2
    assert clock.slept == [pytest.approx(0.5 * 0.1)]


def test_a_refusal_that_never_clears_reports_the_order_from_that_version_on() -> None:
    events = _batch(("A", 1), ("B", 1), ("A", 2), ("C", 1), ("A", 3))
    sns = FakeSns(refuses=lambda change, _: change == Change("A", 2))
    clock = Clock()

    announcement = _announce(events, sns, clock)

    assert [events[position][1] for position in announcement.unannounced] == [
        Change("A", 2),
        Change("A", 3),
    ]
    assert Change("A", 3) not in sns.published
    assert set(sns.published) == {Change("A", 1), Change("B", 1), Change("C", 1)}
    # AND it was tried once per round, with exponentially growing waits in between
    assert sns.attempts[Change("A", 2)] == POLICY.max_rounds
    assert clock.slept == pytest.approx([0.05, 0.1, 0.2])


def test_no_wait_is_started_that_would_eat_into_the_safety_margin() -> None:
    events = _batch(("A", 1), ("B", 1))
    sns = FakeSns(refuses=lambda change, _: change.order_id == "A")
    clock = Clock(remaining=POLICY.safety_margin_millis + 10)

    announcement = _announce(events, sns, clock)

    assert clock.slept == []
    assert announcement.rounds == 1
    assert announcement.unannounced == (0,)


def test_a_failed_call_ends_the_round_instead_of_hammering_sns() -> None:
    events = _batch(*((f"o-{number}", 1) for number in range(25)))
    sns = FakeSns(failing_calls=1)

    announcement = _announce(events, sns, Clock())

    # One failed call in the first round, then the second round publishes all three calls.
    assert [len(call) for call in sns.calls] == [10, 10, 10, 5]
    assert announcement.unannounced == ()
    assert announcement.rounds == 2


def test_the_delay_grows_exponentially_up_to_its_cap_and_is_fully_jittered() -> None:
    policy = RetryPolicy(base_delay_seconds=0.1, max_delay_seconds=1.0)

    assert [policy.delay(retry, jitter=1.0) for retry in range(6)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    )
    assert policy.delay(3, jitter=0.0) == 0.0
    assert policy.delay(3, jitter=0.25) == pytest.approx(0.2)


_changes = st.lists(
    st.tuples(st.sampled_from("ABCDE"), st.booleans()), min_size=1, max_size=40
).map(
    # Each order's versions in stream order; the flag: SNS refuses that version every time.
    lambda drawn: [
        (Change(order, sum(o == order for o, _ in drawn[: index + 1])), refused)
        for index, (order, refused) in enumerate(drawn)
    ]
)


@given(changes=_changes, clearing_after=st.integers(min_value=1, max_value=6))
def test_no_version_goes_out_before_the_previous_one_and_nothing_goes_out_twice(
    changes: list[tuple[Change, bool]], clearing_after: int
) -> None:
    events = [(position, change) for position, (change, _) in enumerate(changes)]
    refused = {change for change, refuse in changes if refuse}
    sns = FakeSns(refuses=lambda change, attempt: change in refused and attempt < clearing_after)

    announcement = _announce(events, sns, Clock())

    # Each order's published versions are 1, 2, 3, ... in that order, each once
    for order in "ABCDE":
        versions = [change.version for change in sns.published if change.order_id == order]
        assert versions == list(range(1, len(versions) + 1))
    # AND everything not published is reported: nothing lost, nothing skipped
    unannounced = {events[position][1] for position in announcement.unannounced}
    assert unannounced | set(sns.published) == {change for change, _ in changes}
    assert not unannounced & set(sns.published)
    # AND what is never refused leaves nothing to report; what is refused past the rounds does
    if clearing_after == 1 or not refused:
        assert announcement.unannounced == ()
    if clearing_after > POLICY.max_rounds and refused:
        assert announcement.unannounced
