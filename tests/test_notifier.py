"""Notifier under Pulumi mocks: key, topic, policies, failure queue, role, trigger, subscribers."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi

from components.notifier import Notifier, NotifierArgs
from tests.factories import settings_for
from tests.pulumi_harness import OutputChecks, registered
from tools.pulumi_mocks.program import run_program
from tools.pulumi_mocks.recording import ACCOUNT_ID, RecordingMocks

DAY = 86_400
STREAM_ARN = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT_ID}:table/orders/stream/2026-01-01T00:00:00.000"
SHIPPING_QUEUE = f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:shipping"
AUDIT_QUEUE = f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:audit"
TOPIC = "aws:sns/topic:Topic"
KEY = "aws:kms/key:Key"
QUEUE = "aws:sqs/queue:Queue"
FUNCTION = "aws:lambda/function:Function"
NOTIFIER = "urn:pulumi:test::order-pipeline::order-pipeline:notifications:Notifier"


def _notifier(environment: str = "dev", **raw: str) -> Notifier:
    settings = settings_for(environment, **raw)
    return Notifier(
        "orders",
        NotifierArgs(
            table_stream_arn=STREAM_ARN,
            settings=settings.notifier,
            functions=settings.function_context,
        ),
    )


def _inputs(mocks: RecordingMocks, type_: str, name: str) -> dict[str, Any]:
    return mocks.named(type_, name).inputs


def _arn(mocks: RecordingMocks, type_: str, name: str) -> str:
    return str(mocks.named(type_, name).state["arn"])


def _sorted_urns(notifier: Notifier) -> pulumi.Output[list[str]]:
    """The URNs of everything the notifier registered, sorted: key before topic."""
    return registered(notifier).apply(sorted)


def _statements(policy: str) -> dict[str, dict[str, Any]]:
    document = json.loads(policy)
    assert document["Version"] == "2012-10-17"
    return {statement["Sid"]: statement for statement in document["Statement"]}


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


@pulumi.runtime.test
def test_the_topic_is_encrypted_with_its_own_rotating_key(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier()

    def check(values: list[Any]) -> None:
        topic_arn, key_arn, urns = values
        topic = _inputs(pulumi_mocks, TOPIC, "orders-topic")
        key = _inputs(pulumi_mocks, KEY, "orders-topic-key")
        assert topic_arn == _arn(pulumi_mocks, TOPIC, "orders-topic")
        assert key_arn == _arn(pulumi_mocks, KEY, "orders-topic-key")
        assert topic["kmsMasterKeyId"] == key_arn
        assert key["enableKeyRotation"] is True
        assert key["deletionWindowInDays"] == 30
        assert topic_arn.startswith("arn:aws:sns:eu-west-1:")
        # The URNs live stacks have: any other parent or name would replace key and topic.
        assert [urn for urn in urns if urn.endswith(("::orders-topic-key", "::orders-topic"))] == [
            f"{NOTIFIER}$aws:kms/key:Key::orders-topic-key",
            f"{NOTIFIER}$aws:sns/topic:Topic::orders-topic",
        ]

    return checks.that(
        pulumi.Output.all(notifier.topic_arn, notifier.topic_key_arn, _sorted_urns(notifier)),
        check,
    )


@pulumi.runtime.test
def test_the_key_policy_lets_the_account_administer_and_use_it_only_through_sns(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier()

    def check(_: object) -> None:
        statements = _statements(_inputs(pulumi_mocks, KEY, "orders-topic-key")["policy"])
        assert set(statements) == {"AccountAdministersTheKey", "PublishersUseTheKeyOnlyThroughSns"}
        account = {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
        administer = statements["AccountAdministersTheKey"]
        assert administer["Principal"] == account
        assert "kms:PutKeyPolicy" in administer["Action"]
        assert "kms:ScheduleKeyDeletion" in administer["Action"]
        # Administering never includes reading what the key protects, or granting that.
        crypto = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:CreateGrant"}
        assert not crypto & set(administer["Action"])
        use = statements["PublishersUseTheKeyOnlyThroughSns"]
        assert use["Principal"] == account
        assert sorted(use["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
        assert use["Condition"] == {
            "StringEquals": {
                "kms:ViaService": "sns.eu-west-1.amazonaws.com",
                "kms:CallerAccount": ACCOUNT_ID,
            }
        }
        for statement in statements.values():
            assert statement["Effect"] == "Allow"
            assert not any("*" in action for action in statement["Action"])

    return checks.that(registered(notifier), check)


@pulumi.runtime.test
def test_the_topic_policy_requires_tls_and_lets_only_the_notifier_publish(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier()

    def check(values: list[Any]) -> None:
        topic_arn, _ = values
        role_arn = _arn(pulumi_mocks, "aws:iam/role:Role", "orders-notifier-role")
        policy = _inputs(pulumi_mocks, "aws:sns/topicPolicy:TopicPolicy", "orders-topic-policy")
        assert policy["arn"] == topic_arn
        statements = _statements(policy["policy"])
        tls = statements["DenyInsecureTransport"]
        assert (tls["Effect"], tls["Principal"], tls["Resource"]) == ("Deny", "*", topic_arn)
        assert {"SNS:Publish", "SNS:Subscribe", "SNS:SetTopicAttributes"} <= set(_actions(tls))
        assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        allowed = [s for s in statements.values() if s["Effect"] == "Allow"]
        assert allowed == [
            {
                "Sid": "NotifierPublishes",
                "Effect": "Allow",
                "Principal": {"AWS": role_arn},
                "Action": "SNS:Publish",
                "Resource": topic_arn,
            }
        ]
        others = statements["NobodyElsePublishes"]
        assert (others["Effect"], others["Principal"], others["Action"]) == (
            "Deny",
            "*",
            "SNS:Publish",
        )
        assert others["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": role_arn}}

    return checks.that(pulumi.Output.all(notifier.topic_arn, registered(notifier)), check)


@pulumi.runtime.test
def test_the_failure_queue_is_encrypted_tls_only_and_keeps_fourteen_days(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier()

    def check(values: list[Any]) -> None:
        queue_url, _ = values
        queue_arn = _arn(pulumi_mocks, QUEUE, "orders-failures")
        queue = _inputs(pulumi_mocks, QUEUE, "orders-failures")
        assert queue["messageRetentionSeconds"] == 14 * DAY
        assert queue["sqsManagedSseEnabled"] is True
        policy = _inputs(pulumi_mocks, "aws:sqs/queuePolicy:QueuePolicy", "orders-failures-policy")
        assert policy["queueUrl"] == queue_url
        (statement,) = json.loads(policy["policy"])["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Resource"] == queue_arn
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    return checks.that(pulumi.Output.all(notifier.failure_queue_url, registered(notifier)), check)


@pulumi.runtime.test
def test_the_stream_mapping_takes_its_batching_and_retries_from_config(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier(
        "prod",
        notifierBatchSize="250",
        notifierBatchingWindowSeconds="5",
        notifierMaxRetryAttempts="4",
        notifierMaxRecordAgeSeconds="7200",
    )

    def check(_: object) -> None:
        function_arn = _arn(pulumi_mocks, FUNCTION, "orders-notifier-function")
        queue_arn = _arn(pulumi_mocks, QUEUE, "orders-failures")
        mapping = _inputs(
            pulumi_mocks,
            "aws:lambda/eventSourceMapping:EventSourceMapping",
            "orders-notifier-trigger",
        )
        assert mapping["eventSourceArn"] == STREAM_ARN
        assert mapping["functionName"] == function_arn
        assert mapping["startingPosition"] == "TRIM_HORIZON"
        assert mapping["batchSize"] == 250
        assert mapping["maximumBatchingWindowInSeconds"] == 5
        assert mapping["bisectBatchOnFunctionError"] is True
        assert mapping["maximumRetryAttempts"] == 4
        assert mapping["maximumRecordAgeInSeconds"] == 7200
        assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["destinationConfig"] == {"onFailure": {"destinationArn": queue_arn}}

    return checks.that(registered(notifier), check)


@pulumi.runtime.test
def test_retries_and_record_age_are_bounded_by_default_in_each_environment(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier("dev")

    def check(_: object) -> None:
        mapping = _inputs(
            pulumi_mocks,
            "aws:lambda/eventSourceMapping:EventSourceMapping",
            "orders-notifier-trigger",
        )
        assert mapping["batchSize"] == 100
        assert mapping["maximumBatchingWindowInSeconds"] == 0
        assert 0 <= mapping["maximumRetryAttempts"] <= 10
        assert 60 <= mapping["maximumRecordAgeInSeconds"] <= DAY

    return checks.that(registered(notifier), check)


@pulumi.runtime.test
def test_the_notifier_role_may_do_exactly_what_the_handler_and_mapping_need(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier()

    def check(values: list[Any]) -> None:
        topic_arn, key_arn, _ = values
        queue_arn = _arn(pulumi_mocks, QUEUE, "orders-failures")
        log_group_arn = _arn(
            pulumi_mocks, "aws:cloudwatch/logGroup:LogGroup", "orders-notifier-logs"
        )
        policy = _inputs(pulumi_mocks, "aws:iam/rolePolicy:RolePolicy", "orders-notifier-policy")
        statements = json.loads(policy["policy"])["Statement"]
        granted = {
            (action, resource)
            for statement in statements
            for action in statement["Action"]
            for resource in statement["Resource"]
        }
        assert granted == {
            ("dynamodb:DescribeStream", STREAM_ARN),
            ("dynamodb:GetRecords", STREAM_ARN),
            ("dynamodb:GetShardIterator", STREAM_ARN),
            ("dynamodb:ListStreams", "*"),
            ("sns:Publish", topic_arn),
            ("kms:GenerateDataKey", key_arn),
            ("kms:Decrypt", key_arn),
            ("sqs:SendMessage", queue_arn),
            ("logs:CreateLogStream", f"{log_group_arn}:*"),
            ("logs:PutLogEvents", f"{log_group_arn}:*"),
            ("xray:PutTraceSegments", "*"),
            ("xray:PutTelemetryRecords", "*"),
        }
        (key_use,) = [s for s in statements if "kms:Decrypt" in s["Action"]]
        assert key_use["Condition"] == {
            "StringEquals": {
                "kms:ViaService": "sns.eu-west-1.amazonaws.com",
                "kms:EncryptionContext:aws:sns:topicArn": topic_arn,
            }
        }

    return checks.that(
        pulumi.Output.all(notifier.topic_arn, notifier.topic_key_arn, registered(notifier)), check
    )


@pulumi.runtime.test
def test_the_function_runs_the_notifier_handler_with_the_topic_arn(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier(notifierTimeoutSeconds="45", notifierMemoryMb="512")

    def check(values: list[Any]) -> None:
        topic_arn = values[0]
        function = _inputs(pulumi_mocks, FUNCTION, "orders-notifier-function")
        assert function["handler"] == "handlers.notifier.handler"
        assert (function["timeout"], function["memorySize"]) == (45, 512)
        variables = function["environment"]["variables"]
        assert variables["ORDER_EVENTS_TOPIC_ARN"] == topic_arn
        assert variables["POWERTOOLS_SERVICE_NAME"] == "order-notifier"
        assert variables["ORDER_PIPELINE_ENVIRONMENT"] == "dev"

    return checks.that(pulumi.Output.all(notifier.topic_arn, registered(notifier)), check)


def _subscription_name(kind: str, endpoint: str) -> str:
    return f"orders-{kind}-{hashlib.sha256(endpoint.encode()).hexdigest()[:12]}"


@pulumi.runtime.test
def test_subscribers_from_config_get_raw_sqs_delivery_and_their_filters(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier(
        notifierEmailSubscribers=json.dumps(["ops@example.com?status=CANCELLED"]),
        notifierQueueSubscribers=json.dumps(
            [AUDIT_QUEUE, f"{SHIPPING_QUEUE}?eventType=OrderStatusChanged&status=SHIPPED,DELIVERED"]
        ),
    )

    def check(values: list[Any]) -> None:
        topic_arn = values[0]
        subscriptions = pulumi_mocks.of_type("aws:sns/topicSubscription:TopicSubscription")
        assert len(subscriptions) == 3
        by_name = {subscription.name: subscription.inputs for subscription in subscriptions}
        email = by_name[_subscription_name("email", "ops@example.com")]
        audit = by_name[_subscription_name("queue", AUDIT_QUEUE)]
        shipping = by_name[_subscription_name("queue", SHIPPING_QUEUE)]
        assert all(inputs["topic"] == topic_arn for inputs in by_name.values())
        assert (email["protocol"], email["endpoint"]) == ("email", "ops@example.com")
        assert "rawMessageDelivery" not in email
        assert json.loads(email["filterPolicy"]) == {"status": ["CANCELLED"]}
        assert (audit["protocol"], audit["endpoint"]) == ("sqs", AUDIT_QUEUE)
        assert audit["rawMessageDelivery"] is True
        assert "filterPolicy" not in audit
        assert shipping["rawMessageDelivery"] is True
        assert json.loads(shipping["filterPolicy"]) == {
            "eventType": ["OrderStatusChanged"],
            "status": ["SHIPPED", "DELIVERED"],
        }
        assert shipping["filterPolicyScope"] == "MessageAttributes"

    return checks.that(pulumi.Output.all(notifier.topic_arn, registered(notifier)), check)


@pulumi.runtime.test
def test_a_fifo_topic_is_chosen_by_config_and_named_as_sns_requires(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    fifo_queue = f"{SHIPPING_QUEUE}.fifo"
    notifier = _notifier(
        notifierFifoTopic="true", notifierQueueSubscribers=json.dumps([fifo_queue, AUDIT_QUEUE])
    )

    def check(values: list[Any]) -> None:
        topic_arn, topic_name = values[0], values[1]
        topic = _inputs(pulumi_mocks, TOPIC, "orders-topic")
        assert topic["fifoTopic"] is True
        assert "contentBasedDeduplication" not in topic  # the notifier sets each id itself
        assert topic_name.endswith(".fifo")
        assert topic_arn.endswith(".fifo")
        subscriptions = pulumi_mocks.of_type("aws:sns/topicSubscription:TopicSubscription")
        assert sorted(s.inputs["endpoint"] for s in subscriptions) == [AUDIT_QUEUE, fifo_queue]

    outputs = pulumi.Output.all(notifier.topic_arn, notifier.topic_name, registered(notifier))
    return checks.that(outputs, check)


@pulumi.runtime.test
def test_a_standard_topic_leaves_fifo_unset(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier()

    def check(_: object) -> None:
        assert "fifoTopic" not in _inputs(pulumi_mocks, TOPIC, "orders-topic")

    return checks.that(registered(notifier), check)


@pulumi.runtime.test
def test_no_subscriptions_exist_unless_configured(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier()

    def check(_: object) -> None:
        assert pulumi_mocks.of_type("aws:sns/topicSubscription:TopicSubscription") == []

    return checks.that(registered(notifier), check)


@pulumi.runtime.test
def test_the_component_exposes_its_topic_failure_queue_and_function_by_their_aws_names(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    notifier = _notifier()
    watch = notifier.watch

    def check(exposed: dict[str, Any]) -> None:
        topic = pulumi_mocks.named(TOPIC, "orders-topic").state
        queue = pulumi_mocks.named(QUEUE, "orders-failures").state
        function = pulumi_mocks.named(FUNCTION, "orders-notifier-function").state
        assert exposed["topic"] == [topic["arn"], topic["name"]]
        assert exposed["key"] == _arn(pulumi_mocks, KEY, "orders-topic-key")
        assert exposed["failures"] == [queue["url"], queue["name"]]
        assert exposed["function"] == function["name"]
        # Monitoring watches the very same resources.
        assert exposed["watched"] == [function["name"], queue["name"], topic["name"]]

    return checks.that(
        pulumi.Output.all(
            topic=pulumi.Output.all(notifier.topic_arn, notifier.topic_name),
            key=notifier.topic_key_arn,
            failures=pulumi.Output.all(notifier.failure_queue_url, notifier.failure_queue_name),
            function=notifier.function_name,
            watched=pulumi.Output.all(
                watch.function_name, watch.failure_queue_name, watch.topic_name
            ),
            registered=registered(notifier),
        ),
        check,
    )


def test_the_stack_announces_from_the_order_table_stream_and_exports_the_topic() -> None:
    run = run_program("dev")

    table = run.mocks.named("aws:dynamodb/table:Table", "orders-table")
    mapping = run.mocks.named(
        "aws:lambda/eventSourceMapping:EventSourceMapping", "orders-notifier-trigger"
    )
    assert mapping.inputs["eventSourceArn"] == table.state["stream_arn"]
    assert run.outputs["topicArn"] == run.mocks.named(TOPIC, "orders-topic").state["arn"]
