"""The local run's environment variables: defaults, ports and the visibility override."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.entry_points import with_stacks
from tools.local_run.options import LocalOptions, LocalRunError


def test_defaults_pick_free_ports_and_the_dev_stack() -> None:
    options = LocalOptions.from_environment({})
    assert (options.stack, options.api_port, options.aws_port) == ("dev", 0, 0)
    assert options.log_dir.name == ".local-logs"


def test_ports_stack_and_log_dir_come_from_the_environment() -> None:
    options = LocalOptions.from_environment(
        {"API_PORT": "8080", "AWS_PORT": "4566", "LOCAL_STACK": "prod", "LOCAL_LOG_DIR": "logs"},
        default_api_port=8000,
    )
    assert (options.stack, options.api_port, options.aws_port) == ("prod", 8080, 4566)
    assert options.log_dir == Path("logs")


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"API_PORT": "http"}, "API_PORT"),
        ({"AWS_PORT": "70000"}, "AWS_PORT"),
        ({"LOCAL_STACK": "staging"}, "LOCAL_STACK"),
        ({"LOCAL_VISIBILITY_TIMEOUT_SECONDS": "0"}, "LOCAL_VISIBILITY_TIMEOUT_SECONDS"),
    ],
)
def test_a_bad_value_names_its_variable(environment: dict[str, str], named: str) -> None:
    with pytest.raises(LocalRunError, match=named):
        LocalOptions.from_environment(environment)


def test_a_retry_comes_seconds_after_the_batching_window_by_default() -> None:
    options = LocalOptions.from_environment({})
    assert options.visibility_timeout_for(batching_window_seconds=0) == 5
    assert options.visibility_timeout_for(batching_window_seconds=2) == 7


def test_an_explicit_visibility_timeout_must_outlast_the_window() -> None:
    options = LocalOptions.from_environment({"LOCAL_VISIBILITY_TIMEOUT_SECONDS": "3"})
    assert options.visibility_timeout_for(batching_window_seconds=2) == 3
    with pytest.raises(LocalRunError, match="longer than the mapping's batching window"):
        options.visibility_timeout_for(batching_window_seconds=3)


def test_the_stacks_are_the_stack_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_stacks(tmp_path, monkeypatch, staging="config:\n  aws:region: eu-west-1\n")

    assert LocalOptions.from_environment({"LOCAL_STACK": "staging"}).stack == "staging"
    with pytest.raises(LocalRunError, match=r"LOCAL_STACK='qa' is not one of dev, prod, staging"):
        LocalOptions.from_environment({"LOCAL_STACK": "qa"})
