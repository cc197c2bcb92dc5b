"""`make local`'s contract: exactly two lines first, a working API, a clean exit on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

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
