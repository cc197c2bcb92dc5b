"""Run `__main__.py` for a stack under mocks and return what it registered and exported."""

from __future__ import annotations

import contextvars
import gc
import json
import runpy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pulumi
import yaml
from pulumi.runtime.settings import get_root_resource

from tools.command_line import UsageError, one_line
from tools.pulumi_mocks.recording import RecordedResource, RecordingMocks
from tools.repository import REPO_ROOT
from tools.stacks import stack_file

PROGRAM = REPO_ROOT / "__main__.py"
PROJECT = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())["name"]


def stack_config(stack: str) -> dict[str, str]:
    """The stack's config file as the Pulumi CLI hands it to the program: all strings.

    A stack without a config file raises UnknownStack, naming the stacks there are; a file
    that is not YAML, or whose `config` is not a mapping, a UsageError.
    """
    path = stack_file(stack)
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise UsageError(f"{path.name} is not valid YAML: {one_line(str(error))}") from None
    config = (document.get("config") or {}) if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise UsageError(f"{path.name}: `config` is not a mapping of keys to values")
    return {key: _as_config_string(value) for key, value in config.items()}


def _as_config_string(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


@dataclass
class ProgramRun:
    stack: str
    mocks: RecordingMocks
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> list[RecordedResource]:
        return self.mocks.resources


def run_program(
    stack: str,
    overrides: Mapping[str, str] | None = None,
    mocks: RecordingMocks | None = None,
) -> ProgramRun:
    """Run the program as `pulumi up` would for `stack` (not a preview: Outputs resolve).

    `overrides` are full config keys (`order-pipeline:batchSize`) laid over the stack file.
    Each run gets a fresh context, so runs for different stacks do not share a root stack.
    Pass `mocks` to inspect what was registered even when the program raises.
    """
    config = {**stack_config(stack), **(overrides or {})}
    mocks = mocks or RecordingMocks(region=config.get("aws:region", "us-east-1"))
    with _cyclic_collector_paused():
        return contextvars.Context().run(_run, ProgramRun(stack, mocks), config)


@contextmanager
def _cyclic_collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the program runs.

    A run imports the pulumi_aws modules it uses: thousands of classes and type hints that
    stay alive until the process ends. Every full collection walks all of them again and
    finds almost nothing to free: in a fresh process that was a fifth of a prod run's CPU
    time. The few cycles a run leaves behind are collected once the collector resumes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(run: ProgramRun, config: dict[str, str]) -> ProgramRun:
    pulumi.runtime.set_mocks(run.mocks, project=PROJECT, stack=run.stack, preview=False)
    pulumi.runtime.set_all_config(config)

    @pulumi.runtime.test
    def program() -> pulumi.Output[None]:
        runpy.run_path(str(PROGRAM), run_name="__main__")
        root = get_root_resource()
        exports: dict[str, Any] = getattr(root, "outputs", {})
        return pulumi.Output.from_input(exports).apply(run.outputs.update)

    program()
    return run
