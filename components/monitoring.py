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
    """The pipeline's alarms, the encrypted topic they page on, its subscribers, and one
    dashboard; it watches each component through the watch that component exposes."""

    alarm_topic_arn: pulumi.Output[str]
    """The topic every alarm tells when it fires and when it clears."""
    alarm_key_arn: pulumi.Output[str]
    """The customer managed KMS key the alarm topic is encrypted with."""
    dashboard_name: pulumi.Output[str]
    """The dashboard's name, the stack's name prefix."""
    alarm_names: pulumi.Output[list[str]]
    """Every alarm's name, each beginning with the stack's name prefix."""

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
        self._alarm_topic = encrypted.topic
        self._create_topic_policy(name, args, account, arn_partition)
        self._subscribe(name, args)
        builder = AlarmBuilder(name, args.name_prefix, self._alarm_topic.arn, parent=self)
        create_pipeline_alarms(builder, args)
        alarms = list(builder.alarms.values())
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.name_prefix,
            dashboard_body=dashboard_body(args, [alarm.arn for alarm in alarms]),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.alarm_topic_arn = self._alarm_topic.arn
        self.alarm_key_arn = encrypted.key.arn
        self.dashboard_name = dashboard.dashboard_name
        self.alarm_names = pulumi.Output.all(*[alarm.name for alarm in alarms])
        self.register_outputs(
            {
                "alarm_topic_arn": self.alarm_topic_arn,
                "alarm_key_arn": self.alarm_key_arn,
                "dashboard_name": self.dashboard_name,
                "alarm_names": self.alarm_names,
            }
        )

    def _create_topic_policy(
        self,
        name: str,
        args: MonitoringArgs,
        account: pulumi.Output[str],
        partition: pulumi.Output[str],
    ) -> None:
        topic = self._alarm_topic
        this_stacks_alarms = pulumi.Output.concat(
            "arn:", partition, ":cloudwatch:", args.region, ":", account, ":alarm:",
            args.name_prefix, "-*",
        )  # fmt: skip
        aws.sns.TopicPolicy(
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

    def _subscribe(self, name: str, args: MonitoringArgs) -> None:
        for address in args.settings.alarm_emails:
            # Named by a digest: stable when the list is reordered, and no address in the URNs.
            aws.sns.TopicSubscription(
                f"{name}-alarm-email-{hashlib.sha256(address.encode()).hexdigest()[:12]}",
                topic=self._alarm_topic.arn,
                protocol="email",
                endpoint=address,
                opts=pulumi.ResourceOptions(parent=self),
            )
