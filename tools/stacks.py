"""The project's stacks: one `Pulumi.<stack>.yaml` each beside Pulumi.yaml.

The one place a tool learns which stack names exist: every tool that reads a stack's config
(synth, cost, diagram, the local run) goes through `stack_file`, so a name that does not
exist is answered with the names that do.
"""

from __future__ import annotations

from pathlib import Path

from tools.command_line import UsageError
from tools.repository import REPO_ROOT

# Where the stack files are; tests point it elsewhere.
STACKS_DIR: Path = REPO_ROOT
PREFIX, SUFFIX = "Pulumi.", ".yaml"


class UnknownStack(UsageError):
    """No `Pulumi.<stack>.yaml` for the name given."""


def stack_names() -> tuple[str, ...]:
    """Every stack with a config file, sorted."""
    return tuple(
        sorted(
            path.name.removeprefix(PREFIX).removesuffix(SUFFIX)
            for path in STACKS_DIR.glob(f"{PREFIX}*{SUFFIX}")
        )
    )


def stack_file(stack: str) -> Path:
    """The config file of `stack`, or UnknownStack naming the stacks that exist."""
    names = stack_names()
    if stack not in names:
        raise UnknownStack(
            f"no stack {stack!r}: the stacks are {', '.join(names) or 'none'} "
            f"(one {PREFIX}<stack>{SUFFIX} each)"
        )
    return STACKS_DIR / f"{PREFIX}{stack}{SUFFIX}"
