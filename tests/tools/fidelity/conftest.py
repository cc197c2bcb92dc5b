"""Every stack, run once per session: every fidelity check reads the same recordings."""

from __future__ import annotations

import pytest

from tools.fidelity.recorded_stack import Stack, load_stack
from tools.stacks import stack_names


@pytest.fixture(scope="session", params=stack_names())
def stack(request: pytest.FixtureRequest) -> Stack:
    return load_stack(str(request.param))


@pytest.fixture(scope="session")
def dev() -> Stack:
    """The stack mutated copies start from."""
    return load_stack("dev")
