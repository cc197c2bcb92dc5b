"""P5: the local run end to end: a burst of orders POSTed to the API until each is stored.

The pipeline is `tools.local_run.pipeline.LocalPipeline` (moto server, the API on 127.0.0.1,
the real handlers fed by in-process pollers), started on free ports with its logs in a temporary
directory. CLIENTS threads POST the orders over real HTTP; when an order was stored is read
afterwards from the table's stream (each INSERT record's creation time, stamped by moto in
this process, so on the same clock as the sends), so measuring adds no load while it runs.
Everything is bounded: the wait for the last order gives up after SETTLE_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from handlers import contract
from tools.aws_doubles.stream_events import read_stream
from tools.benchmarks import report
from tools.benchmarks.harness import order_body, order_ids, quiet
from tools.local_run.activity import SourceActivity
from tools.local_run.http_client import call
from tools.local_run.options import LocalOptions
from tools.local_run.pipeline import LocalPipeline

ORDERS = 2000
CLIENTS = 8
SETTLE_TIMEOUT_SECONDS = 300
POLL_SECONDS = 0.5
ACCEPTED = 202


@dataclass(frozen=True)
class Sent:
    order_id: str
    sent_at: float
    status: int


@dataclass(frozen=True)
class Burst:
    sent: list[Sent]
    stored_at: dict[str, float]
    started: float
    posted: float
    """When the last answer came back."""
    activity: Mapping[str, SourceActivity]
    """What each event source did, by mapping name."""

    @property
    def accepted(self) -> list[Sent]:
        return [sent for sent in self.sent if sent.status == ACCEPTED]

    def latencies(self) -> list[float]:
        return [
            self.stored_at[sent.order_id] - sent.sent_at
            for sent in self.accepted
            if sent.order_id in self.stored_at
        ]


def _post(api_url: str, order_id: str) -> Sent:
    sent_at = time.time()
    answer = call(api_url, "POST", "/orders", order_body(order_id))
    return Sent(order_id, sent_at, answer.status)


def _stored_count(dynamodb: Any, table: str) -> int:
    count = 0
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, Select="COUNT")
    for page in pages:
        count += int(page["Count"])
    return count


def _insert_times(streams: Any, table_stream_arn: str) -> dict[str, float]:
    stored_at = {}
    for record in read_stream(streams, table_stream_arn):
        if record["eventName"] != "INSERT":
            continue
        created = record["dynamodb"]["ApproximateCreationDateTime"]
        order_id = record["dynamodb"]["Keys"][contract.ORDER_KEY]["S"]
        stored_at[order_id] = (
            created.timestamp() if isinstance(created, datetime) else float(created)
        )
    return stored_at


def burst(orders: int = ORDERS, clients: int = CLIENTS) -> Burst:
    with tempfile.TemporaryDirectory(prefix="bench-local-") as log_dir:
        options = LocalOptions.from_environment({"LOCAL_LOG_DIR": str(Path(log_dir))})
        with quiet(), LocalPipeline(options) as pipeline:
            table = pipeline.inventory().table_name
            dynamodb = pipeline.aws.client("dynamodb")
            ids = order_ids(f"p5-{int(time.time())}", orders)
            started = time.time()
            with ThreadPoolExecutor(max_workers=clients) as senders:
                sent = list(senders.map(lambda order_id: _post(pipeline.api_url, order_id), ids))
            posted = time.time()
            expected = sum(1 for one in sent if one.status == ACCEPTED)
            deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
            while _stored_count(dynamodb, table) < expected and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
            stream_arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
            stored_at = _insert_times(pipeline.aws.client("dynamodbstreams"), stream_arn)
            activity = pipeline.activity()
    return Burst(sent, stored_at, started, posted, activity)


def run() -> None:
    report.section(
        f"P5  local run: {ORDERS:,} orders POSTed from {CLIENTS} HTTP clients until stored"
    )
    result = burst()
    accepted = result.accepted
    latencies = result.latencies()
    if len(accepted) != ORDERS:
        report.warn(f"only {len(accepted)} of {ORDERS} POSTs answered {ACCEPTED}")
    if len(latencies) != len(accepted):
        report.warn(f"{len(accepted) - len(latencies)} accepted orders not stored in time")
    if not latencies:
        report.warn("no order stored: nothing to measure")
        return
    last_stored = max(
        result.stored_at[sent.order_id] for sent in accepted if sent.order_id in result.stored_at
    )
    report.row(
        f"POSTs answered {ACCEPTED}",
        f"{len(accepted):8d}",
        f"all answered in {result.posted - result.started:.1f} s",
    )
    report.row("orders stored", f"{len(latencies):8d}")
    report.row(
        "orders per second, first POST -> last stored",
        f"{len(latencies) / (last_stored - result.started):8.1f}",
    )
    report.row("latency POST -> stored, p50", report.ms(report.percentile(latencies, 0.50)))
    report.row("latency POST -> stored, p99", report.ms(report.percentile(latencies, 0.99)))
    for mapping, activity in sorted(result.activity.items()):
        report.row(
            f"{mapping} invocations",
            f"{activity.invocations:8d}",
            f"{activity.records / max(activity.invocations, 1):.1f} records per batch, "
            f"{activity.retried} retried",
        )
