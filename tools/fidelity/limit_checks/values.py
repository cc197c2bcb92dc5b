"""Reading recorded inputs: numbers arrive as floats, nested blocks as camelCase dicts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tools.fidelity.recorded_stack import Stack
from tools.pulumi_mocks.recording import RecordedResource

Check = Callable[[RecordedResource, Stack], Iterable[str]]
"""Yields one message per limit the resource breaks."""


def number(inputs: Mapping[str, Any], key: str) -> float | None:
    value = inputs.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def block(inputs: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = inputs.get(key)
    return value if isinstance(value, Mapping) else {}


def shown(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def outside(key: str, value: float | None, bounds: tuple[int, int]) -> Iterable[str]:
    low, high = bounds
    if value is not None and not low <= value <= high:
        yield f"{key} {shown(value)} is outside {low}..{high}"


def not_one_of(key: str, value: Any, allowed: Iterable[str]) -> Iterable[str]:
    choices = tuple(allowed)
    if value is not None and value not in choices:
        yield f"{key} {value!r} is not one of {', '.join(choices)}"
