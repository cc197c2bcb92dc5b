"""Notifier: announces order creations and status changes from the table stream on SNS.

Events are derived from what the table stored (its stream), never written beside it, so no
event exists for a change that was not stored and no stored change goes unannounced.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam
from components.encrypted_topic import (
    EncryptedTopic,
    TopicKeyUser,
    account_root,
    create_encrypted_topic,
)
from components.handler_function import HandlerFunction, HandlerFunctionArgs
from components.order_queue import SECONDS_PER_DAY
from handlers import contract
from settings.core import DEAD_LETTER_RETENTION_DAYS, FunctionContext
from settings.notifier import NotifierSettings, Subscriber

STREAM_READ_ACTIONS = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
]


@dataclass(frozen=True)
class NotifierArgs:
    table_stream_arn: pulumi.Input[str]
    settings: NotifierSettings
    functions: FunctionContext


class Notifier(pulumi.ComponentResource):
    topic_key: aws.kms.Key
    topic: aws.sns.Topic
    topic_policy: aws.sns.TopicPolicy
    failure_queue: aws.sqs.Queue
    failure_queue_policy: aws.sqs.QueuePolicy
    function: HandlerFunction
    event_source_mapping: aws.lambda_.EventSourceMapping
    subscriptions: list[aws.sns.TopicSubscription]

    def __init__(
        self, name: str, args: NotifierArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("order-pipeline:notifications:Notifier", name, None, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke)
        # Condition value that limits the key to requests SNS makes in this region.
        via_sns = partition.dns_suffix.apply(lambda suffix: f"sns.{args.functions.region}.{suffix}")
        encrypted = self._create_topic(name, account_id, partition.partition, via_sns)
        self.topic_key, self.topic = encrypted.key, encrypted.topic
        self.failure_queue, self.failure_queue_policy = self._create_failure_queue(name)
        self.function = self._create_function(name, args, via_sns)
        self.topic_policy = self._create_topic_policy(name)
        self.event_source_mapping = self._create_event_source_mapping(name, args)
        self.subscriptions = self._create_subscriptions(name, args.settings)
        self.register_outputs(
            {
                "topic_arn": self.topic.arn,
                "topic_key_arn": self.topic_key.arn,
                "failure_queue_url": self.failure_queue.url,
                "function_name": self.function.function.name,
            }
        )

    def _create_topic(
        self,
        name: str,
        account_id: pulumi.Output[str],
        partition: pulumi.Output[str],
        via_sns: pulumi.Output[str],
    ) -> EncryptedTopic:
        account = account_root(partition, account_id)
        # Both key policy statements name the account, which hands the decision to IAM: only
        # principals whose own policy allows it may use the key, and then only through SNS.
        publishers = TopicKeyUser(
            sid="PublishersUseTheKeyOnlyThroughSns",
            principal={"AWS": account},
            condition={
                "StringEquals": {"kms:ViaService": via_sns, "kms:CallerAccount": account_id}
            },
        )
        return create_encrypted_topic(
            topic_name=f"{name}-topic",
            key_name=f"{name}-topic-key",
            key_description="Encrypts the order events topic",
            administrator=account,
            user=publishers,
            parent=self,
        )

    def _create_failure_queue(self, name: str) -> tuple[aws.sqs.Queue, aws.sqs.QueuePolicy]:
        """Where the stream mapping records a batch it gave up on: shard and sequence range,
        so the records can be read again from the stream while it keeps them (24 hours)."""
        queue = aws.sqs.Queue(
            f"{name}-failures",
            message_retention_seconds=DEAD_LETTER_RETENTION_DAYS * SECONDS_PER_DAY,
            sqs_managed_sse_enabled=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        policy = aws.sqs.QueuePolicy(
            f"{name}-failures-policy",
            queue_url=queue.url,
            policy=iam.policy_document([iam.deny_insecure_transport("sqs:*", queue.arn)]),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return queue, policy

    def _create_function(
        self, name: str, args: NotifierArgs, via_sns: pulumi.Output[str]
    ) -> HandlerFunction:
        statements: list[iam.Statement] = [
            # What the event source mapping does on the function's behalf.
            iam.allow(STREAM_READ_ACTIONS, [args.table_stream_arn]),
            # ListStreams has no resource-level permissions: "*" is the only valid resource.
            iam.allow(["dynamodb:ListStreams"], ["*"]),
            iam.allow(["sns:Publish"], [self.topic.arn]),
            {
                **iam.allow(iam.TOPIC_KEY_USE_ACTIONS, [self.topic_key.arn]),
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": via_sns,
                        "kms:EncryptionContext:aws:sns:topicArn": self.topic.arn,
                    }
                },
            },
            # The mapping's on-failure destination is written with the function's role.
            iam.allow(["sqs:SendMessage"], [self.failure_queue.arn]),
        ]
        return HandlerFunction(
            f"{name}-notifier",
            HandlerFunctionArgs(
                handler="handlers.notifier.handler",
                description="Announces order creations and status changes from the table stream",
                service_name=contract.NOTIFIER_SERVICE_NAME,
                context=args.functions,
                timeout_seconds=args.settings.timeout_seconds,
                memory_mb=args.settings.memory_mb,
                statements=statements,
                variables={contract.ORDER_EVENTS_TOPIC_ARN_ENV: self.topic.arn},
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_topic_policy(self, name: str) -> aws.sns.TopicPolicy:
        publisher = self.function.role.arn
        statements: list[iam.Statement] = [
            # SNS refuses "sns:*" in a topic policy: the actions must be listed.
            iam.deny_insecure_transport(iam.TOPIC_POLICY_ACTIONS, self.topic.arn),
            {
                "Sid": "NotifierPublishes",
                "Effect": "Allow",
                "Principal": {"AWS": publisher},
                "Action": "SNS:Publish",
                "Resource": self.topic.arn,
            },
            # IAM policies elsewhere in the account could allow publishing; this overrides them.
            {
                "Sid": "NobodyElsePublishes",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "SNS:Publish",
                "Resource": self.topic.arn,
                "Condition": {"ArnNotEquals": {"aws:PrincipalArn": publisher}},
            },
        ]
        return aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=iam.policy_document(statements),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_event_source_mapping(
        self, name: str, args: NotifierArgs
    ) -> aws.lambda_.EventSourceMapping:
        settings = args.settings
        return aws.lambda_.EventSourceMapping(
            f"{name}-notifier-trigger",
            event_source_arn=args.table_stream_arn,
            function_name=self.function.function.arn,
            # The table and its stream exist before this mapping does; starting at the oldest
            # record announces orders stored in between instead of skipping them (LATEST would).
            # A mapping replaced later re-announces up to a day: subscribers deduplicate.
            starting_position="TRIM_HORIZON",
            batch_size=settings.batch_size,
            maximum_batching_window_in_seconds=settings.batching_window_seconds,
            # The handler reports the first unpublished record and all after it; an invocation
            # that fails outright (a malformed record) is halved until the record is alone.
            function_response_types=["ReportBatchItemFailures"],
            bisect_batch_on_function_error=True,
            maximum_retry_attempts=settings.max_retry_attempts,
            maximum_record_age_in_seconds=settings.max_record_age_seconds,
            destination_config=aws.lambda_.EventSourceMappingDestinationConfigArgs(
                on_failure=aws.lambda_.EventSourceMappingDestinationConfigOnFailureArgs(
                    destination_arn=self.failure_queue.arn
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_subscriptions(
        self, name: str, settings: NotifierSettings
    ) -> list[aws.sns.TopicSubscription]:
        emails = [
            self._subscribe(f"{name}-email-{subscriber.stable_id}", "email", subscriber)
            for subscriber in settings.email_subscribers
        ]
        # Raw delivery: the queue receives the event JSON itself, attributes as SQS ones.
        queues = [
            self._subscribe(
                f"{name}-queue-{subscriber.stable_id}", "sqs", subscriber, raw_delivery=True
            )
            for subscriber in settings.queue_subscribers
        ]
        return emails + queues

    def _subscribe(
        self,
        resource_name: str,
        protocol: str,
        subscriber: Subscriber,
        raw_delivery: bool | None = None,
    ) -> aws.sns.TopicSubscription:
        filter_policy = subscriber.filter_policy_json
        return aws.sns.TopicSubscription(
            resource_name,
            topic=self.topic.arn,
            protocol=protocol,
            endpoint=subscriber.endpoint,
            filter_policy=filter_policy,
            filter_policy_scope="MessageAttributes" if filter_policy else None,
            raw_message_delivery=raw_delivery,
            opts=pulumi.ResourceOptions(parent=self),
        )
