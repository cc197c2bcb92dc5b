"""Tags: every taggable resource of every stack says whose it is; nothing else is tagged."""

from __future__ import annotations

import importlib
import json
import keyword
from functools import cache

import pulumi
import pulumi_aws as aws
import pytest

from components.order_api import ACCESS_LOGS_TAG
from components.tags import tag_every_resource, takes_tags, with_stack_tags
from settings import ConfigError
from tests.pulumi_harness import OutputChecks
from tools.pulumi_mocks.program import PROJECT, ProgramRun, run_program, stack_config
from tools.pulumi_mocks.recording import RecordingMocks
from tools.stacks import stack_names

QUEUE = "aws:sqs/queue:Queue"
STACK_TAGS = {"project": "order-pipeline", "stack": "test", "environment": "dev"}
# What the pipeline could not be without: if one of these is not tagged, the check is wrong.
CORE_TYPES = {
    QUEUE,
    "aws:dynamodb/table:Table",
    "aws:lambda/function:Function",
    "aws:lambda/eventSourceMapping:EventSourceMapping",
    "aws:iam/role:Role",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:sns/topic:Topic",
    "aws:kms/key:Key",
    "aws:apigateway/restApi:RestApi",
    "aws:apigateway/stage:Stage",
}


@cache
def _run(stack: str) -> ProgramRun:
    return run_program(stack)


def _expected_tags(stack: str) -> dict[str, str]:
    """From the stack file itself: who the stack is, and the tags it adds."""
    config = stack_config(stack)
    return {
        "project": PROJECT,
        "stack": stack,
        "environment": config.get(f"{PROJECT}:environment", stack),
        **json.loads(config.get(f"{PROJECT}:tags", "{}")),
    }


@pytest.mark.parametrize("stack", stack_names())
def test_every_taggable_resource_of_the_stack_carries_its_tags(stack: str) -> None:
    resources = [r for r in _run(stack).resources if r.type.startswith("aws:")]
    taggable = [r for r in resources if takes_tags(r.type)]
    assert {r.type for r in taggable} >= CORE_TYPES
    expected = _expected_tags(stack)
    # A component's own tag stays beside the stack's: the stage says why it writes no access log.
    own = {"aws:apigateway/stage:Stage": {ACCESS_LOGS_TAG}}
    assert [
        (
            r.type,
            r.name,
            {k: v for k, v in r.inputs["tags"].items() if k not in own.get(r.type, ())},
        )
        for r in taggable
    ] == [(r.type, r.name, expected) for r in taggable]


@pytest.mark.parametrize("stack", stack_names())
def test_a_type_that_takes_no_tags_is_given_none(stack: str) -> None:
    """AWS would refuse them: the provider has no `tags` on these to send."""
    untaggable = [
        r for r in _run(stack).resources if r.type.startswith("aws:") and not takes_tags(r.type)
    ]
    assert {"aws:lambda/permission:Permission", "aws:iam/rolePolicy:RolePolicy"} <= {
        r.type for r in untaggable
    }
    assert [r.name for r in untaggable if "tags" in r.inputs] == []


def _resource_class(resource_type: str) -> type:
    """The pulumi_aws class of a type: `aws:lambda/function:Function` is lambda_.Function."""
    module, class_name = resource_type.split(":")[1:]
    section = module.split("/")[0]
    suffix = "_" if keyword.iskeyword(section) else ""
    resource_class: type = getattr(
        importlib.import_module(f"pulumi_aws.{section}{suffix}"), class_name
    )
    return resource_class


@pytest.mark.parametrize("stack", stack_names())
def test_a_type_takes_tags_exactly_when_aws_merges_default_tags_into_it(stack: str) -> None:
    """A second witness from pulumi_aws: `tags_all` is the output the provider fills with
    its tags and default tags, which only a taggable resource has."""
    types = {r.type for r in _run(stack).resources if r.type.startswith("aws:")}
    assert {t: takes_tags(t) for t in types} == {
        t: hasattr(_resource_class(t), "tags_all") for t in types
    }


@pytest.mark.parametrize(
    ("resource_type", "taggable"),
    [
        (QUEUE, True),
        ("aws:lambda/eventSourceMapping:EventSourceMapping", True),
        ("aws:apigateway/stage:Stage", True),
        ("aws:apigateway/deployment:Deployment", False),
        ("aws:lambda/permission:Permission", False),
        ("aws:sqs/queuePolicy:QueuePolicy", False),
        ("aws:sns/topicSubscription:TopicSubscription", False),
        ("aws:cloudwatch/dashboard:Dashboard", False),
        ("aws:autoscaling/group:Group", False),  # a list of tag blocks, not a map
        ("pulumi:providers:aws", False),
        ("order-pipeline:storage:OrderStore", False),
    ],
)
def test_whether_a_type_takes_tags_comes_from_its_pulumi_aws_class(
    resource_type: str, taggable: bool
) -> None:
    assert takes_tags(resource_type) is taggable


def test_a_type_pulumi_aws_does_not_have_is_an_error_not_untaggable() -> None:
    with pytest.raises(AttributeError, match="QeueArgs"):
        takes_tags("aws:sqs/qeue:Qeue")


def test_the_stacks_tags_are_laid_over_a_resources_own() -> None:
    props = {"name": "orders", "tags": {"Name": "orders", "stack": "elsewhere"}}
    assert with_stack_tags(QUEUE, props, STACK_TAGS) == {
        "name": "orders",
        "tags": {"Name": "orders", **STACK_TAGS},
    }
    assert with_stack_tags("aws:sqs/queuePolicy:QueuePolicy", props, STACK_TAGS) is None


def test_own_tags_not_known_at_registration_are_refused_not_dropped() -> None:
    with pytest.raises(TypeError, match="aws:sqs/queue:Queue has tags not known"):
        with_stack_tags(QUEUE, {"tags": "04da6b54-unknown"}, STACK_TAGS)


@pulumi.runtime.test
def test_the_transform_tags_what_is_registered_after_it(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    tag_every_resource(STACK_TAGS)
    queue = aws.sqs.Queue("q", tags={"Name": "orders"})
    policy = aws.sqs.QueuePolicy("q-policy", queue_url=queue.url, policy="{}")

    def check(_: object) -> None:
        assert pulumi_mocks.named(QUEUE, "q").inputs["tags"] == {"Name": "orders", **STACK_TAGS}
        assert (
            "tags" not in pulumi_mocks.named("aws:sqs/queuePolicy:QueuePolicy", "q-policy").inputs
        )

    return checks.that(policy.urn, check)


@pytest.mark.parametrize(
    ("tags", "named"),
    [({"aws:team": "orders"}, "aws:team"), ({"Stack": "prod"}, "Stack")],
)
def test_a_tag_aws_would_refuse_stops_the_program_before_any_resource(
    tags: dict[str, str], named: str
) -> None:
    mocks = RecordingMocks(region="eu-west-1")
    with pytest.raises(ConfigError, match=f"'{PROJECT}:tags': tag '{named}'"):
        run_program("dev", {f"{PROJECT}:tags": json.dumps(tags)}, mocks=mocks)
    assert mocks.resources == []
