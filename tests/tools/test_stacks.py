"""The stack names every tool accepts: the Pulumi.<stack>.yaml files, and no other list."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.entry_points import with_stacks
from tools.stacks import UnknownStack, stack_file, stack_names


def test_the_stacks_are_the_files_beside_pulumi_yaml() -> None:
    assert stack_names() == ("dev", "prod")
    assert stack_file("prod").name == "Pulumi.prod.yaml"


def test_a_stack_file_added_or_taken_away_changes_the_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_stacks(tmp_path, monkeypatch, staging="config: {}\n")
    (tmp_path / "Pulumi.dev.yaml").unlink()
    (tmp_path / "Pulumi.yaml").write_text("name: order-pipeline\n")  # the project, no stack

    assert stack_names() == ("prod", "staging")
    with pytest.raises(UnknownStack, match=r"^no stack 'dev': the stacks are prod, staging "):
        stack_file("dev")
