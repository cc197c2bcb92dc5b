"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from offline.mocks import RecordingMocks
from tests.pulumi_harness import OutputChecks, install_mocks


@pytest.fixture
def pulumi_mocks() -> RecordingMocks:
    """Recording Pulumi mocks in update (not preview) mode."""
    return install_mocks()


@pytest.fixture
def checks(pulumi_mocks: RecordingMocks) -> Iterator[OutputChecks]:
    """Wrap apply-assertions with `checks.that(output, fn)`; unrun ones fail the test."""
    recorder = OutputChecks()
    yield recorder
    recorder.verify()
