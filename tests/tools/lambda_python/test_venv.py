"""`.venv-runtime` is rebuilt exactly when what it was built from changes."""

from __future__ import annotations

from pathlib import Path

from tools.lambda_python.venv import REQUIREMENTS, stamp

PYTHON = Path("/opt/python3.13")


def _requirements(root: Path, extra: str = "") -> None:
    for name in REQUIREMENTS:
        (root / name).write_text(f"# {name}\npytest==9.2.0\n{extra}")


def test_the_same_interpreter_and_pins_give_the_same_stamp(tmp_path: Path) -> None:
    _requirements(tmp_path)
    assert stamp(PYTHON, "3.13.0", tmp_path) == stamp(PYTHON, "3.13.0", tmp_path)


def test_another_patch_release_or_a_changed_pin_gives_another(tmp_path: Path) -> None:
    _requirements(tmp_path)
    built = stamp(PYTHON, "3.13.0", tmp_path)
    assert stamp(PYTHON, "3.13.1", tmp_path) != built
    assert stamp(Path("/usr/bin/python3.13"), "3.13.0", tmp_path) != built
    _requirements(tmp_path, extra="moto==5.2.5\n")
    assert stamp(PYTHON, "3.13.0", tmp_path) != built
