"""The pipeline's CloudWatch dashboard: one screen from API request to notification."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components import cloudwatch_metrics as cw
from components.monitoring_args import MonitoringArgs
from handlers import contract

GRID_WIDTH = 24
GRAPH_WIDTH = 12
GRAPH_HEIGHT = 6
ALARMS_HEIGHT = 3

RIGHT_AXIS = {"yAxis": "right"}


@dataclass(frozen=True)
class Graph:
    title: str
    rows: list[list[Any]]
    annotations: list[dict[str, Any]] = field(default_factory=list)


def dashboard_body(
    args: MonitoringArgs, alarm_arns: Sequence[pulumi.Input[str]]
) -> pulumi.Output[str]:
    alarms = {
        "type": "alarm",
        "x": 0,
        "y": 0,
        "width": GRID_WIDTH,
        "height": ALARMS_HEIGHT,
        "properties": {"title": "Alarms", "alarms": list(alarm_arns)},
    }
    per_row = GRID_WIDTH // GRAPH_WIDTH
    graphs = [
        {
            "type": "metric",
            "x": (index % per_row) * GRAPH_WIDTH,
            "y": ALARMS_HEIGHT + (index // per_row) * GRAPH_HEIGHT,
            "width": GRAPH_WIDTH,
            "height": GRAPH_HEIGHT,
            "properties": _graph_properties(graph, args),
        }
        for index, graph in enumerate(_graphs(args))
    ]
    return pulumi.Output.json_dumps({"widgets": [alarms, *graphs]})


def _graph_properties(graph: Graph, args: MonitoringArgs) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "title": graph.title,
        "view": "timeSeries",
        "stacked": False,
        "region": args.region,
        # The granularity the alarms judge by, so a graph shows what an alarm saw.
        "period": args.settings.period_seconds,
        "metrics": graph.rows,
        "yAxis": {"left": {"min": 0}},
    }
    if graph.annotations:
        properties["annotations"] = {"horizontal": graph.annotations}
    return properties


def _graphs(args: MonitoringArgs) -> list[Graph]:
    return [*_order_graphs(args), *_function_graphs(args), *_edge_and_store_graphs(args)]


def _order_graphs(args: MonitoringArgs) -> list[Graph]:
    def processed(metric: str) -> cw.Metric:
        return cw.business(metric, args.environment_name, contract.PROCESSOR_SERVICE_NAME)

    rejected_by_reason = (
        f"SEARCH('{{{contract.METRICS_NAMESPACE},{contract.ENVIRONMENT_DIMENSION},"
        f"{contract.REJECTION_REASON_DIMENSION},{cw.POWERTOOLS_SERVICE_DIMENSION}}} "
        f'MetricName="{contract.ORDERS_REJECTED_METRIC}" '
        f'{contract.ENVIRONMENT_DIMENSION}="{args.environment_name}" '
        f'{cw.POWERTOOLS_SERVICE_DIMENSION}="{contract.PROCESSOR_SERVICE_NAME}"\', '
        f"'Sum', {args.settings.period_seconds})"
    )
    return [
        Graph(
            "Orders accepted",
            [
                cw.rest_api(cw.REQUESTS, args.api.api_name, args.api.stage_name).graph_row(
                    "API requests"
                ),
                cw.queue(cw.MESSAGES_SENT, args.queue.queue_name, "Sum").graph_row(
                    "sent to the queue"
                ),
            ],
        ),
        Graph(
            "Orders stored, duplicate, rejected",
            [
                processed(contract.ORDERS_STORED_METRIC).graph_row("stored"),
                processed(contract.DUPLICATE_ORDERS_METRIC).graph_row("redelivered duplicates"),
                processed(contract.ORDERS_REJECTED_METRIC).graph_row("rejected"),
            ],
        ),
        Graph(
            "Orders rejected, by reason",
            [
                [
                    {
                        "expression": rejected_by_reason,
                        "id": "by_reason",
                        # A dynamic label: each series is named by its reason.
                        "label": f"${{PROP('Dim.{contract.REJECTION_REASON_DIMENSION}')}}",
                    }
                ]
            ],
        ),
        Graph(
            "Batch failures",
            [
                processed(contract.ORDER_RETRIES_METRIC).graph_row("records retried"),
                cw.function(cw.ERRORS, args.queue.processor_function_name).graph_row(
                    "whole batches failed"
                ),
            ],
        ),
        Graph(
            "Order queue: depth and oldest message age",
            [
                cw.queue(cw.VISIBLE_MESSAGES, args.queue.queue_name).graph_row("waiting"),
                cw.queue(cw.OLDEST_MESSAGE_AGE, args.queue.queue_name).graph_row(
                    "oldest (s)", **RIGHT_AXIS
                ),
            ],
        ),
        Graph(
            "Dead letters",
            [
                cw.queue(cw.VISIBLE_MESSAGES, args.queue.dead_letter_queue_name).graph_row(
                    "order DLQ"
                ),
                cw.queue(cw.VISIBLE_MESSAGES, args.notifier.failure_queue_name).graph_row(
                    "notifier failures"
                ),
            ],
        ),
    ]


def _function_graphs(args: MonitoringArgs) -> list[Graph]:
    functions = {
        "processor": args.queue.processor_function_name,
        "notifier": args.notifier.function_name,
        **args.api.function_names,
    }
    timeout_ms = args.queue.processor_timeout_seconds * cw.MILLISECONDS
    return [
        Graph(
            "Lambda duration (ms)",
            [
                cw.function(cw.DURATION, name, stat).graph_row(f"{label} {stat}")
                for label, name in functions.items()
                for stat in ("p50", "p99")
            ],
            [{"label": "processor timeout", "value": timeout_ms}],
        ),
        Graph(
            "Lambda errors and throttles",
            [
                cw.function(metric, name).graph_row(f"{label} {metric.lower()}")
                for label, name in functions.items()
                for metric in (cw.ERRORS, cw.THROTTLES)
            ],
        ),
        Graph(
            "Notifier: stream iterator age (ms)",
            [
                cw.function(cw.ITERATOR_AGE, args.notifier.function_name, "Maximum").graph_row(
                    "oldest record"
                )
            ],
            [{"label": "alarm", "value": args.settings.iterator_age_seconds * cw.MILLISECONDS}],
        ),
        Graph(
            "Order events",
            [
                cw.business(
                    contract.NOTIFICATIONS_PUBLISHED_METRIC,
                    args.environment_name,
                    contract.NOTIFIER_SERVICE_NAME,
                ).graph_row("announced by the notifier"),
                cw.topic(cw.MESSAGES_PUBLISHED, args.notifier.topic_name).graph_row(
                    "published to the topic"
                ),
                cw.topic(cw.NOTIFICATIONS_FAILED, args.notifier.topic_name).graph_row(
                    "deliveries failed"
                ),
            ],
        ),
    ]


def _edge_and_store_graphs(args: MonitoringArgs) -> list[Graph]:
    def api(metric: str, stat: str = "Sum") -> cw.Metric:
        return cw.rest_api(metric, args.api.api_name, args.api.stage_name, stat)

    return [
        Graph(
            "API latency (ms)",
            [
                api(cw.LATENCY, "p50").graph_row("p50"),
                api(cw.LATENCY, "p99").graph_row("p99"),
                api(cw.INTEGRATION_LATENCY, "p99").graph_row("integration p99"),
            ],
            [{"label": "alarm", "value": args.settings.api_latency_ms}],
        ),
        Graph(
            "API status codes",
            [
                api(cw.REQUESTS).graph_row("requests"),
                api(cw.CLIENT_ERRORS).graph_row("4xx"),
                api(cw.SERVER_ERRORS).graph_row("5xx"),
            ],
        ),
        Graph(
            "Order table: throttled requests and system errors",
            [
                cw.table_operation(metric, args.store.table_name, operation).graph_row(
                    f"{operation} {label}"
                )
                for metric, label in (
                    (cw.THROTTLED_REQUESTS, "throttled"),
                    (cw.SYSTEM_ERRORS, "errors"),
                )
                for operation in cw.TABLE_OPERATIONS
            ],
        ),
    ]
