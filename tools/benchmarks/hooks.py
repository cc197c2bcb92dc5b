"""botocore hooks the benchmarks put on the session the handlers' clients come from.

A client copies its session's event handlers when it is created, so the hooks are attached
before a handler module is imported. Set-up and inspection use a separate session, so what
is counted and slowed down is only what the handler's own clients send.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from io import BytesIO
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.hooks import BaseEventHooks

# Every HTTP request a client sends, retries included; `before-call` would count a retried
# call once. Registered first, so it runs before moto's own `before-send` answers.
SEND_EVENT = "before-send"


def operation_of(event_name: str) -> str:
    """`before-send.dynamodb.PutItem` -> `dynamodb.PutItem`."""
    return event_name.split(".", 1)[1]


class RequestCounter:
    """Counts requests by `service.Operation`, only inside `counting()`."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._active = False

    def attach(self, events: BaseEventHooks) -> None:
        events.register_first(SEND_EVENT, self._count)

    @contextmanager
    def counting(self) -> Iterator[None]:
        self._active = True
        try:
            yield
        finally:
            self._active = False

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def _count(self, event_name: str, **_: Any) -> None:
        if self._active:
            # Writer threads send concurrently; Counter updates are not atomic.
            with self._lock:
                self.requests[operation_of(event_name)] += 1


class InjectedLatency:
    """Sleeps before every request is sent: AWS as if it were `seconds` away."""

    def __init__(self, seconds: float, sleep: Callable[[float], None] = time.sleep) -> None:
        self.seconds = seconds
        self._sleep = sleep

    def attach(self, events: BaseEventHooks) -> None:
        events.register_first(SEND_EVENT, self._wait)

    def _wait(self, **_: Any) -> None:
        self._sleep(self.seconds)


class _RawBody(BytesIO):
    """What botocore reads a response body from."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


class CannedAnswers:
    """Answers requests without sending them, with a fixed successful response per operation.

    Unlike moto, nothing is stored and no server-side work is charged to the handler: only
    the client's own work (serialising, signing, parsing) and any injected latency remain.
    """

    def __init__(self, bodies: Mapping[str, bytes]) -> None:
        self._bodies = dict(bodies)

    def attach(self, events: BaseEventHooks) -> None:
        # After the first-registered hooks (counting, latency), which must see the request.
        events.register_last(SEND_EVENT, self._answer)

    def _answer(self, event_name: str, request: Any, **_: Any) -> AWSResponse:
        operation = operation_of(event_name)
        body = self._bodies.get(operation)
        if body is None:
            raise LookupError(f"no canned answer for {operation}")
        return AWSResponse(request.url, 200, {}, _RawBody(body))
