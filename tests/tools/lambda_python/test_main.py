"""`make unit-runtime` on a machine without the functions' Python, or given the wrong one."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from settings.core import LAMBDA_RUNTIME
from tests.tools.entry_points import the_one_line
from tools.repository import REPO_ROOT


def _run(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The tool with nothing on PATH and an empty pyenv: no interpreter to find."""
    empty = tmp_path / "empty"
    empty.mkdir()
    return subprocess.run(  # noqa: S603 - this interpreter running the tool
        [sys.executable, "-m", "tools.lambda_python", *arguments],
        cwd=REPO_ROOT,
        env={"PATH": str(empty), "PYENV_ROOT": str(empty)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_the_runtime_python_it_says_so_and_the_run_goes_on(tmp_path: Path) -> None:
    answer = _run(tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert answer.stderr == ""
    (line,) = answer.stdout.splitlines()
    assert line.startswith(f"unit-runtime: no {LAMBDA_RUNTIME} on this machine")
    assert f"ran on Python {sys.version.split()[0]} only" in line


def test_an_interpreter_of_another_version_is_refused_in_one_line(tmp_path: Path) -> None:
    stray = tmp_path / "python"
    stray.write_text("#!/bin/sh\necho 3.12.1\n")
    stray.chmod(stray.stat().st_mode | stat.S_IXUSR)
    answer = _run(tmp_path, "--interpreter", str(stray))
    assert answer.returncode == 2
    line = the_one_line(answer.stderr, "unit-runtime")
    assert line == (
        f"unit-runtime: --interpreter {stray} is 3.12.1; the functions run {LAMBDA_RUNTIME}"
    )
    assert answer.stdout == ""
