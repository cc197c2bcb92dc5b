"""CloudWatch alarms and dashboards: what PutMetricAlarm and PutDashboard accept."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from tools.fidelity import aws_limits as limits
from tools.fidelity.limit_checks.values import Check, not_one_of, number, shown
from tools.fidelity.recorded_stack import Stack, json_document
from tools.pulumi_mocks.recording import RecordedResource

SINGLE_METRIC_KEYS = (
    "metricName",
    "namespace",
    "statistic",
    "extendedStatistic",
    "period",
    "dimensions",
    "unit",
)
QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
QUERY_REFERENCE = re.compile(r"\b[a-z][a-zA-Z0-9_]*\b")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
SECONDS_PER_HOUR = 3_600
MINUTE = 60


def check_metric_alarm(resource: RecordedResource, _stack: Stack) -> Iterable[str]:
    inputs = resource.inputs
    operator = inputs.get("comparisonOperator")
    anomaly = "thresholdMetricId" in inputs
    allowed = limits.ALARM_ANOMALY_OPERATORS if anomaly else limits.ALARM_COMPARISON_OPERATORS
    if operator is None:
        yield "comparisonOperator is required"
    yield from not_one_of("comparisonOperator", operator, allowed)
    periods = number(inputs, "evaluationPeriods")
    if periods is None or periods < 1:
        yield "evaluationPeriods is required and at least 1"
    datapoints = number(inputs, "datapointsToAlarm")
    if datapoints is not None and (datapoints < 1 or (periods and datapoints > periods)):
        yield f"datapointsToAlarm {shown(datapoints)} must be 1..evaluationPeriods"
    if not anomaly and number(inputs, "threshold") is None:
        yield "threshold is required (or thresholdMetricId for anomaly detection)"
    yield from not_one_of(
        "treatMissingData", inputs.get("treatMissingData"), limits.ALARM_TREAT_MISSING_DATA
    )
    for key in ("alarmActions", "okActions", "insufficientDataActions"):
        if len(inputs.get(key) or []) > limits.ALARM_MAX_ACTIONS:
            yield f"{key} has more than {limits.ALARM_MAX_ACTIONS} actions"
    queries = inputs.get("metricQueries")
    if queries:
        yield from _metric_queries(inputs, queries, periods)
    else:
        yield from _single_metric(inputs, periods)


def _single_metric(inputs: Mapping[str, Any], periods: float | None) -> Iterable[str]:
    for key in ("metricName", "namespace"):
        if not inputs.get(key):
            yield f"{key} is required without metricQueries"
    yield from _statistic(inputs.get("statistic"), inputs.get("extendedStatistic"))
    low_sample = inputs.get("evaluateLowSampleCountPercentile")
    if low_sample is not None:
        if not inputs.get("extendedStatistic"):
            yield "evaluateLowSampleCountPercentile applies to percentile statistics only"
        yield from not_one_of(
            "evaluateLowSampleCountPercentile", low_sample, limits.ALARM_LOW_SAMPLE_COUNT
        )
    yield from _period("period", number(inputs, "period"), periods)
    dimensions = inputs.get("dimensions") or {}
    if len(dimensions) > limits.ALARM_MAX_DIMENSIONS:
        yield f"{len(dimensions)} dimensions; CloudWatch allows {limits.ALARM_MAX_DIMENSIONS}"


def _statistic(statistic: Any, extended: Any) -> Iterable[str]:
    if (statistic is None) == (extended is None):
        yield "exactly one of statistic and extendedStatistic is required"
    yield from not_one_of("statistic", statistic, limits.ALARM_STATISTICS)
    if extended is not None and not limits.ALARM_EXTENDED_STATISTIC.match(str(extended)):
        yield f"extendedStatistic {extended!r} is not a percentile or trimmed statistic"


def _period(key: str, period: float | None, periods: float | None) -> Iterable[str]:
    if period is None:
        yield f"{key} is required"
        return
    if period not in limits.ALARM_HIGH_RESOLUTION_PERIODS and (period < MINUTE or period % MINUTE):
        yield f"{key} {shown(period)} must be 10, 30 or a multiple of 60 seconds"
    if periods:
        total = period * periods
        most = (
            limits.ALARM_MAX_EVALUATION_SECONDS_HOURLY
            if period >= SECONDS_PER_HOUR
            else limits.ALARM_MAX_EVALUATION_SECONDS
        )
        if total > most:
            yield f"{key} x evaluationPeriods is {shown(total)} s; CloudWatch allows {most}"


def _metric_queries(
    inputs: Mapping[str, Any], queries: list[Mapping[str, Any]], periods: float | None
) -> Iterable[str]:
    mixed = [key for key in SINGLE_METRIC_KEYS if inputs.get(key)]
    if mixed:
        yield f"{', '.join(mixed)} must not be set together with metricQueries"
    returned = [query for query in queries if query.get("returnData")]
    if len(returned) != 1:
        yield f"{len(returned)} metricQueries return data; exactly one must"
    ids = {str(query.get("id")) for query in queries}
    for query in queries:
        query_id = str(query.get("id"))
        if not QUERY_ID.match(query_id):
            yield f"metricQueries id {query_id!r} must start with a lower-case letter"
        metric = query.get("metric")
        if (metric is None) == (query.get("expression") is None):
            yield f"metricQueries {query_id}: exactly one of metric and expression"
        if metric:
            for key in ("metricName", "namespace", "stat"):
                if not metric.get(key):
                    yield f"metricQueries {query_id}: metric.{key} is required"
            stat = str(metric.get("stat", ""))
            if stat not in limits.ALARM_STATISTICS and not limits.ALARM_EXTENDED_STATISTIC.match(
                stat
            ):
                yield f"metricQueries {query_id}: stat {stat!r} is not a CloudWatch statistic"
            yield from _period(
                f"metricQueries {query_id} period", number(metric, "period"), periods
            )
        # Functions are upper-case, so a lower-case word outside quotes must be a query id.
        expression = QUOTED.sub("", str(query.get("expression") or ""))
        unknown = {word for word in QUERY_REFERENCE.findall(expression) if word not in ids}
        if unknown:
            yield f"metricQueries {query_id}: expression names unknown ids {sorted(unknown)}"


def check_dashboard(resource: RecordedResource, _stack: Stack) -> Iterable[str]:
    body = json_document(str(resource.inputs.get("dashboardBody", "")))
    if not isinstance(body, dict) or not isinstance(body.get("widgets"), list):
        yield "dashboardBody must be a JSON object with a widgets list"
        return
    for index, widget in enumerate(body["widgets"]):
        if widget.get("type") not in DASHBOARD_WIDGET_TYPES:
            yield f"widget {index} type {widget.get('type')!r} is not a dashboard widget type"


# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
DASHBOARD_WIDGET_TYPES = frozenset({"metric", "text", "log", "alarm", "explorer", "custom"})


CHECKS: dict[str, Check] = {
    "aws:cloudwatch/metricAlarm:MetricAlarm": check_metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": check_dashboard,
}
