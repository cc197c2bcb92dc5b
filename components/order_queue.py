"""OrderQueue: the buffer between the API and the table, with its consumer and its DLQ."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam
from components.handler_function import HandlerFunction, HandlerFunctionArgs
from handlers import contract
from settings.core import DEAD_LETTER_RETENTION_DAYS, FunctionContext, ProcessorSettings

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class OrderQueueArgs:
    table_name: pulumi.Input[str]
    table_arn: pulumi.Input[str]
    processor: ProcessorSettings
    functions: FunctionContext


class OrderQueue(pulumi.ComponentResource):
    queue: aws.sqs.Queue
    dead_letter_queue: aws.sqs.Queue
    redrive_allow_policy: aws.sqs.RedriveAllowPolicy
    queue_policies: dict[str, aws.sqs.QueuePolicy]
    processor: HandlerFunction
    event_source_mapping: aws.lambda_.EventSourceMapping

    def __init__(
        self, name: str, args: OrderQueueArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("order-pipeline:messaging:OrderQueue", name, None, opts)
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            message_retention_seconds=DEAD_LETTER_RETENTION_DAYS * SECONDS_PER_DAY,
            sqs_managed_sse_enabled=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.queue = self._create_queue(name, args.processor)
        self.redrive_allow_policy, self.queue_policies = self._create_policies(name)
        self.processor = self._create_processor(name, args)
        self.event_source_mapping = self._create_event_source_mapping(name, args.processor)
        self.register_outputs(
            {
                "queue_url": self.queue.url,
                "queue_arn": self.queue.arn,
                "dead_letter_queue_url": self.dead_letter_queue.url,
                "dead_letter_queue_arn": self.dead_letter_queue.arn,
                "processor_function_name": self.processor.function.name,
            }
        )

    def _create_queue(self, name: str, settings: ProcessorSettings) -> aws.sqs.Queue:
        redrive_policy = self.dead_letter_queue.arn.apply(
            lambda arn: json.dumps(
                {"deadLetterTargetArn": arn, "maxReceiveCount": settings.max_receive_count}
            )
        )
        return aws.sqs.Queue(
            f"{name}-queue",
            message_retention_seconds=settings.queue_retention_days * SECONDS_PER_DAY,
            visibility_timeout_seconds=settings.visibility_timeout_seconds,
            sqs_managed_sse_enabled=True,
            redrive_policy=redrive_policy,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_policies(
        self, name: str
    ) -> tuple[aws.sqs.RedriveAllowPolicy, dict[str, aws.sqs.QueuePolicy]]:
        # Only this queue may dead-letter into the DLQ, so a stray redrive cannot hide there.
        redrive_allow = aws.sqs.RedriveAllowPolicy(
            f"{name}-dlq-redrive-allow",
            queue_url=self.dead_letter_queue.url,
            redrive_allow_policy=pulumi.Output.json_dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [self.queue.arn]}
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        tls_only = {
            suffix: aws.sqs.QueuePolicy(
                f"{name}-{suffix}-policy",
                queue_url=queue.url,
                policy=iam.policy_document([iam.deny_insecure_transport("sqs:*", queue.arn)]),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for suffix, queue in (("queue", self.queue), ("dlq", self.dead_letter_queue))
        }
        return redrive_allow, tls_only

    def _create_processor(self, name: str, args: OrderQueueArgs) -> HandlerFunction:
        statements = [
            iam.allow(["dynamodb:PutItem"], [args.table_arn]),
            # What the event source mapping does on the function's behalf.
            iam.allow(
                ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                [self.queue.arn],
            ),
            # Permanent rejections go straight to the DLQ with their reason.
            iam.allow(["sqs:SendMessage"], [self.dead_letter_queue.arn]),
        ]
        return HandlerFunction(
            f"{name}-processor",
            HandlerFunctionArgs(
                handler="handlers.processor.handler",
                description="Stores each order from the queue once; dead-letters bad ones",
                service_name=contract.PROCESSOR_SERVICE_NAME,
                context=args.functions,
                timeout_seconds=args.processor.timeout_seconds,
                memory_mb=args.processor.memory_mb,
                statements=statements,
                variables={
                    contract.ORDERS_TABLE_ENV: args.table_name,
                    contract.DEAD_LETTER_QUEUE_URL_ENV: self.dead_letter_queue.url,
                },
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_event_source_mapping(
        self, name: str, settings: ProcessorSettings
    ) -> aws.lambda_.EventSourceMapping:
        return aws.lambda_.EventSourceMapping(
            f"{name}-processor-trigger",
            event_source_arn=self.queue.arn,
            function_name=self.processor.function.arn,
            batch_size=settings.batch_size,
            maximum_batching_window_in_seconds=settings.batching_window_seconds,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(
                maximum_concurrency=settings.max_concurrency
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
