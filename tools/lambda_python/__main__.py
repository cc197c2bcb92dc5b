"""`python -m tools.lambda_python [--interpreter PATH] [PYTEST_ARGS...]`: the tests that import
handlers/, run again on the functions' runtime (`make unit-runtime`, part of `make test`).

Finds the runtime's interpreter (or takes the one given), builds `.venv-runtime` from it when
needed, says which interpreter it used, and exits with pytest's status. A machine without that
Python gets one line saying so, and exit 0: the rest of `make test` goes on. Run by a Python
of the runtime's version (`.venv` built with it), it says the suite already ran there.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from settings.core import LAMBDA_RUNTIME
from tools.command_line import DONE, UsageError, entry_point
from tools.lambda_python.handler_tests import handler_test_files
from tools.lambda_python.interpreter import (
    find_interpreter,
    interpreter_version,
    of_runtime,
    runtime_version,
)
from tools.lambda_python.venv import ensure_venv
from tools.repository import REPO_ROOT

TOOL = "unit-runtime"


def _given(interpreter: Path) -> tuple[Path, str]:
    version = interpreter_version(interpreter)
    if version is None or not of_runtime(version):
        raise UsageError(
            f"--interpreter {interpreter} is {version or 'not a Python that runs'}; "
            f"the functions run {LAMBDA_RUNTIME}"
        )
    return interpreter, version


def running_on_runtime() -> bool:
    """Whether this interpreter, `.venv`'s, is already of the functions' version."""
    return sys.version_info[:2] == runtime_version()


@entry_point(TOOL)
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.lambda_python", description=__doc__)
    parser.add_argument("--interpreter", type=Path, help=f"a {LAMBDA_RUNTIME} to use")
    options, pytest_args = parser.parse_known_args(argv)
    if running_on_runtime():
        print(
            f"{TOOL}: the suite already ran on the functions' {LAMBDA_RUNTIME}: "
            f"{sys.executable} is Python {sys.version.split()[0]}",
            flush=True,
        )
        return DONE
    found = _given(options.interpreter) if options.interpreter else find_interpreter()
    if found is None:
        print(
            f"{TOOL}: no {LAMBDA_RUNTIME} on this machine (none on PATH nor under pyenv's "
            f"versions/), so the handler tests ran on Python {sys.version.split()[0]} only; "
            f"RUNTIME_PYTHON=/path/to/{LAMBDA_RUNTIME} names one",
            flush=True,
        )
        return DONE
    interpreter, version = found
    tests = handler_test_files(REPO_ROOT / "tests")
    print(
        f"{TOOL}: {len(tests)} test files that import handlers/, on the functions' "
        f"{LAMBDA_RUNTIME}: {interpreter} (Python {version})",
        flush=True,
    )
    python = ensure_venv(interpreter, version)
    command = [str(python), "-m", "pytest", *map(str, tests), *pytest_args]
    return subprocess.run(command, cwd=REPO_ROOT, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main())
