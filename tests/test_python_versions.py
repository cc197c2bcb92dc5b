"""The Python versions the project names agree: the functions' runtime (settings/core.py) with
the one docs/testing.md says the handler tests run on, and the supported versions in the
README with the Makefile's refusal, docs/testing.md and pyproject's requires-python; and the
Makefile refuses an older Python in one line naming them."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

from settings.core import LAMBDA_RUNTIME
from tests.tools.entry_points import MAKE_VARIABLES, OUTER_MAKE
from tools.lambda_python.interpreter import runtime_version
from tools.repository import REPO_ROOT

RUNTIME_SECTION = "## The functions' Python"
# The ways the section names a Python: `python3.13`, `Python 3.13`, `versions/3.13.*`.
NAMED_VERSION = re.compile(r"python(\d+\.\d+)|Python (\d+\.\d+)|versions/(\d+\.\d+)\.\*")
SUPPORTED = re.compile(r"Python ((?:3\.\d+, )*3\.\d+ or 3\.\d+)")
MAKEFILE_FLOOR = re.compile(r"sys\.version_info < \((\d+), (\d+)\)")


def _section(page: str, heading: str) -> str:
    start = page.index(heading)
    end = page.find("\n## ", start + len(heading))
    return page[start : end if end != -1 else None]


def _supported(text: str, where: str) -> list[tuple[int, int]]:
    found = SUPPORTED.findall(text)
    assert found, f"{where} names no supported Python versions"
    assert len(set(found)) == 1, f"{where} names different versions: {found}"
    return [(int(major), int(minor)) for major, minor in re.findall(r"(\d+)\.(\d+)", found[0])]


def test_the_testing_page_names_the_runtime_the_functions_run() -> None:
    section = _section((REPO_ROOT / "docs" / "testing.md").read_text(), RUNTIME_SECTION)
    assert f"The functions run `{LAMBDA_RUNTIME}`" in section
    named = {"".join(groups) for groups in NAMED_VERSION.findall(section)}
    assert named == {"{}.{}".format(*runtime_version())}, section


def test_the_supported_versions_agree_and_include_the_runtime() -> None:
    readme = _supported((REPO_ROOT / "README.md").read_text(), "README.md")
    makefile_text = (REPO_ROOT / "Makefile").read_text()
    assert _supported(makefile_text, "Makefile") == readme
    assert _supported((REPO_ROOT / "docs" / "testing.md").read_text(), "testing.md") == readme
    assert runtime_version() in readme
    assert readme == [(3, minor) for minor in range(readme[0][1], readme[-1][1] + 1)]
    floor = MAKEFILE_FLOOR.search(makefile_text)
    assert floor is not None
    assert (int(floor[1]), int(floor[2])) == readme[0]
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">={}.{}".format(*readme[0])


# Answers as Python 3.10 would: the Makefile's check reads sys.version_info and sys.version.
OLD_PYTHON = f"""#!{sys.executable}
import sys
sys.version_info = (3, 10, 13, "final", 0)
sys.version = "3.10.13 (main)"
exec(sys.argv[2])
"""


def test_a_python_older_than_3_11_is_refused_in_one_line(tmp_path: Path) -> None:
    python = tmp_path / "python3"
    python.write_text(OLD_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    venv = tmp_path / "venv"
    make = shutil.which("make")
    assert make is not None, "make is not on PATH"
    completed = subprocess.run(  # noqa: S603 - a fixed command
        [
            make,
            "-s",
            f"PYTHON={python}",
            f"VENV={venv}",
            f"INSTALLED={venv}/.installed",
            f"BIN={venv}/bin",
            f"{venv}/.installed",
        ],
        cwd=REPO_ROOT,
        env={k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES | OUTER_MAKE},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode != 0
    refusal, make_error = completed.stderr.splitlines()
    assert refusal == f"make: {python} is Python 3.10.13; use Python 3.11, 3.12 or 3.13"
    assert make_error.startswith("make: *** ")
    assert not venv.exists()
