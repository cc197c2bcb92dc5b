"""`make synth`: a stack's inventory, offline, stable enough to diff dev against prod."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.entry_points import (
    REFUSED_CONFIG,
    REFUSED_KEY,
    run_make,
    the_one_line,
    with_stacks,
)
from tests.tools.fidelity import mutations as m
from tools.fidelity.recorded_stack import Stack, load_stack
from tools.fidelity.synth import inventory, main
from tools.repository import REPO_ROOT


def _block(lines: list[str], heading_prefix: str) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith(heading_prefix))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i]), len(lines))
    return lines[start:end]


def test_every_resource_is_listed_once_with_its_physical_name(stack: Stack) -> None:
    lines = inventory(stack)
    headings = [line for line in lines if line.startswith("aws:")]
    expected = sorted((r.type, r.name, r.state.get("name")) for r in stack.aws_resources())
    assert [h.split(" ")[:2] for h in headings] == [[t, n] for t, n, _ in expected]
    for (_, _, physical), heading in zip(expected, headings, strict=True):
        assert heading.endswith(f"({physical})") == bool(physical)
    assert lines[0].startswith(f"# stack {stack.name} ({stack.region}): {len(headings)} resources")


def test_settings_are_listed_under_their_resource(dev: Stack) -> None:
    queue = dev.named(m.QUEUE, m.MAIN_QUEUE)
    block = _block(inventory(dev), f"{m.QUEUE} {m.MAIN_QUEUE} ")
    visibility = int(queue.inputs["visibilityTimeoutSeconds"])
    assert f"  visibilityTimeoutSeconds = {visibility}" in block
    assert "  redrivePolicy.maxReceiveCount = 5" in block


def test_policy_documents_are_opened_and_large_documents_summarised(dev: Stack) -> None:
    lines = inventory(dev)
    policy = _block(lines, f"{m.ROLE_POLICY} {m.PROCESSOR_POLICY}")
    assert '  policy.Statement[0].Action = ["dynamodb:PutItem"]' in policy
    api = _block(lines, "aws:apigateway/restApi:RestApi")
    (body,) = [line for line in api if line.startswith("  body = ")]
    assert body.startswith("  body = <OpenAPI 3.0.1: GET /customers/{customerId}/orders, ")
    function = _block(lines, f"{m.FUNCTION} {m.PROCESSOR}")
    assert any(line.startswith("  code = <archive of ") for line in function)


def test_the_stacks_tags_are_listed_once_under_the_heading(dev: Stack) -> None:
    queue = dev.named(m.QUEUE, m.MAIN_QUEUE)
    lines = inventory(dev)
    tags = dict(queue.inputs["tags"])
    assert tags["stack"] == "dev"
    assert lines[1 : 1 + len(tags)] == [f'# tags.{k} = "{v}"' for k, v in sorted(tags.items())]
    assert "  tags = <the stack's tags>" in _block(lines, f"{m.QUEUE} {m.MAIN_QUEUE} ")
    retagged = inventory(m.change(m.QUEUE, m.MAIN_QUEUE, tags={**tags, "stack": "other"})(dev))
    block = _block(retagged, f"{m.QUEUE} {m.MAIN_QUEUE} ")
    assert '  tags.stack = "other"' in block
    assert "  tags = <the stack's tags>" not in block


def test_the_inventory_is_the_same_on_every_run() -> None:
    assert inventory(load_stack("prod")) == inventory(load_stack("prod"))


def test_the_diff_shows_what_prod_sets_differently(capsys: pytest.CaptureFixture[str]) -> None:
    dev, prod = load_stack("dev"), load_stack("prod")
    before = int(dev.named(m.LOG_GROUP, m.PROCESSOR_LOGS).inputs["retentionInDays"])
    after = int(prod.named(m.LOG_GROUP, m.PROCESSOR_LOGS).inputs["retentionInDays"])
    assert before != after
    assert main(["--diff", "dev", "prod"]) == 0
    diff = capsys.readouterr().out.splitlines()
    assert diff[:2] == ["--- dev", "+++ prod"]
    assert f"-  retentionInDays = {before}" in diff
    assert f"+  retentionInDays = {after}" in diff
    # Tagged for its own stack, each resource reads the same in both: the heading says which.
    assert '+# tags.stack = "prod"' in diff
    tag_lines = {line[1:] for line in diff[2:] if line[:1] in "-+" and "tags" in line}
    assert all(
        line.startswith("  tags = <the stack's tags>")
        for line in tag_lines
        if not line.startswith("# tags.")
    )


def test_the_command_prints_one_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prod"]) == 0
    assert capsys.readouterr().out == "\n".join(inventory(load_stack("prod"))) + "\n"


@pytest.mark.parametrize("arguments", [["staging"], ["--diff", "dev", "staging"]])
def test_a_stack_that_does_not_exist_is_one_line_naming_those_that_do(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(arguments) == 2
    line = the_one_line(capsys.readouterr().err, "synth")
    assert line == (
        "synth: no stack 'staging': the stacks are dev, prod (one Pulumi.<stack>.yaml each)"
    )


def test_make_synth_of_a_stack_that_does_not_exist_is_one_line() -> None:
    exit_code, stderr = run_make("synth", "STACK=staging")

    assert exit_code == 2
    assert "no stack 'staging'" in the_one_line(stderr, "synth")


def test_a_stack_file_added_is_a_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A name no other test uses: load_stack keeps what it loaded for the whole session.
    with_stacks(tmp_path, monkeypatch, added=(REPO_ROOT / "Pulumi.dev.yaml").read_text())

    assert main(["added"]) == 0
    assert capsys.readouterr().out.startswith("# stack added (eu-west-1)")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (REFUSED_CONFIG, f"invalid stack config '{REFUSED_KEY}': 'lots' is not a whole number"),
        ("config: [unclosed", "Pulumi.broken.yaml is not valid YAML"),
        ("config: a string", "Pulumi.broken.yaml: `config` is not a mapping"),
    ],
)
def test_a_stack_whose_config_is_refused_is_one_line_naming_the_problem(
    text: str,
    named: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with_stacks(tmp_path, monkeypatch, broken=text)

    assert main(["broken"]) == 2
    assert named in the_one_line(capsys.readouterr().err, "synth")
