"""An SNS topic encrypted with its own customer managed KMS key, for a component to own.

A function, not a ComponentResource: the key and the topic are registered as children of the
calling component, so their URNs stay the ones live stacks already have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components import iam

# In a key policy "*" is the key itself: its ARN does not exist before the policy.
THIS_KEY = "*"


@dataclass(frozen=True)
class TopicKeyUser:
    """Who may have SNS use the key on their behalf when they publish to the topic."""

    sid: str
    principal: Mapping[str, pulumi.Input[str]]
    """A key policy principal, e.g. `{"Service": "cloudwatch.amazonaws.com"}`."""
    condition: Mapping[str, Any] | None = None

    @property
    def actions(self) -> list[str]:
        """What the key policy lets it have SNS do, as the SNS guide writes it for an AWS
        service (a `Service` principal) and for any other publisher."""
        if "Service" in self.principal:
            return iam.SERVICE_TOPIC_KEY_USE_ACTIONS
        return iam.TOPIC_KEY_USE_ACTIONS


@dataclass(frozen=True)
class EncryptedTopic:
    key: aws.kms.Key
    topic: aws.sns.Topic


def account_root(partition: pulumi.Input[str], account_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """The account as a key policy principal: it hands the decision to the account's IAM."""
    return pulumi.Output.concat("arn:", partition, ":iam::", account_id, ":root")


def create_encrypted_topic(
    *,
    topic_name: str,
    key_name: str,
    key_description: str,
    administrator: pulumi.Input[str],
    user: TopicKeyUser,
    parent: pulumi.Resource,
    fifo: bool = False,
) -> EncryptedTopic:
    """A rotating key that `administrator` manages and only `user` may use, and its topic
    (a FIFO one if `fifo`: Pulumi's auto-name then ends in `.fifo`, as SNS requires)."""
    use: dict[str, Any] = {
        "Sid": user.sid,
        "Effect": "Allow",
        "Principal": user.principal,
        "Action": user.actions,
        "Resource": THIS_KEY,
    }
    if user.condition is not None:
        use["Condition"] = user.condition
    administer: iam.Statement = {
        "Sid": "AccountAdministersTheKey",
        "Effect": "Allow",
        "Principal": {"AWS": administrator},
        # Manage, never use: with no kms:GenerateDataKey or kms:CreateGrant here, no IAM policy
        # in the account can have the key used beyond what the `user` statement allows.
        "Action": iam.KEY_ADMINISTRATION_ACTIONS,
        "Resource": THIS_KEY,
    }
    key = aws.kms.Key(
        key_name,
        description=key_description,
        enable_key_rotation=True,
        deletion_window_in_days=iam.KEY_DELETION_WINDOW_DAYS,
        policy=iam.policy_document([administer, use]),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    topic = aws.sns.Topic(
        topic_name,
        kms_master_key_id=key.arn,
        # Unset for a standard topic, so that existing topics see no change.
        fifo_topic=True if fifo else None,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return EncryptedTopic(key=key, topic=topic)
