"""Monitoring: the pipeline's alarms, who they tell, and its dashboard."""

from __future__ import annotations

import hashlib

import pulumi
import pulumi_aws as aws

from components import iam
from components.alarms import AlarmBuilder
from components.dashboard import dashboard_body
from components.encrypted_topic import TopicKeyUser, account_root, create_encrypted_topic
from components.monitoring_args import MonitoringArgs
from components.pipeline_alarms import create_pipeline_alarms

__all__ = ["Monitoring", "MonitoringArgs"]

CLOUDWATCH = "cloudwatch.amazonaws.com"


class Monitoring(pulumi.ComponentResource):
    alarm_key: aws.kms.Key
    alarm_topic: aws.sns.Topic
    alarm_topic_policy: aws.sns.TopicPolicy
    alarm_subscriptions: list[aws.sns.TopicSubscription]
    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    dashboard: aws.cloudwatch.Dashboard

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("order-pipeline:observability:Monitoring", name, None, opts)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        account, arn_partition = identity.account_id, partition.partition
        encrypted = create_encrypted_topic(
            topic_name=f"{name}-alarm-topic",
            key_name=f"{name}-alarm-key",
            key_description="Encrypts the alarm notifications of the order pipeline",
            administrator=account_root(arn_partition, account),
            # The topic policy already holds CloudWatch to this account's alarms.
            user=TopicKeyUser(
                sid="CloudWatchAlarmsPublishEncrypted", principal={"Service": CLOUDWATCH}
            ),
            parent=self,
        )
        self.alarm_key, self.alarm_topic = encrypted.key, encrypted.topic
        self.alarm_topic_policy = self._create_topic_policy(name, args, account, arn_partition)
        self.alarm_subscriptions = self._subscribe(name, args)
        builder = AlarmBuilder(name, args.name_prefix, self.alarm_topic.arn, parent=self)
        create_pipeline_alarms(builder, args)
        self.alarms = builder.alarms
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.name_prefix,
            dashboard_body=dashboard_body(args, [alarm.arn for alarm in self.alarms.values()]),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "alarm_topic_arn": self.alarm_topic.arn,
                "alarm_key_arn": self.alarm_key.arn,
                "dashboard_name": self.dashboard.dashboard_name,
                "alarm_names": [alarm.name for alarm in self.alarms.values()],
            }
        )

    def _create_topic_policy(
        self,
        name: str,
        args: MonitoringArgs,
        account: pulumi.Output[str],
        partition: pulumi.Output[str],
    ) -> aws.sns.TopicPolicy:
        topic = self.alarm_topic
        this_stacks_alarms = pulumi.Output.concat(
            "arn:", partition, ":cloudwatch:", args.region, ":", account, ":alarm:",
            args.name_prefix, "-*",
        )  # fmt: skip
        return aws.sns.TopicPolicy(
            f"{name}-alarm-topic-policy",
            arn=topic.arn,
            policy=iam.policy_document(
                [
                    {
                        # Named alarms of this account only: no confused deputy, no stranger.
                        "Sid": "ThisStacksAlarmsPublish",
                        "Effect": "Allow",
                        "Principal": {"Service": CLOUDWATCH},
                        "Action": "SNS:Publish",
                        "Resource": topic.arn,
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": account},
                            "ArnLike": {"aws:SourceArn": this_stacks_alarms},
                        },
                    },
                    # A topic policy must list its actions: SNS refuses "sns:*".
                    iam.deny_insecure_transport(iam.TOPIC_POLICY_ACTIONS, topic.arn),
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _subscribe(self, name: str, args: MonitoringArgs) -> list[aws.sns.TopicSubscription]:
        # Named by a digest: stable when the list is reordered, and no address in the URNs.
        return [
            aws.sns.TopicSubscription(
                f"{name}-alarm-email-{hashlib.sha256(address.encode()).hexdigest()[:12]}",
                topic=self.alarm_topic.arn,
                protocol="email",
                endpoint=address,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for address in args.settings.alarm_emails
        ]
