"""Rules one resource's own inputs decide."""

from __future__ import annotations

from collections.abc import Mapping

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from order_pipeline_policy.props import block, document, listed, statements
from order_pipeline_policy.resource_types import (
    FUNCTION,
    LOG_GROUP,
    POLICY,
    QUEUE,
    ROLE,
    ROLE_POLICY,
    STAGE,
    TABLE,
    TOPIC,
)

IDENTITY_POLICIES = {ROLE_POLICY: "policy", POLICY: "policy"}


def _table_recovery_and_encryption(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != TABLE:
        return
    if block(args.props, "pointInTimeRecovery").get("enabled") is not True:
        report("DynamoDB table must enable point-in-time recovery.", None)
    if block(args.props, "serverSideEncryption").get("enabled") is not True:
        report("DynamoDB table must enable server-side encryption with a KMS key.", None)


def _function_tracing(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if (
        args.resource_type == FUNCTION
        and block(args.props, "tracingConfig").get("mode") != "Active"
    ):
        report("Lambda function must have active X-Ray tracing (tracingConfig.mode Active).", None)


def _identity_documents(args: ResourceValidationArgs) -> list[object]:
    if args.resource_type in IDENTITY_POLICIES:
        return [args.props.get(IDENTITY_POLICIES[args.resource_type])]
    if args.resource_type == ROLE:
        inline = listed(args.props.get("inlinePolicies"))
        return [policy.get("policy") for policy in inline if isinstance(policy, Mapping)]
    return []


def _no_wildcard_actions(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for policy in _identity_documents(args):
        for statement in statements(document(policy)):
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                report("IAM policy allows NotAction; name the exact actions instead.", None)
            for action in listed(statement.get("Action")):
                if "*" in str(action) or "?" in str(action):
                    report(
                        f"IAM policy allows wildcard action '{action}'; name exact actions.", None
                    )


def _queue_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != QUEUE:
        return
    if args.props.get("sqsManagedSseEnabled") is not True and not args.props.get("kmsMasterKeyId"):
        report(
            "SQS queue must be encrypted at rest (sqsManagedSseEnabled or kmsMasterKeyId).", None
        )


def _topic_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == TOPIC and not args.props.get("kmsMasterKeyId"):
        report("SNS topic must be encrypted at rest with a KMS key (kmsMasterKeyId).", None)


# A stage without access logs says why in this tag (components/order_api.py sets it): they
# need API Gateway's account-wide CloudWatch role, which a fresh account lacks.
ACCESS_LOGS_TAG = "accessLogs"


def _stage_logs_and_tracing(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != STAGE:
        return
    logs = block(args.props, "accessLogSettings")
    explained = block(args.props, "tags").get(ACCESS_LOGS_TAG)
    if not explained and (not logs.get("destinationArn") or not logs.get("format")):
        report(
            "API stage must write access logs (accessLogSettings destination and format)"
            f" or say why not in its {ACCESS_LOGS_TAG!r} tag.",
            None,
        )
    if args.props.get("xrayTracingEnabled") is not True:
        report("API stage must have X-Ray tracing enabled (xrayTracingEnabled).", None)


def _log_group_retention(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == LOG_GROUP and not args.props.get("retentionInDays"):
        report("Log group must expire its events (retentionInDays).", None)


RESOURCE_POLICIES = [
    ResourceValidationPolicy(
        name="dynamodb-table-recovery-and-encryption",
        description="DynamoDB tables have point-in-time recovery and KMS encryption at rest.",
        validate=_table_recovery_and_encryption,
    ),
    ResourceValidationPolicy(
        name="lambda-function-tracing",
        description="Lambda functions trace every invocation with X-Ray.",
        validate=_function_tracing,
    ),
    ResourceValidationPolicy(
        name="iam-no-wildcard-actions",
        description="Identity policies allow exact actions only: no '*', no NotAction.",
        validate=_no_wildcard_actions,
    ),
    ResourceValidationPolicy(
        name="sqs-queue-encrypted",
        description="SQS queues are encrypted at rest.",
        validate=_queue_encrypted,
    ),
    ResourceValidationPolicy(
        name="sns-topic-encrypted",
        description="SNS topics are encrypted at rest with a KMS key.",
        validate=_topic_encrypted,
    ),
    ResourceValidationPolicy(
        name="apigateway-stage-logs-and-tracing",
        description="API stages trace with X-Ray and write access logs, or say why not.",
        validate=_stage_logs_and_tracing,
    ),
    ResourceValidationPolicy(
        name="cloudwatch-log-group-retention",
        description="Log groups expire their events.",
        validate=_log_group_retention,
    ),
]
