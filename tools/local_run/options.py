"""The local run's own knobs, from environment variables: read here and nowhere else.

These are not stack settings (those come from the program, unchanged); they only say how
this machine runs it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tools.command_line import UsageError
from tools.repository import REPO_ROOT
from tools.stacks import stack_names

MAX_PORT = 65_535

API_PORT_ENV = "API_PORT"
AWS_PORT_ENV = "AWS_PORT"
STACK_ENV = "LOCAL_STACK"
VISIBILITY_TIMEOUT_ENV = "LOCAL_VISIBILITY_TIMEOUT_SECONDS"
LOG_DIR_ENV = "LOCAL_LOG_DIR"

# A failed SQS record is retried this long after its batching window, instead of after the
# queue's visibility timeout (6 x the processor timeout + the window: minutes). Long enough
# for a batch's cold start and writes, so a healthy record is not delivered twice.
DEFAULT_RETRY_DELAY_SECONDS = 5
# SQS's own limit for a visibility timeout.
MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200


class LocalRunError(UsageError):
    """The local run cannot start; the message says what to change (exit 2)."""


@dataclass(frozen=True)
class LocalOptions:
    stack: str
    api_port: int
    aws_port: int
    visibility_timeout_seconds: int | None
    """Overrides the queue's visibility timeout for the local event source; None: derived
    from the mapping's batching window (`visibility_timeout_for`)."""
    log_dir: Path

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        default_api_port: int = 0,
        default_aws_port: int = 0,
    ) -> LocalOptions:
        """`default_*_port` apply when the variable is unset; 0 picks a free port."""
        env = os.environ if environ is None else environ
        stack = env.get(STACK_ENV, "dev")
        stacks = stack_names()
        if stack not in stacks:
            raise LocalRunError(f"{STACK_ENV}={stack!r} is not one of {', '.join(stacks)}")
        visibility = env.get(VISIBILITY_TIMEOUT_ENV)
        return cls(
            stack=stack,
            api_port=_port(env, API_PORT_ENV, default_api_port),
            aws_port=_port(env, AWS_PORT_ENV, default_aws_port),
            visibility_timeout_seconds=(
                None
                if visibility is None
                else _whole_number(
                    VISIBILITY_TIMEOUT_ENV, visibility, 1, MAX_VISIBILITY_TIMEOUT_SECONDS
                )
            ),
            log_dir=Path(env.get(LOG_DIR_ENV, REPO_ROOT / ".local-logs")),
        )

    def visibility_timeout_for(self, batching_window_seconds: int) -> int:
        """How long a received record stays invisible locally: longer than the window, or
        records gathered early in a window would be redelivered before it closes."""
        if self.visibility_timeout_seconds is None:
            return batching_window_seconds + DEFAULT_RETRY_DELAY_SECONDS
        if self.visibility_timeout_seconds <= batching_window_seconds:
            raise LocalRunError(
                f"{VISIBILITY_TIMEOUT_ENV}={self.visibility_timeout_seconds} must be longer "
                f"than the mapping's batching window ({batching_window_seconds} s)"
            )
        return self.visibility_timeout_seconds


def _whole_number(name: str, text: str, minimum: int, maximum: int) -> int:
    if not text.isascii() or not text.isdigit() or not minimum <= int(text) <= maximum:
        raise LocalRunError(f"{name}={text!r} is not a whole number from {minimum} to {maximum}")
    return int(text)


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name)
    return default if text is None else _whole_number(name, text, 0, MAX_PORT)
