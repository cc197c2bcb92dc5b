"""The stacks' graphs, built once per test session: each build runs the whole program."""

from __future__ import annotations

from functools import cache

from tools.ops.stack_graph import StackGraph, load_graph


@cache
def stack_graph(stack: str) -> StackGraph:
    """Shared by every test module; treat it as read-only."""
    return load_graph(stack)
