"""Every IAM policy document in a stack, linted with parliament.

Documents are found wherever they sit in the recorded inputs (role and inline policies,
trust policies, queue, topic and key policies): any JSON object with a `Statement`. A
finding fails the check unless `tools.fidelity.iam_reviewed` explains why it is accepted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import parliament

from tools.fidelity.iam_reviewed import REVIEWED, ReviewedFinding
from tools.fidelity.recorded_stack import Finding, Stack, json_document, label
from tools.pulumi_mocks.recording import RecordedResource

IDENTITY_POLICY_TYPES = frozenset(
    {"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:iam/role:Role"}
)
TRUST_POLICY_INPUT = "assumeRolePolicy"


@dataclass(frozen=True)
class PolicyDocument:
    resource: RecordedResource
    path: str
    kind: str
    """`identity`, `trust` (a role's assume-role policy) or `resource` (queue, topic, key)."""
    document: dict[str, Any]


@dataclass(frozen=True)
class LintFinding:
    source: PolicyDocument
    issue: str
    detail: str

    def as_finding(self) -> Finding:
        where = f"{self.source.path} ({self.source.kind} policy)"
        return Finding(
            "iam-lint", label(self.source.resource), f"{where}: {self.issue} {self.detail}"
        )


def _documents_in(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    parsed = json_document(value) if isinstance(value, str) else value
    if isinstance(parsed, dict):
        if "Statement" in parsed:
            yield path, parsed
            return
        for key, item in parsed.items():
            yield from _documents_in(item, f"{path}.{key}")
    elif isinstance(parsed, list):
        for index, item in enumerate(parsed):
            yield from _documents_in(item, f"{path}[{index}]")


def policy_documents(stack: Stack) -> list[PolicyDocument]:
    found: list[PolicyDocument] = []
    for resource in stack.aws_resources():
        for key, value in resource.inputs.items():
            for path, document in _documents_in(value, key):
                if key == TRUST_POLICY_INPUT:
                    kind = "trust"
                elif resource.type in IDENTITY_POLICY_TYPES:
                    kind = "identity"
                else:
                    kind = "resource"
                found.append(PolicyDocument(resource, path, kind, document))
    return found


def lint(document: PolicyDocument) -> list[LintFinding]:
    analysed = parliament.analyze_policy_string(
        json.dumps(document.document), include_community_auditors=True
    )
    return [
        LintFinding(document, str(finding.issue), _detail(finding.detail))
        for finding in analysed.findings
    ]


def _detail(detail: Any) -> str:
    return detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True)


def reviewed_by(finding: LintFinding) -> ReviewedFinding | None:
    return next((entry for entry in REVIEWED if entry.covers(finding)), None)


@dataclass(frozen=True)
class LintReport:
    documents: list[PolicyDocument]
    findings: list[LintFinding]

    @property
    def unreviewed(self) -> list[Finding]:
        return [f.as_finding() for f in self.findings if reviewed_by(f) is None]

    @property
    def suppressed(self) -> list[tuple[LintFinding, ReviewedFinding]]:
        pairs = [(f, reviewed_by(f)) for f in self.findings]
        return [(f, entry) for f, entry in pairs if entry is not None]


def lint_stack(stack: Stack) -> LintReport:
    documents = policy_documents(stack)
    return LintReport(documents, [finding for doc in documents for finding in lint(doc)])
