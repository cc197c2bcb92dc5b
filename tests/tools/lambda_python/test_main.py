"""`make unit-runtime` without the functions' Python, given the wrong one, or run by it already."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

import tools.lambda_python.__main__ as lambda_python
from settings.core import LAMBDA_RUNTIME
from tests.tools.entry_points import the_one_line


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run by a Python other than the runtime's, with nothing on PATH and an empty pyenv."""
    monkeypatch.setattr(lambda_python, "running_on_runtime", lambda: False)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("PYENV_ROOT", str(empty))


@pytest.mark.usefixtures("elsewhere")
def test_without_the_runtime_python_it_says_so_and_the_run_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert lambda_python.main([]) == 0
    output = capsys.readouterr()
    assert output.err == ""
    (line,) = output.out.splitlines()
    assert line.startswith(f"unit-runtime: no {LAMBDA_RUNTIME} on this machine")
    assert f"ran on Python {sys.version.split()[0]} only" in line


@pytest.mark.usefixtures("elsewhere")
def test_an_interpreter_of_another_version_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = tmp_path / "python"
    stray.write_text("#!/bin/sh\necho 3.12.1\n")
    stray.chmod(stray.stat().st_mode | stat.S_IXUSR)
    assert lambda_python.main(["--interpreter", str(stray)]) == 2
    output = capsys.readouterr()
    assert the_one_line(output.err, "unit-runtime") == (
        f"unit-runtime: --interpreter {stray} is 3.12.1; the functions run {LAMBDA_RUNTIME}"
    )
    assert output.out == ""


def test_run_by_the_runtime_s_own_version_it_adds_no_second_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`.venv` built with the functions' Python has already run every test on it."""
    monkeypatch.setattr(lambda_python, "runtime_version", lambda: sys.version_info[:2])
    monkeypatch.setattr(lambda_python, "find_interpreter", _never_called)
    assert lambda_python.main([]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line == (
        f"unit-runtime: the suite already ran on the functions' {LAMBDA_RUNTIME}: "
        f"{sys.executable} is Python {sys.version.split()[0]}"
    )


def _never_called() -> None:
    raise AssertionError("looked for another interpreter")
