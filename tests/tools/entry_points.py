"""What every tool's entry point promises on bad input (tools/command_line.py), as helpers:
one line on stderr naming the problem, prefixed with the tool, and no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tools import stacks
from tools.repository import REPO_ROOT

MAKE_SECONDS = 120
# The Makefile's own variables: make would take them from the environment too.
MAKE_VARIABLES = frozenset(
    {
        "STACK",
        "DLQ_URL",
        "QUEUE_URL",
        "ENDPOINT_URL",
        "DRY_RUN",
        "ORDERS_PER_DAY",
        "SEED",
        "RATE",
        "SECONDS",
        "SET",
        "QUOTA",
    }
)
# Under `make test` these tell the make a test starts that it is a sub-make (its errors then
# read `make[1]: ***`) and hand it the outer make's flags: the test's make starts afresh.
OUTER_MAKE = frozenset({"MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"})

# A stack file the program refuses: `batchSize` must be a whole number.
REFUSED_CONFIG = """config:
  aws:region: eu-west-1
  order-pipeline:environment: dev
  order-pipeline:batchSize: lots
"""
REFUSED_KEY = "order-pipeline:batchSize"


def the_one_line(stderr: str, tool: str) -> str:
    """The single line `tool` printed on stderr; fails on a traceback or more lines."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{tool}: "), stderr
    return lines[0]


def the_usage_error(stderr: str) -> str:
    """argparse's own answer, kept as is: the usage, then one `error:` line."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert lines[0].startswith("usage: "), stderr
    assert ": error: " in lines[-1], stderr
    assert all(": error: " not in line for line in lines[:-1]), stderr
    return lines[-1]


def with_stacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **files: str) -> None:
    """The project's stack files, plus or replaced by `files` (stack name: YAML text)."""
    for path in REPO_ROOT.glob("Pulumi.*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    for stack, text in files.items():
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    monkeypatch.setattr(stacks, "STACKS_DIR", tmp_path)


def run_make(*arguments: str, environment: Mapping[str, str] | None = None) -> tuple[int, str]:
    """`make -s <arguments>` in the repository with this interpreter's venv; the exit code
    and stderr without make's own last line (`make: *** [...] Error 2`), which it prints
    after any failed recipe and no Makefile can silence. Only `arguments` set the
    Makefile's variables, whatever the environment holds."""
    make = shutil.which("make")
    # make is what a newcomer runs (`make test`): its absence is a broken set-up, not a skip.
    assert make is not None, "make is not on PATH"
    completed = subprocess.run(  # noqa: S603 - a fixed command
        [make, "-s", *arguments, f"BIN={Path(sys.executable).parent}", "INSTALLED="],
        cwd=REPO_ROOT,
        env={
            name: value
            for name, value in (os.environ if environment is None else environment).items()
            if name not in MAKE_VARIABLES | OUTER_MAKE
        },
        capture_output=True,
        text=True,
        timeout=MAKE_SECONDS,
        check=False,
    )
    lines = completed.stderr.splitlines()
    if completed.returncode != 0:
        assert lines, "make failed without a word"
        assert lines[-1].startswith("make: *** "), completed.stderr
        lines = lines[:-1]
    return completed.returncode, "".join(f"{line}\n" for line in lines)
