"""The guard behind every mocks test: an assertion that never runs fails the test."""

from __future__ import annotations

import asyncio

import pulumi
import pytest

from tests.pulumi_harness import OutputChecks, install_mocks


def _unknown_output() -> pulumi.Output[None]:
    """An Output as a preview has it: unknown, so apply callbacks are skipped."""
    loop = asyncio.get_event_loop()
    value: asyncio.Future[None] = loop.create_future()
    value.set_result(None)
    known: asyncio.Future[bool] = loop.create_future()
    known.set_result(False)
    return pulumi.Output(set(), value, known)


def test_an_assertion_on_an_unknown_output_is_reported_as_never_run() -> None:
    install_mocks()
    recorder = OutputChecks()

    @pulumi.runtime.test
    def program() -> pulumi.Output[None]:
        return recorder.that(_unknown_output(), lambda _: None)

    program()
    with pytest.raises(AssertionError, match="never ran"):
        recorder.verify()


def test_an_assertion_on_a_known_output_runs_and_clears_the_guard() -> None:
    install_mocks()
    recorder = OutputChecks()
    seen: list[int] = []

    @pulumi.runtime.test
    def program() -> pulumi.Output[None]:
        return recorder.that(pulumi.Output.from_input(41), lambda value: seen.append(value + 1))

    program()
    recorder.verify()
    assert seen == [42]


def test_mocks_run_as_an_update_so_outputs_resolve() -> None:
    install_mocks()
    assert pulumi.runtime.is_dry_run() is False
