"""The Python versions the project names agree: the functions' runtime (settings/core.py) with
the one docs/testing.md says the handler tests run on, and the supported versions in the
README with the Makefile's refusal, docs/testing.md and pyproject's requires-python."""

from __future__ import annotations

import re
import tomllib

from settings.core import LAMBDA_RUNTIME
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
