"""`OnDemandClient`: one client per container, made by whichever thread needs it first."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from handlers.clients import OnDemandClient
from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT

THREADS = 16


def test_threads_that_need_it_at_once_share_one_client(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    made: list[str] = []
    real_client = boto3.client

    def slow_client(service: str, **kwargs: Any) -> Any:
        made.append(service)
        # Widens the window in which a second thread could start making its own.
        time.sleep(0.05)
        return real_client(service, **kwargs)

    monkeypatch.setattr(boto3, "client", slow_client)
    on_demand = OnDemandClient("sqs")
    created_before = on_demand.created
    start = threading.Barrier(THREADS)

    def get_after_all_are_ready() -> Any:
        start.wait()
        return on_demand.get()

    with ThreadPoolExecutor(THREADS) as pool:
        got = list(pool.map(lambda _: get_after_all_are_ready(), range(THREADS)))

    assert made == ["sqs"]
    assert all(client is got[0] for client in got)
    assert (created_before, on_demand.created) == (False, True)
    on_demand.close()


def test_closing_a_client_never_made_makes_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boto3, "client", lambda *_, **__: pytest.fail("client made"))

    OnDemandClient("sqs").close()
