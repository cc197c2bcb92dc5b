"""Notifier config -> NotifierSettings: defaults, bounds, subscribers and their filters."""

from __future__ import annotations

import json

import pytest

from settings import ConfigError
from tests.factories import settings_for

QUEUE = "arn:aws:sqs:eu-west-1:123456789012:shipping"


def test_defaults_read_the_stream_in_batches_with_bounded_retries() -> None:
    dev, prod = settings_for("dev").notifier, settings_for("prod").notifier
    assert (dev.batch_size, dev.batching_window_seconds) == (100, 0)
    assert (dev.max_retry_attempts, prod.max_retry_attempts) == (3, 10)
    assert (dev.max_record_age_seconds, prod.max_record_age_seconds) == (3_600, 86_400)
    assert dev.email_subscribers == dev.queue_subscribers == ()
    assert dev.fifo_topic is prod.fifo_topic is False


def test_a_fifo_topic_takes_standard_and_fifo_queues() -> None:
    notifier = settings_for(
        "dev",
        notifierFifoTopic="true",
        notifierQueueSubscribers=json.dumps([f"{QUEUE}.fifo?status=SHIPPED", QUEUE]),
    ).notifier

    assert notifier.fifo_topic is True
    assert [queue.endpoint for queue in notifier.queue_subscribers] == [f"{QUEUE}.fifo", QUEUE]


def test_a_fifo_topic_takes_a_standard_queue_whose_name_has_all_80_characters() -> None:
    """Only a `.fifo` name gives 5 of its 80 characters to the suffix."""
    longest = f"arn:aws:sqs:eu-west-1:123456789012:{'q' * 80}"
    notifier = settings_for(
        "dev", notifierFifoTopic="true", notifierQueueSubscribers=json.dumps([longest])
    ).notifier

    assert [queue.endpoint for queue in notifier.queue_subscribers] == [longest]


def test_subscribers_keep_their_endpoints_and_filters() -> None:
    notifier = settings_for(
        "dev",
        notifierEmailSubscribers=json.dumps(["ops@example.com", "cs@example.com?status=CANCELLED"]),
        notifierQueueSubscribers=json.dumps(
            [f"{QUEUE}?eventType=OrderStatusChanged&status=SHIPPED,DELIVERED&customerId=c-1"]
        ),
    ).notifier

    ops, support = notifier.email_subscribers
    assert (ops.endpoint, ops.filter_policy_json) == ("ops@example.com", None)
    assert support.endpoint == "cs@example.com"
    assert json.loads(support.filter_policy_json or "") == {"status": ["CANCELLED"]}
    (shipping,) = notifier.queue_subscribers
    assert shipping.endpoint == QUEUE
    assert json.loads(shipping.filter_policy_json or "") == {
        "eventType": ["OrderStatusChanged"],
        "status": ["SHIPPED", "DELIVERED"],
        "customerId": ["c-1"],
    }


def test_a_subscriber_keeps_its_id_when_its_filter_changes() -> None:
    def queue_id(entry: str) -> str:
        config = settings_for("dev", notifierQueueSubscribers=json.dumps([entry]))
        return config.notifier.queue_subscribers[0].stable_id

    assert queue_id(QUEUE) == queue_id(f"{QUEUE}?status=SHIPPED")
    assert queue_id(QUEUE) != queue_id(QUEUE.replace("shipping", "billing"))
    assert "shipping" not in queue_id(QUEUE)


@pytest.mark.parametrize(
    ("raw", "key", "problem"),
    [
        ({"notifierBatchSize": "0"}, "notifierBatchSize", "outside 1..10000"),
        ({"notifierBatchSize": "10001"}, "notifierBatchSize", "outside 1..10000"),
        ({"notifierBatchingWindowSeconds": "301"}, "notifierBatchingWindowSeconds", "0..300"),
        ({"notifierMaxRetryAttempts": "-1"}, "notifierMaxRetryAttempts", "outside 0..10000"),
        ({"notifierMaxRecordAgeSeconds": "-1"}, "notifierMaxRecordAgeSeconds", "60..86400"),
        ({"notifierMaxRecordAgeSeconds": "86401"}, "notifierMaxRecordAgeSeconds", "60..86400"),
        ({"notifierEmailSubscribers": "ops@example.com"}, "notifierEmailSubscribers", "JSON list"),
        ({"notifierEmailSubscribers": '["ops"]'}, "notifierEmailSubscribers", "not an e-mail"),
        (
            {"notifierEmailSubscribers": '["a@example.com", "a@example.com?status=SHIPPED"]'},
            "notifierEmailSubscribers",
            "lists an endpoint twice",
        ),
        (
            {"notifierQueueSubscribers": '["shipping"]'},
            "notifierQueueSubscribers",
            "not a standard",
        ),
        (
            {"notifierQueueSubscribers": json.dumps([f"{QUEUE}.fifo"])},
            "notifierQueueSubscribers",
            "not a standard SQS queue ARN",
        ),
        (
            {"notifierQueueSubscribers": '["arn:aws:sns:eu-west-1:123456789012:topic"]'},
            "notifierQueueSubscribers",
            "not a standard SQS queue ARN",
        ),
        ({"notifierFifoTopic": "yes"}, "notifierFifoTopic", "'yes' is not true or false"),
        (
            {
                "notifierFifoTopic": "true",
                "notifierEmailSubscribers": '["ops@example.com"]',
            },
            "notifierEmailSubscribers",
            "a FIFO topic (notifierFifoTopic) delivers to SQS queues only, not to e-mail",
        ),
        (
            {
                "notifierFifoTopic": "true",
                "notifierQueueSubscribers": json.dumps([f"{QUEUE}{'x' * 70}.fifo"]),
            },
            "notifierQueueSubscribers",
            "is not an SQS queue ARN",
        ),
        (
            {
                "notifierFifoTopic": "true",
                "notifierQueueSubscribers": '["arn:aws:sns:eu-west-1:123456789012:t.fifo"]',
            },
            "notifierQueueSubscribers",
            "is not an SQS queue ARN",
        ),
        (
            {"notifierQueueSubscribers": json.dumps([f"{QUEUE}?colour=red"])},
            "notifierQueueSubscribers",
            "'colour' is not one of eventType, status, customerId",
        ),
        (
            {"notifierQueueSubscribers": json.dumps([f"{QUEUE}?status=LOST"])},
            "notifierQueueSubscribers",
            "one or more of PENDING, CONFIRMED",
        ),
        (
            {"notifierQueueSubscribers": json.dumps([f"{QUEUE}?eventType=OrderDeleted"])},
            "notifierQueueSubscribers",
            "one or more of OrderCreated, OrderStatusChanged",
        ),
        (
            {"notifierQueueSubscribers": json.dumps([f"{QUEUE}?status="])},
            "notifierQueueSubscribers",
            "must list one or more",
        ),
        (
            {"notifierQueueSubscribers": json.dumps([f"{QUEUE}?customerId=a,,b"])},
            "notifierQueueSubscribers",
            "must list one or more of non-empty values",
        ),
        (
            {"notifierQueueSubscribers": json.dumps([f"{QUEUE}?status=SHIPPED&status=DELIVERED"])},
            "notifierQueueSubscribers",
            "filters on 'status' twice",
        ),
        (
            {
                "notifierQueueSubscribers": json.dumps(
                    [
                        f"{QUEUE}?status=PENDING,CONFIRMED,SHIPPED,DELIVERED&customerId="
                        + ",".join(f"c-{n}" for n in range(38))
                    ]
                )
            },
            "notifierQueueSubscribers",
            "more than 150",
        ),
    ],
)
def test_bad_notifier_config_is_refused_naming_the_key(
    raw: dict[str, str], key: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        settings_for("dev", **raw)
    assert refused.value.key == key
    assert problem in str(refused.value)
