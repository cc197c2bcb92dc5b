"""Mutated copies of a recorded stack: each one the kind of mistake mocks let through.

Resources are found by what they are (the stream mapping, an alarm on a single metric),
not by another component's logical names, so the cases survive renames elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tools.fidelity.recorded_stack import Stack
from tools.pulumi_mocks.recording import RecordedResource

Mutation = Callable[[Stack], Stack]

FUNCTION = "aws:lambda/function:Function"
QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
STAGE = "aws:apigateway/stage:Stage"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY = "aws:kms/key:Key"
TOPIC = "aws:sns/topic:Topic"

PROCESSOR = "orders-processor-function"
PROCESSOR_LOGS = "orders-processor-logs"
PROCESSOR_POLICY = "orders-processor-policy"
PROCESSOR_TRIGGER = "orders-processor-trigger"
MAIN_QUEUE = "orders-queue"
DEAD_LETTER_QUEUE = "orders-dlq"
ORDER_TABLE = "orders-table"


def first(stack: Stack, type_: str, test: Callable[[RecordedResource], bool]) -> RecordedResource:
    return next(resource for resource in stack.of_type(type_) if test(resource))


def stream_mapping(stack: Stack) -> RecordedResource:
    return first(stack, MAPPING, lambda m: "/stream/" in str(m.inputs.get("eventSourceArn")))


def single_metric_alarm(stack: Stack) -> RecordedResource:
    return first(stack, ALARM, lambda a: a.inputs.get("statistic") is not None)


def query_alarm(stack: Stack) -> RecordedResource:
    return first(stack, ALARM, lambda a: bool(a.inputs.get("metricQueries")))


def only(stack: Stack, type_: str) -> RecordedResource:
    return first(stack, type_, lambda _: True)


Target = str | Callable[[Stack], RecordedResource]
"""A logical name, or how to find the resource in a stack."""


def _logical(stack: Stack, target: Target) -> str:
    return target if isinstance(target, str) else target(stack).name


def change(type_: str, target: Target, /, **inputs: Any) -> Mutation:
    """Set (or, with None, remove) inputs of one resource."""

    def mutate(stack: Stack) -> Stack:
        logical = _logical(stack, target)
        return stack.with_inputs(type_, logical, **inputs)

    return mutate


def edit(type_: str, target: Target, key: str, edit_value: Callable[[Any], Any]) -> Mutation:
    """Replace one input by a function of its current value (a copy is passed)."""

    def mutate(stack: Stack) -> Stack:
        resource = stack.named(type_, _logical(stack, target))
        value = json.loads(json.dumps(resource.inputs.get(key)))
        return stack.with_inputs(type_, resource.name, **{key: edit_value(value)})

    return mutate


def edit_json(
    type_: str, target: Target, key: str, edit_document: Callable[[Any], None]
) -> Mutation:
    """Change a JSON document input (a policy, a dashboard body) in place."""

    def rewrite(text: Any) -> str:
        document = json.loads(str(text))
        edit_document(document)
        return json.dumps(document)

    return edit(type_, target, key, rewrite)


def drop(type_: str, target: Target) -> Mutation:
    def mutate(stack: Stack) -> Stack:
        return stack.without(type_, _logical(stack, target))

    return mutate


def retype(type_: str, name: str, new_type: str) -> Mutation:
    def mutate(stack: Stack) -> Stack:
        target = stack.named(type_, name)
        changed = replace(target, type=new_type)
        return replace(
            stack, resources=tuple(changed if r is target else r for r in stack.resources)
        )

    return mutate
