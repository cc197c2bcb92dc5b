"""Builds CloudWatch alarms that tell one SNS topic when they fire and when they clear."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pulumi
import pulumi_aws as aws

from components.cloudwatch_metrics import Metric


class MissingData(StrEnum):
    """What a period without datapoints means; every alarm states it on purpose."""

    NOT_BREACHING = "notBreaching"
    IGNORE = "ignore"


class Comparison(StrEnum):
    ABOVE = "GreaterThanThreshold"
    AT_LEAST = "GreaterThanOrEqualToThreshold"


@dataclass(frozen=True)
class Evaluation:
    period_seconds: int
    evaluation_periods: int
    datapoints_to_alarm: int


@dataclass(frozen=True)
class Condition:
    threshold: float
    comparison: Comparison
    missing_data: MissingData
    evaluation: Evaluation


class AlarmBuilder:
    """Creates alarms that send both ALARM and OK to the same topic, so whoever was paged
    also learns when it is over. Alarms are named `<alarm_prefix>-<name>`."""

    def __init__(
        self,
        resource_prefix: str,
        alarm_prefix: str,
        topic_arn: pulumi.Input[str],
        parent: pulumi.Resource,
    ) -> None:
        self._resource_prefix = resource_prefix
        self._alarm_prefix = alarm_prefix
        self._actions = [topic_arn]
        self._parent = parent
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}

    def on_metric(
        self, name: str, description: str, metric: Metric, condition: Condition
    ) -> aws.cloudwatch.MetricAlarm:
        extended = metric.is_extended_statistic
        return self._alarm(
            name,
            description,
            condition,
            namespace=metric.namespace,
            metric_name=metric.name,
            dimensions=dict(metric.dimensions),
            statistic=None if extended else metric.stat,
            extended_statistic=metric.stat if extended else None,
            period=condition.evaluation.period_seconds,
        )

    def on_expression(
        self,
        name: str,
        description: str,
        expression: str,
        metrics: Mapping[str, Metric],
        condition: Condition,
    ) -> aws.cloudwatch.MetricAlarm:
        """`expression` refers to `metrics` by their keys (ids that start lower-case)."""
        queries = [
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query_id,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=metric.namespace,
                    metric_name=metric.name,
                    dimensions=dict(metric.dimensions),
                    stat=metric.stat,
                    period=condition.evaluation.period_seconds,
                ),
            )
            for query_id, metric in metrics.items()
        ]
        result = aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="result", expression=expression, label=description, return_data=True
        )
        return self._alarm(name, description, condition, metric_queries=[*queries, result])

    def _alarm(
        self, name: str, description: str, condition: Condition, **metric: Any
    ) -> aws.cloudwatch.MetricAlarm:
        alarm = aws.cloudwatch.MetricAlarm(
            f"{self._resource_prefix}-{name}",
            name=f"{self._alarm_prefix}-{name}",
            alarm_description=description,
            comparison_operator=condition.comparison.value,
            threshold=condition.threshold,
            evaluation_periods=condition.evaluation.evaluation_periods,
            datapoints_to_alarm=condition.evaluation.datapoints_to_alarm,
            treat_missing_data=condition.missing_data.value,
            alarm_actions=self._actions,
            ok_actions=self._actions,
            opts=pulumi.ResourceOptions(parent=self._parent),
            **metric,
        )
        self.alarms[name] = alarm
        return alarm
