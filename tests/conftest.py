"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pulumi_harness import OutputChecks, install_mocks
from tools.aws_doubles.moto_setup import serve_dynamodb_calls_one_at_a_time
from tools.pulumi_mocks.recording import RecordingMocks

# Every moto of the suite applies DynamoDB calls whole, as the local run's does: handlers
# that write concurrently (the processor's writer threads) leave the stream in order.
serve_dynamodb_calls_one_at_a_time()


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
