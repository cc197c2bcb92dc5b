"""Every policy document of both stacks, linted with parliament: no finding but the
reviewed ones, and none of the reviewed entries stale."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tools.fidelity import mutations as m
from tools.fidelity.iam_lint import lint_stack, policy_documents
from tools.fidelity.iam_reviewed import REVIEWED
from tools.fidelity.recorded_stack import Stack, load_stack
from tools.stacks import stack_names


def test_no_unreviewed_finding_in_any_policy_document(stack: Stack) -> None:
    report = lint_stack(stack)
    assert not report.unreviewed, "\n".join(map(str, report.unreviewed))


def test_every_kind_of_document_is_linted(stack: Stack) -> None:
    kinds = {(doc.resource.type, doc.kind) for doc in policy_documents(stack)}
    assert {
        ("aws:iam/role:Role", "trust"),
        ("aws:iam/rolePolicy:RolePolicy", "identity"),
        ("aws:sqs/queuePolicy:QueuePolicy", "resource"),
        ("aws:sns/topicPolicy:TopicPolicy", "resource"),
        ("aws:kms/key:Key", "resource"),
    } <= kinds


def test_every_reviewed_entry_still_covers_a_finding() -> None:
    used = {entry for name in stack_names() for _, entry in lint_stack(load_stack(name)).suppressed}
    assert [entry for entry in REVIEWED if entry not in used] == []


def test_every_reviewed_entry_gives_its_reason() -> None:
    assert all(len(entry.reason) > 40 for entry in REVIEWED)


def _add_statement(statement: dict[str, Any]) -> m.Mutation:
    def add(document: dict[str, Any]) -> None:
        document["Statement"].append(statement)

    return m.edit_json(m.ROLE_POLICY, m.PROCESSOR_POLICY, "policy", add)


QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:orders-queue-c28a125"

CASES = [
    pytest.param(
        _add_statement({"Effect": "Allow", "Action": "sqs:*", "Resource": QUEUE_ARN}),
        "PERMISSIONS_MANAGEMENT_ACTIONS",
        id="star-action",
    ),
    pytest.param(
        _add_statement({"Effect": "Allow", "Action": "sqs:SendMesage", "Resource": QUEUE_ARN}),
        "UNKNOWN_ACTION Unknown action sqs:SendMesage",
        id="misspelt-action",
    ),
    pytest.param(
        _add_statement({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": QUEUE_ARN}),
        'RESOURCE_MISMATCH [{"action": "dynamodb:PutItem"',
        id="action-on-wrong-resource",
    ),
    pytest.param(
        _add_statement({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}),
        'RESOURCE_STAR ["dynamodb:PutItem"]',
        id="resource-star",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), CASES)
def test_a_bad_statement_is_a_finding(dev: Stack, mutate: m.Mutation, expected: str) -> None:
    messages = [finding.message for finding in lint_stack(mutate(dev)).unreviewed]
    assert any(
        message.startswith("policy (identity policy): ") and expected in message
        for message in messages
    ), messages


def test_a_reviewed_finding_is_only_accepted_where_it_was_reviewed(dev: Stack) -> None:
    """A key policy may say Resource "*"; a role policy may not."""
    mutated = _add_statement({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})(dev)
    messages = [finding.message for finding in lint_stack(mutated).unreviewed]
    assert messages == ['policy (identity policy): RESOURCE_STAR ["kms:Decrypt"]']
