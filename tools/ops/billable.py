"""What a stack is billed for, read from the resources its program registers.

Everything here comes from the recorded inputs, so a setting (memory, architecture, batch
size, retention, WAF on or off) or a new alarm changes the estimate without touching it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tools.ops.stack_graph import ResourceKey, StackGraph, key_of

FUNCTION = "aws:lambda/function:Function"
EVENT_SOURCE_MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
PERMISSION = "aws:lambda/permission:Permission"
REST_API = "aws:apigateway/restApi:RestApi"
STAGE = "aws:apigateway/stage:Stage"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
KMS_KEY = "aws:kms/key:Key"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"

# An API's invoke permission: `arn:aws:execute-api:...:<api id>/<stage>/<METHOD>/<path>`.
ROUTE_METHOD = re.compile(r"/([A-Z]+|\*)/")

# Lambda's defaults when an event source mapping leaves them unset.
DEFAULT_BATCH_SIZE = {QUEUE: 10, TABLE: 100}
HIGH_RESOLUTION_PERIOD_SECONDS = 60


@dataclass(frozen=True)
class Trigger:
    source_type: str
    """QUEUE or TABLE (its stream)."""
    batch_size: int
    batching_window_seconds: int


@dataclass(frozen=True)
class BilledFunction:
    name: str
    memory_mb: int
    architecture: str
    traced: bool
    log_retention_days: int | None
    """None: the log group keeps everything (or the function has none of its own)."""
    trigger: Trigger | None
    api_methods: tuple[str, ...]
    """The HTTP method of each API route that invokes it."""
    publishes_to_topics: int


@dataclass(frozen=True)
class BilledTable:
    name: str
    hash_key: str
    """What one item stands for: an order (`orderId`), or a submission (`requestId`)."""
    global_secondary_indexes: int
    point_in_time_recovery: bool


@dataclass(frozen=True)
class BilledAlarm:
    name: str
    metrics: int
    high_resolution: bool


@dataclass(frozen=True)
class BilledApi:
    name: str
    traced: bool
    access_log_retention_days: int | None
    logs_access: bool


@dataclass(frozen=True)
class StackBill:
    """The billable shape of one stack."""

    stack: str
    region: str
    functions: tuple[BilledFunction, ...]
    tables: tuple[BilledTable, ...]
    apis: tuple[BilledApi, ...]
    alarms: tuple[BilledAlarm, ...]
    dashboards: int
    kms_keys: int
    web_acl_rules: tuple[int, ...]
    """One entry per web ACL: how many rules it has."""
    subscription_protocols: tuple[str, ...]
    """Protocols of subscriptions to topics that functions publish to."""


def _number(value: Any, default: int = 0) -> int:
    return int(value) if value is not None else default


def _targets(graph: StackGraph, key: ResourceKey, field: str, type_: str) -> list[ResourceKey]:
    return [
        reference.target
        for reference in graph.references_from(key)
        if reference.path[:1] == (field,) and reference.target[0] == type_
    ]


def _retention(graph: StackGraph, key: ResourceKey, path: tuple[str, ...]) -> int | None:
    for reference in graph.references_from(key):
        if reference.path == path and reference.target[0] == LOG_GROUP:
            days = graph.resources[reference.target].inputs.get("retentionInDays")
            return None if days is None else int(days)
    return None


def _triggers(graph: StackGraph) -> dict[ResourceKey, Trigger]:
    triggers: dict[ResourceKey, Trigger] = {}
    for mapping in graph.of_type(EVENT_SOURCE_MAPPING):
        key = key_of(mapping)
        functions = _targets(graph, key, "functionName", FUNCTION)
        sources = [
            reference.target
            for reference in graph.references_from(key)
            if reference.path == ("eventSourceArn",)
        ]
        if not functions or not sources:
            continue
        source_type = sources[0][0]
        triggers[functions[0]] = Trigger(
            source_type=source_type,
            batch_size=_number(
                mapping.inputs.get("batchSize"), DEFAULT_BATCH_SIZE.get(source_type, 10)
            ),
            batching_window_seconds=_number(mapping.inputs.get("maximumBatchingWindowInSeconds")),
        )
    return triggers


def _api_methods(graph: StackGraph) -> dict[ResourceKey, list[str]]:
    methods: dict[ResourceKey, list[str]] = {}
    for permission in graph.of_type(PERMISSION):
        if permission.inputs.get("principal") != "apigateway.amazonaws.com":
            continue
        method = ROUTE_METHOD.search(str(permission.inputs.get("sourceArn", "")))
        for function in _targets(graph, key_of(permission), "function", FUNCTION):
            methods.setdefault(function, []).append(method.group(1) if method else "*")
    return methods


def _functions(graph: StackGraph) -> tuple[BilledFunction, ...]:
    triggers = _triggers(graph)
    api_methods = _api_methods(graph)
    billed = []
    for function in graph.of_type(FUNCTION):
        key = key_of(function)
        inputs = function.inputs
        published = {
            reference.target
            for reference in graph.references_from(key)
            if reference.target[0] == TOPIC
        }
        billed.append(
            BilledFunction(
                name=function.name,
                memory_mb=_number(inputs.get("memorySize"), 128),
                architecture=(inputs.get("architectures") or ["x86_64"])[0],
                traced=(inputs.get("tracingConfig") or {}).get("mode") == "Active",
                log_retention_days=_retention(graph, key, ("loggingConfig", "logGroup")),
                trigger=triggers.get(key),
                api_methods=tuple(sorted(api_methods.get(key, []))),
                publishes_to_topics=len(published),
            )
        )
    return tuple(sorted(billed, key=lambda function: function.name))


def _apis(graph: StackGraph) -> tuple[BilledApi, ...]:
    stages = graph.of_type(STAGE)
    billed = []
    for api in graph.of_type(REST_API):
        own = [
            stage
            for stage in stages
            if key_of(api) in _targets(graph, key_of(stage), "restApi", REST_API)
        ]
        access_logged = [stage for stage in own if stage.inputs.get("accessLogSettings")]
        billed.append(
            BilledApi(
                name=api.name,
                traced=any(stage.inputs.get("xrayTracingEnabled") for stage in own),
                logs_access=bool(access_logged),
                access_log_retention_days=(
                    _retention(
                        graph, key_of(access_logged[0]), ("accessLogSettings", "destinationArn")
                    )
                    if access_logged
                    else None
                ),
            )
        )
    return tuple(billed)


def _alarm(alarm: Any) -> BilledAlarm:
    """CloudWatch bills an alarm per metric it evaluates; under a minute, three times over."""
    queries = alarm.inputs.get("metricQueries") or []
    metrics = sum(1 for query in queries if query.get("metric")) or 1
    periods = [_number(alarm.inputs.get("period"), HIGH_RESOLUTION_PERIOD_SECONDS)] + [
        _number(query["metric"].get("period"), HIGH_RESOLUTION_PERIOD_SECONDS)
        for query in queries
        if query.get("metric")
    ]
    return BilledAlarm(
        name=alarm.name,
        metrics=metrics,
        high_resolution=min(periods) < HIGH_RESOLUTION_PERIOD_SECONDS,
    )


def _published_topics(graph: StackGraph) -> set[ResourceKey]:
    return {
        reference.target
        for function in graph.of_type(FUNCTION)
        for reference in graph.references_from(key_of(function))
        if reference.target[0] == TOPIC
    }


def read_bill(graph: StackGraph, region: str) -> StackBill:
    published = _published_topics(graph)
    return StackBill(
        stack=graph.stack,
        region=region,
        functions=_functions(graph),
        tables=tuple(
            BilledTable(
                name=table.name,
                hash_key=str(table.inputs.get("hashKey")),
                global_secondary_indexes=len(table.inputs.get("globalSecondaryIndexes") or []),
                point_in_time_recovery=bool(
                    (table.inputs.get("pointInTimeRecovery") or {}).get("enabled")
                ),
            )
            for table in graph.of_type(TABLE)
        ),
        apis=_apis(graph),
        alarms=tuple(
            sorted((_alarm(alarm) for alarm in graph.of_type(ALARM)), key=lambda alarm: alarm.name)
        ),
        dashboards=len(graph.of_type(DASHBOARD)),
        kms_keys=len(graph.of_type(KMS_KEY)),
        web_acl_rules=tuple(len(acl.inputs.get("rules") or []) for acl in graph.of_type(WEB_ACL)),
        subscription_protocols=tuple(
            str(subscription.inputs.get("protocol"))
            for subscription in graph.of_type(SUBSCRIPTION)
            if set(_targets(graph, key_of(subscription), "topic", TOPIC)) & published
        ),
    )
