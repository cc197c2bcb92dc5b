"""Rules that take two resources: a queue and its dead-letter queue or policy, a function
and its log group, a stage and its method settings.

Who points at whom is read from property dependencies, which the engine knows even in a
preview, and from identifiers (ARN, URL, name) appearing in a property's value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from order_pipeline_policy.props import (
    block,
    depends_on,
    document,
    glob,
    listed,
    of_type,
    refers_to,
    statements,
)
from order_pipeline_policy.resource_types import (
    FUNCTION,
    LOG_GROUP,
    METHOD_SETTINGS,
    QUEUE,
    QUEUE_POLICY,
    REDRIVE_POLICY,
    STAGE,
    TOPIC,
    TOPIC_POLICY,
)

# Properties through which a resource hands its failures to a queue (queue and
# subscription redrive policies, event source and async-invoke destinations, function
# dead-letter configs). A queue named by one of them is itself where failures end up.
FAILURE_SINK_PROPS = ("redrivePolicy", "destinationConfig", "deadLetterConfig")
# What a TLS-only policy must refuse over plain HTTP, at least.
QUEUE_TLS_ACTIONS = ("sqs:SendMessage", "sqs:ReceiveMessage")
TOPIC_TLS_ACTIONS = ("sns:Publish", "sns:Subscribe")
ALL_METHODS = "*/*"


def _is_failure_sink(queue: PolicyResource, resources: Sequence[PolicyResource]) -> bool:
    return any(
        refers_to(other, prop, queue)
        for other in resources
        if other is not queue
        for prop in FAILURE_SINK_PROPS
    )


def _has_dead_letter_queue(queue: PolicyResource, resources: Sequence[PolicyResource]) -> bool:
    try:
        if document(queue.props.get("redrivePolicy")).get("deadLetterTargetArn"):
            return True
    except UnknownValueError:
        # A preview: the policy waits for the DLQ's ARN, so it names that DLQ.
        return bool(depends_on(queue, "redrivePolicy"))
    return any(refers_to(r, "queueUrl", queue) for r in of_type(resources, REDRIVE_POLICY))


def _queues_have_dead_letter_queues(args: StackValidationArgs, report: ReportViolation) -> None:
    for queue in of_type(args.resources, QUEUE):
        if not _has_dead_letter_queue(queue, args.resources) and not _is_failure_sink(
            queue, args.resources
        ):
            report(
                f"SQS queue '{queue.name}' has no dead-letter queue: give it a redrivePolicy "
                "(only dead-letter and on-failure queues may go without).",
                queue.urn,
            )


def _denies_plain_http(statement: Mapping[str, Any], actions: Iterable[str]) -> bool:
    principal = statement.get("Principal")
    everyone = principal == "*" or (
        isinstance(principal, Mapping) and "*" in listed(principal.get("AWS"))
    )
    secure = [
        str(v).lower()
        for v in listed(block(block(statement, "Condition"), "Bool").get("aws:SecureTransport"))
    ]
    patterns = [glob(str(action)) for action in listed(statement.get("Action"))]
    return (
        statement.get("Effect") == "Deny"
        and everyone
        and secure == ["false"]
        and all(any(p.fullmatch(action) for p in patterns) for action in actions)
    )


def _tls_only(
    target: PolicyResource, policies: Iterable[PolicyResource], link: str, actions: Iterable[str]
) -> bool:
    documents = [target.props.get("policy")]
    documents += [p.props.get("policy") for p in policies if refers_to(p, link, target)]
    return any(
        _denies_plain_http(statement, tuple(actions))
        for text in documents
        for statement in statements(document(text))
    )


def _queues_and_topics_are_tls_only(args: StackValidationArgs, report: ReportViolation) -> None:
    queue_policies = of_type(args.resources, QUEUE_POLICY)
    for queue in of_type(args.resources, QUEUE):
        if not _tls_only(queue, queue_policies, "queueUrl", QUEUE_TLS_ACTIONS):
            report(
                f"SQS queue '{queue.name}' accepts plain HTTP: its policy must deny "
                "aws:SecureTransport false to every principal.",
                queue.urn,
            )
    topic_policies = of_type(args.resources, TOPIC_POLICY)
    for topic in of_type(args.resources, TOPIC):
        if not _tls_only(topic, topic_policies, "arn", TOPIC_TLS_ACTIONS):
            report(
                f"SNS topic '{topic.name}' accepts plain HTTP: its policy must deny "
                "aws:SecureTransport false to every principal.",
                topic.urn,
            )


def _log_group_of(
    function: PolicyResource, groups: Sequence[PolicyResource]
) -> PolicyResource | None:
    name = block(function.props, "loggingConfig").get("logGroup")
    name = name or f"/aws/lambda/{function.props.get('name')}"
    return next(
        (
            group
            for group in groups
            if refers_to(function, "loggingConfig", group) or group.props.get("name") == name
        ),
        None,
    )


def _functions_log_with_retention(args: StackValidationArgs, report: ReportViolation) -> None:
    groups = of_type(args.resources, LOG_GROUP)
    for function in of_type(args.resources, FUNCTION):
        group = _log_group_of(function, groups)
        if group is None:
            report(
                f"Lambda function '{function.name}' logs to a log group the stack does not "
                "manage, so nothing sets its retention.",
                function.urn,
            )
        elif not group.props.get("retentionInDays"):
            report(
                f"Lambda function '{function.name}' logs to '{group.name}', which keeps logs "
                "forever: set retentionInDays.",
                function.urn,
            )


def _throttles(settings: PolicyResource, stage: PolicyResource) -> bool:
    same_stage = refers_to(settings, "stageName", stage) or (
        settings.props.get("stageName") == stage.props.get("stageName")
        and settings.props.get("restApi") == stage.props.get("restApi")
    )
    limits = block(settings.props, "settings")
    return (
        same_stage
        and settings.props.get("methodPath") == ALL_METHODS
        and (limits.get("throttlingRateLimit") or 0) > 0
        and (limits.get("throttlingBurstLimit") or 0) > 0
    )


def _stages_are_throttled(args: StackValidationArgs, report: ReportViolation) -> None:
    method_settings = of_type(args.resources, METHOD_SETTINGS)
    for stage in of_type(args.resources, STAGE):
        if not any(_throttles(settings, stage) for settings in method_settings):
            report(
                f"API stage '{stage.name}' is not throttled: add MethodSettings for */* with "
                "throttlingRateLimit and throttlingBurstLimit.",
                stage.urn,
            )


STACK_POLICIES = [
    StackValidationPolicy(
        name="sqs-queue-dead-letter-queue",
        description="Every SQS queue has a dead-letter queue, unless it is one itself.",
        validate=_queues_have_dead_letter_queues,
    ),
    StackValidationPolicy(
        name="sqs-sns-tls-only",
        description="Queues and topics refuse requests that are not made over TLS.",
        validate=_queues_and_topics_are_tls_only,
    ),
    StackValidationPolicy(
        name="lambda-function-log-retention",
        description="Every Lambda function logs to a log group of the stack with retention.",
        validate=_functions_log_with_retention,
    ),
    StackValidationPolicy(
        name="apigateway-stage-throttling",
        description="Every API stage is throttled for all methods.",
        validate=_stages_are_throttled,
    ),
]
