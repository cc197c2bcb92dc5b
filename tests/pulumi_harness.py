"""Pulumi mocks for component tests, with a guard against assertions that never run.

An assertion inside `apply` silently does nothing when the Output is unknown (preview)
or never awaited. `OutputChecks` records each assertion it wraps and fails the test if
one did not run, so a green mocks test always means the assertion was evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pulumi
from pulumi.runtime.settings import ROOT

from tools.pulumi_mocks.recording import RecordingMocks

T = TypeVar("T")

TEST_REGION = "eu-west-1"


def install_mocks() -> RecordingMocks:
    ROOT.set(None)  # a fresh root stack per test: no resources leak between tests
    mocks = RecordingMocks(region=TEST_REGION)
    pulumi.runtime.set_mocks(mocks, project="order-pipeline", stack="test", preview=False)
    assert not pulumi.runtime.is_dry_run(), "mocks must run as an update, not a preview"
    return mocks


def registered(component: pulumi.Resource) -> pulumi.Output[list[str]]:
    """The URNs of `component` and of every resource under it, once all are registered.

    A component exposes Outputs, not its children, and none of its Outputs waits for every
    child: a check that reads what the mocks recorded waits on this, so each resource it
    looks up has been recorded by then.
    """
    return pulumi.Output.all(component.urn, *(child.urn for child in _descendants(component)))


def _descendants(resource: pulumi.Resource) -> Iterator[pulumi.Resource]:
    # Pulumi keeps each resource's children here; there is no public way to list them.
    for child in resource._childResources:
        yield child
        yield from _descendants(child)


class OutputChecks:
    def __init__(self) -> None:
        self._pending: list[str] = []

    def that(self, value: pulumi.Output[T], assertion: Callable[[T], None]) -> pulumi.Output[None]:
        """Run `assertion` on the resolved value; the test fails if it never runs."""
        label = f"{assertion.__qualname__}"
        self._pending.append(label)

        def run(resolved: T) -> None:
            assertion(resolved)
            self._pending.remove(label)

        return value.apply(run)

    def all(self, *checks: pulumi.Output[None]) -> pulumi.Output[Any]:
        return pulumi.Output.all(*checks)

    def verify(self) -> None:
        assert not self._pending, f"assertions that never ran: {self._pending}"
