"""The stack as a graph: what the program registers, which component owns each resource,
and which resources each one's inputs name.

Built from a run of the real program under mocks, so every view of it (the diagram, the
runbook check, the cost estimate) follows the program as it changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime.settings import get_monitor

from tools.pulumi_mocks.program import PROJECT, run_program, stack_config
from tools.pulumi_mocks.recording import RecordedResource, RecordingMocks

COMPONENT_PREFIX = f"{PROJECT}:"
STACK_TYPE = "pulumi:pulumi:Stack"

# Provider-computed attributes another resource's inputs can name
# (see tools/pulumi_mocks/recording.py).
IDENTIFYING_ATTRIBUTES = ("arn", "url", "name", "stream_arn", "invoke_arn", "execution_arn")

# Tags carry free text (stack or project names) that would look like references.
UNSCANNED_INPUTS = frozenset({"tags", "tagsAll"})

ResourceKey = tuple[str, str]


@dataclass(frozen=True)
class Reference:
    """`source`'s input at `path` names `target` (by ARN, URL, name or id)."""

    source: ResourceKey
    target: ResourceKey
    path: tuple[str, ...]


class _MonitorKeepingMocks(RecordingMocks):
    """RecordingMocks that also note each resource's id and the mock monitor, whose URNs say
    what type each resource's parent is: the Mocks API itself never sees the parent."""

    def __init__(self, region: str) -> None:
        super().__init__(region)
        self.ids: dict[ResourceKey, str] = {}
        self._monitor: Any = None

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self._monitor = get_monitor()
        resource_id, state = super().new_resource(args)
        self.ids[(args.typ, args.name)] = resource_id
        return resource_id, state

    def registered_urns(self) -> list[str]:
        return list(self._monitor.get_registered_resources()) if self._monitor else []


@dataclass(frozen=True)
class StackGraph:
    stack: str
    resources: dict[ResourceKey, RecordedResource]
    parents: dict[ResourceKey, ResourceKey | None]
    references: tuple[Reference, ...]

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [resource for resource in self.resources.values() if resource.type == type_]

    def children(self, key: ResourceKey | None) -> list[ResourceKey]:
        return [child for child, parent in self.parents.items() if parent == key]

    def references_from(self, key: ResourceKey) -> list[Reference]:
        return [reference for reference in self.references if reference.source == key]


def key_of(resource: RecordedResource) -> ResourceKey:
    return (resource.type, resource.name)


def is_component(type_: str) -> bool:
    return type_.startswith(COMPONENT_PREFIX)


def load_graph(stack: str, overrides: Mapping[str, str] | None = None) -> StackGraph:
    """Run the program for `stack` (config file plus `overrides`) and build its graph."""
    config = {**stack_config(stack), **(overrides or {})}
    mocks = _MonitorKeepingMocks(region=config.get("aws:region", "us-east-1"))
    run_program(stack, overrides, mocks=mocks)
    resources = {key_of(resource): resource for resource in mocks.resources}
    return build_graph(
        stack, mocks.resources, _parents(resources, mocks.registered_urns()), mocks.ids
    )


def build_graph(
    stack: str,
    recorded: list[RecordedResource],
    parents: Mapping[ResourceKey, ResourceKey | None],
    ids: Mapping[ResourceKey, str],
) -> StackGraph:
    resources = {key_of(resource): resource for resource in recorded}
    if len(resources) != len(recorded):
        raise ValueError("two resources share a type and a name; the graph cannot tell them apart")
    return StackGraph(
        stack,
        resources,
        {key: parents.get(key) for key in resources},
        tuple(_references(resources, ids)),
    )


def _parents(
    resources: dict[ResourceKey, RecordedResource], urns: list[str]
) -> dict[ResourceKey, ResourceKey | None]:
    """Each resource's owning component, or None at the top of the stack.

    A mock URN reads `urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>`: it names
    the parent's type only. Among components of that type, the parent is the one whose name
    the child's name extends (`orders` owns `orders-dlq`), the project's naming rule.
    """
    parents: dict[ResourceKey, ResourceKey | None] = {}
    for urn in urns:
        qualified_type, name = urn.split("::")[2:4]
        *owner_types, type_ = qualified_type.split("$")
        owner_type = owner_types[-1] if owner_types else STACK_TYPE
        parents[(type_, name)] = (
            None if owner_type == STACK_TYPE else _owner(resources, owner_type, name)
        )
    return parents


def _owner(
    resources: dict[ResourceKey, RecordedResource], owner_type: str, child_name: str
) -> ResourceKey:
    candidates = [key for key in resources if key[0] == owner_type]
    named = [
        key for key in candidates if child_name == key[1] or child_name.startswith(f"{key[1]}-")
    ]
    matches = named or candidates
    if len(matches) == 1:
        return matches[0]
    best = max(matches, key=lambda key: len(key[1]))
    if sum(len(key[1]) == len(best[1]) for key in matches) > 1:
        raise LookupError(f"cannot tell which {owner_type} owns {child_name!r}")
    return best


def _references(
    resources: dict[ResourceKey, RecordedResource], ids: Mapping[ResourceKey, str]
) -> Iterator[Reference]:
    owners: dict[str, set[ResourceKey]] = {}
    for key, resource in resources.items():
        if is_component(resource.type):
            continue
        identifiers = [resource.state.get(attribute) for attribute in IDENTIFYING_ATTRIBUTES]
        for identifier in [*identifiers, ids.get(key)]:
            if isinstance(identifier, str) and identifier:
                owners.setdefault(identifier, set()).add(key)
    if not owners:
        return
    # Longest first, whole tokens only: `orders-queue-1a2b` must not match inside a longer name.
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(identifier) for identifier in sorted(owners, key=len, reverse=True))
        + r")(?![\w-])"
    )
    for key, resource in resources.items():
        seen: set[tuple[ResourceKey, tuple[str, ...]]] = set()
        for path, text in _strings(resource.inputs, ()):
            for match in pattern.finditer(text):
                for target in owners[match.group(1)] - {key}:
                    if (target, path) not in seen:
                        seen.add((target, path))
                        yield Reference(key, target, path)


def _strings(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for field, item in value.items():
            if field not in UNSCANNED_INPUTS:
                yield from _strings(item, (*path, str(field)))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, path)
