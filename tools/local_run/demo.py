"""`make demo`: start the local pipeline, send the scripted mix, account for every order.

Exits 0 when everything sent is accounted for, 1 when something is not, 2 when the
pipeline cannot start.
"""

from __future__ import annotations

import signal
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tools.command_line import USAGE, USAGE_ERRORS, complain
from tools.local_run.demo_report import (
    FollowedMonitor,
    SentMessage,
    SentRequest,
    account,
    account_monitors,
    collect_state,
)
from tools.local_run.demo_script import PHASES, Phase, ScriptedRequest
from tools.local_run.demo_summary import PhaseTiming, summary
from tools.local_run.http_client import call, follow_location
from tools.local_run.options import LocalOptions
from tools.local_run.pipeline import IDLE_SETTLE_SECONDS, LocalPipeline

SETTLE_TIMEOUT_SECONDS = 30
# The shell's exit status for a run ended by SIGINT.
INTERRUPTED = 130
BURST_CLIENTS = 8
PROGRESS_INTERVAL_SECONDS = 0.3


def _say(text: str) -> None:
    print(text, flush=True)


def _send(pipeline: LocalPipeline, scripted: ScriptedRequest) -> SentRequest:
    answer = call(
        pipeline.api_url,
        scripted.method,
        scripted.path,
        scripted.body,
        content_type=scripted.content_type,
    )
    return SentRequest(scripted, answer)


def _send_requests(pipeline: LocalPipeline, phase: Phase) -> list[SentRequest]:
    """One by one, in order; a group (a burst) all at once from several clients."""
    sent = []
    for scripted in phase.requests:
        if scripted.group is None:
            sent.append(_send(pipeline, scripted))
            status = sent[-1].answer.status
            _say(f"  {status}  {scripted.method:<5} {scripted.path:<28} {scripted.label}")
    groups = {scripted.group for scripted in phase.requests if scripted.group is not None}
    for group in sorted(groups):
        members = [scripted for scripted in phase.requests if scripted.group == group]
        with ThreadPoolExecutor(max_workers=BURST_CLIENTS) as clients:
            answered = list(clients.map(lambda scripted: _send(pipeline, scripted), members))
        sent += answered
        statuses = Counter(request.answer.status for request in answered)
        counts = ", ".join(f"{count} x {status}" for status, count in statuses.items())
        _say(f"  {counts}  POST  /orders  {group}, from {BURST_CLIENTS} clients at once")
    return sent


def _send_messages(pipeline: LocalPipeline, phase: Phase) -> list[SentMessage]:
    sqs = pipeline.aws.client("sqs")
    queue_url = pipeline.inventory().queue_url
    sent = []
    for scripted in phase.queue_messages:
        message_id = sqs.send_message(QueueUrl=queue_url, MessageBody=scripted.body)["MessageId"]
        sent.append(SentMessage(scripted, message_id))
        _say(f"  SQS  SendMessage straight to the queue: {scripted.label}")
    return sent


def _follow_monitors(pipeline: LocalPipeline, sent: list[SentRequest]) -> list[FollowedMonitor]:
    """What a client learns by following each 202's Location once the pipeline settled."""
    accepted = [request for request in sent if request.answer.status == 202]
    with ThreadPoolExecutor(max_workers=BURST_CLIENTS) as clients:
        monitors = list(
            clients.map(
                lambda request: FollowedMonitor(
                    request,
                    follow_location(pipeline.api_url, request.scripted.path, request.answer),
                ),
                accepted,
            )
        )
    grouped: Counter[tuple[str, str]] = Counter()
    for monitor in monitors:
        scripted = monitor.request.scripted
        if scripted.group is not None:
            grouped[(scripted.group, monitor.said)] += 1
            continue
        location = monitor.request.answer.headers.get("Location", "")
        _say(f"  {monitor.answer.status}  GET   {location[:26] + '...':<28} {scripted.label}")
        _say(f"        -> {monitor.said}")
    for (group, said), count in sorted(grouped.items()):
        _say(f"  {count} x {said}  {group}")
    return monitors


def _progress_line(pipeline: LocalPipeline, sqs: Any) -> str:
    inventory = pipeline.inventory()

    def depth(url: str | None) -> int:
        if url is None:
            return 0
        attributes = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    sources = " | ".join(
        f"{name.removesuffix('-trigger')} {activity.invocations} calls/{activity.records} records"
        for name, activity in pipeline.activity().items()
    )
    return (
        f"queue {pipeline.queue_backlog()} | "
        f"{sources} | dead letters {depth(inventory.dead_letter_queue_url)} | "
        f"events {depth(inventory.events_subscriber_url)}"
    )


def _settle(pipeline: LocalPipeline, started: float) -> bool:
    """Wait until idle, printing progress whenever it changes."""
    sqs = pipeline.aws.client("sqs")
    last_line, last_at = "", 0.0

    def report() -> None:
        nonlocal last_line, last_at
        if time.monotonic() - last_at < PROGRESS_INTERVAL_SECONDS:
            return
        line = _progress_line(pipeline, sqs)
        if line != last_line:
            _say(f"    {time.monotonic() - started:5.1f} s  {line}")
        last_line, last_at = line, time.monotonic()

    return pipeline.wait_until_idle(SETTLE_TIMEOUT_SECONDS, on_check=report)


def run(options: LocalOptions) -> int:
    began = time.monotonic()
    _say(f"order-pipeline demo: the {options.stack} stack here, on moto with in-process handlers")
    with LocalPipeline(options) as pipeline:
        startup = time.monotonic() - began
        _say(f"  started in {startup:.1f} s   api {pipeline.api_url}   aws {pipeline.aws_url}")
        _say(f"  handler logs: {options.log_dir}/<function>.log")
        sent: list[SentRequest] = []
        messages: list[SentMessage] = []
        timings = []
        for number, phase in enumerate(PHASES, start=1):
            _say(f"\nphase {number}/{len(PHASES)}: {phase.title}")
            phase_start = time.monotonic()
            sent_now = _send_requests(pipeline, phase)
            messages += _send_messages(pipeline, phase)
            sending = time.monotonic() - phase_start
            settled = _settle(pipeline, began)
            sent += sent_now
            timings.append(
                PhaseTiming(
                    phase.title,
                    len(sent_now) + len(phase.queue_messages),
                    sum(1 for request in sent_now if request.answer.status == 202),
                    sending,
                    time.monotonic() - phase_start - sending,
                    settled,
                )
            )
        _say("\nclients follow their 202s' Location to each submission's status monitor")
        monitors = _follow_monitors(pipeline, sent)
        state = collect_state(pipeline)
        accounting = account(sent, messages, state)
        account_monitors(monitors, accounting)
        for timing in timings:
            accounting.check(timing.settled, f"phase '{timing.title}' settled")
        _say("")
        _say(
            summary(
                sent,
                messages,
                state,
                accounting,
                startup_seconds=startup,
                phases=timings,
                total_seconds=time.monotonic() - began,
                settle_seconds=IDLE_SETTLE_SECONDS,
            )
        )
    _say(f"  stopped; wall time {time.monotonic() - began:.1f} s")
    return 1 if accounting.unaccounted else 0


def main() -> int:
    # SIGTERM stops the demo like Ctrl-C does: the pipeline shuts down before the exit.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return run(LocalOptions.from_environment())
    except USAGE_ERRORS as error:  # LocalRunError, or the stack's config refused
        return complain("demo", error, USAGE)
    except KeyboardInterrupt:
        print("demo: interrupted; the pipeline was stopped", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
