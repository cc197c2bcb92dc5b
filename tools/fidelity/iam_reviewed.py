"""The one reviewed list of parliament findings the project accepts, each with its reason.

An entry covers findings by issue, document kind, resource type and a fragment of the
detail; a test
fails when an entry no longer covers anything, so the list cannot silently grow stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.fidelity.iam_lint import LintFinding


@dataclass(frozen=True)
class ReviewedFinding:
    issue: str
    kind: str
    resource_type: str
    detail_contains: str
    reason: str

    def covers(self, finding: LintFinding) -> bool:
        return (
            finding.issue == self.issue
            and finding.source.kind == self.kind
            and finding.source.resource.type == self.resource_type
            and self.detail_contains in finding.detail
        )


ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KMS_KEY = "aws:kms/key:Key"

REVIEWED: tuple[ReviewedFinding, ...] = (
    ReviewedFinding(
        issue="MALFORMED",
        kind="trust",
        resource_type=ROLE,
        detail_contains="Statement contains neither Resource nor NotResource",
        reason=(
            "A role's trust policy names a Principal and never a Resource (IAM refuses one); "
            "parliament 1.6 lints every document as an identity policy."
        ),
    ),
    ReviewedFinding(
        issue="RESOURCE_MISMATCH",
        kind="identity",
        resource_type=ROLE_POLICY,
        detail_contains='"required_format": "arn:*:dynamodb:*:*:table/*/stream/*"',
        reason=(
            "The grant names the table's real stream ARN. Its label is a timestamp with "
            "colons (table/t/stream/2026-01-01T00:00:00.000), and parliament 1.6 splits ARNs "
            "on ':' so it misreads every real stream ARN."
        ),
    ),
    ReviewedFinding(
        issue="RESOURCE_STAR",
        kind="resource",
        resource_type=KMS_KEY,
        detail_contains="",
        reason=(
            'In a key policy "Resource" must be "*", and means this key only '
            "(KMS developer guide, Key policies)."
        ),
    ),
    ReviewedFinding(
        issue="PERMISSIONS_MANAGEMENT_ACTIONS",
        kind="resource",
        resource_type=KMS_KEY,
        detail_contains="",
        reason=(
            "The account must keep kms:PutKeyPolicy on its own key, or KMS refuses the policy "
            "(the lockout safety check) and the key could never be administered again."
        ),
    ),
)
