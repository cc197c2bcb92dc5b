"""The pack's required-tags rule on single resources, and its agreement with the program on
which types take tags and which tags are required."""

from __future__ import annotations

from typing import Any

import pytest
from order_pipeline_policy import tags as pack_tags
from pulumi_policy import ResourceValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from components.tags import takes_tags
from settings.tags import REQUIRED_TAG_KEYS
from tests.tools.fidelity.crossguard import OPTIONS
from tools.fidelity.recorded_stack import Stack

(POLICY,) = pack_tags.TAG_POLICIES
QUEUE = "aws:sqs/queue:Queue"
TAGS = {"project": "order-pipeline", "stack": "dev", "environment": "dev"}


def _violations(type_: str, props: dict[str, Any]) -> list[str]:
    urn = f"urn:pulumi:dev::order-pipeline::{type_}::example"
    args = ResourceValidationArgs(
        type_, unknown_checking_proxy(props), urn, "example", OPTIONS, None
    )
    found: list[str] = []

    def report(message: str, _urn: str | None = None) -> None:
        found.append(message)

    POLICY.validate(args, report)
    return found


def test_a_taggable_resource_with_the_required_tags_passes() -> None:
    assert _violations(QUEUE, {"tags": {**TAGS, "owner": "team-orders"}}) == []


@pytest.mark.parametrize(
    ("tags", "missing"),
    [
        (None, "project, stack, environment"),
        ({}, "project, stack, environment"),
        ({"project": "order-pipeline", "stack": "dev"}, "environment"),
        ({**TAGS, "environment": ""}, "environment"),
    ],
)
def test_a_taggable_resource_without_them_fails_naming_what_is_missing(
    tags: dict[str, str] | None, missing: str
) -> None:
    (message,) = _violations(QUEUE, {"tags": tags})
    assert message.startswith(f"Taggable resource lacks the tags {missing}:")


def test_tags_that_name_another_stack_or_project_fail() -> None:
    found = _violations(QUEUE, {"tags": {**TAGS, "project": "billing", "stack": "prod"}})
    assert found == [
        "Tag project is 'billing', but the resource belongs to 'order-pipeline'.",
        "Tag stack is 'prod', but the resource belongs to 'dev'.",
    ]


@pytest.mark.parametrize(
    "type_",
    [
        "aws:lambda/permission:Permission",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:cloudwatch/dashboard:Dashboard",
        "pulumi:providers:aws",
    ],
)
def test_a_type_that_takes_no_tags_needs_none(type_: str) -> None:
    assert _violations(type_, {}) == []


def test_tags_unknown_in_a_preview_are_left_to_the_update() -> None:
    assert _violations(QUEUE, {"tags": UNKNOWN_STRING_VALUE}) == []


def test_the_pack_requires_the_tags_the_program_adds() -> None:
    assert pack_tags.REQUIRED_TAG_KEYS == REQUIRED_TAG_KEYS


def test_the_pack_and_the_program_agree_on_every_type_a_stack_registers(stack: Stack) -> None:
    types = {resource.type for resource in stack.aws_resources()}
    assert {t: pack_tags.takes_tags(t) for t in types} == {t: takes_tags(t) for t in types}
