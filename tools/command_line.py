"""How every tool's entry point answers: bad input gets one line on stderr, never a traceback.

The line is prefixed with the tool (`redrive: ...`) and says what to change. Exit codes:
0 done; 1 the operation itself failed (AWS refused, an invariant broke); 2 bad input or
set-up (a stack that does not exist, invalid stack config, no Pulumi CLI, no region).
argparse's own usage errors (an unknown option, a value of the wrong type) keep argparse's
form, the usage line and the error, and its exit code 2.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec

from settings.errors import ConfigError

DONE = 0
FAILED = 1
USAGE = 2


class UsageError(Exception):
    """Bad input or set-up: the message says what to change (exit 2)."""


class OperationFailed(Exception):
    """The input was fine, the operation did not succeed: the message says what happened
    (exit 1)."""


# The program raises ConfigError for a stack's invalid config, naming the key: bad input too.
USAGE_ERRORS: tuple[type[Exception], ...] = (UsageError, ConfigError)

P = ParamSpec("P")


def one_line(text: str) -> str:
    """`text` on one line: its non-blank lines joined with `; ` (a CLI's stderr, an
    endpoint's error page), so the answer stays one line whatever it quotes."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def complain(tool: str, problem: object, exit_code: int) -> int:
    """Print `tool: problem` as one line on stderr; returns `exit_code`."""
    print(f"{tool}: {one_line(str(problem))}", file=sys.stderr)
    return exit_code


def entry_point(tool: str) -> Callable[[Callable[P, int]], Callable[P, int]]:
    """Wraps a tool's `main`: a usage error exits 2, OperationFailed 1, each as one line.

    Anything else still raises with its traceback: that is a bug, not bad input.
    """

    def wrap(main: Callable[P, int]) -> Callable[P, int]:
        @functools.wraps(main)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> int:
            try:
                return main(*args, **kwargs)
            except USAGE_ERRORS as error:
                return complain(tool, error, USAGE)
            except OperationFailed as error:
                return complain(tool, error, FAILED)

        return guarded

    return wrap
