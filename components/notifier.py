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
from components.units import SECONDS_PER_DAY
from components.watches import NotifierWatch
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
    """The order table's stream: what is announced is what the table stored."""
    settings: NotifierSettings
    functions: FunctionContext


class Notifier(pulumi.ComponentResource):
    """The order events topic, the function that publishes to it from the table stream, and
    the queue that records stream batches the function gave up on."""

    topic_arn: pulumi.Output[str]
    """The order events topic subscribers subscribe to."""
    topic_name: pulumi.Output[str]
    """The topic's name: CloudWatch's `TopicName`."""
    topic_key_arn: pulumi.Output[str]
    """The customer managed KMS key the topic's messages are encrypted with at rest."""
    failure_queue_url: pulumi.Output[str]
    """Where the stream mapping records the batches it gave up on."""
    failure_queue_name: pulumi.Output[str]
    """The failure queue's name: CloudWatch's `QueueName`."""
    function_name: pulumi.Output[str]
    """The notifier function's name: CloudWatch's `FunctionName`."""
    watch: NotifierWatch
    """What Monitoring watches of the notifier."""

    def __init__(
        self, name: str, args: NotifierArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("order-pipeline:notifications:Notifier", name, None, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke)
        # Condition value that limits the key to requests SNS makes in this region.
        via_sns = partition.dns_suffix.apply(lambda suffix: f"sns.{args.functions.region}.{suffix}")
        encrypted = self._create_topic(
            name, account_id, partition.partition, via_sns, fifo=args.settings.fifo_topic
        )
        self._topic_key, self._topic = encrypted.key, encrypted.topic
        self._failure_queue = self._create_failure_queue(name)
        function = self._create_function(name, args, via_sns)
        self._create_topic_policy(name, publisher=function.role_arn)
        self._create_event_source_mapping(name, args, function)
        self._create_subscriptions(name, args.settings)
        self.topic_arn = self._topic.arn
        self.topic_name = self._topic.name
        self.topic_key_arn = self._topic_key.arn
        self.failure_queue_url = self._failure_queue.url
        self.failure_queue_name = self._failure_queue.name
        self.function_name = function.function_name
        self.watch = NotifierWatch(
            function_name=self.function_name,
            failure_queue_name=self.failure_queue_name,
            topic_name=self.topic_name,
        )
        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "topic_name": self.topic_name,
                "topic_key_arn": self.topic_key_arn,
                "failure_queue_url": self.failure_queue_url,
                "failure_queue_name": self.failure_queue_name,
                "function_name": self.function_name,
            }
        )

    def _create_topic(
        self,
        name: str,
        account_id: pulumi.Output[str],
        partition: pulumi.Output[str],
        via_sns: pulumi.Output[str],
        fifo: bool,
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
            fifo=fifo,
        )

    def _create_failure_queue(self, name: str) -> aws.sqs.Queue:
        """Where the stream mapping records a batch it gave up on: shard and sequence range,
        so the records can be read again from the stream while it keeps them (24 hours)."""
        queue = aws.sqs.Queue(
            f"{name}-failures",
            message_retention_seconds=DEAD_LETTER_RETENTION_DAYS * SECONDS_PER_DAY,
            sqs_managed_sse_enabled=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sqs.QueuePolicy(
            f"{name}-failures-policy",
            queue_url=queue.url,
            policy=iam.policy_document([iam.deny_insecure_transport("sqs:*", queue.arn)]),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return queue

    def _create_function(
        self, name: str, args: NotifierArgs, via_sns: pulumi.Output[str]
    ) -> HandlerFunction:
        statements: list[iam.Statement] = [
            # What the event source mapping does on the function's behalf.
            iam.allow(STREAM_READ_ACTIONS, [args.table_stream_arn]),
            # ListStreams has no resource-level permissions: "*" is the only valid resource.
            iam.allow(["dynamodb:ListStreams"], ["*"]),
            iam.allow(["sns:Publish"], [self._topic.arn]),
            {
                **iam.allow(iam.TOPIC_KEY_USE_ACTIONS, [self._topic_key.arn]),
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": via_sns,
                        "kms:EncryptionContext:aws:sns:topicArn": self._topic.arn,
                    }
                },
            },
            # The mapping's on-failure destination is written with the function's role.
            iam.allow(["sqs:SendMessage"], [self._failure_queue.arn]),
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
                variables={contract.ORDER_EVENTS_TOPIC_ARN_ENV: self._topic.arn},
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_topic_policy(self, name: str, publisher: pulumi.Output[str]) -> None:
        """Only `publisher` (the notifier's role) may publish, and only over TLS."""
        statements: list[iam.Statement] = [
            # SNS refuses "sns:*" in a topic policy: the actions must be listed.
            iam.deny_insecure_transport(iam.TOPIC_POLICY_ACTIONS, self._topic.arn),
            {
                "Sid": "NotifierPublishes",
                "Effect": "Allow",
                "Principal": {"AWS": publisher},
                "Action": "SNS:Publish",
                "Resource": self._topic.arn,
            },
            # IAM policies elsewhere in the account could allow publishing; this overrides them.
            {
                "Sid": "NobodyElsePublishes",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "SNS:Publish",
                "Resource": self._topic.arn,
                "Condition": {"ArnNotEquals": {"aws:PrincipalArn": publisher}},
            },
        ]
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self._topic.arn,
            policy=iam.policy_document(statements),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_event_source_mapping(
        self, name: str, args: NotifierArgs, function: HandlerFunction
    ) -> None:
        settings = args.settings
        aws.lambda_.EventSourceMapping(
            f"{name}-notifier-trigger",
            event_source_arn=args.table_stream_arn,
            function_name=function.function_arn,
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
                    destination_arn=self._failure_queue.arn
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_subscriptions(self, name: str, settings: NotifierSettings) -> None:
        for subscriber in settings.email_subscribers:
            self._subscribe(f"{name}-email-{subscriber.stable_id}", "email", subscriber)
        # Raw delivery: the queue receives the event JSON itself, attributes as SQS ones.
        for subscriber in settings.queue_subscribers:
            self._subscribe(
                f"{name}-queue-{subscriber.stable_id}", "sqs", subscriber, raw_delivery=True
            )

    def _subscribe(
        self,
        resource_name: str,
        protocol: str,
        subscriber: Subscriber,
        raw_delivery: bool | None = None,
    ) -> None:
        filter_policy = subscriber.filter_policy_json
        aws.sns.TopicSubscription(
            resource_name,
            topic=self._topic.arn,
            protocol=protocol,
            endpoint=subscriber.endpoint,
            filter_policy=filter_policy,
            filter_policy_scope="MessageAttributes" if filter_policy else None,
            raw_message_delivery=raw_delivery,
            opts=pulumi.ResourceOptions(parent=self),
        )
