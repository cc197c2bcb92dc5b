"""The documented subscriber: repeats and stale versions are dropped, whatever the delivery
order; each order ends at its latest version, each version acted on at most once."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tools.order_events.subscriber import on_order_event


def _event(order_id: str, version: int) -> dict[str, Any]:
    return {"orderId": order_id, "version": version}


def test_a_repeat_is_dropped_and_an_older_version_after_a_newer_one_too() -> None:
    latest: dict[str, int] = {}
    acted: list[tuple[str, int]] = []

    def act(event: Any) -> None:
        acted.append((event["orderId"], event["version"]))

    deliveries = [("A", 1), ("A", 1), ("B", 1), ("A", 3), ("A", 2), ("B", 2)]
    results = [on_order_event(_event(*key), latest, act) for key in deliveries]

    assert results == [True, False, True, True, False, True]
    assert acted == [("A", 1), ("B", 1), ("A", 3), ("B", 2)]
    assert latest == {"A": 3, "B": 2}


@given(
    versions=st.dictionaries(st.sampled_from("ABCD"), st.integers(1, 6), min_size=1),
    repeats=st.integers(1, 3),
    data=st.data(),
)
def test_at_least_once_delivery_in_any_order_ends_at_each_latest_version_acting_once(
    versions: dict[str, int], repeats: int, data: st.DataObject
) -> None:
    deliveries = [
        (order, version)
        for order, last in versions.items()
        for version in range(1, last + 1)
        for _ in range(repeats)
    ]
    deliveries = data.draw(st.permutations(deliveries))
    latest: dict[str, int] = {}
    acted: list[tuple[str, int]] = []

    for key in deliveries:
        on_order_event(
            _event(*key), latest, lambda event: acted.append((event["orderId"], event["version"]))
        )

    assert latest == versions
    assert len(acted) == len(set(acted))
    for order in versions:
        mine = [version for acted_order, version in acted if acted_order == order]
        assert mine == sorted(mine)
