"""run_program pauses the cyclic garbage collector while the program runs, and only then."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from settings import ConfigError
from tools.pulumi_mocks.program import run_program
from tools.pulumi_mocks.recording import RecordingMocks


class CollectorWatchingMocks(RecordingMocks):
    """Notes, at each registration, whether the collector was enabled."""

    def __init__(self) -> None:
        super().__init__(region="eu-west-1")
        self.collector_enabled_at_registration: list[bool] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.collector_enabled_at_registration.append(gc.isenabled())
        return super().new_resource(args)


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


@pytest.fixture
def collector_disabled() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


@pytest.mark.usefixtures("collector_enabled")
def test_the_collector_is_paused_during_the_run_and_resumes_after_it() -> None:
    # GIVEN the collector enabled, WHEN the program runs
    mocks = CollectorWatchingMocks()
    run_program("dev", mocks=mocks)

    # THEN no registration saw it enabled, and it is enabled again afterwards
    assert mocks.collector_enabled_at_registration
    assert not any(mocks.collector_enabled_at_registration)
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_the_collector_resumes_when_the_program_fails() -> None:
    with pytest.raises(ConfigError):
        run_program("dev", {"order-pipeline:batchSize": "500"})

    assert gc.isenabled()


@pytest.mark.usefixtures("collector_disabled")
def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    run_program("dev")

    assert not gc.isenabled()
