"""The pipeline's settings that bound its throughput, read from the resources its program
registers for a stack (under mocks, as `make cost` does): never a second copy of a setting.

What each alarm watches is read from the same run: its name, threshold and evaluation, and,
by the names in its dimensions, which part of the pipeline its metric comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tools.ops.billable import (
    ALARM,
    DEFAULT_BATCH_SIZE,
    EVENT_SOURCE_MAPPING,
    FUNCTION,
    QUEUE,
    REST_API,
    TABLE,
    TOPIC,
)
from tools.ops.stack_graph import ResourceKey, StackGraph, key_of, load_graph
from tools.pulumi_mocks.program import stack_config
from tools.pulumi_mocks.recording import RecordedResource

METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
# What Lambda does when a stream mapping leaves it unset (services-ddb-params).
DEFAULT_PARALLELIZATION_FACTOR = 1


class Part(StrEnum):
    """Where in the order's path a metric comes from."""

    API = "API"
    QUEUE = "order queue"
    PROCESSOR = "processor"
    TABLE = "order table"
    NOTIFIER = "notifier"
    TOPIC = "events topic"
    ELSEWHERE = "elsewhere"
    """A dead-letter or failure queue, another function: nothing there grows with the rate."""


@dataclass(frozen=True)
class ApiThrottle:
    rate_limit: float | None
    """Requests a second of every method; None: only the account's quota applies."""
    burst_limit: float | None


@dataclass(frozen=True)
class QueueTrigger:
    batch_size: int
    batching_window_seconds: int
    maximum_concurrency: int | None
    """The mapping's scalingConfig; None: Lambda's own ceiling applies."""


@dataclass(frozen=True)
class StreamTrigger:
    batch_size: int
    batching_window_seconds: int
    parallelization_factor: int


@dataclass(frozen=True)
class WatchedMetric:
    namespace: str
    name: str
    stat: str
    part: Part
    operation: str | None = None
    """DynamoDB's `Operation` dimension, when the metric has one."""


@dataclass(frozen=True)
class AlarmRule:
    name: str
    threshold: float
    comparison: str
    period_seconds: int
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    metrics: Mapping[str, WatchedMetric]
    """By query id; a single-metric alarm has one, under its own name."""
    expression: str | None
    """Metric math over the query ids; None: the one metric is compared itself."""


@dataclass(frozen=True)
class PipelineShape:
    stack: str
    region: str
    api: ApiThrottle
    processor: QueueTrigger
    notifier: StreamTrigger
    table_indexes: int
    topics_published: int
    """Topics the notifier publishes every event to."""
    encrypted_topics: int
    """Of those, the ones encrypted with a KMS key (SNS then calls KMS)."""
    table_uses_kms: bool
    """The table is encrypted with a KMS key (AWS managed or the account's), not AWS owned."""
    queue_uses_kms: bool
    alarms: tuple[AlarmRule, ...]


def _number(value: Any, default: float | None = None) -> float | None:
    return float(value) if value is not None else default


def _integer(value: Any, default: int) -> int:
    return int(value) if value is not None else default


def _mapping_source(graph: StackGraph, mapping: RecordedResource) -> ResourceKey | None:
    for reference in graph.references_from(key_of(mapping)):
        if reference.path == ("eventSourceArn",):
            return reference.target
    return None


def _mapping_function(graph: StackGraph, mapping: RecordedResource) -> ResourceKey | None:
    for reference in graph.references_from(key_of(mapping)):
        if reference.path == ("functionName",) and reference.target[0] == FUNCTION:
            return reference.target
    return None


@dataclass(frozen=True)
class _Mapping:
    """An event source mapping, with what it reads and the function it invokes."""

    resource: RecordedResource
    source: ResourceKey
    function: ResourceKey | None


def _mapping(graph: StackGraph, source_type: str) -> _Mapping:
    mappings = [
        (mapping, source)
        for mapping in graph.of_type(EVENT_SOURCE_MAPPING)
        if (source := _mapping_source(graph, mapping)) is not None and source[0] == source_type
    ]
    if len(mappings) != 1:
        raise LookupError(
            f"expected one event source mapping from a {source_type} in stack {graph.stack}, "
            f"found {len(mappings)}"
        )
    mapping, source = mappings[0]
    return _Mapping(mapping, source, _mapping_function(graph, mapping))


def _api(graph: StackGraph) -> ApiThrottle:
    # The stage-wide `*/*` setting is what every route, POST /orders included, is held to.
    settings = [
        resource.inputs.get("settings") or {}
        for resource in graph.of_type(METHOD_SETTINGS)
        if resource.inputs.get("methodPath") == "*/*"
    ]
    if not settings:
        return ApiThrottle(None, None)
    return ApiThrottle(
        _number(settings[0].get("throttlingRateLimit")),
        _number(settings[0].get("throttlingBurstLimit")),
    )


def _queue_trigger(mapping: RecordedResource) -> QueueTrigger:
    inputs = mapping.inputs
    concurrency = (inputs.get("scalingConfig") or {}).get("maximumConcurrency")
    return QueueTrigger(
        batch_size=_integer(inputs.get("batchSize"), DEFAULT_BATCH_SIZE[QUEUE]),
        batching_window_seconds=_integer(inputs.get("maximumBatchingWindowInSeconds"), 0),
        maximum_concurrency=None if concurrency is None else int(concurrency),
    )


def _stream_trigger(mapping: RecordedResource) -> StreamTrigger:
    inputs = mapping.inputs
    return StreamTrigger(
        batch_size=_integer(inputs.get("batchSize"), DEFAULT_BATCH_SIZE[TABLE]),
        batching_window_seconds=_integer(inputs.get("maximumBatchingWindowInSeconds"), 0),
        parallelization_factor=_integer(
            inputs.get("parallelizationFactor"), DEFAULT_PARALLELIZATION_FACTOR
        ),
    )


def _published_topics(graph: StackGraph, notifier: ResourceKey | None) -> list[ResourceKey]:
    """The topics the notifier (the stream mapping's function) publishes to."""
    if notifier is None:
        return []
    return [
        reference.target
        for reference in graph.references_from(notifier)
        if reference.target[0] == TOPIC
    ]


def _parts(
    graph: StackGraph, queue: _Mapping, stream: _Mapping, topics: list[ResourceKey]
) -> dict[str, Part]:
    """Which part each resource name CloudWatch sees (its dimension values) belongs to."""
    roles: dict[ResourceKey | None, Part] = {
        queue.function: Part.PROCESSOR,
        stream.function: Part.NOTIFIER,
        queue.source: Part.QUEUE,
    }
    for topic in topics:
        roles[topic] = Part.TOPIC
    for type_, part in ((TABLE, Part.TABLE), (REST_API, Part.API)):
        for resource in graph.of_type(type_):
            roles[key_of(resource)] = part
    names: dict[str, Part] = {}
    for key, resource in graph.resources.items():
        name = resource.state.get("name")
        if isinstance(name, str):
            names[name] = roles.get(key, Part.ELSEWHERE)
    return names


def _watched(metric: Mapping[str, Any], stat: str, parts: Mapping[str, Part]) -> WatchedMetric:
    dimensions: Mapping[str, Any] = metric.get("dimensions") or {}
    found = [parts[value] for value in dimensions.values() if value in parts]
    return WatchedMetric(
        namespace=str(metric.get("namespace")),
        name=str(metric.get("metricName")),
        stat=stat,
        part=found[0] if found else Part.ELSEWHERE,
        operation=dimensions.get("Operation"),
    )


def _alarm(alarm: RecordedResource, parts: Mapping[str, Part]) -> AlarmRule:
    inputs = alarm.inputs
    queries = inputs.get("metricQueries") or []
    if queries:
        metrics = {
            str(query["id"]): _watched(query["metric"], str(query["metric"].get("stat")), parts)
            for query in queries
            if query.get("metric")
        }
        expressions = [query["expression"] for query in queries if query.get("expression")]
        expression: str | None = str(expressions[0]) if expressions else None
        period = min(
            int(query["metric"].get("period", 60)) for query in queries if query.get("metric")
        )
    else:
        stat = str(inputs.get("statistic") or inputs.get("extendedStatistic"))
        metrics = {alarm.name: _watched(inputs, stat, parts)}
        expression = None
        period = _integer(inputs.get("period"), 60)
    evaluation_periods = _integer(inputs.get("evaluationPeriods"), 1)
    return AlarmRule(
        name=str(inputs.get("name") or alarm.name),
        threshold=float(inputs["threshold"]),
        comparison=str(inputs["comparisonOperator"]),
        period_seconds=period,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=_integer(inputs.get("datapointsToAlarm"), evaluation_periods),
        treat_missing_data=str(inputs.get("treatMissingData") or "missing"),
        metrics=metrics,
        expression=expression,
    )


def read_shape(graph: StackGraph, region: str) -> PipelineShape:
    queue_mapping = _mapping(graph, QUEUE)
    queue = graph.resources[queue_mapping.source].inputs
    # The order table is the one whose stream feeds the notifier; the submissions table
    # beside it is written only for rejected orders.
    stream_mapping = _mapping(graph, TABLE)
    table = graph.resources[stream_mapping.source].inputs
    encryption = table.get("serverSideEncryption") or {}
    topic_keys = _published_topics(graph, stream_mapping.function)
    parts = _parts(graph, queue_mapping, stream_mapping, topic_keys)
    topics = [graph.resources[key] for key in topic_keys]
    return PipelineShape(
        stack=graph.stack,
        region=region,
        api=_api(graph),
        processor=_queue_trigger(queue_mapping.resource),
        notifier=_stream_trigger(stream_mapping.resource),
        table_indexes=len(table.get("globalSecondaryIndexes") or []),
        topics_published=len(topics),
        encrypted_topics=sum(1 for topic in topics if topic.inputs.get("kmsMasterKeyId")),
        table_uses_kms=bool(encryption.get("enabled")),
        queue_uses_kms=bool(queue.get("kmsMasterKeyId")),
        alarms=tuple(
            sorted((_alarm(alarm, parts) for alarm in graph.of_type(ALARM)), key=lambda a: a.name)
        ),
    )


def load_shape(stack: str, overrides: Mapping[str, str] | None = None) -> PipelineShape:
    """Run the program for `stack` (its config file plus `overrides`) and read its shape."""
    region = {**stack_config(stack), **(overrides or {})}.get("aws:region", "")
    return read_shape(load_graph(stack, overrides), region)
