"""The order status state machine, over every pair of statuses."""

from __future__ import annotations

import itertools

import pytest

from handlers.order_status import OrderStatus
from handlers.transitions import (
    REQUESTABLE_STATUSES,
    STATUS_CHANGE_SCHEMA,
    TransitionRefused,
    check_transition,
    is_allowed,
)

P, C, S, D, X = (
    OrderStatus.PENDING,
    OrderStatus.CONFIRMED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.CANCELLED,
)
# The rule as the issue states it:
# PENDING->CONFIRMED->SHIPPED->DELIVERED, PENDING/CONFIRMED->CANCELLED.
SPECIFIED = {(P, C), (C, S), (S, D), (P, X), (C, X)}
ALL_PAIRS = list(itertools.product(OrderStatus, repeat=2))


def test_every_pair_of_statuses_is_covered() -> None:
    assert len(ALL_PAIRS) == len(OrderStatus) ** 2 == 25


@pytest.mark.parametrize(("current", "requested"), ALL_PAIRS)
def test_a_transition_is_allowed_exactly_when_specified(
    current: OrderStatus, requested: OrderStatus
) -> None:
    allowed = (current, requested) in SPECIFIED
    assert is_allowed(current, requested) is allowed
    if allowed:
        check_transition(current, requested)
        return
    with pytest.raises(TransitionRefused) as refused:
        check_transition(current, requested)
    assert (refused.value.current, refused.value.requested) == (current, requested)
    assert str(current) in str(refused.value)


@pytest.mark.parametrize("status", list(OrderStatus))
def test_no_status_moves_to_itself(status: OrderStatus) -> None:
    assert not is_allowed(status, status)


def test_delivered_and_cancelled_are_final() -> None:
    for final, anything in itertools.product((D, X), OrderStatus):
        assert not is_allowed(final, anything)


def test_every_status_is_reachable_from_pending() -> None:
    reached, frontier = {P}, [P]
    while frontier:
        current = frontier.pop()
        for following in OrderStatus:
            if is_allowed(current, following) and following not in reached:
                reached.add(following)
                frontier.append(following)
    assert reached == set(OrderStatus)


def test_a_patch_may_ask_for_every_status_but_pending() -> None:
    assert set(REQUESTABLE_STATUSES) == set(OrderStatus) - {P}
    status_property = STATUS_CHANGE_SCHEMA["properties"]["status"]
    assert sorted(status_property["enum"]) == sorted(
        status.value for status in OrderStatus if status != P
    )
    assert STATUS_CHANGE_SCHEMA["required"] == ["status"]
    assert STATUS_CHANGE_SCHEMA["additionalProperties"] is False
