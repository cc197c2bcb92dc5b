"""Settings for component tests, built through the real loader so defaults stay honest."""

from __future__ import annotations

from settings import Settings, load_settings
from tests.pulumi_harness import TEST_REGION


def settings_for(environment: str = "dev", **overrides: str) -> Settings:
    raw = {"environment": environment, **overrides}
    return load_settings(raw, project="order-pipeline", stack=environment, region=TEST_REGION)
