"""Small builders for IAM policy documents whose ARNs are still Outputs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

Statement = Mapping[str, Any]


def allow(actions: Sequence[str], resources: Sequence[pulumi.Input[str]]) -> Statement:
    return {"Effect": "Allow", "Action": list(actions), "Resource": list(resources)}


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_assume_role_policy(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def deny_insecure_transport(actions: str | Sequence[str], resource: pulumi.Input[str]) -> Statement:
    """Refuse every request that is not made over TLS, whoever makes it."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": actions if isinstance(actions, str) else list(actions),
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


# Every key-level administration action, spelled out: no crypto use and no CreateGrant,
# so administering the key never lets anyone read the events.
KEY_ADMINISTRATION_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
]

# What SNS does with the topic key on a publisher's behalf: a data key per message. The SNS
# guide's key management page writes them for a principal that publishes ("Allow a user to
# send messages to a topic with SSE") and, with a wildcard, for an AWS service publishing its
# events ("Enable compatibility between event sources from AWS services and encrypted topics"):
# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
TOPIC_KEY_USE_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"]
SERVICE_TOPIC_KEY_USE_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"]

# The actions a topic policy may name; SNS rejects "sns:*" there.
TOPIC_POLICY_ACTIONS = [
    "SNS:AddPermission",
    "SNS:DeleteTopic",
    "SNS:GetTopicAttributes",
    "SNS:ListSubscriptionsByTopic",
    "SNS:Publish",
    "SNS:RemovePermission",
    "SNS:SetTopicAttributes",
    "SNS:Subscribe",
]

# Time to notice and undo a mistaken key deletion: the longest window KMS allows.
KEY_DELETION_WINDOW_DAYS = 30
