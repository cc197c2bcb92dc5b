"""The CloudWatch metrics the pipeline is watched by, named as each service really emits them.

Alarms and the dashboard both build on these helpers, so a namespace, a metric name or a
dimension name is spelled in exactly one place (see the AWS "metrics and dimensions" page of
each service: SQS, Lambda, API Gateway REST APIs, DynamoDB, SNS).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from handlers import contract

SQS_NAMESPACE = "AWS/SQS"
VISIBLE_MESSAGES = "ApproximateNumberOfMessagesVisible"
OLDEST_MESSAGE_AGE = "ApproximateAgeOfOldestMessage"
MESSAGES_SENT = "NumberOfMessagesSent"

LAMBDA_NAMESPACE = "AWS/Lambda"
ERRORS = "Errors"
THROTTLES = "Throttles"
DURATION = "Duration"
ITERATOR_AGE = "IteratorAge"

API_NAMESPACE = "AWS/ApiGateway"
REQUESTS = "Count"
SERVER_ERRORS = "5XXError"
CLIENT_ERRORS = "4XXError"
LATENCY = "Latency"
INTEGRATION_LATENCY = "IntegrationLatency"

DYNAMODB_NAMESPACE = "AWS/DynamoDB"
THROTTLED_REQUESTS = "ThrottledRequests"
SYSTEM_ERRORS = "SystemErrors"

# Every table operation the stack's functions perform: the processor's PutItem, the API's
# GetItem/Query, the status updates' GetItem/UpdateItem and the notifier's stream reads.
TABLE_OPERATIONS = ("PutItem", "GetItem", "Query", "UpdateItem", "GetRecords")

SNS_NAMESPACE = "AWS/SNS"
MESSAGES_PUBLISHED = "NumberOfMessagesPublished"
NOTIFICATIONS_FAILED = "NumberOfNotificationsFailed"

# Powertools names this dimension after POWERTOOLS_SERVICE_NAME on every EMF metric.
POWERTOOLS_SERVICE_DIMENSION = "service"

# Lambda durations and iterator ages, and API Gateway latencies, are in milliseconds.
MILLISECONDS = 1000

# The statistics CloudWatch calls "statistics"; anything else (p99, tm90...) is "extended".
STATISTICS = frozenset({"SampleCount", "Average", "Sum", "Minimum", "Maximum"})


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    stat: str

    @property
    def is_extended_statistic(self) -> bool:
        return self.stat not in STATISTICS

    def graph_row(self, label: str, **options: Any) -> list[Any]:
        """The metric as a dashboard widget's `metrics` row; options as the widget accepts them."""
        pairs = [part for name, value in self.dimensions.items() for part in (name, value)]
        return [self.namespace, self.name, *pairs, {"stat": self.stat, "label": label, **options}]


def queue(name: str, queue_name: pulumi.Input[str], stat: str = "Maximum") -> Metric:
    return Metric(SQS_NAMESPACE, name, {"QueueName": queue_name}, stat)


def function(name: str, function_name: pulumi.Input[str], stat: str = "Sum") -> Metric:
    return Metric(LAMBDA_NAMESPACE, name, {"FunctionName": function_name}, stat)


def rest_api(
    name: str, api_name: pulumi.Input[str], stage_name: pulumi.Input[str], stat: str = "Sum"
) -> Metric:
    """REST APIs report per API name and stage (not per id, and never as a FunctionName)."""
    return Metric(API_NAMESPACE, name, {"ApiName": api_name, "Stage": stage_name}, stat)


def table_operation(
    name: str, table_name: pulumi.Input[str], operation: str, stat: str = "Sum"
) -> Metric:
    """ThrottledRequests and SystemErrors exist only per table *and* operation."""
    return Metric(DYNAMODB_NAMESPACE, name, {"TableName": table_name, "Operation": operation}, stat)


def topic(name: str, topic_name: pulumi.Input[str], stat: str = "Sum") -> Metric:
    return Metric(SNS_NAMESPACE, name, {"TopicName": topic_name}, stat)


def business(name: str, environment: str, service: str, stat: str = "Sum") -> Metric:
    """An EMF metric of the handlers: Powertools adds `service`, the handlers `environment`."""
    return Metric(
        contract.METRICS_NAMESPACE,
        name,
        {contract.ENVIRONMENT_DIMENSION: environment, POWERTOOLS_SERVICE_DIMENSION: service},
        stat,
    )
