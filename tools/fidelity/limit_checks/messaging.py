"""SQS queues and their policies, SNS topics and subscriptions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tools.fidelity import aws_limits as limits
from tools.fidelity.limit_checks.values import Check, not_one_of, number, outside, shown
from tools.fidelity.recorded_stack import Stack, json_document
from tools.pulumi_mocks.recording import RecordedResource

QUEUE = "aws:sqs/queue:Queue"
# SQS's defaults when the input is left out.
DEFAULT_RETENTION_SECONDS = 345_600
REDRIVE_PERMISSIONS = ("allowAll", "denyAll", "byQueue")
MAX_REDRIVE_SOURCE_QUEUES = 10


def check_queue(resource: RecordedResource, stack: Stack) -> Iterable[str]:
    inputs = resource.inputs
    for key, bounds in (
        ("messageRetentionSeconds", limits.SQS_RETENTION_SECONDS),
        ("visibilityTimeoutSeconds", limits.SQS_VISIBILITY_TIMEOUT_SECONDS),
        ("delaySeconds", limits.SQS_DELAY_SECONDS),
        ("receiveWaitTimeSeconds", limits.SQS_RECEIVE_WAIT_SECONDS),
        ("maxMessageSize", limits.SQS_MAX_MESSAGE_BYTES),
        ("kmsDataKeyReusePeriodSeconds", limits.SQS_KMS_DATA_KEY_REUSE_SECONDS),
    ):
        yield from outside(key, number(inputs, key), bounds)
    if inputs.get("sqsManagedSseEnabled") and inputs.get("kmsMasterKeyId"):
        yield "sqsManagedSseEnabled and kmsMasterKeyId exclude each other"
    name = inputs.get("name")
    if isinstance(name, str) and name.endswith(".fifo") != bool(inputs.get("fifoQueue")):
        yield f"name {name!r} must end in .fifo exactly when fifoQueue is set"
    redrive = inputs.get("redrivePolicy")
    if redrive is not None:
        yield from _redrive(resource, redrive, stack)


def _redrive(queue: RecordedResource, text: Any, stack: Stack) -> Iterable[str]:
    policy = json_document(str(text))
    if not isinstance(policy, dict):
        yield "redrivePolicy is not a JSON object"
        return
    yield from outside(
        "redrivePolicy.maxReceiveCount",
        number(policy, "maxReceiveCount"),
        limits.SQS_MAX_RECEIVE_COUNT,
    )
    target = stack.resolve_as(policy.get("deadLetterTargetArn"), QUEUE)
    if target is None:
        yield f"redrivePolicy.deadLetterTargetArn {policy.get('deadLetterTargetArn')!r} is no queue"
        return
    if bool(target.inputs.get("fifoQueue")) != bool(queue.inputs.get("fifoQueue")):
        yield f"dead-letter queue {target.name} must be of the same type (FIFO or standard)"
    # A standard queue keeps the original enqueue time: a shorter DLQ retention loses messages.
    source_retention = number(queue.inputs, "messageRetentionSeconds") or DEFAULT_RETENTION_SECONDS
    target_retention = number(target.inputs, "messageRetentionSeconds") or DEFAULT_RETENTION_SECONDS
    if target_retention < source_retention:
        yield (
            f"dead-letter queue {target.name} keeps messages {shown(target_retention)} s, "
            f"less than this queue's {shown(source_retention)} s"
        )


def check_redrive_allow_policy(resource: RecordedResource, stack: Stack) -> Iterable[str]:
    policy = json_document(str(resource.inputs.get("redriveAllowPolicy", "")))
    if not isinstance(policy, dict):
        yield "redriveAllowPolicy is not a JSON object"
        return
    permission = policy.get("redrivePermission")
    yield from not_one_of("redrivePermission", permission, REDRIVE_PERMISSIONS)
    sources = policy.get("sourceQueueArns") or []
    if (permission == "byQueue") != bool(sources):
        yield "sourceQueueArns are required with byQueue and refused otherwise"
    if len(sources) > MAX_REDRIVE_SOURCE_QUEUES:
        yield f"{len(sources)} sourceQueueArns; SQS allows {MAX_REDRIVE_SOURCE_QUEUES}"
    for source in sources:
        if stack.resolve_as(source, QUEUE) is None:
            yield f"sourceQueueArns {source!r} is no queue of this stack"


def check_topic(resource: RecordedResource, _stack: Stack) -> Iterable[str]:
    name = resource.inputs.get("name")
    if isinstance(name, str) and name.endswith(".fifo") != bool(resource.inputs.get("fifoTopic")):
        yield f"name {name!r} must end in .fifo exactly when fifoTopic is set"


def check_subscription(resource: RecordedResource, _stack: Stack) -> Iterable[str]:
    inputs = resource.inputs
    protocol = inputs.get("protocol")
    yield from not_one_of("protocol", protocol, limits.SNS_PROTOCOLS)
    if inputs.get("rawMessageDelivery") and protocol not in limits.SNS_RAW_DELIVERY_PROTOCOLS:
        yield f"rawMessageDelivery is not supported for protocol {protocol!r}"
    yield from not_one_of(
        "filterPolicyScope", inputs.get("filterPolicyScope"), limits.SNS_FILTER_POLICY_SCOPES
    )
    policy = inputs.get("filterPolicy")
    if policy is not None and not isinstance(json_document(str(policy)), dict):
        yield "filterPolicy is not a JSON object"
    if protocol == "sqs" and not str(inputs.get("endpoint", "")).startswith("arn:aws:sqs:"):
        yield f"endpoint {inputs.get('endpoint')!r} of an sqs subscription must be a queue ARN"


CHECKS: dict[str, Check] = {
    QUEUE: check_queue,
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": check_redrive_allow_policy,
    "aws:sns/topic:Topic": check_topic,
    "aws:sns/topicSubscription:TopicSubscription": check_subscription,
}
