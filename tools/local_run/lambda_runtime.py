"""The stack's Lambda functions, run in this process as Lambda would run them.

Each container is a private copy of the handler module, executed with the function's own
environment (its recorded variables, remapped to moto) so that what it reads at import, as
in Lambda, points at moto. A client a handler makes only when an invocation needs it reads
the process's environment instead: the pipeline applies the endpoint, region and
credentials, the same for every function, for as long as the run is up. A container serves
one invocation at a time; a function gets another container (a cold start) when all of its
containers are busy, which is also how Lambda scales. What a handler writes to stdout or
stderr (Powertools' JSON logs, EMF metrics, warnings) goes to its function's log file, as
Lambda sends it to its log group.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from botocore.client import BaseClient

from handlers.clients import OnDemandClient
from tools.local_run.blueprint import FunctionSpec

# Where the running invocation's output goes; unset outside an invocation.
_invocation_output: ContextVar[TextIO | None] = ContextVar("invocation_output", default=None)

# Handler modules read their environment at import: one import at a time.
_import_lock = threading.Lock()


class InvocationError(Exception):
    """The handler raised: Lambda reports this as a function error (`Unhandled`)."""


class _RoutedStream(io.TextIOBase):
    """sys.stdout/sys.stderr while the local run is up: an invocation's output goes to its
    function's log, everything else where it always went."""

    def __init__(self, fallback: TextIO) -> None:
        self.fallback = fallback

    def _target(self) -> TextIO:
        return _invocation_output.get() or self.fallback

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return self._target().isatty()


class _OutputRouting:
    """Installs the routed streams while at least one local run needs them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._installed: tuple[_RoutedStream, _RoutedStream] | None = None

    def acquire(self) -> None:
        with self._lock:
            self._users += 1
            if self._installed is None:
                self._installed = (_RoutedStream(sys.stdout), _RoutedStream(sys.stderr))
                sys.stdout, sys.stderr = self._installed

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users or self._installed is None:
                return
            stdout, stderr = self._installed
            # Someone else (a test runner's capture) may have replaced them meanwhile.
            if sys.stdout is stdout:
                sys.stdout = stdout.fallback
            if sys.stderr is stderr:
                sys.stderr = stderr.fallback
            self._installed = None


output_routing = _OutputRouting()


@contextlib.contextmanager
def applied_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Exactly `variables` on top of the current environment, minus any profile that would
    take precedence over them."""
    removed = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN")
    saved = {name: os.environ.get(name) for name in (*removed, *variables)}
    try:
        for name in removed:
            os.environ.pop(name, None)
        os.environ.update(variables)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def load_private_module(module_name: str, environment: Mapping[str, str]) -> ModuleType:
    """A fresh copy of `module_name`, executed with `environment`, that no import shares."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {module_name!r}")
    module = importlib.util.module_from_spec(spec)
    with _import_lock, applied_environment(environment):
        previous = sys.modules.get(module_name)
        # Registered while it executes, as a normal import would (dataclasses look it up).
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        finally:
            if previous is None:
                del sys.modules[module_name]
            else:
                sys.modules[module_name] = previous
    return module


def close_container(module: ModuleType) -> None:
    """What the end of a Lambda container frees: its worker pools and connections."""
    for value in vars(module).values():
        if isinstance(value, Executor):
            value.shutdown(wait=True)
        elif isinstance(value, BaseClient | OnDemandClient):
            value.close()


@dataclass(frozen=True)
class LocalLambdaContext:
    """What Lambda hands a handler as `context`."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline: float
    function_version: str = "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class Container:
    """One warm instance of a function: its module copy and the clients it created."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], log: TextIO) -> None:
        self.spec = spec
        self._log = log
        # What the module prints while it loads is part of the function's log too.
        token = _invocation_output.set(log)
        try:
            self._module = load_private_module(spec.module_name, environment)
        finally:
            _invocation_output.reset(token)
        self._handler = getattr(self._module, spec.function_name)

    def invoke(self, event: Mapping[str, Any]) -> Any:
        context = LocalLambdaContext(
            function_name=self.spec.name,
            memory_limit_in_mb=self.spec.memory_mb,
            invoked_function_arn=self.spec.arn,
            aws_request_id=str(uuid.uuid4()),
            deadline=time.monotonic() + self.spec.timeout_seconds,
        )
        token = _invocation_output.set(self._log)
        try:
            return self._handler(dict(event), context)
        except Exception as error:
            # What the Lambda runtime writes to the log group for an unhandled error.
            self._log.write(f"[ERROR] {context.aws_request_id} {traceback.format_exc()}")
            raise InvocationError(f"{self.spec.name}: {error!r}") from error
        finally:
            _invocation_output.reset(token)

    def close(self) -> None:
        close_container(self._module)


class FunctionPool:
    """A function's containers: reused when idle, a new one when all are busy."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], log_dir: Path) -> None:
        self.spec = spec
        self.environment = dict(environment)
        self.log_dir = log_dir
        self._idle: list[Container] = []
        self._all: list[Container] = []
        self._lock = threading.Lock()
        self._log: TextIO | None = None

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.spec.name}.log"

    def _take(self) -> Container:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if self._log is None:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                self._log = self.log_path.open("a", encoding="utf-8", buffering=1)
            log = self._log
        try:
            container = Container(self.spec, self.environment, log)
        except Exception as error:
            # Lambda's init error: the invocation fails, the next one tries a new container.
            log.write(f"[ERROR] init {traceback.format_exc()}")
            raise InvocationError(f"{self.spec.name} failed to start: {error!r}") from error
        with self._lock:
            self._all.append(container)
        return container

    def invoke(self, event: Mapping[str, Any]) -> Any:
        container = self._take()
        try:
            return container.invoke(event)
        finally:
            with self._lock:
                self._idle.append(container)

    def close(self) -> None:
        with self._lock:
            containers, self._all, self._idle = self._all, [], []
            log, self._log = self._log, None
        for container in containers:
            container.close()
        if log is not None:
            log.close()
