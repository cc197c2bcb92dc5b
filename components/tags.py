"""Tags on every taggable resource of the stack, from one stack transform.

A transform rather than the AWS provider's `defaultTags`: the provider merges default tags in
at deploy time, so they are in no resource's inputs, which are what `pulumi preview` diffs,
what the policy pack checks and what the mocks tests read
(https://www.pulumi.com/docs/iac/concepts/options/transforms/). Written into each resource's
own `tags`, they are checked before anything is deployed. A stack's `aws:defaultTags`, if
one sets them, still apply; on a key set both ways the resource's own tag wins.
"""

from __future__ import annotations

import collections.abc
import importlib
import inspect
import keyword
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

import pulumi

AWS_PACKAGE = "aws"


@cache
def takes_tags(resource_type: str) -> bool:
    """Whether a resource type takes a map of tags, as its pulumi_aws class says.

    `aws:sqs/queue:Queue` is `pulumi_aws.sqs.QueueArgs`, whose `tags` is a map; an
    `aws:lambda/permission:Permission` takes none, and an Auto Scaling group takes a list of
    tag blocks, which the provider's default tags skip too.
    """
    package, _, rest = resource_type.partition(":")
    module, _, class_name = rest.partition(":")
    if package != AWS_PACKAGE:
        return False
    section = module.split("/")[0]
    # pulumi_aws names a section that is a Python keyword with a trailing `_` (lambda_).
    python_module = importlib.import_module(
        f"pulumi_aws.{section}_" if keyword.iskeyword(section) else f"pulumi_aws.{section}"
    )
    # Every pulumi_aws resource class has its Args class: none means the mapping broke.
    args_class = getattr(python_module, f"{class_name}Args")
    tags = inspect.signature(args_class.__init__).parameters.get("tags")
    return tags is not None and any(
        typing.get_origin(alternative) is collections.abc.Mapping
        for alternative in typing.get_args(tags.annotation)
    )


def with_stack_tags(
    resource_type: str, props: Mapping[str, Any], stack_tags: Mapping[str, str]
) -> dict[str, Any] | None:
    """`props` with the stack's tags laid over the resource's own, or None for a type that
    takes no tags. The stack's win: they say whose the resource is."""
    if not takes_tags(resource_type):
        return None
    own = props.get("tags")
    if own is not None and not isinstance(own, Mapping):
        raise TypeError(
            f"a {resource_type} has tags not known when it is registered ({own!r}); "
            "give it plain tags, or none and let the stack's apply"
        )
    return {**props, "tags": {**(own or {}), **stack_tags}}


def tag_every_resource(stack_tags: Mapping[str, str]) -> None:
    """Tag every resource registered from now on whose type takes tags."""
    tags = dict(stack_tags)

    def add_tags(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        props = with_stack_tags(args.type_, args.props, tags) if args.custom else None
        return None if props is None else pulumi.ResourceTransformResult(props, args.opts)

    pulumi.runtime.register_resource_transform(add_tags)
