"""Faults injected into the handlers' AWS calls, container by container.

Each fault replaces one client method of every container a function starts (install it
with `LambdaFunction.on_cold_start`), keeps its state across containers as AWS would, and
counts what it injected: a scenario whose fault never fired proves nothing.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from botocore.exceptions import ClientError

from handlers import contract
from handlers.clients import OnDemandClient
from tools.reliability.lambda_containers import SandboxCrash

Decision = Callable[[int, dict[str, Any]], BaseException | None]
"""Given the call's number (from 1, over all containers) and its arguments: what to raise."""


def client_error(code: str, status: int, operation: str) -> ClientError:
    """The error botocore raises once its own retries gave up."""
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"injected {code}"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )


def throttled(operation: str) -> ClientError:
    return client_error("ProvisionedThroughputExceededException", 400, operation)


def internal_error(operation: str) -> ClientError:
    return client_error("InternalServerError", 500, operation)


def order_id_of(put_item_kwargs: dict[str, Any]) -> str:
    return str(put_item_kwargs["Item"][contract.ORDER_KEY]["S"])


@dataclass
class FailingCalls:
    """`client.operation` of the module raises what `decide` says, else runs as usual."""

    client: str
    """The module's attribute holding the client, e.g. `dynamodb`, or its `OnDemandClient`."""
    operation: str
    """The client method, e.g. `put_item`."""
    decide: Decision
    calls: int = 0
    injected: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, module: ModuleType) -> None:
        client = getattr(module, self.client)
        if isinstance(client, OnDemandClient):
            client = client.get()
        real = getattr(client, self.operation)

        def faulty(**kwargs: Any) -> Any:
            with self._lock:
                self.calls += 1
                error = self.decide(self.calls, kwargs)
                self.injected += error is not None
            if error is not None:
                raise error
            return real(**kwargs)

        setattr(client, self.operation, faulty)


def first_attempts_per_order(failures: int, error: BaseException) -> Decision:
    """Each order's first `failures` writes fail; its later ones go through."""
    attempts: Counter[str] = Counter()

    def decide(_: int, kwargs: dict[str, Any]) -> BaseException | None:
        order_id = order_id_of(kwargs)
        attempts[order_id] += 1
        return error if attempts[order_id] <= failures else None

    return decide


def every_other_write(error: BaseException, always_for: frozenset[str] = frozenset()) -> Decision:
    """Each order's first, third, ... write fails, and every write of the orders in
    `always_for`. Counted per order: with one count over all writes, which order drew the
    failing turns would depend on how the processor's writer threads interleave, and now and
    then a second order would fail every receive."""
    attempts: Counter[str] = Counter()

    def decide(_: int, kwargs: dict[str, Any]) -> BaseException | None:
        order_id = order_id_of(kwargs)
        attempts[order_id] += 1
        return error if attempts[order_id] % 2 == 1 or order_id in always_for else None

    return decide


def first_calls(count: int, error: BaseException) -> Decision:
    """The first `count` calls fail: an outage that ends."""
    return lambda call, _: error if call <= count else None


def every_call(error: BaseException) -> Decision:
    """An outage that outlasts every retry."""
    return lambda _, __: error


def crash_at_call(call_number: int) -> Decision:
    """The sandbox dies during that call; every earlier call went through."""
    return lambda call, _: (
        SandboxCrash(f"killed during call {call}") if call == call_number else None
    )


def _refusing(real: Callable[..., Any], refuse: Callable[[list[dict[str, Any]]], list[Any]]) -> Any:
    """PublishBatch that answers the entries `refuse` picks with `Failed` (an SNS internal
    error) and publishes the others of the call."""

    def publish_batch(**kwargs: Any) -> Any:
        entries = kwargs["PublishBatchRequestEntries"]
        refused = refuse(entries)
        if not refused:
            return real(**kwargs)
        kept = [entry for entry in entries if entry not in refused]
        response = dict(real(**{**kwargs, "PublishBatchRequestEntries": kept})) if kept else {}
        failures = [
            {
                "Id": entry["Id"],
                "Code": "InternalError",
                "Message": "injected refusal",
                "SenderFault": False,
            }
            for entry in refused
        ]
        return {"Successful": response.get("Successful", []), "Failed": failures}

    return publish_batch


@dataclass
class RefusedEntries:
    """PublishBatch answers with one entry refused (`Failed`) in each of its first `calls`
    calls: that entry is not published, the others of the call are."""

    calls: int
    position: int
    """Which entry of the call SNS refuses."""
    made: int = 0
    injected: int = 0

    def __call__(self, module: ModuleType) -> None:
        def refuse(entries: list[dict[str, Any]]) -> list[Any]:
            self.made += 1
            if self.made > self.calls or len(entries) <= self.position:
                return []
            self.injected += 1
            return [entries[self.position]]

        module.sns.publish_batch = _refusing(module.sns.publish_batch, refuse)


@dataclass
class RefusedOrder:
    """PublishBatch refuses every event of one order, every time: a refusal that never
    clears. The order is the one at `position` of the first call: the processor's concurrent
    writes put the orders in the stream in any order, so naming an order would change how
    many records follow it, and with it the figures, from run to run."""

    position: int
    order_id: str | None = None
    injected: int = 0

    def __call__(self, module: ModuleType) -> None:
        def refuse(entries: list[dict[str, Any]]) -> list[Any]:
            if self.order_id is None:
                self.order_id = json.loads(entries[self.position]["Message"])[contract.ORDER_KEY]
            refused = [
                entry
                for entry in entries
                if json.loads(entry["Message"])[contract.ORDER_KEY] == self.order_id
            ]
            self.injected += len(refused)
            return refused

        module.sns.publish_batch = _refusing(module.sns.publish_batch, refuse)
