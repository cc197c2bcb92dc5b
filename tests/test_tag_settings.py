"""The `tags` key -> Settings.tags: the program's three tags plus the stack's, by AWS's rules."""

from __future__ import annotations

import json

import pytest

from settings import ConfigError
from settings.tags import MAX_TAGS_PER_RESOURCE, REQUIRED_TAG_KEYS
from tests.factories import settings_for

OWN = {"project": "order-pipeline", "stack": "prod", "environment": "prod"}


def _tags(tags: object) -> dict[str, str]:
    return dict(settings_for("prod", tags=json.dumps(tags)).tags)


def test_without_tags_a_resource_says_its_project_stack_and_environment() -> None:
    assert dict(settings_for("dev").tags) == {
        "project": "order-pipeline",
        "stack": "dev",
        "environment": "dev",
    }
    assert tuple(settings_for("dev").tags) == REQUIRED_TAG_KEYS


def test_the_stacks_tags_are_added_to_the_programs() -> None:
    assert _tags({"owner": "team-orders", "cost-center": "CC 42"}) == {
        **OWN,
        "owner": "team-orders",
        "cost-center": "CC 42",
    }


@pytest.mark.parametrize(
    "tags",
    [
        {"k" * 128: "v" * 256},  # the longest key and value AWS takes
        {"owner": ""},  # an empty value is a tag too
        {"équipe": "café crème", "team/area": "a_b.c:d=e+f-g@h", "n": "٣٤"},
        {f"tag{n}": "x" for n in range(MAX_TAGS_PER_RESOURCE - len(REQUIRED_TAG_KEYS))},
    ],
    ids=["longest", "empty-value", "unicode-and-symbols", "fifty-in-all"],
)
def test_whatever_aws_takes_is_taken(tags: dict[str, str]) -> None:
    assert _tags(tags) == {**OWN, **tags}


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        ({"aws:team": "orders"}, "tag 'aws:team' key starts with 'aws:'"),
        ({"AWS:Team": "orders"}, "tag 'AWS:Team' key starts with 'aws:'"),
        ({"team": "Aws:orders"}, "tag 'team' value starts with 'aws:'"),
        ({"k" * 129: "v"}, f"tag '{'k' * 129}' has a key of 129 characters; AWS takes 1..128"),
        ({"": "v"}, "tag '' has a key of 0 characters"),
        ({"team": "v" * 257}, "tag 'team' has a value of 257 characters; AWS takes at most 256"),
        ({"team#1": "orders"}, "tag 'team#1' key has '#'"),
        ({"team": "orders*"}, "tag 'team' value has '*'"),
        ({"team": "line\nbreak"}, "tag 'team' value has '\\n'"),
        ({"stack": "other"}, "tag 'stack' is the program's own"),
        ({"Environment": "qa"}, "tag 'Environment' differs from 'environment' only in case"),
        ({"Owner": "a", "owner": "b"}, "tag 'owner' differs from 'Owner' only in case"),
        (
            {f"tag{n}": "x" for n in range(MAX_TAGS_PER_RESOURCE - 2)},
            "has 48 tags; with the program's 3 that is 51, over AWS's 50 per resource",
        ),
        ({"cost-center": 42}, "'cost-center' is 42, not a string (quote it)"),
        (["owner"], "is not a JSON object of strings"),
    ],
)
def test_a_tag_aws_would_refuse_fails_naming_it(tags: object, problem: str) -> None:
    with pytest.raises(ConfigError) as failure:
        _tags(tags)
    assert failure.value.key == "tags"
    assert str(failure.value).startswith("invalid stack config 'order-pipeline:tags': ")
    assert problem in str(failure.value)


def test_tags_that_are_not_json_fail_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="'order-pipeline:tags': is not a JSON object"):
        settings_for("dev", tags="owner=me")


def test_the_tags_cannot_be_changed_once_read() -> None:
    tags = settings_for("dev").tags
    with pytest.raises(TypeError):
        tags["stack"] = "prod"  # type: ignore[index]
