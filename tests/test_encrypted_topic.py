"""The encrypted topic builder under Pulumi mocks: where its resources live, its key policy."""

from __future__ import annotations

import json
from typing import Any

import pulumi

from components.encrypted_topic import (
    EncryptedTopic,
    TopicKeyUser,
    account_root,
    create_encrypted_topic,
)
from tests.pulumi_harness import OutputChecks
from tools.pulumi_mocks.recording import ACCOUNT_ID, RecordingMocks

OWNER_TYPE = "test:index:Owner"
ACCOUNT = f"arn:aws:iam::{ACCOUNT_ID}:root"


class _Owner(pulumi.ComponentResource):
    """Stands for the component that calls the builder."""

    def __init__(self) -> None:
        super().__init__(OWNER_TYPE, "owner", None, None)


def _build(owner: _Owner, user: TopicKeyUser) -> EncryptedTopic:
    return create_encrypted_topic(
        topic_name="owner-topic",
        key_name="owner-key",
        key_description="Encrypts the owner's topic",
        administrator=account_root("aws", ACCOUNT_ID),
        user=user,
        parent=owner,
    )


def _key_policy(mocks: RecordingMocks) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(
        mocks.named("aws:kms/key:Key", "owner-key").inputs["policy"]
    )["Statement"]
    return statements


@pulumi.runtime.test
def test_key_and_topic_are_direct_children_of_the_caller_and_the_topic_uses_the_key(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    # GIVEN a component that owns an encrypted topic
    owner = _Owner()
    # WHEN the builder creates it
    built = _build(owner, TopicKeyUser(sid="ServiceUses", principal={"Service": "x.amazonaws.com"}))

    # THEN nothing stands between the component and its resources: their URNs keep the
    # component as the only parent, as they had before the builder existed
    def check(values: list[str]) -> None:
        key_urn, topic_urn, key_arn = values
        prefix = f"urn:pulumi:test::order-pipeline::{OWNER_TYPE}"
        assert key_urn == f"{prefix}$aws:kms/key:Key::owner-key"
        assert topic_urn == f"{prefix}$aws:sns/topic:Topic::owner-topic"
        assert {built.key, built.topic} <= owner._childResources
        key = pulumi_mocks.named("aws:kms/key:Key", "owner-key").inputs
        assert key["description"] == "Encrypts the owner's topic"
        assert key["enableKeyRotation"] is True
        assert key["deletionWindowInDays"] == 30
        topic = pulumi_mocks.named("aws:sns/topic:Topic", "owner-topic").inputs
        assert topic["kmsMasterKeyId"] == key_arn

    return checks.that(pulumi.Output.all(built.key.urn, built.topic.urn, built.key.arn), check)


@pulumi.runtime.test
def test_the_administrator_manages_the_key_and_only_the_user_may_use_it(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    built = _build(
        _Owner(), TopicKeyUser(sid="ServiceUses", principal={"Service": "x.amazonaws.com"})
    )

    def check(_: str) -> None:
        administer, use = _key_policy(pulumi_mocks)
        assert administer["Sid"] == "AccountAdministersTheKey"
        assert administer["Principal"] == {"AWS": ACCOUNT}
        assert "kms:ScheduleKeyDeletion" in administer["Action"]
        assert not {"kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"} & set(
            administer["Action"]
        )
        # Without a condition given, the statement carries none: not even an empty one.
        assert use == {
            "Sid": "ServiceUses",
            "Effect": "Allow",
            "Principal": {"Service": "x.amazonaws.com"},
            # As the SNS guide writes it for an AWS service publishing to an encrypted topic.
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": "*",
        }

    return checks.that(built.key.arn, check)


@pulumi.runtime.test
def test_a_users_condition_limits_only_its_own_statement(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    only_through_sns = {"StringEquals": {"kms:ViaService": "sns.eu-west-1.amazonaws.com"}}
    user = TopicKeyUser(sid="AccountUses", principal={"AWS": ACCOUNT}, condition=only_through_sns)
    built = _build(_Owner(), user)

    def check(_: str) -> None:
        administer, use = _key_policy(pulumi_mocks)
        assert use["Condition"] == only_through_sns
        assert use["Principal"] == {"AWS": ACCOUNT}
        # As the SNS guide writes it for a principal that publishes itself: no wildcard.
        assert use["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
        assert "Condition" not in administer

    return checks.that(built.key.arn, check)
