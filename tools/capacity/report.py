"""The capacity report as text: the sustainable rate and its bottleneck, every stage's limit,
and with a rate, the alarms that fire and each buffer's backlog over time."""

from __future__ import annotations

import math

from tools.capacity.alarms import PERCENTILE_NOTE, AlarmOutcome
from tools.capacity.model import Capacity
from tools.capacity.simulation import Run
from tools.capacity.stages import SECONDS_PER_ORDER

TIMELINE_ROWS = 12


def _orders(value: float | None) -> str:
    return "no limit" if value is None else f"{math.floor(value):,}"


def stage_lines(result: Capacity) -> list[str]:
    lines = [
        f"Capacity of stack {result.shape.stack} ({result.quotas.region or 'no region'}): "
        "new orders through POST /orders at a steady rate",
        f"sustainable: {math.floor(result.sustainable)} orders/s",
        f"first bottleneck: {result.first_bottleneck.name} ({result.first_bottleneck.limit})",
        "",
        f"{'stage':<34} {'orders/s':>10}  limit, and the setting or quota it comes from",
    ]
    for stage in result.stages:
        scope = " [one customer's orders]" if stage.per_customer else ""
        lines.append(
            f"{stage.name:<34} {_orders(stage.orders_per_second):>10}  {stage.limit}{scope}"
        )
    return lines


def alarm_lines(outcomes: tuple[AlarmOutcome, ...]) -> list[str]:
    firing = [outcome for outcome in outcomes if outcome.fires_at is not None]
    names = ", ".join(outcome.rule.name for outcome in firing) or "none"
    lines = [f"alarms firing: {names}"]
    lines += [
        f"  {outcome.rule.name}: in ALARM at {outcome.fires_at:,} s "
        f"(threshold {outcome.rule.threshold:g}, {outcome.rule.datapoints_to_alarm} of "
        f"{outcome.rule.evaluation_periods} periods of {outcome.rule.period_seconds} s)"
        for outcome in firing
    ]
    unsimulated = [outcome.rule.name for outcome in outcomes if not outcome.simulated]
    if unsimulated:
        lines.append(
            "not simulated (the model has no figure for their metric; they keep their "
            f"state): {', '.join(unsimulated)}"
        )
    return lines


def timeline_lines(run: Run) -> list[str]:
    step = max(1, math.ceil(run.seconds / TIMELINE_ROWS))
    seconds = sorted({*range(step - 1, run.seconds, step), run.seconds - 1})
    header = (
        f"{'second':>7} {'API 429/s':>10} {'queue backlog':>14} {'queue oldest s':>15} "
        f"{'stored/s':>9} {'table throttled/s':>18} {'stream backlog':>15} "
        f"{'stream oldest s':>16} {'announced/s':>12}"
    )
    lines = ["Backlog and oldest waiting order, per buffer (end of each second shown):", header]
    for index in seconds:
        second = run.timeline[index]
        lines.append(
            f"{index + 1:>7} {second.throttled:>10,.0f} {second.queue_backlog:>14,.0f} "
            f"{second.queue_age:>15,.0f} {second.processed:>9,.0f} "
            f"{second.table_throttled:>18,.0f} {second.stream_backlog:>15,.0f} "
            f"{second.stream_age:>16,.0f} {second.announced:>12,.0f}"
        )
    return lines


def loosely_lines(result: Capacity) -> list[str]:
    notes = [
        f"  - {stage.name}: {note}" for stage in result.stages for note in stage.loosely if note
    ]
    return ["Documented only loosely by AWS (the model's reading):", *notes]


def render(
    result: Capacity, run: Run | None = None, outcomes: tuple[AlarmOutcome, ...] = ()
) -> str:
    lines = stage_lines(result)
    if run is not None:
        lines += ["", f"At {run.rate:,g} orders/s for {run.seconds:,} s:"]
        lines += alarm_lines(outcomes)
        lines += ["", *timeline_lines(run)]
    lines += ["", *loosely_lines(result)]
    lines += [
        "",
        "Assumptions:",
        f"  - the processor spends {SECONDS_PER_ORDER * 1000:g} ms per order, at least one "
        "round trip per batch (tools/benchmarks/batch_latency.py, docs/performance.md)",
        "  - every order is new, valid and at most 1 KB; nothing fails or is retried; reads "
        "and status changes are not part of the rate",
    ]
    if run is not None:
        lines.append(f"  - alarms: {PERCENTILE_NOTE}")
    lines += ["", "Sources:", *[f"  - {source}" for source in result.quotas.sources()]]
    return "\n".join(lines)
