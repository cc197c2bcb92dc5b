"""`make synth`: a stack's inventory, offline, stable enough to diff dev against prod."""

from __future__ import annotations

import pytest

from tests.tools.fidelity import mutations as m
from tools.fidelity.recorded_stack import Stack, load_stack
from tools.fidelity.synth import inventory, main


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


def test_the_command_prints_one_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prod"]) == 0
    assert capsys.readouterr().out == "\n".join(inventory(load_stack("prod"))) + "\n"
