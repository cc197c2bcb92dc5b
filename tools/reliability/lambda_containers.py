"""The stack's Lambda functions in this process, with Lambda's container life cycle.

A container is a private copy of the handler module
(`tools.local_run.lambda_runtime.load_private_module`), so its clients are created at import
from its own environment, as in Lambda. An idle container is reused; concurrent invocations
get one each. A container whose sandbox dies mid-invocation (`SandboxCrash`) is thrown away
and the next invocation starts cold, as after a Lambda timeout or out-of-memory kill. Faults
are installed into every new container by the scenario's `on_cold_start` callbacks, so they
outlive cold starts as AWS's faults would.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from tools.aws_doubles.lambda_events import LocalLambdaContext
from tools.local_run.blueprint import FunctionSpec
from tools.local_run.lambda_runtime import InvocationError, close_container, load_private_module

Prepare = Callable[[ModuleType], None]
"""Installs something (a fault) into a fresh container's module."""


class SandboxCrash(BaseException):
    """The sandbox dies mid-invocation. A BaseException, so no handler code catches it:
    nothing after it runs, as when Lambda kills a timed-out or out-of-memory sandbox."""


def _cancel_abandoned_tasks() -> None:
    """A dead sandbox's coroutines must not resume in the next invocation: inside Lambda,
    Powertools' async batch processor runs them on the thread's one event loop."""
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


class LambdaFunction:
    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str]) -> None:
        self.spec = spec
        self._environment = dict(environment)
        self._prepare: list[Prepare] = []
        self._idle: list[ModuleType] = []
        self._lock = threading.Lock()
        self.cold_starts = 0
        self.invocations = 0
        self.function_errors = 0
        self.crashes = 0

    def on_cold_start(self, prepare: Prepare) -> None:
        """Run `prepare` on every container started from now on, and on the idle ones."""
        with self._lock:
            self._prepare.append(prepare)
            for module in self._idle:
                prepare(module)

    def _take(self) -> ModuleType:
        with self._lock:
            self.invocations += 1
            if self._idle:
                return self._idle.pop()
            self.cold_starts += 1
            prepare = list(self._prepare)
        module = load_private_module(self.spec.module_name, self._environment)
        for step in prepare:
            step(module)
        return module

    def invoke(self, event: Mapping[str, Any]) -> Any:
        """The handler's response; InvocationError for a function error (Lambda's
        `Unhandled`), including a sandbox that died."""
        module = self._take()
        handler = getattr(module, self.spec.function_name)
        try:
            response = handler(dict(event), LocalLambdaContext(self.spec.name))
        except SandboxCrash as crash:
            with self._lock:
                self.crashes += 1
                self.function_errors += 1
            _cancel_abandoned_tasks()
            close_container(module)
            raise InvocationError(f"{self.spec.name}: sandbox died: {crash}") from None
        except Exception as error:
            with self._lock:
                self.function_errors += 1
                self._idle.append(module)
            raise InvocationError(f"{self.spec.name}: {error!r}") from error
        with self._lock:
            self._idle.append(module)
        return response

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for module in idle:
            close_container(module)
