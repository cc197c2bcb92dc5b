"""The subscriber docs/notifications.md shows: it acts on each (orderId, version) once, and
never on a version older than one it already acted on. The function below is quoted there
verbatim (tests/test_notifications_doc.py checks that)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def on_order_event(
    event: Mapping[str, Any],
    latest: MutableMapping[str, int],
    act: Callable[[Mapping[str, Any]], None],
) -> bool:
    """Act on `event` unless it is a repeat or older than what was acted on; True if acted.

    `latest` maps orderId to the last version acted on. Kept in DynamoDB, the check and the
    update are one conditional write: `attribute_not_exists(orderId) OR version < :version`.
    """
    order_id, version = event["orderId"], event["version"]
    if latest.get(order_id, 0) >= version:
        return False  # delivered again, or overtaken by a later version
    act(event)
    latest[order_id] = version
    return True
