"""Finding the functions' Python: on PATH or under pyenv, only an interpreter that runs it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tools.lambda_python.interpreter import find_interpreter, runtime_version


def _fake_python(path: Path, version: str) -> Path:
    """An executable that answers the version probe with `version`, as a Python would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _shim(path: Path) -> Path:
    """What pyenv's shim does for a version that is installed but not selected."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_runtime_string_gives_the_version() -> None:
    assert runtime_version("python3.13") == (3, 13)
    assert runtime_version("python3.9") == (3, 9)
    with pytest.raises(ValueError, match=r"nodejs22\.x"):
        runtime_version("nodejs22.x")


def test_an_interpreter_on_path_that_runs_the_version_is_taken(tmp_path: Path) -> None:
    python = _fake_python(tmp_path / "bin" / "python3.13", "3.13.4")
    found = find_interpreter("python3.13", {"PATH": str(python.parent), "PYENV_ROOT": "/none"})
    assert found == (python, "3.13.4")


def test_a_shim_that_does_not_run_falls_back_to_pyenv_newest_patch(tmp_path: Path) -> None:
    shim = _shim(tmp_path / "shims" / "python3.13")
    for patch in ("3.13.2", "3.13.10", "3.13.9"):
        _fake_python(tmp_path / "pyenv" / "versions" / patch / "bin" / "python3.13", patch)
    _fake_python(tmp_path / "pyenv" / "versions" / "3.12.1" / "bin" / "python3.12", "3.12.1")
    environment = {"PATH": str(shim.parent), "PYENV_ROOT": str(tmp_path / "pyenv")}
    assert find_interpreter("python3.13", environment) == (
        tmp_path / "pyenv" / "versions" / "3.13.10" / "bin" / "python3.13",
        "3.13.10",
    )


def test_an_interpreter_of_another_version_is_not_taken(tmp_path: Path) -> None:
    """A `python3.13` that is really 3.12 (a stray link) would test the wrong Python."""
    stray = _fake_python(tmp_path / "bin" / "python3.13", "3.12.1")
    environment = {"PATH": str(stray.parent), "PYENV_ROOT": str(tmp_path / "none")}
    assert find_interpreter("python3.13", environment) is None
