"""OrderQueue under Pulumi mocks: queue, DLQ, policies, processor function, role, trigger."""

from __future__ import annotations

import json
from typing import Any

import pulumi

from components.order_queue import OrderQueue, OrderQueueArgs
from tests.factories import settings_for
from tests.pulumi_harness import OutputChecks, registered
from tools.pulumi_mocks.recording import RecordingMocks

DAY = 86_400
TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
SUBMISSIONS_TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/submissions"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _queue(environment: str = "dev", **raw: str) -> OrderQueue:
    settings = settings_for(environment, **raw)
    return OrderQueue(
        "orders",
        OrderQueueArgs(
            table_name="orders",
            table_arn=TABLE_ARN,
            submissions_table_name="submissions",
            submissions_table_arn=SUBMISSIONS_TABLE_ARN,
            processor=settings.processor,
            functions=settings.function_context,
        ),
    )


def _inputs(mocks: RecordingMocks, type_: str, name: str) -> dict[str, Any]:
    return mocks.named(type_, name).inputs


def _state(mocks: RecordingMocks, type_: str, name: str) -> dict[str, Any]:
    """What the provider answered for a resource: its ARN, name or URL."""
    return mocks.named(type_, name).state


@pulumi.runtime.test
def test_dlq_outlives_the_queue_and_takes_messages_after_max_receive_count(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue(maxReceiveCount="3", queueRetentionDays="4")

    def check(arns: list[str]) -> None:
        _, dlq_arn = arns
        main = _inputs(pulumi_mocks, QUEUE, "orders-queue")
        dlq = _inputs(pulumi_mocks, QUEUE, "orders-dlq")
        assert dlq["messageRetentionSeconds"] == 14 * DAY
        assert main["messageRetentionSeconds"] == 4 * DAY
        assert dlq["messageRetentionSeconds"] > main["messageRetentionSeconds"]
        assert json.loads(main["redrivePolicy"]) == {
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": 3,
        }
        assert main["sqsManagedSseEnabled"] is True
        assert dlq["sqsManagedSseEnabled"] is True

    return checks.that(pulumi.Output.all(queue.queue_arn, queue.dead_letter_queue_arn), check)


@pulumi.runtime.test
def test_only_the_order_queue_may_redrive_into_the_dlq(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue()

    def check(values: list[Any]) -> None:
        queue_arn, dlq_url, _ = values
        allow = _inputs(
            pulumi_mocks,
            "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
            "orders-dlq-redrive-allow",
        )
        assert allow["queueUrl"] == dlq_url
        assert json.loads(allow["redriveAllowPolicy"]) == {
            "redrivePermission": "byQueue",
            "sourceQueueArns": [queue_arn],
        }

    return checks.that(
        pulumi.Output.all(queue.queue_arn, queue.dead_letter_queue_url, registered(queue)), check
    )


@pulumi.runtime.test
def test_both_queues_deny_every_request_without_tls(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue()

    def check(values: list[Any]) -> None:
        queue_url, queue_arn, dlq_url, dlq_arn, _ = values
        policies = {policy.name: policy.inputs for policy in pulumi_mocks.of_type(QUEUE_POLICY)}
        assert set(policies) == {"orders-queue-policy", "orders-dlq-policy"}
        for url, arn, policy in (
            (queue_url, queue_arn, policies["orders-queue-policy"]),
            (dlq_url, dlq_arn, policies["orders-dlq-policy"]),
        ):
            assert policy["queueUrl"] == url
            (statement,) = json.loads(policy["policy"])["Statement"]
            assert statement == {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }

    return checks.that(
        pulumi.Output.all(
            queue.queue_url,
            queue.queue_arn,
            queue.dead_letter_queue_url,
            queue.dead_letter_queue_arn,
            registered(queue),
        ),
        check,
    )


@pulumi.runtime.test
def test_visibility_timeout_is_derived_from_the_processor_timeout_and_window(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue(processorTimeoutSeconds="20", batchSize="100", batchingWindowSeconds="7")

    def check(_: object) -> None:
        main = _inputs(pulumi_mocks, QUEUE, "orders-queue")
        function = _inputs(pulumi_mocks, FUNCTION, "orders-processor-function")
        assert function["timeout"] == 20
        assert main["visibilityTimeoutSeconds"] == 6 * function["timeout"] + 7

    return checks.that(registered(queue), check)


@pulumi.runtime.test
def test_processor_runs_current_python_on_arm64_with_powertools_tracing_and_json_logs(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue(logRetentionDays="14", powertoolsLayerVersion="27")

    def check(values: list[Any]) -> None:
        dlq_url, _ = values
        log_group_name = _state(pulumi_mocks, LOG_GROUP, "orders-processor-logs")["name"]
        function = _inputs(pulumi_mocks, FUNCTION, "orders-processor-function")
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
            "SUBMISSIONS_TABLE_NAME": "submissions",
            "POWERTOOLS_SERVICE_NAME": "order-processor",
            "POWERTOOLS_METRICS_NAMESPACE": "OrderPipeline",
            "ORDER_PIPELINE_ENVIRONMENT": "dev",
        }
        log_group = _inputs(pulumi_mocks, LOG_GROUP, "orders-processor-logs")
        assert log_group["retentionInDays"] == 14

    return checks.that(pulumi.Output.all(queue.dead_letter_queue_url, registered(queue)), check)


@pulumi.runtime.test
def test_processor_role_names_exact_actions_on_exact_resources(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue()

    def check(values: list[Any]) -> None:
        queue_arn, dlq_arn, _ = values
        log_group_arn = _state(pulumi_mocks, LOG_GROUP, "orders-processor-logs")["arn"]
        policy = _inputs(pulumi_mocks, "aws:iam/rolePolicy:RolePolicy", "orders-processor-policy")
        assert policy["role"] == "orders-processor-role-id"
        statements = json.loads(policy["policy"])["Statement"]
        granted = {
            action: statement["Resource"]
            for statement in statements
            for action in statement["Action"]
        }
        assert granted == {
            "dynamodb:PutItem": [TABLE_ARN, SUBMISSIONS_TABLE_ARN],
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
        pulumi.Output.all(queue.queue_arn, queue.dead_letter_queue_arn, registered(queue)), check
    )


@pulumi.runtime.test
def test_trigger_reports_partial_failures_with_configured_batching(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue("prod", batchSize="25", batchingWindowSeconds="3", processorMaxConcurrency="7")

    def check(values: list[Any]) -> None:
        queue_arn, _ = values
        function_arn = _state(pulumi_mocks, FUNCTION, "orders-processor-function")["arn"]
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

    return checks.that(pulumi.Output.all(queue.queue_arn, registered(queue)), check)


@pulumi.runtime.test
def test_the_component_exposes_its_queues_and_processor_by_the_names_aws_gave_them(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    queue = _queue(processorTimeoutSeconds="20")
    watch = queue.watch

    def check(exposed: dict[str, Any]) -> None:
        main = _state(pulumi_mocks, QUEUE, "orders-queue")
        dlq = _state(pulumi_mocks, QUEUE, "orders-dlq")
        function = _state(pulumi_mocks, FUNCTION, "orders-processor-function")
        assert exposed["queue"] == [main["url"], main["arn"], main["name"]]
        assert exposed["dlq"] == [dlq["url"], dlq["arn"], dlq["name"]]
        assert exposed["processor"] == function["name"]
        # Monitoring watches the very same resources, and the timeout the processor was given.
        assert exposed["watched"] == [main["name"], dlq["name"], function["name"]]
        assert watch.processor_timeout_seconds == 20

    return checks.that(
        pulumi.Output.all(
            queue=pulumi.Output.all(queue.queue_url, queue.queue_arn, queue.queue_name),
            dlq=pulumi.Output.all(
                queue.dead_letter_queue_url,
                queue.dead_letter_queue_arn,
                queue.dead_letter_queue_name,
            ),
            processor=queue.processor_function_name,
            watched=pulumi.Output.all(
                watch.queue_name, watch.dead_letter_queue_name, watch.processor_function_name
            ),
            registered=registered(queue),
        ),
        check,
    )
