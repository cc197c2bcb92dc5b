"""A deployed stack's outputs, as `pulumi stack output` reports them."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from tools.command_line import UsageError, one_line

PULUMI_INSTALL = "https://www.pulumi.com/docs/iac/download-install/"


class StackOutputsUnavailable(UsageError):
    """The Pulumi CLI could not say what the stack exports: missing, not logged in, no such
    stack. Set-up to fix, not a failure of the tool (exit 2)."""


def read_stack_outputs(stack: str) -> dict[str, Any]:
    """Needs the Pulumi CLI, logged in to the backend that holds `stack`."""
    command = ["pulumi", "stack", "output", "--json", "--stack", stack]
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed command; the stack name is one argument
            command,
            check=False,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        raise StackOutputsUnavailable(
            f"the Pulumi CLI is not installed (no `pulumi` on PATH): see {PULUMI_INSTALL}"
        ) from None
    if completed.returncode != 0:
        # Pulumi's own message (`error: no stack named 'prod' found`, a login prompt), one line;
        # its `error:` lines only, when it printed warnings as well.
        errors = [line for line in completed.stderr.splitlines() if line.startswith("error:")]
        said = one_line("\n".join(errors) or completed.stderr)
        said = said or f"exit status {completed.returncode}"
        raise StackOutputsUnavailable(f"`pulumi stack output --stack {stack}` failed: {said}")
    try:
        outputs = json.loads(completed.stdout)
    except json.JSONDecodeError:
        outputs = None
    if not isinstance(outputs, dict):
        raise StackOutputsUnavailable(
            f"`pulumi stack output --json --stack {stack}` printed no JSON object: "
            f"{one_line(completed.stdout)[:200]!r}"
        )
    return outputs
