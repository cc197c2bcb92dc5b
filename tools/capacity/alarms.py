"""Which of the stack's alarms a simulated run would fire, and when.

Each alarm is the program's own (name, metric, statistic, threshold, period, M of N, missing
data), read from the recorded stack. Its metric is taken from the simulation by what it
measures and where; metric math alarms evaluate their expression (the subset the stack uses:
arithmetic, comparisons, IF and SUM) over the per-period values of their queries.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from components import cloudwatch_metrics as cw
from tools.capacity.shape import AlarmRule, Part, WatchedMetric
from tools.capacity.simulation import Run, Second
from tools.capacity.stages import processor_batch_seconds

Series = list[float | None]
"""One value a second; None: CloudWatch gets no datapoint that second."""

PERCENTILE_NOTE = (
    "a percentile statistic (p99) is taken as the period's maximum, which is never lower"
)


@dataclass(frozen=True)
class AlarmOutcome:
    rule: AlarmRule
    fires_at: int | None
    """Second at whose period's end the alarm is first in ALARM; None: it never is."""
    simulated: bool
    """False: its metric is not one the model produces (the alarm stays as it is)."""


def _per_second(run: Run, value: Callable[[Second], float | None]) -> Series:
    return [value(second) for second in run.timeline]


def metric_series(run: Run, metric: WatchedMetric, batch_size: int) -> Series | None:
    """The metric as the simulation sees it; None when the model does not produce it.

    Failures (errors, dead letters, failed deliveries) never happen in the model: those
    metrics are 0. Lambda reports durations only for periods with invocations.
    """
    key = (metric.namespace, metric.name, metric.part)
    duration_ms = processor_batch_seconds(batch_size) * cw.MILLISECONDS
    known: dict[tuple[str, str, Part], Callable[[Second], float | None]] = {
        (cw.API_NAMESPACE, cw.REQUESTS, Part.API): lambda s: s.requests,
        (cw.API_NAMESPACE, cw.CLIENT_ERRORS, Part.API): lambda s: s.throttled,
        (cw.SQS_NAMESPACE, cw.OLDEST_MESSAGE_AGE, Part.QUEUE): lambda s: s.queue_age,
        (cw.SQS_NAMESPACE, cw.VISIBLE_MESSAGES, Part.QUEUE): lambda s: s.queue_backlog,
        (cw.LAMBDA_NAMESPACE, cw.THROTTLES, Part.PROCESSOR): lambda s: s.processor_throttles,
        (cw.LAMBDA_NAMESPACE, cw.DURATION, Part.PROCESSOR): lambda s: (
            duration_ms if s.processor_batches > 0 else None
        ),
        (cw.LAMBDA_NAMESPACE, cw.ITERATOR_AGE, Part.NOTIFIER): lambda s: (
            s.stream_age * cw.MILLISECONDS
        ),
    }
    if key in known:
        return _per_second(run, known[key])
    if (metric.namespace, metric.name) == (cw.DYNAMODB_NAMESPACE, cw.THROTTLED_REQUESTS):
        writes = metric.operation == "PutItem"
        return _per_second(run, lambda s: s.table_throttled if writes else 0.0)
    never = {cw.ERRORS, cw.SYSTEM_ERRORS, cw.NOTIFICATIONS_FAILED, cw.SERVER_ERRORS}
    if metric.name in never or (metric.name == cw.VISIBLE_MESSAGES and metric.part != Part.QUEUE):
        return _per_second(run, lambda _: 0.0)
    return None


def _statistic(values: Sequence[float], stat: str) -> float:
    if stat == "Sum":
        return sum(values)
    if stat == "Average":
        return sum(values) / len(values)
    if stat == "Minimum":
        return min(values)
    if stat == "SampleCount":
        return float(len(values))
    return max(values)  # Maximum, and percentiles (PERCENTILE_NOTE)


def period_values(series: Series, stat: str, period: int) -> list[float | None]:
    """One datapoint per whole period; None for a period without any value."""
    values: list[float | None] = []
    for start in range(0, len(series) - period + 1, period):
        present = [value for value in series[start : start + period] if value is not None]
        values.append(_statistic(present, stat) if present else None)
    return values


_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE: dict[type[ast.cmpop], Callable[[float, float], bool]] = {
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def evaluate(expression: str, values: Mapping[str, float]) -> float | None:
    """A CloudWatch metric math expression over one period's values; None where CloudWatch
    would have no value (a division by zero)."""

    def value(node: ast.expr) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            compare = _COMPARE[type(node.ops[0])]
            return float(compare(value(node.left), value(node.comparators[0])))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "IF" and len(node.args) == 3:
                condition, when_true, when_false = node.args
                return value(when_true) if value(condition) else value(when_false)
            if node.func.id == "SUM" and len(node.args) == 1 and isinstance(node.args[0], ast.List):
                return sum(value(item) for item in node.args[0].elts)
        raise ValueError(f"metric math the capacity model does not read: {ast.unparse(node)}")

    try:
        return value(ast.parse(expression, mode="eval").body)
    except ZeroDivisionError:
        return None


_ALARM_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


def _datapoints(rule: AlarmRule, run: Run, batch_size: int) -> list[float | None] | None:
    per_query: dict[str, list[float | None]] = {}
    for query_id, metric in rule.metrics.items():
        series = metric_series(run, metric, batch_size)
        if series is None:
            return None
        per_query[query_id] = period_values(series, metric.stat, rule.period_seconds)
    if rule.expression is None:
        return next(iter(per_query.values()))
    periods = len(next(iter(per_query.values())))
    points: list[float | None] = []
    for index in range(periods):
        values = {query_id: series[index] for query_id, series in per_query.items()}
        present = {key: point for key, point in values.items() if point is not None}
        points.append(evaluate(rule.expression, present) if len(present) == len(values) else None)
    return points


def _breaching(rule: AlarmRule, point: float | None) -> bool:
    if point is None:
        return rule.treat_missing_data == "breaching"
    return _ALARM_COMPARE[rule.comparison](point, rule.threshold)


def evaluate_alarm(rule: AlarmRule, run: Run, batch_size: int) -> AlarmOutcome:
    """ALARM once `datapoints_to_alarm` of the last `evaluation_periods` periods breach."""
    points = _datapoints(rule, run, batch_size)
    if points is None:
        return AlarmOutcome(rule, None, simulated=False)
    breaches = [_breaching(rule, point) for point in points]
    for index in range(len(breaches)):
        window = breaches[max(0, index - rule.evaluation_periods + 1) : index + 1]
        if sum(window) >= rule.datapoints_to_alarm:
            return AlarmOutcome(rule, (index + 1) * rule.period_seconds, simulated=True)
    return AlarmOutcome(rule, None, simulated=True)


def evaluate_alarms(
    rules: Sequence[AlarmRule], run: Run, batch_size: int
) -> tuple[AlarmOutcome, ...]:
    return tuple(evaluate_alarm(rule, run, batch_size) for rule in rules)
