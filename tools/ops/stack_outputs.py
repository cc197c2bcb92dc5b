"""A deployed stack's outputs, as `pulumi stack output` reports them."""

from __future__ import annotations

import json
import subprocess
from typing import Any


def read_stack_outputs(stack: str) -> dict[str, Any]:
    """Needs the Pulumi CLI, logged in to the backend that holds `stack`."""
    completed = subprocess.run(  # noqa: S603 - a fixed command; the stack name is one argument
        ["pulumi", "stack", "output", "--json", "--stack", stack],  # noqa: S607 - on PATH
        check=False,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"`pulumi stack output --stack {stack}` failed: {completed.stderr.strip()}"
        )
    outputs: dict[str, Any] = json.loads(completed.stdout)
    return outputs
