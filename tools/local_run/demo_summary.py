"""The demo's closing summary, as text: what was sent, where it ended up, how long it took."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from handlers import contract
from tools.local_run.demo_report import Accounting, PipelineState, SentMessage, SentRequest

WIDTH = 100


@dataclass(frozen=True)
class PhaseTiming:
    title: str
    sent: int
    accepted: int
    """Orders answered 202."""
    sending_seconds: float
    settling_seconds: float
    settled: bool


def _clip(text: str, width: int = WIDTH - 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _order_line(item: dict[str, Any]) -> str:
    lines = len(item["items"])
    total = f", total {item['total']:.2f}" if "total" in item else ""
    return (
        f"    {item['orderId']:<8} customer {item['customerId']:<5} {item['status']:<9} "
        f"v{item['version']}  {lines} line{'s' if lines != 1 else ''}{total}"
    )


def _stored(state: PipelineState) -> list[str]:
    items = sorted(state.stored.values(), key=lambda item: str(item["orderId"]))
    shown = [item for item in items if not str(item["orderId"]).startswith("B-")]
    burst = [item for item in items if str(item["orderId"]).startswith("B-")]
    lines = [f"  stored ({len(items)} orders)"] + [_order_line(item) for item in shown]
    if burst:
        statuses = Counter(item["status"] for item in burst)
        lines.append(
            f"    {burst[0]['orderId']}..{burst[-1]['orderId']}: {len(burst)} burst orders, "
            + ", ".join(f"{count} {status}" for status, count in statuses.items())
        )
    return lines


def _refused(sent: list[SentRequest]) -> list[str]:
    refused = [request for request in sent if request.answer.status >= 400]
    return [f"  refused by the API ({len(refused)})"] + [
        f"    {request.answer.status}  {request.scripted.label:<30} {_clip(request.reason)}"
        for request in refused
    ]


def _dead_letters(state: PipelineState) -> list[str]:
    lines = [f"  dead-letter queue ({len(state.dead_letters)})"]
    for letter in state.dead_letters:
        detail = letter.attributes.get(contract.REJECTION_DETAIL_ATTRIBUTE, "")
        lines.append(f"    {letter.reason:<22} {_clip(letter.body, 34):<34} {_clip(detail, 40)}")
    return lines


def _notifications(state: PipelineState) -> list[str]:
    kinds = Counter(event["eventType"] for event in state.notifications)
    lines = [
        f"  notifications received by the subscriber queue ({len(state.notifications)}: "
        + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        + ")"
    ]
    lines += [
        f"    {event['orderId']:<8} {event['oldStatus']} -> {event['newStatus']}  "
        f"v{event['version']}"
        for event in state.notifications
        if event["eventType"] == contract.ORDER_STATUS_CHANGED_EVENT
    ]
    return lines


def _processing(state: PipelineState) -> list[str]:
    lines = ["  event sources"]
    for name, activity in state.activity.items():
        lines.append(
            f"    {name:<26} {activity.invocations} invocations, {activity.records} records "
            f"(largest batch {activity.largest_batch}), {activity.retried} retried, "
            f"{activity.discarded} given up"
        )
    return lines


def _timings(
    startup_seconds: float, phases: list[PhaseTiming], total_seconds: float, settle_seconds: float
) -> list[str]:
    lines = [f"  timings (startup {startup_seconds:.1f} s, total {total_seconds:.1f} s)"]
    for phase in phases:
        settled = "settled" if phase.settled else "DID NOT SETTLE"
        lines.append(
            f"    {phase.title:<52} {phase.sent:>3} sent in {phase.sending_seconds:.2f} s, "
            f"{settled} {phase.settling_seconds:.1f} s later"
        )
    first = phases[0]
    busy = first.sending_seconds + max(first.settling_seconds - settle_seconds, 0.0)
    if busy > 0:
        lines.append(
            f"    first phase: {first.accepted} orders accepted, stored and announced in "
            f"{busy:.1f} s = {first.accepted / busy:.0f} orders/s (first request to last "
            f"event, without the {settle_seconds:.1f} s idle check)"
        )
    return lines


def _accounting(accounting: Accounting) -> list[str]:
    lines = [
        f"  accounting: {len(accounting.passed)} checks passed, "
        f"{len(accounting.unaccounted)} unaccounted for"
    ]
    lines += [f"    UNACCOUNTED: {text}" for text in accounting.unaccounted]
    return lines


def summary(
    sent: list[SentRequest],
    messages: list[SentMessage],
    state: PipelineState,
    accounting: Accounting,
    *,
    startup_seconds: float,
    phases: list[PhaseTiming],
    total_seconds: float,
    settle_seconds: float,
) -> str:
    accepted = [request for request in sent if request.answer.status == 202]
    other = len(sent) - len(accepted) - sum(1 for r in sent if r.answer.status >= 400)
    lines = [
        "summary",
        f"  requests: {len(sent)} over HTTP ({len(accepted)} orders accepted with 202, "
        f"{other} reads and status changes answered, "
        f"{len(sent) - len(accepted) - other} refused); "
        f"{len(messages)} messages put straight on the queue",
        *_refused(sent),
        *_stored(state),
        *_dead_letters(state),
        *_notifications(state),
        *_processing(state),
        *_timings(startup_seconds, phases, total_seconds, settle_seconds),
        *_accounting(accounting),
    ]
    return "\n".join(lines)
