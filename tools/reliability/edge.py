"""Bad input at the edge: generated bodies POSTed over real HTTP to the local run.

Every answer must be 202 (queued) or a refusal with a JSON reason: 400 for a body that is
not an order, 413 for one too large to queue. Nothing may answer 5xx or not at all. What
was queued must then end stored or dead-lettered, every stored order be announced, and
each 202's Location lead to a status monitor that says where its order ended.
`processor_rejections` counts what was queued that the processor rejects anyway (a 202 that
lied): edge and processor read JSON with one function (handlers.json_text), so none should.
"""

from __future__ import annotations

import contextlib
import http.client
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto import mock_aws

from handlers.orders import OrderRejected, parse_order
from tools.aws_doubles.stream_events import read_stream
from tools.local_run.http_client import ApiAnswer, call, follow_location
from tools.local_run.options import LOG_DIR_ENV, VISIBILITY_TIMEOUT_ENV, LocalOptions
from tools.local_run.pipeline import LocalPipeline
from tools.local_run.readback import table_items, take_messages
from tools.local_run.stream_source import StreamEventSource
from tools.order_events.contract import delivered_breaches
from tools.reliability.accounting import (
    SentMessage,
    account_notifications,
    account_orders,
    monitor_problems,
)
from tools.reliability.bodies import Body
from tools.reliability.figures import Figures

ACCEPTED = 202
# What each refusal means (api/openapi.yaml, POST /orders).
REFUSALS = {400: "the body is not an order", 413: "the body is too large to queue"}
# Long enough for the local run's retries (visibility timeout x maxReceiveCount) to end.
SETTLE_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 30
# Clients posting at once, as several shops would.
CLIENTS = 4
# Retries within a second or two, so a message that keeps failing settles quickly.
VISIBILITY_TIMEOUT_SECONDS = "1"


@contextlib.contextmanager
def local_run(log_dir: Path, overrides: Mapping[str, str] | None = None) -> Iterator[LocalPipeline]:
    """The local run (dev stack) on free ports, starting from an empty moto.

    moto's state belongs to the process: whatever an earlier local run or mock left in it
    would collide with the resources this one creates. Leaving a mock resets it.
    """
    with mock_aws():
        pass
    options = LocalOptions.from_environment(
        {LOG_DIR_ENV: str(log_dir), VISIBILITY_TIMEOUT_ENV: VISIBILITY_TIMEOUT_SECONDS}
    )
    with LocalPipeline(options, overrides) as pipeline:
        yield pipeline


@dataclass(frozen=True)
class Answer:
    body: Body
    status: int | None
    """None: no answer at all (the connection closed or timed out)."""
    text: str
    headers: Mapping[str, str]


def post(api_url: str, body: Body) -> Answer:
    try:
        answer = call(
            api_url, "POST", "/orders", body.data, timeout_seconds=REQUEST_TIMEOUT_SECONDS
        )
    except (OSError, http.client.HTTPException) as error:
        return Answer(body, None, repr(error), {})
    return Answer(body, answer.status, answer.text, answer.headers)


def refusal_problem(answer: Answer) -> str | None:
    """What is wrong with a 4xx answer: its status, or a reason missing from its body."""
    if answer.status not in REFUSALS:
        return f"refused with {answer.status}, not one of {sorted(REFUSALS)}"
    try:
        document = json.loads(answer.text)
    except ValueError:
        return "the refusal is not JSON"
    if not isinstance(document, dict) or not str(document.get("detail") or "").strip():
        return "the refusal gives no reason (`detail`)"
    return None


def _show(answer: Answer) -> str:
    return f"{answer.body!r} answered {answer.status or 'nothing'}: {answer.text[:200]}"


def _processor_verdicts(sent: Sequence[SentMessage]) -> Counter[str]:
    """Accepted bodies the processor rejects, by reason: where edge and processor differ."""
    verdicts: Counter[str] = Counter()
    for message in sent:
        try:
            parse_order(message.body)
        except OrderRejected as rejection:
            verdicts[rejection.reason.value] += 1
    return verdicts


def _monitors(api_url: str, accepted: Sequence[Answer]) -> dict[str, dict[str, Any]]:
    """Each accepted order's status monitor, followed from its 202, by request id."""

    def follow(answer: Answer) -> tuple[str, dict[str, Any]]:
        reply = follow_location(
            api_url, "/orders", ApiAnswer(ACCEPTED, answer.text, answer.headers)
        )
        view = reply.json() if reply.status == 200 else {"status": f"HTTP {reply.status}"}
        return str(json.loads(answer.text)["requestId"]), view

    with ThreadPoolExecutor(CLIENTS, thread_name_prefix="edge-client") as clients:
        return dict(clients.map(follow, accepted))


def edge_scenario(pipeline: LocalPipeline, bodies: Sequence[Body]) -> Figures:
    with ThreadPoolExecutor(CLIENTS, thread_name_prefix="edge-client") as clients:
        answers = list(clients.map(lambda body: post(pipeline.api_url, body), bodies))
    sent = [
        SentMessage(answer.body.text or "", request_id=json.loads(answer.text)["requestId"])
        for answer in answers
        if answer.status == ACCEPTED
    ]
    refused = [a for a in answers if a.status is not None and 400 <= a.status < 500]
    failed = [a for a in answers if a.status is None or a.status >= 500]
    problems = [f"{problem}: {_show(a)}" for a in refused if (problem := refusal_problem(a))]
    problems += [f"server error: {_show(answer)}" for answer in failed]
    problems += [f"unexpected answer: {_show(a)}" for a in answers if a.status in (200, 201, 204)]
    if not pipeline.wait_until_idle(SETTLE_SECONDS):
        problems.append(f"the pipeline did not settle within {SETTLE_SECONDS} s")
    inventory = pipeline.inventory()
    aws = pipeline.aws
    sqs = aws.client("sqs")
    items = table_items(aws.client("dynamodb"), inventory.table_name)
    dead_letters = take_messages(sqs, inventory.dead_letter_queue_url or "")
    events = take_messages(sqs, inventory.events_subscriber_url or "")
    failures = take_messages(sqs, inventory.stream_failure_queue_url or "")
    problems += [f"announcement breaks the contract: {b}" for b in delivered_breaches(events)]
    (stream,) = [s for s in pipeline.sources if isinstance(s, StreamEventSource)]
    verdicts = _processor_verdicts(sent)
    notes = [
        f"accepted at the edge, rejected by the processor: {reason} {count}"
        for reason, count in sorted(verdicts.items())
    ]
    monitors = _monitors(pipeline.api_url, [a for a in answers if a.status == ACCEPTED])
    said = Counter(str(view.get("status")) for view in monitors.values())
    notes.append(
        f"status monitors followed: {len(monitors)} "
        f"({', '.join(f'{status} {count}' for status, count in sorted(said.items()))})"
    )
    problems += monitor_problems(sent, monitors, items, dead_letters)
    return Figures.of(
        f"{len(bodies)} generated bodies over HTTP (local run)",
        sent=len(answers),
        refused=len(refused),
        faults=0,
        orders=account_orders(sent, items, dead_letters),
        notifications=account_notifications(
            items,
            [json.loads(message["Body"]) for message in events],
            read_stream(aws.client("dynamodbstreams"), stream.stream_arn),
            [json.loads(message["Body"]) for message in failures],
        ),
        unexpected_server_errors=len(failed),
        processor_rejections=verdicts,
        notes=notes,
        problems=problems,
    )
