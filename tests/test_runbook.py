"""docs/runbook.md has a section for every alarm the program creates, and only for those."""

from __future__ import annotations

import re

import pytest

from tests.stack_graphs import stack_graph
from tools.ops.stack_graph import StackGraph
from tools.pulumi_mocks.program import PROJECT
from tools.repository import REPO_ROOT
from tools.stacks import stack_names

RUNBOOK = REPO_ROOT / "docs" / "runbook.md"
ALARM_SECTION = re.compile(r"^### `([a-z0-9-]+)`$", flags=re.MULTILINE)


def _is_alarm(type_: str) -> bool:
    return type_.startswith("aws:cloudwatch/") and type_.endswith("Alarm")


def program_alarms(graph: StackGraph) -> dict[str, str]:
    """Section name (the logical name without its component's prefix) -> alarm name."""
    alarms = {}
    for key, resource in graph.resources.items():
        if not _is_alarm(resource.type):
            continue
        owner = graph.parents.get(key)
        section = resource.name.removeprefix(f"{owner[1]}-") if owner else resource.name
        alarms[section] = str(resource.inputs.get("name", resource.name))
    return alarms


def runbook_sections(text: str) -> dict[str, str]:
    """Alarm section name -> its text, from the "## Alarms" chapter."""
    alarms_chapter = text.split("\n## Alarms\n", 1)[-1].split("\n## ", 1)[0]
    parts = ALARM_SECTION.split(alarms_chapter)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.fixture(scope="module")
def alarms_by_stack() -> dict[str, dict[str, str]]:
    return {stack: program_alarms(stack_graph(stack)) for stack in stack_names()}


@pytest.fixture(scope="module")
def sections() -> dict[str, str]:
    return runbook_sections(RUNBOOK.read_text(encoding="utf-8"))


@pytest.mark.parametrize("stack", stack_names())
def test_every_alarm_has_a_runbook_section(
    alarms_by_stack: dict[str, dict[str, str]], sections: dict[str, str], stack: str
) -> None:
    alarms = alarms_by_stack[stack]

    assert alarms, "the program creates no alarm: is Monitoring still composed?"
    missing = sorted(set(alarms) - set(sections))
    assert not missing, f"add a '### `<name>`' section to docs/runbook.md for: {missing}"


def test_every_runbook_section_is_an_alarm_of_some_stack(
    alarms_by_stack: dict[str, dict[str, str]], sections: dict[str, str]
) -> None:
    created = {section for alarms in alarms_by_stack.values() for section in alarms}

    stale = sorted(set(sections) - created)
    assert not stale, f"docs/runbook.md describes alarms the program no longer creates: {stale}"


@pytest.mark.parametrize("stack", stack_names())
def test_section_names_end_the_alarm_names_operators_see(
    alarms_by_stack: dict[str, dict[str, str]], stack: str
) -> None:
    for section, alarm_name in alarms_by_stack[stack].items():
        assert alarm_name == f"{PROJECT}-{stack}-{section}"


def test_each_section_says_what_it_means_how_to_confirm_and_what_to_do(
    sections: dict[str, str],
) -> None:
    for name, body in sections.items():
        for part in ("**Means:**", "**Confirm:**", "**Do:**"):
            assert part in body, f"section {name!r} lacks {part}"


def test_only_the_alarms_chapter_holds_alarm_sections() -> None:
    text = "# Runbook\n\n## Alarms\n\n### `known`\n\n**Means:** x\n\n## Later\n\n### `other`\n"

    found = runbook_sections(text)

    assert set(found) == {"known"}
    assert "**Means:** x" in found["known"]
