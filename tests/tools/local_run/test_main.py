"""`make local`'s contract: exactly two lines first, a working API, a clean exit on SIGTERM;
bad input answered in one line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.tools.entry_points import REFUSED_CONFIG, REFUSED_KEY, the_one_line, with_stacks
from tools.local_run import demo
from tools.local_run.__main__ import main as local_main
from tools.local_run.http_client import call

START_SECONDS = 60
STOP_SECONDS = 15


def _line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().rstrip("\n")


def test_it_prints_both_urls_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    environment = {**os.environ, "API_PORT": "0", "AWS_PORT": "0", "LOCAL_LOG_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.local_run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    # A hung start-up is killed, which ends the reads below with empty lines.
    watchdog = threading.Timer(START_SECONDS, process.kill)
    watchdog.start()
    try:
        api, aws = _line(process), _line(process)
        assert api.startswith("api: http://127.0.0.1:")
        assert aws.startswith("aws: http://127.0.0.1:")
        seed = {"orderId": "123", "customerId": "456", "items": ["item1", "item2"]}
        assert call(api.removeprefix("api: "), "POST", "/orders", seed).status == 202
        process.send_signal(signal.SIGTERM)
        rest, errors = process.communicate(timeout=STOP_SECONDS)
    finally:
        watchdog.cancel()
        process.kill()
    assert process.returncode == 0, errors
    assert rest == ""


# Bad input: one line on stderr, exit 2, no traceback (tools/command_line.py).


@pytest.fixture
def no_signal_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    """`main` installs SIGINT/SIGTERM handlers; the test process keeps its own."""
    monkeypatch.setattr(signal, "signal", lambda *_: None)


@pytest.mark.usefixtures("no_signal_handlers")
@pytest.mark.parametrize(("entry_point", "tool"), [(local_main, "local"), (demo.main, "demo")])
def test_a_stack_whose_config_is_refused_is_one_line_naming_the_key(
    entry_point: Callable[[], int],
    tool: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with_stacks(tmp_path, monkeypatch, broken=REFUSED_CONFIG)
    for name, value in {"LOCAL_STACK": "broken", "API_PORT": "0", "AWS_PORT": "0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LOCAL_LOG_DIR", str(tmp_path / "logs"))

    assert entry_point() == 2
    assert REFUSED_KEY in the_one_line(capsys.readouterr().err, tool)


@pytest.mark.usefixtures("no_signal_handlers")
def test_a_port_in_use_or_no_port_at_all_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("API_PORT", str(taken.getsockname()[1]))
        monkeypatch.setenv("AWS_PORT", "0")
        assert local_main() == 2
    assert "set API_PORT to a free port" in the_one_line(capsys.readouterr().err, "local")

    monkeypatch.setenv("API_PORT", "http")
    assert local_main() == 2
    assert "API_PORT='http' is not a whole number" in the_one_line(capsys.readouterr().err, "local")
