"""The entry points' contract: a usage error exits 2, a failed operation 1, each as one line
prefixed with the tool; anything else is a bug and keeps its traceback."""

from __future__ import annotations

import pytest

from settings.errors import ConfigError
from tests.tools.entry_points import the_one_line
from tools.command_line import OperationFailed, UsageError, entry_point


def _tool(error: Exception) -> int:
    @entry_point("tool")
    def main() -> int:
        raise error

    return main()


@pytest.mark.parametrize(
    ("error", "exit_code", "line"),
    [
        (UsageError("no stack 'x'"), 2, "tool: no stack 'x'"),
        (ConfigError("batchSize", "is bad"), 2, "tool: invalid stack config "),
        (OperationFailed("AWS said no"), 1, "tool: AWS said no"),
        (UsageError("pulumi said:\n  error: one\n\n  error: two\n"), 2, "tool: pulumi said:; "),
    ],
)
def test_each_error_is_one_line_with_its_exit_code(
    error: Exception, exit_code: int, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _tool(error) == exit_code
    assert the_one_line(capsys.readouterr().err, "tool").startswith(line)


def test_a_bug_keeps_its_traceback() -> None:
    with pytest.raises(KeyError):
        _tool(KeyError("queueUrl"))
