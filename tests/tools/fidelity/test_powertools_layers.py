"""The Powertools the functions run in Lambda is the Powertools the tests run.

The functions take Powertools from its public layer (`powertoolsLayerVersion`), the tests
from requirements-dev.txt; `tools.fidelity.powertools_layers` records which release each
layer version holds, with its source.
"""

from __future__ import annotations

import ast
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from components.code_archive import packaged_files
from tools.fidelity.powertools_layers import (
    LAYER_RELEASES,
    POWERTOOLS_PACKAGE,
    PROVIDED_MODULES,
    disagreement,
    layer_version,
    pinned_release,
)
from tools.fidelity.recorded_stack import Stack

FUNCTION = "aws:lambda/function:Function"
LAYER = "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64"


def test_the_tests_run_the_release_the_requirements_pin() -> None:
    assert pinned_release() == version(POWERTOOLS_PACKAGE)


@pytest.mark.parametrize(
    ("requirements", "says"),
    [
        ("boto3==1.44.8\n", "does not pin aws-lambda-powertools"),
        ("aws-lambda-powertools[tracer]>=3.0\n", "does not pin one release with =="),
        ("aws-lambda-powertools==3.1.0,!=3.1.1\n", "does not pin one release with =="),
    ],
)
def test_requirements_that_do_not_pin_one_release_are_refused(
    tmp_path: Path, requirements: str, says: str
) -> None:
    path = tmp_path / "requirements-dev.txt"
    path.write_text(f"-r requirements.txt\n# a comment\n{requirements}")
    with pytest.raises(ValueError, match=says):
        pinned_release(path)


def test_the_layer_version_is_the_arns_last_field() -> None:
    assert layer_version(f"{LAYER}:27") == 27
    with pytest.raises(ValueError, match="not a public Powertools"):
        layer_version("arn:aws:lambda:eu-west-1:123456789012:layer:Mine:27")


def test_a_layer_agrees_only_with_the_release_recorded_for_it() -> None:
    first = LAYER_RELEASES[0]
    assert disagreement(first.layer_version, first.release) is None
    other = disagreement(first.layer_version, "9.9.9")
    assert other is not None
    assert f"holds Powertools {first.release} ({first.source}); the tests run 9.9.9" in other
    unknown = disagreement(10_000, first.release)
    assert unknown is not None
    assert "layer version 10000: which release it holds is not recorded" in unknown


def test_the_table_numbers_layers_in_release_order_each_with_its_source() -> None:
    by_layer = sorted(LAYER_RELEASES, key=lambda row: row.layer_version)
    releases = [tuple(map(int, row.release.split("."))) for row in by_layer]
    assert releases == sorted(releases)
    assert len({row.layer_version for row in by_layer}) == len(by_layer)
    assert len(set(releases)) == len(releases)
    assert all(row.source.startswith("https://github.com/aws-powertools/") for row in by_layer)


def test_every_function_runs_the_layer_of_the_pinned_release(stack: Stack) -> None:
    pinned = pinned_release()
    problems = {
        f"{function.name}: {problem}"
        for function in stack.of_type(FUNCTION)
        for arn in function.inputs["layers"]
        if (problem := disagreement(layer_version(str(arn)), pinned)) is not None
    }
    assert stack.of_type(FUNCTION)
    assert not problems, "\n".join(sorted(problems))


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def test_every_module_the_handlers_import_is_packaged_or_provided_with_its_source() -> None:
    """What the code archive does not hold, the runtime or the layer must, on record."""
    imported = set().union(*(_imported_modules(p) for p in packaged_files() if p.suffix == ".py"))
    not_packaged = imported - set(sys.stdlib_module_names) - {"__future__", "handlers"}
    assert not_packaged == {provided.module for provided in PROVIDED_MODULES}
