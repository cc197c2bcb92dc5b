"""OrderQueue under Pulumi mocks: queue, DLQ, policies, processor function, role, trigger."""

from __future__ import annotations

import json
from typing import Any

import pulumi

from components.order_queue import OrderQueue, OrderQueueArgs
from offline.mocks import RecordingMocks
from tests.factories import settings_for
from tests.pulumi_harness import OutputChecks

DAY = 86_400
TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"


def _queue(environment: str = "dev", **raw: str) -> OrderQueue:
    settings = settings_for(environment, **raw)
    return OrderQueue(
        "orders",
        OrderQueueArgs(
            table_name="orders",
            table_arn=TABLE_ARN,
            processor=settings.processor,
            functions=settings.function_context,
        ),
    )


def _inputs(mocks: RecordingMocks, type_: str, name: str) -> dict[str, Any]:
    return mocks.named(type_, name).inputs


@pulumi.runtime.test
def test_dlq_outlives_the_queue_and_takes_messages_after_max_receive_count(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue(maxReceiveCount="3", queueRetentionDays="4")

    def check(arns: list[str]) -> None:
        _, dlq_arn = arns
        main = _inputs(pulumi_mocks, "aws:sqs/queue:Queue", "orders-queue")
        dlq = _inputs(pulumi_mocks, "aws:sqs/queue:Queue", "orders-dlq")
        assert dlq["messageRetentionSeconds"] == 14 * DAY
        assert main["messageRetentionSeconds"] == 4 * DAY
        assert dlq["messageRetentionSeconds"] > main["messageRetentionSeconds"]
        assert json.loads(main["redrivePolicy"]) == {
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": 3,
        }
        assert main["sqsManagedSseEnabled"] is True
        assert dlq["sqsManagedSseEnabled"] is True

    return checks.that(pulumi.Output.all(queue.queue.arn, queue.dead_letter_queue.arn), check)


@pulumi.runtime.test
def test_only_the_order_queue_may_redrive_into_the_dlq(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue()

    def check(values: list[str]) -> None:
        queue_arn, dlq_url, allowed_url, allow_policy = values
        assert allowed_url == dlq_url
        assert json.loads(allow_policy) == {
            "redrivePermission": "byQueue",
            "sourceQueueArns": [queue_arn],
        }

    allow = queue.redrive_allow_policy
    return checks.that(
        pulumi.Output.all(
            queue.queue.arn,
            queue.dead_letter_queue.url,
            allow.queue_url,
            allow.redrive_allow_policy,
        ),
        check,
    )


@pulumi.runtime.test
def test_both_queues_deny_every_request_without_tls(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue()

    def check(values: list[str]) -> None:
        for url, arn, policy_url, policy in zip(*[iter(values)] * 4, strict=True):
            assert policy_url == url
            (statement,) = json.loads(policy)["Statement"]
            assert statement == {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }

    pairs = ((queue.queue, "queue"), (queue.dead_letter_queue, "dlq"))
    values = [
        output
        for sqs_queue, key in pairs
        for output in (
            sqs_queue.url,
            sqs_queue.arn,
            queue.queue_policies[key].queue_url,
            queue.queue_policies[key].policy,
        )
    ]
    assert set(queue.queue_policies) == {"queue", "dlq"}
    return checks.that(pulumi.Output.all(*values), check)


@pulumi.runtime.test
def test_visibility_timeout_is_derived_from_the_processor_timeout_and_window(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue(processorTimeoutSeconds="20", batchSize="100", batchingWindowSeconds="7")

    def check(_: object) -> None:
        main = _inputs(pulumi_mocks, "aws:sqs/queue:Queue", "orders-queue")
        function = _inputs(
            pulumi_mocks, "aws:lambda/function:Function", "orders-processor-function"
        )
        assert function["timeout"] == 20
        assert main["visibilityTimeoutSeconds"] == 6 * function["timeout"] + 7

    return checks.that(pulumi.Output.all(queue.queue.arn, queue.processor.function.arn), check)


@pulumi.runtime.test
def test_processor_runs_current_python_on_arm64_with_powertools_tracing_and_json_logs(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue(logRetentionDays="14", powertoolsLayerVersion="27")

    def check(values: list[str]) -> None:
        log_group_name, dlq_url, _ = values
        function = _inputs(
            pulumi_mocks, "aws:lambda/function:Function", "orders-processor-function"
        )
        assert function["runtime"] == "python3.13"
        assert function["architectures"] == ["arm64"]
        assert function["handler"] == "handlers.processor.handler"
        assert function["layers"] == [
            "arn:aws:lambda:eu-west-1:017000801446:layer:"
            "AWSLambdaPowertoolsPythonV3-python313-arm64:27"
        ]
        assert function["tracingConfig"] == {"mode": "Active"}
        assert function["loggingConfig"] == {"logFormat": "JSON", "logGroup": log_group_name}
        assert function["environment"]["variables"] == {
            "ORDERS_TABLE_NAME": "orders",
            "DEAD_LETTER_QUEUE_URL": dlq_url,
            "POWERTOOLS_SERVICE_NAME": "order-processor",
            "POWERTOOLS_METRICS_NAMESPACE": "OrderPipeline",
            "ORDER_PIPELINE_ENVIRONMENT": "dev",
        }
        log_group = _inputs(
            pulumi_mocks, "aws:cloudwatch/logGroup:LogGroup", "orders-processor-logs"
        )
        assert log_group["retentionInDays"] == 14

    return checks.that(
        pulumi.Output.all(
            queue.processor.log_group.name,
            queue.dead_letter_queue.url,
            queue.processor.function.arn,
        ),
        check,
    )


@pulumi.runtime.test
def test_processor_role_names_exact_actions_on_exact_resources(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue()

    def check(values: list[str]) -> None:
        queue_arn, dlq_arn, log_group_arn, policy, _ = values
        statements = json.loads(policy)["Statement"]
        granted = {
            action: statement["Resource"]
            for statement in statements
            for action in statement["Action"]
        }
        assert granted == {
            "dynamodb:PutItem": [TABLE_ARN],
            "sqs:ReceiveMessage": [queue_arn],
            "sqs:DeleteMessage": [queue_arn],
            "sqs:GetQueueAttributes": [queue_arn],
            "sqs:SendMessage": [dlq_arn],
            "logs:CreateLogStream": [f"{log_group_arn}:*"],
            "logs:PutLogEvents": [f"{log_group_arn}:*"],
            "xray:PutTraceSegments": ["*"],
            "xray:PutTelemetryRecords": ["*"],
        }
        assert all(statement["Effect"] == "Allow" for statement in statements)
        role = _inputs(pulumi_mocks, "aws:iam/role:Role", "orders-processor-role")
        trust = json.loads(role["assumeRolePolicy"])["Statement"]
        assert trust == [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ]
        assert "managedPolicyArns" not in role

    return checks.that(
        pulumi.Output.all(
            queue.queue.arn,
            queue.dead_letter_queue.arn,
            queue.processor.log_group.arn,
            queue.processor.policy.policy,
            queue.processor.role.arn,
        ),
        check,
    )


@pulumi.runtime.test
def test_trigger_reports_partial_failures_with_configured_batching(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue("prod", batchSize="25", batchingWindowSeconds="3", processorMaxConcurrency="7")

    def check(values: list[str]) -> None:
        queue_arn, function_arn, _ = values
        mapping = _inputs(
            pulumi_mocks,
            "aws:lambda/eventSourceMapping:EventSourceMapping",
            "orders-processor-trigger",
        )
        assert mapping["eventSourceArn"] == queue_arn
        assert mapping["functionName"] == function_arn
        assert mapping["batchSize"] == 25
        assert mapping["maximumBatchingWindowInSeconds"] == 3
        assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["scalingConfig"] == {"maximumConcurrency": 7}

    return checks.that(
        pulumi.Output.all(
            queue.queue.arn, queue.processor.function.arn, queue.event_source_mapping.id
        ),
        check,
    )
