"""Reading resource properties as the policy engine hands them over.

The engine wraps properties in read-only proxies (Mappings and Sequences, not dicts and
lists) that raise on values unknown during a preview; these helpers only use the abstract
interfaces. Documents such as policies arrive as JSON strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

EMPTY: Mapping[str, Any] = {}
# The outputs that identify a resource when another one points at it.
IDENTIFYING_PROPS = ("arn", "url", "id", "name")


def block(props: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = props.get(key)
    return value if isinstance(value, Mapping) else EMPTY


def listed(value: Any) -> list[Any]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return [] if value is None else [value]


def document(value: Any) -> Mapping[str, Any]:
    """A JSON policy or redrive document, or an empty mapping if there is none."""
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, str) or not value.strip():
        return EMPTY
    try:
        parsed = json.loads(value)
    except ValueError:
        return EMPTY
    return parsed if isinstance(parsed, dict) else EMPTY


def statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in listed(policy.get("Statement")) if isinstance(s, Mapping)]


def glob(pattern: str) -> re.Pattern[str]:
    """An IAM wildcard (`*`, `?`) as a case-insensitive regular expression."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE)


def strings(value: Any) -> Iterator[str]:
    """Every string inside a property value, JSON documents opened."""
    if isinstance(value, str):
        parsed = document(value)
        if parsed:
            yield from strings(parsed)
        else:
            yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, Sequence):
        for item in value:
            yield from strings(item)


def _identifiers(resource: PolicyResource) -> set[str]:
    found: set[str] = set()
    for key in IDENTIFYING_PROPS:
        try:
            value = resource.props.get(key)
        except UnknownValueError:
            continue
        if isinstance(value, str) and value:
            found.add(value)
    return found


def depends_on(source: PolicyResource, key: str) -> list[PolicyResource]:
    """The resources `source.<key>` was computed from: known even in a preview."""
    return list(source.property_dependencies.get(key, []))


def refers_to(source: PolicyResource, key: str, target: PolicyResource) -> bool:
    """Whether `source.<key>` points at `target`: by dependency, or by one of the target's
    identifiers appearing in the value (when both are known)."""
    if any(dependency.urn == target.urn for dependency in depends_on(source, key)):
        return True
    try:
        identifiers = _identifiers(target)
        return any(text in identifiers for text in strings(source.props.get(key)))
    except UnknownValueError:
        return False


def of_type(resources: Sequence[PolicyResource], type_: str) -> list[PolicyResource]:
    return [resource for resource in resources if resource.resource_type == type_]
