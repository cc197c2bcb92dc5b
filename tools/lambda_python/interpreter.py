"""Where this machine keeps an interpreter for the functions' runtime, if anywhere."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

from settings.core import LAMBDA_RUNTIME

RUNTIME_PATTERN = re.compile(r"python(\d+)\.(\d+)")
VERSION_PROBE = "import sys; print('%d.%d.%d' % sys.version_info[:3])"


def runtime_version(runtime: str = LAMBDA_RUNTIME) -> tuple[int, int]:
    """`python3.13` -> (3, 13)."""
    found = RUNTIME_PATTERN.fullmatch(runtime)
    if found is None:
        raise ValueError(f"{runtime!r} is not a Lambda Python runtime (pythonX.Y)")
    return int(found[1]), int(found[2])


def of_runtime(version: str, runtime: str = LAMBDA_RUNTIME) -> bool:
    """Whether a full version (`3.13.0`) is a release of `runtime`'s X.Y."""
    return version.startswith("{}.{}.".format(*runtime_version(runtime)))


def interpreter_version(path: Path) -> str | None:
    """`3.13.0`, or None when `path` does not run (a pyenv shim for a version not selected
    exits 127 saying so)."""
    try:
        answer = subprocess.run(  # noqa: S603 - a candidate interpreter, asked its version
            [str(path), "-c", VERSION_PROBE],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return answer.stdout.strip() if answer.returncode == 0 else None


def _candidates(runtime: str, environment: Mapping[str, str]) -> Iterator[Path]:
    major, minor = runtime_version(runtime)
    on_path = shutil.which(runtime, path=environment.get("PATH", ""))
    if on_path:
        yield Path(on_path)
    pyenv_root = Path(environment.get("PYENV_ROOT") or Path.home() / ".pyenv")
    # pyenv's own layout, versions/X.Y.Z/bin/pythonX.Y; the newest patch release first.
    installed = pyenv_root.glob(f"versions/{major}.{minor}.*/bin/{runtime}")
    patch = re.compile(rf"{major}\.{minor}\.(\d+)")
    by_patch = {int(m[1]): path for path in installed if (m := patch.fullmatch(path.parts[-3]))}
    yield from (by_patch[number] for number in sorted(by_patch, reverse=True))


def find_interpreter(
    runtime: str = LAMBDA_RUNTIME, environment: Mapping[str, str] | None = None
) -> tuple[Path, str] | None:
    """The first interpreter on PATH or under pyenv that runs `runtime`'s version, with its
    full version; None when there is none."""
    for candidate in _candidates(runtime, os.environ if environment is None else environment):
        version = interpreter_version(candidate)
        if version is not None and of_runtime(version, runtime):
            return candidate, version
    return None
