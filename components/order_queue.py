"""OrderQueue: the buffer between the API and the table, with its consumer and its DLQ."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam
from components.handler_function import HandlerFunction, HandlerFunctionArgs
from components.units import SECONDS_PER_DAY
from components.watches import QueueWatch
from handlers import contract
from settings.core import DEAD_LETTER_RETENTION_DAYS, FunctionContext, ProcessorSettings


@dataclass(frozen=True)
class OrderQueueArgs:
    table_name: pulumi.Input[str]
    """The order table the processor writes to."""
    table_arn: pulumi.Input[str]
    submissions_table_name: pulumi.Input[str]
    """Where the processor records rejected submissions for their status monitors."""
    submissions_table_arn: pulumi.Input[str]
    processor: ProcessorSettings
    functions: FunctionContext


class OrderQueue(pulumi.ComponentResource):
    """The order queue, its DLQ, and the processor that stores each order from it once."""

    queue_url: pulumi.Output[str]
    """Where orders are sent: the API's SQS integration addresses the queue by its URL."""
    queue_arn: pulumi.Output[str]
    """The order queue's ARN, for the permission to send to it."""
    queue_name: pulumi.Output[str]
    """The order queue's name: CloudWatch's `QueueName`."""
    dead_letter_queue_url: pulumi.Output[str]
    """Where rejected orders and orders received too often wait for a person."""
    dead_letter_queue_arn: pulumi.Output[str]
    """The DLQ's ARN."""
    dead_letter_queue_name: pulumi.Output[str]
    """The DLQ's name: CloudWatch's `QueueName`."""
    processor_function_name: pulumi.Output[str]
    """The processor function's name: CloudWatch's `FunctionName`."""
    watch: QueueWatch
    """What Monitoring watches of the queue and its processor."""

    def __init__(
        self, name: str, args: OrderQueueArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("order-pipeline:messaging:OrderQueue", name, None, opts)
        self._dead_letter_queue = self._create_dead_letter_queue(name)
        self._queue = self._create_queue(name, args.processor)
        self._create_policies(name)
        processor = self._create_processor(name, args)
        self._create_event_source_mapping(name, args.processor, processor)
        self.queue_url = self._queue.url
        self.queue_arn = self._queue.arn
        self.queue_name = self._queue.name
        self.dead_letter_queue_url = self._dead_letter_queue.url
        self.dead_letter_queue_arn = self._dead_letter_queue.arn
        self.dead_letter_queue_name = self._dead_letter_queue.name
        self.processor_function_name = processor.function_name
        self.watch = QueueWatch(
            queue_name=self.queue_name,
            dead_letter_queue_name=self.dead_letter_queue_name,
            processor_function_name=self.processor_function_name,
            processor_timeout_seconds=args.processor.timeout_seconds,
        )
        self.register_outputs(
            {
                "queue_url": self.queue_url,
                "queue_arn": self.queue_arn,
                "queue_name": self.queue_name,
                "dead_letter_queue_url": self.dead_letter_queue_url,
                "dead_letter_queue_arn": self.dead_letter_queue_arn,
                "dead_letter_queue_name": self.dead_letter_queue_name,
                "processor_function_name": self.processor_function_name,
            }
        )

    def _create_dead_letter_queue(self, name: str) -> aws.sqs.Queue:
        # Kept longer than any order may wait in the queue, so a dead letter outlives its order.
        return aws.sqs.Queue(
            f"{name}-dlq",
            message_retention_seconds=DEAD_LETTER_RETENTION_DAYS * SECONDS_PER_DAY,
            sqs_managed_sse_enabled=True,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_queue(self, name: str, settings: ProcessorSettings) -> aws.sqs.Queue:
        redrive_policy = self._dead_letter_queue.arn.apply(
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

    def _create_policies(self, name: str) -> None:
        # Only this queue may dead-letter into the DLQ, so a stray redrive cannot hide there.
        aws.sqs.RedriveAllowPolicy(
            f"{name}-dlq-redrive-allow",
            queue_url=self._dead_letter_queue.url,
            redrive_allow_policy=pulumi.Output.json_dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [self._queue.arn]}
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        for suffix, queue in (("queue", self._queue), ("dlq", self._dead_letter_queue)):
            aws.sqs.QueuePolicy(
                f"{name}-{suffix}-policy",
                queue_url=queue.url,
                policy=iam.policy_document([iam.deny_insecure_transport("sqs:*", queue.arn)]),
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _create_processor(self, name: str, args: OrderQueueArgs) -> HandlerFunction:
        statements = [
            iam.allow(["dynamodb:PutItem"], [args.table_arn, args.submissions_table_arn]),
            # What the event source mapping does on the function's behalf.
            iam.allow(
                ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                [self._queue.arn],
            ),
            # Permanent rejections go straight to the DLQ with their reason.
            iam.allow(["sqs:SendMessage"], [self._dead_letter_queue.arn]),
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
                    contract.DEAD_LETTER_QUEUE_URL_ENV: self._dead_letter_queue.url,
                    contract.SUBMISSIONS_TABLE_ENV: args.submissions_table_name,
                },
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_event_source_mapping(
        self, name: str, settings: ProcessorSettings, processor: HandlerFunction
    ) -> None:
        aws.lambda_.EventSourceMapping(
            f"{name}-processor-trigger",
            event_source_arn=self._queue.arn,
            function_name=processor.function_arn,
            batch_size=settings.batch_size,
            maximum_batching_window_in_seconds=settings.batching_window_seconds,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config=aws.lambda_.EventSourceMappingScalingConfigArgs(
                maximum_concurrency=settings.max_concurrency
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
