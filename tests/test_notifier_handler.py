"""The notifier against moto, fed real DynamoDB stream records: what reaches SQS subscribers,
what filter policies let through, and that refused publishes are retried within the invocation
without a repeat, and reported without a loss when they stay refused."""

from __future__ import annotations

import importlib
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError
from moto import mock_aws

from handlers import contract
from handlers.order_events import MalformedRecord
from handlers.orders import new_order_item, parse_order, timestamp_from_epoch_millis
from tests.factories import settings_for
from tools.aws_doubles.lambda_events import LocalLambdaContext
from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT, REGION, create_order_table
from tools.aws_doubles.stream_events import dynamodb_stream_event, read_stream
from tools.order_events.contract import delivered_breaches

TABLE = "orders"
ENVIRONMENT = "test"
# Lambda's retry policy for the tests: enough attempts for any single injected failure.
MAX_ATTEMPTS = 5

_serializer = TypeSerializer()


@dataclass
class Stack:
    """The table (with its stream), the encrypted topic and a raw-delivery SQS subscriber."""

    notifier: ModuleType
    dynamodb: Any
    streams: Any
    sns: Any
    sqs: Any
    stream_arn: str
    topic_arn: str
    all_events_url: str
    publish_calls: list[list[dict[str, Any]]] = field(default_factory=list)
    slept: list[float] = field(default_factory=list)
    remaining_millis: int = 30_000
    clock: int = 1_764_064_800_000

    def _now(self) -> str:
        self.clock += 1000
        return timestamp_from_epoch_millis(self.clock)

    def create(self, order_id: str, customer_id: str = "c-1") -> None:
        body = json.dumps({"orderId": order_id, "customerId": customer_id, "items": ["sku"]})
        item = new_order_item(parse_order(body), created_at=self._now())
        self.dynamodb.put_item(
            TableName=TABLE, Item={key: _serializer.serialize(value) for key, value in item.items()}
        )

    def move(self, order_id: str, status: str) -> None:
        """A status transition as the PATCH handler stores it: new status, next version."""
        self.dynamodb.update_item(
            TableName=TABLE,
            Key={contract.ORDER_KEY: {"S": order_id}},
            UpdateExpression="SET #status = :status, #updated = :now ADD #version :one",
            ExpressionAttributeNames={
                "#status": contract.ORDER_STATUS_FIELD,
                "#updated": contract.ORDER_UPDATED_AT_FIELD,
                "#version": contract.ORDER_VERSION_FIELD,
            },
            ExpressionAttributeValues={
                ":status": {"S": status},
                ":now": {"S": self._now()},
                ":one": {"N": "1"},
            },
        )

    def touch(self, order_id: str) -> None:
        """A change that is not a status change."""
        self.dynamodb.update_item(
            TableName=TABLE,
            Key={contract.ORDER_KEY: {"S": order_id}},
            UpdateExpression="SET note = :note",
            ExpressionAttributeValues={":note": {"S": "gift wrap"}},
        )

    def delete(self, order_id: str) -> None:
        self.dynamodb.delete_item(TableName=TABLE, Key={contract.ORDER_KEY: {"S": order_id}})

    def records(self) -> list[dict[str, Any]]:
        return read_stream(self.streams, self.stream_arn)

    def invoke(self, records: list[dict[str, Any]]) -> list[str]:
        """One invocation; the sequence numbers reported failed."""
        response = self.notifier.handler(
            dynamodb_stream_event(records, self.stream_arn, REGION),
            _Context("notifier", remaining=self.remaining_millis),
        )
        return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]

    def deliver_like_lambda(self, records: list[dict[str, Any]]) -> int:
        """Invoke until the batch is through, resuming at the lowest failed sequence number
        as Lambda does for a stream; returns the number of invocations."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            failed = self.invoke(records)
            if not failed:
                return attempt
            checkpoint = min(int(sequence) for sequence in failed)
            records = [record for record in records if _sequence(record) >= checkpoint]
        raise AssertionError(f"batch still failing after {MAX_ATTEMPTS} attempts")

    def subscribe_queue(self, name: str, filter_policy: str | None = None) -> str:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        attributes = {"RawMessageDelivery": "true"}
        if filter_policy is not None:
            attributes["FilterPolicy"] = filter_policy
        self.sns.subscribe(
            TopicArn=self.topic_arn,
            Protocol="sqs",
            Endpoint=arn["Attributes"]["QueueArn"],
            Attributes=attributes,
        )
        return str(url)

    def received(self, queue_url: str) -> list[dict[str, Any]]:
        """Every message on the queue: its parsed body plus its message attributes. Each
        must keep the event contract (api/events.asyncapi.yaml)."""
        messages: list[dict[str, Any]] = []
        while page := self.sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages"):
            assert delivered_breaches(page) == []
            for message in page:
                attributes = {
                    name: value["StringValue"]
                    for name, value in message.get("MessageAttributes", {}).items()
                }
                messages.append({"body": json.loads(message["Body"]), "attributes": attributes})
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return messages

    def stored(self, order_id: str) -> dict[str, Any]:
        item = self.dynamodb.get_item(TableName=TABLE, Key={contract.ORDER_KEY: {"S": order_id}})
        return dict(item["Item"])


@dataclass
class _Context(LocalLambdaContext):
    remaining: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining


def _sequence(record: dict[str, Any]) -> int:
    return int(record["dynamodb"]["SequenceNumber"])


def _sequence_number(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def _keys(messages: list[dict[str, Any]]) -> set[tuple[str, int]]:
    """What subscribers deduplicate on."""
    return {(message["body"]["orderId"], message["body"]["version"]) for message in messages}


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    # moto's DynamoDB answers only on the regional endpoint, not the account-based one.
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    monkeypatch.setenv(contract.ENVIRONMENT_ENV, ENVIRONMENT)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", contract.NOTIFIER_SERVICE_NAME)
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_order_table(dynamodb, TABLE)
        stream_arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
        key_arn = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
        sns = boto3.client("sns")
        topic_arn = sns.create_topic(Name="order-events", Attributes={"KmsMasterKeyId": key_arn})[
            "TopicArn"
        ]
        monkeypatch.setenv(contract.ORDER_EVENTS_TOPIC_ARN_ENV, topic_arn)
        # The handler creates its client at import: import it inside the mock.
        module = sys.modules.get("handlers.notifier")
        notifier = (
            importlib.reload(module) if module else importlib.import_module("handlers.notifier")
        )
        stack = Stack(
            notifier=notifier,
            dynamodb=dynamodb,
            streams=boto3.client("dynamodbstreams"),
            sns=sns,
            sqs=boto3.client("sqs"),
            stream_arn=stream_arn,
            topic_arn=topic_arn,
            all_events_url="",
        )
        stack.all_events_url = stack.subscribe_queue("all-events")
        real_publish_batch = notifier.sns.publish_batch

        def counted_publish_batch(**kwargs: Any) -> Any:
            stack.publish_calls.append(kwargs["PublishBatchRequestEntries"])
            return real_publish_batch(**kwargs)

        monkeypatch.setattr(notifier.sns, "publish_batch", counted_publish_batch)
        # Waits between retry rounds are recorded, not waited.
        monkeypatch.setattr(notifier, "sleep", stack.slept.append)
        yield stack


def _refusing(
    stack: Stack, which: Callable[[dict[str, Any]], bool], times: int | None = None
) -> Callable[..., Any]:
    """PublishBatch that refuses the events `which` picks, as SNS does for an internal error:
    each such event its first `times` attempts, or always."""
    publish = stack.notifier.sns.publish_batch
    attempts: Counter[str] = Counter()

    def refused(entry: dict[str, Any]) -> bool:
        if not which(json.loads(entry["Message"])):
            return False
        attempts[entry["Message"]] += 1
        return times is None or attempts[entry["Message"]] <= times

    def publish_batch(**kwargs: Any) -> Any:
        entries = kwargs["PublishBatchRequestEntries"]
        refuse = [entry for entry in entries if refused(entry)]
        kept = [entry for entry in entries if entry not in refuse]
        response = publish(**{**kwargs, "PublishBatchRequestEntries": kept}) if kept else {}
        failed = [
            {"Id": entry["Id"], "Code": "InternalError", "SenderFault": False, "Message": "retry"}
            for entry in refuse
        ]
        return {"Successful": response.get("Successful", []), "Failed": failed}

    return publish_batch


def _of(order_ids: set[str]) -> Callable[[dict[str, Any]], bool]:
    return lambda event: event["orderId"] in order_ids


def _announced(stack: Stack) -> list[tuple[str, int]]:
    """(orderId, version) of every message the all-events subscriber got, repeats included."""
    return sorted(
        (message["body"]["orderId"], message["body"]["version"])
        for message in stack.received(stack.all_events_url)
    )


def test_creations_and_status_changes_arrive_as_documented_events(stack: Stack) -> None:
    # GIVEN two new orders, a status change, a non-status change and a deletion
    stack.create("A", customer_id="c-1")
    stack.create("B", customer_id="c-2")
    stack.move("A", "CONFIRMED")
    stack.touch("B")
    stack.delete("B")

    # WHEN the notifier handles the stream records
    failed = stack.invoke(stack.records())

    # THEN the subscriber gets exactly the two creations and the status change, as documented
    assert failed == []
    stored_a = stack.stored("A")
    received = stack.received(stack.all_events_url)
    bodies = sorted((message["body"] for message in received), key=lambda body: body["version"])
    assert [body["eventType"] for body in bodies] == [
        "OrderCreated",
        "OrderCreated",
        "OrderStatusChanged",
    ]
    assert bodies[2] == {
        "eventType": "OrderStatusChanged",
        "orderId": "A",
        "customerId": "c-1",
        "oldStatus": "PENDING",
        "newStatus": "CONFIRMED",
        "timestamp": stored_a["updatedAt"]["S"],
        "version": 2,
        "schemaVersion": 1,
    }
    created = {body["orderId"]: body for body in bodies[:2]}
    assert created["B"]["oldStatus"] is None
    assert created["B"]["newStatus"] == "PENDING"
    assert created["B"]["customerId"] == "c-2"
    # AND each message carries the attributes filter policies match on
    attributes = {
        (message["body"]["orderId"], message["body"]["version"]): message["attributes"]
        for message in received
    }
    assert attributes == {
        ("A", 1): {"eventType": "OrderCreated", "status": "PENDING", "customerId": "c-1"},
        ("B", 1): {"eventType": "OrderCreated", "status": "PENDING", "customerId": "c-2"},
        ("A", 2): {"eventType": "OrderStatusChanged", "status": "CONFIRMED", "customerId": "c-1"},
    }


def test_a_large_batch_is_published_ten_entries_per_call(stack: Stack) -> None:
    for number in range(23):
        stack.create(f"bulk-{number}")

    assert stack.invoke(stack.records()) == []

    assert [len(entries) for entries in stack.publish_calls] == [10, 10, 3]
    for entries in stack.publish_calls:
        assert len({entry["Id"] for entry in entries}) == len(entries)
    assert _keys(stack.received(stack.all_events_url)) == {
        (f"bulk-{number}", 1) for number in range(23)
    }


def test_a_filter_policy_subscription_receives_only_what_it_asked_for(stack: Stack) -> None:
    # GIVEN a shipping queue subscribed through the stack config's filter syntax
    shipping_arn = f"arn:aws:sqs:{REGION}:123456789012:shipping"
    configured = settings_for(
        "dev",
        notifierQueueSubscribers=json.dumps(
            [f"{shipping_arn}?eventType=OrderStatusChanged&status=SHIPPED,DELIVERED"]
        ),
    ).notifier.queue_subscribers[0]
    assert configured.endpoint == shipping_arn
    shipping_url = stack.subscribe_queue("shipping", configured.filter_policy_json)

    # WHEN orders are created and move through their statuses
    stack.create("A")
    stack.move("A", "CONFIRMED")
    stack.move("A", "SHIPPED")
    stack.create("B")
    stack.move("B", "CANCELLED")
    stack.move("A", "DELIVERED")
    assert stack.invoke(stack.records()) == []

    # THEN the shipping queue holds only A's SHIPPED and DELIVERED, the other queue everything
    shipped = stack.received(shipping_url)
    assert sorted((m["body"]["orderId"], m["body"]["newStatus"]) for m in shipped) == [
        ("A", "DELIVERED"),
        ("A", "SHIPPED"),
    ]
    assert len(stack.received(stack.all_events_url)) == 6


def test_a_refusal_that_clears_is_retried_within_the_invocation_and_repeats_nothing(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a shard of twelve creations with a non-announcing change among them
    for number in range(12):
        stack.create(f"o-{number}")
        if number == 6:
            stack.touch("o-0")
    # AND SNS refusing o-3's event twice, then taking it
    monkeypatch.setattr(
        stack.notifier.sns, "publish_batch", _refusing(stack, _of({"o-3"}), times=2)
    )

    # WHEN Lambda invokes the notifier with the batch
    failed = stack.invoke(stack.records())

    # THEN nothing is reported, and every event reached the subscriber exactly once
    assert failed == []
    assert _announced(stack) == sorted((f"o-{number}", 1) for number in range(12))
    # AND only the refused entry was sent again, after two short jittered waits (what SNS
    # took per call: nine of the first ten, the last two, then o-3 on its third attempt)
    assert [len(entries) for entries in stack.publish_calls] == [9, 2, 1]
    assert len(stack.slept) == 2
    assert all(0 <= delay <= stack.notifier.RETRY_POLICY.max_delay_seconds for delay in stack.slept)


def test_a_refusal_that_never_clears_reports_that_order_from_there_on_and_holds_it_back(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN o-1 created and moved twice among other orders' creations
    stack.create("o-0")
    stack.create("o-1")
    stack.create("o-2")
    stack.move("o-1", "CONFIRMED")
    stack.create("o-3")
    stack.move("o-1", "SHIPPED")
    records = stack.records()
    # AND SNS refusing o-1's second version for good
    real = stack.notifier.sns.publish_batch
    refuse_second = _refusing(
        stack, lambda event: (event["orderId"], event["version"]) == ("o-1", 2)
    )
    monkeypatch.setattr(stack.notifier.sns, "publish_batch", refuse_second)

    failed = stack.invoke(records)

    # THEN o-1's versions 2 and 3 are reported (3 was never sent), the rest is out once
    assert failed == [_sequence_number(records[3]), _sequence_number(records[5])]
    assert _announced(stack) == [("o-0", 1), ("o-1", 1), ("o-2", 1), ("o-3", 1)]
    sent_versions = [
        json.loads(entry["Message"])["version"]
        for entries in stack.publish_calls
        for entry in entries
        if json.loads(entry["Message"])["orderId"] == "o-1"
    ]
    assert 3 not in sent_versions
    assert len(stack.slept) == stack.notifier.RETRY_POLICY.max_rounds - 1

    # WHEN SNS takes everything again and Lambda retries from the checkpoint
    monkeypatch.setattr(stack.notifier.sns, "publish_batch", real)
    assert stack.deliver_like_lambda(records[3:]) == 1

    # THEN o-1's versions arrive; o-3's creation, after the checkpoint, arrives a second time
    assert _announced(stack) == [("o-1", 2), ("o-1", 3), ("o-3", 1)]


def test_a_failed_call_is_retried_within_the_invocation(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(15):
        stack.create(f"t-{number}")
    counted = stack.notifier.sns.publish_batch
    calls = 0

    def throttled_second_call(**kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ClientError(
                {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "PublishBatch"
            )
        return counted(**kwargs)

    monkeypatch.setattr(stack.notifier.sns, "publish_batch", throttled_second_call)

    assert stack.invoke(stack.records()) == []

    assert _announced(stack) == sorted((f"t-{n}", 1) for n in range(15))
    # The second call (five entries) failed and was made again after one wait.
    assert calls == 3
    assert [len(entries) for entries in stack.publish_calls] == [10, 5]
    assert len(stack.slept) == 1


# Nothing is published, so Powertools warns that the invocation has no metrics.
@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_with_no_time_left_to_wait_a_refused_batch_is_reported_at_once_and_retried_whole(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(3):
        stack.create(f"r-{number}")
    records = stack.records()
    monkeypatch.setattr(
        stack.notifier.sns, "publish_batch", _refusing(stack, _of({"r-0", "r-1", "r-2"}), times=1)
    )
    stack.remaining_millis = stack.notifier.RETRY_POLICY.safety_margin_millis

    assert stack.invoke(records) == [_sequence_number(record) for record in records]
    assert stack.received(stack.all_events_url) == []
    assert stack.slept == []

    stack.deliver_like_lambda(records)
    assert _announced(stack) == [(f"r-{n}", 1) for n in range(3)]


# Nothing is published, so Powertools warns that the invocation has no metrics.
@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_a_malformed_record_fails_the_invocation_and_publishes_nothing(stack: Stack) -> None:
    stack.create("good")
    # An item without the attributes every stored order has (written around the processor).
    stack.dynamodb.put_item(
        TableName=TABLE, Item={contract.ORDER_KEY: {"S": "bad"}, "status": {"S": "PENDING"}}
    )

    with pytest.raises(MalformedRecord, match="customerId"):
        stack.invoke(stack.records())

    assert stack.publish_calls == []


def test_published_events_are_counted_in_an_emf_metric_per_environment(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.create("m-1")
    stack.create("m-2")
    stack.touch("m-1")
    capsys.readouterr()

    stack.invoke(stack.records())

    blobs = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and '"_aws"' in line
    ]
    (metric,) = [blob for blob in blobs if contract.NOTIFICATIONS_PUBLISHED_METRIC in blob]
    assert sum(metric[contract.NOTIFICATIONS_PUBLISHED_METRIC]) == 2
    assert metric[contract.ENVIRONMENT_DIMENSION] == ENVIRONMENT
    assert metric["service"] == contract.NOTIFIER_SERVICE_NAME
    (directive,) = metric["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == contract.METRICS_NAMESPACE
    assert set(directive["Dimensions"][0]) == {contract.ENVIRONMENT_DIMENSION, "service"}


def test_stream_timestamps_reach_the_handler_as_epoch_seconds(stack: Stack) -> None:
    stack.create("e-1")
    (record,) = dynamodb_stream_event(stack.records(), stack.stream_arn, REGION)["Records"]
    created = record["dynamodb"]["ApproximateCreationDateTime"]
    assert isinstance(created, int)
    assert abs(created - datetime.now(tz=UTC).timestamp()) < 3600
    assert record["eventSourceARN"] == stack.stream_arn


def test_on_a_fifo_topic_each_change_is_delivered_once_even_when_published_again(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a FIFO topic (notifierFifoTopic) with a FIFO queue subscribed
    topic_arn = stack.sns.create_topic(Name="order-events.fifo", Attributes={"FifoTopic": "true"})[
        "TopicArn"
    ]
    stack.topic_arn = topic_arn
    queue_url = stack.sqs.create_queue(QueueName="shipping.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    queue_arn = stack.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    stack.sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    monkeypatch.setenv(contract.ORDER_EVENTS_TOPIC_ARN_ENV, topic_arn)
    stack.notifier = importlib.reload(stack.notifier)
    monkeypatch.setattr(stack.notifier, "sleep", stack.slept.append)
    published: list[dict[str, Any]] = []
    real = stack.notifier.sns.publish_batch

    def recorded(**kwargs: Any) -> Any:
        published.extend(kwargs["PublishBatchRequestEntries"])
        return real(**kwargs)

    monkeypatch.setattr(stack.notifier.sns, "publish_batch", recorded)
    stack.create("A")
    stack.move("A", "CONFIRMED")
    stack.create("B")
    records = stack.records()

    # WHEN the batch is handled twice (a retry from an earlier checkpoint)
    assert stack.invoke(records) == []
    assert stack.invoke(records) == []

    # THEN every entry named its order as group and the change as deduplication id
    assert {(e["MessageGroupId"], e["MessageDeduplicationId"]) for e in published} == {
        ("A", "A:1"),
        ("A", "A:2"),
        ("B", "B:1"),
    }
    # AND the queue got each change once, each order's versions in order
    received = [
        (message["body"]["orderId"], message["body"]["version"])
        for message in stack.received(queue_url)
    ]
    assert sorted(received) == [("A", 1), ("A", 2), ("B", 1)]
    assert [version for order, version in received if order == "A"] == [1, 2]
