"""The runtime's own venv: what the tests need (requirements-dev.txt, no linters), rebuilt
when the interpreter or a requirements file changes."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from tools.repository import REPO_ROOT

VENV = REPO_ROOT / ".venv-runtime"
# requirements-dev.txt includes requirements.txt; both are hashed into the stamp.
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")
INSTALLED = "requirements-dev.txt"
STAMP_NAME = ".installed"


def stamp(interpreter: Path, version: str, root: Path = REPO_ROOT) -> str:
    """What the venv was built from: the interpreter and each requirements file's digest."""
    digests = (
        f"{name} {hashlib.sha256((root / name).read_bytes()).hexdigest()}" for name in REQUIREMENTS
    )
    return "\n".join([f"{interpreter} {version}", *digests]) + "\n"


def ensure_venv(interpreter: Path, version: str, venv: Path = VENV) -> Path:
    """The venv's python, after (re)building the venv when its stamp is not this one."""
    wanted = stamp(interpreter, version)
    stamp_file = venv / STAMP_NAME
    python = venv / "bin" / "python"
    if stamp_file.is_file() and stamp_file.read_text() == wanted:
        return python
    print(f"building {venv.name} with {interpreter} from {INSTALLED}", flush=True)
    for command in (
        [str(interpreter), "-m", "venv", "--clear", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(REPO_ROOT / INSTALLED)],
    ):
        subprocess.run(command, check=True)  # noqa: S603 - our interpreter and our pins
    stamp_file.write_text(wanted)
    return python
