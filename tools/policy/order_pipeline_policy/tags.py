"""Every taggable resource says which project, stack and environment it belongs to.

Which types take tags is read from pulumi_aws, as the program's tag transform reads it: a
type whose `<Class>Args` takes a map of `tags`. The tags must be in the resource's own
inputs: provider default tags are merged in only at deploy time, where no policy sees them.
"""

from __future__ import annotations

import collections.abc
import importlib
import inspect
import keyword
import typing
from collections.abc import Mapping
from functools import cache

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy
from pulumi_policy.proxy import UnknownValueError

REQUIRED_TAG_KEYS = ("project", "stack", "environment")
AWS_PACKAGE = "aws"
URN_PREFIX = "urn:pulumi:"


@cache
def takes_tags(resource_type: str) -> bool:
    package, _, rest = resource_type.partition(":")
    module, _, class_name = rest.partition(":")
    if package != AWS_PACKAGE:
        return False
    section = module.split("/")[0]
    python_module = importlib.import_module(
        f"pulumi_aws.{section}_" if keyword.iskeyword(section) else f"pulumi_aws.{section}"
    )
    tags = inspect.signature(getattr(python_module, f"{class_name}Args").__init__).parameters
    return "tags" in tags and any(
        typing.get_origin(alternative) is collections.abc.Mapping
        for alternative in typing.get_args(tags["tags"].annotation)
    )


def _owner(urn: str) -> dict[str, str]:
    """The stack and project a URN (`urn:pulumi:<stack>::<project>::...`) places it in."""
    stack, project, *_ = urn.removeprefix(URN_PREFIX).split("::")
    return {"project": project, "stack": stack}


def _required_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not takes_tags(args.resource_type):
        return
    try:
        tags = args.props.get("tags")
        tags = dict(tags) if isinstance(tags, Mapping) else {}
    except UnknownValueError:
        return  # a preview: tags computed from values not known yet
    missing = [key for key in REQUIRED_TAG_KEYS if not tags.get(key)]
    if missing:
        report(
            f"Taggable resource lacks the tags {', '.join(missing)}: every taggable resource "
            f"says which {', '.join(REQUIRED_TAG_KEYS)} it belongs to.",
            None,
        )
    for key, owner in _owner(args.urn).items():
        if tags.get(key) and tags[key] != owner:
            report(f"Tag {key} is '{tags[key]}', but the resource belongs to '{owner}'.", None)


TAG_POLICIES = [
    ResourceValidationPolicy(
        name="aws-required-tags",
        description="Taggable resources say which project, stack and environment they belong to.",
        validate=_required_tags,
    ),
]
