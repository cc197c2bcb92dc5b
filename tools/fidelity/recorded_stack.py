"""One stack's recorded resources, with the lookups every check needs."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import Any

from tools.pulumi_mocks.program import run_program
from tools.pulumi_mocks.recording import ACCOUNT_ID, RecordedResource

# Attributes the provider computes that other resources point at.
IDENTIFYING_ATTRIBUTES = (
    "arn",
    "url",
    "name",
    "stream_arn",
    "invoke_arn",
    "execution_arn",
    "invoke_url",
    "key_id",
    "root_resource_id",
)

# How another resource may point into a resource: `table/x/index/i`, `log-group:x:*`, ...
_INNER_SEPARATORS = ("/", ":")

AUTO_NAME_SUFFIX_LENGTH = len("-") + 7
"""Pulumi auto-names a resource `<logical name>-<7 random characters>`."""
AUTO_NAMED = re.compile(r"^[A-Za-z0-9_.-]+-[0-9a-f]{7}$")
"""An auto-name as the mocks make it (7 hex characters): a value shaped so is a reference."""


@dataclass(frozen=True)
class Finding:
    """One thing AWS (or the project's rules) would refuse, about one resource."""

    check: str
    resource: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.resource}: {self.message}"


def label(resource: RecordedResource) -> str:
    return f"{resource.type} {resource.name}"


def mock_id(resource: RecordedResource) -> str:
    """The id the recording mocks give a resource (what `resource.id` resolves to)."""
    return f"{resource.name}-id"


@dataclass(frozen=True)
class Stack:
    name: str
    region: str
    resources: tuple[RecordedResource, ...]
    outputs: Mapping[str, Any]
    account: str = ACCOUNT_ID

    def aws_resources(self) -> list[RecordedResource]:
        """Provider resources, without the program's own components."""
        return [r for r in self.resources if r.type.startswith("aws:")]

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def named(self, type_: str, name: str) -> RecordedResource:
        matches = [r for r in self.of_type(type_) if r.name == name]
        if len(matches) != 1:
            raise LookupError(f"expected one {type_} named {name!r} in stack {self.name}")
        return matches[0]

    @cached_property
    def identifiers(self) -> dict[str, RecordedResource]:
        """Every value another resource could use to point at a resource."""
        found: dict[str, RecordedResource] = {}
        for resource in self.resources:
            found[mock_id(resource)] = resource
            for attribute in IDENTIFYING_ATTRIBUTES:
                value = resource.state.get(attribute)
                if isinstance(value, str) and value:
                    found.setdefault(value, resource)
        return found

    def resolve(self, value: str) -> RecordedResource | None:
        """The resource `value` names or points into, if any."""
        identifiers = self.identifiers
        if value in identifiers:
            return identifiers[value]
        candidates = [
            (identifier, resource)
            for identifier, resource in identifiers.items()
            if any(value.startswith(identifier + sep) for sep in _INNER_SEPARATORS)
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda candidate: len(candidate[0]))[1]

    def resolve_as(self, value: Any, type_: str) -> RecordedResource | None:
        resource = self.resolve(value) if isinstance(value, str) else None
        return resource if resource is not None and resource.type == type_ else None

    def with_inputs(self, type_: str, logical_name: str, /, **changes: Any) -> Stack:
        """A copy of the stack where one resource's inputs (and state) changed; None deletes."""
        target = self.named(type_, logical_name)

        def apply(values: Mapping[str, Any]) -> dict[str, Any]:
            updated = copy.deepcopy(dict(values))
            for key, value in changes.items():
                if value is None:
                    updated.pop(key, None)
                else:
                    updated[key] = value
            return updated

        changed = replace(target, inputs=apply(target.inputs), state=apply(target.state))
        return replace(self, resources=tuple(changed if r is target else r for r in self.resources))

    def without(self, type_: str, name: str) -> Stack:
        target = self.named(type_, name)
        return replace(self, resources=tuple(r for r in self.resources if r is not target))


@cache
def load_stack(stack: str) -> Stack:
    """The stack as `pulumi up` would register it, from its own config file."""
    run = run_program(stack)
    return Stack(stack, run.mocks.region, tuple(run.resources), dict(run.outputs))


def strings_in(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string leaf of an input value with its path; JSON documents are opened too."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings_in(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from strings_in(item, f"{path}[{index}]")
    elif isinstance(value, str):
        document = json_document(value)
        if document is None:
            yield path, value
        else:
            yield from strings_in(document, path)


def iam_pattern(text: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """An IAM wildcard (`*` any characters, `?` one) as a regular expression."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile("".join(parts), re.IGNORECASE if ignore_case else 0)


def json_document(text: str) -> Any:
    """`text` parsed if it is a JSON object or array (policies, dashboard bodies), else None."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None
