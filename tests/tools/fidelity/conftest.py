"""Both stacks, run once per session: every fidelity check reads the same recordings."""

from __future__ import annotations

import pytest

from tools.fidelity.recorded_stack import Stack, load_stack

STACKS = ("dev", "prod")


@pytest.fixture(scope="session", params=STACKS)
def stack(request: pytest.FixtureRequest) -> Stack:
    return load_stack(str(request.param))


@pytest.fixture(scope="session")
def dev() -> Stack:
    """The stack mutated copies start from."""
    return load_stack("dev")
