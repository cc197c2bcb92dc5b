"""The notifier against moto, fed real DynamoDB stream records: what reaches SQS subscribers,
what filter policies let through, and that refused publishes are retried without a loss."""

from __future__ import annotations

import importlib
import json
import sys
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
            LocalLambdaContext("notifier"),
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
        """Every message on the queue: its parsed body plus its message attributes."""
        messages: list[dict[str, Any]] = []
        while page := self.sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages"):
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


def _sequence(record: dict[str, Any]) -> int:
    return int(record["dynamodb"]["SequenceNumber"])


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
        yield stack


def _refusing(stack: Stack, refused_ids: set[str]) -> Callable[..., Any]:
    """PublishBatch that refuses the given entry ids once, as SNS does for an internal error."""
    publish = stack.notifier.sns.publish_batch
    refused_once: set[str] = set()

    def publish_batch(**kwargs: Any) -> Any:
        entries = kwargs["PublishBatchRequestEntries"]
        refuse = {entry["Id"] for entry in entries} & refused_ids - refused_once
        refused_once.update(refuse)
        kept = [entry for entry in entries if entry["Id"] not in refuse]
        response = publish(**{**kwargs, "PublishBatchRequestEntries": kept}) if kept else {}
        failed = [
            {"Id": entry_id, "Code": "InternalError", "SenderFault": False, "Message": "retry"}
            for entry_id in sorted(refuse)
        ]
        return {"Successful": response.get("Successful", []), "Failed": failed}

    return publish_batch


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


def test_a_refused_entry_fails_its_record_and_all_later_ones_and_a_retry_loses_nothing(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a shard of twelve creations with a non-announcing change among them
    for number in range(12):
        stack.create(f"o-{number}")
        if number == 6:
            stack.touch("o-0")
    records = stack.records()
    # AND SNS refusing, once, the entry of the record at batch position 3
    monkeypatch.setattr(stack.notifier.sns, "publish_batch", _refusing(stack, {"3"}))

    # WHEN Lambda invokes the notifier with the batch
    failed = stack.invoke(records)

    # THEN that record and every later one, announced or not, are reported; earlier ones are not
    assert failed == [record["dynamodb"]["SequenceNumber"] for record in records[3:]]
    # AND the second PublishBatch call was never made: nothing after the gap went out
    assert len(stack.publish_calls) == 1

    # WHEN Lambda retries from the checkpoint
    assert stack.deliver_like_lambda(records[3:]) == 1

    # THEN every event reached the subscriber at least once
    assert _keys(stack.received(stack.all_events_url)) == {
        (f"o-{number}", 1) for number in range(12)
    }


def test_a_failed_call_fails_its_chunk_and_later_records_but_keeps_earlier_chunks(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(15):
        stack.create(f"t-{number}")
    records = stack.records()
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

    failed = stack.invoke(records)

    assert failed == [record["dynamodb"]["SequenceNumber"] for record in records[10:]]
    assert _keys(stack.received(stack.all_events_url)) == {(f"t-{n}", 1) for n in range(10)}

    stack.deliver_like_lambda(records[10:])

    assert _keys(stack.received(stack.all_events_url)) == {(f"t-{n}", 1) for n in range(10, 15)}


# Nothing is published, so Powertools warns that the invocation has no metrics.
@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_an_entirely_refused_batch_is_reported_not_raised_and_retried_whole(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(3):
        stack.create(f"r-{number}")
    records = stack.records()
    monkeypatch.setattr(stack.notifier.sns, "publish_batch", _refusing(stack, {"0", "1", "2"}))

    assert stack.invoke(records) == [record["dynamodb"]["SequenceNumber"] for record in records]
    assert stack.received(stack.all_events_url) == []

    stack.deliver_like_lambda(records)
    assert _keys(stack.received(stack.all_events_url)) == {(f"r-{n}", 1) for n in range(3)}


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
