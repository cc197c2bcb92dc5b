"""Settings of the Notifier: how it reads the table stream and who receives order events."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.event_contract import filterable_values
from settings.config_reader import ConfigReader
from settings.errors import ConfigError
from settings.monitoring import EMAIL_ADDRESS

# A DynamoDB stream keeps records for 24 hours: an older record no longer exists.
STREAM_RETENTION_SECONDS = 86_400

# A standard SNS topic cannot deliver to a FIFO queue; a FIFO topic delivers to both kinds of
# queue, and to nothing else (no e-mail, SMS, HTTP(S) or Lambda subscription):
# https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html
_QUEUE_ARN_PREFIX = r"arn:aws(-cn|-us-gov)?:sqs:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:"
SQS_QUEUE_ARN = re.compile(_QUEUE_ARN_PREFIX + r"[A-Za-z0-9_-]{1,80}")
# A FIFO queue's name ends in `.fifo`, within the same 80 characters; a standard one may use
# all 80.
SQS_ANY_QUEUE_ARN = re.compile(
    _QUEUE_ARN_PREFIX + r"(?:[A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)"
)

# What a subscriber may filter on: the message attributes of every order event, as the event
# contract defines them (None: any value, e.g. a customer id).
FILTERABLE_VALUES: Mapping[str, tuple[str, ...] | None] = filterable_values()

# SNS refuses a filter policy whose values combine into more than 150 alternatives.
MAX_FILTER_COMBINATIONS = 150


@dataclass(frozen=True)
class Subscriber:
    """An e-mail address or SQS queue ARN, optionally with a filter on message attributes.

    Config form: `endpoint` or `endpoint?attribute=value,value&attribute=value`, e.g.
    `arn:aws:sqs:eu-west-1:123456789012:shipping?eventType=OrderStatusChanged&status=SHIPPED`.
    """

    endpoint: str
    filter_policy: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def filter_policy_json(self) -> str | None:
        if not self.filter_policy:
            return None
        return json.dumps({name: list(values) for name, values in self.filter_policy.items()})

    @property
    def stable_id(self) -> str:
        """Names the subscription's resource: reordering the list or editing the filter keeps
        the subscription (an e-mail one would need confirming again), and no address shows."""
        return hashlib.sha256(self.endpoint.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class NotifierSettings:
    batch_size: int
    batching_window_seconds: int
    max_retry_attempts: int
    max_record_age_seconds: int
    timeout_seconds: int
    memory_mb: int
    email_subscribers: tuple[Subscriber, ...]
    queue_subscribers: tuple[Subscriber, ...]
    fifo_topic: bool
    """A FIFO topic: each order's events in order, each (orderId, version) delivered once."""

    @classmethod
    def read(cls, config: ConfigReader) -> NotifierSettings:
        fifo_topic = config.boolean("notifierFifoTopic", False)
        email_subscribers = _subscribers(
            config, "notifierEmailSubscribers", EMAIL_ADDRESS, "an e-mail address"
        )
        if fifo_topic and email_subscribers:
            raise ConfigError(
                "notifierEmailSubscribers",
                "a FIFO topic (notifierFifoTopic) delivers to SQS queues only, not to e-mail",
            )
        return cls(
            batch_size=config.integer("notifierBatchSize", 100, 1, 10_000),
            batching_window_seconds=config.integer("notifierBatchingWindowSeconds", 0, 0, 300),
            max_retry_attempts=config.integer(
                "notifierMaxRetryAttempts", config.by_environment(dev=3, prod=10), 0, 10_000
            ),
            max_record_age_seconds=config.integer(
                "notifierMaxRecordAgeSeconds",
                config.by_environment(dev=3_600, prod=STREAM_RETENTION_SECONDS),
                60,
                STREAM_RETENTION_SECONDS,
            ),
            timeout_seconds=config.integer("notifierTimeoutSeconds", 30, 1, 900),
            memory_mb=config.integer("notifierMemoryMb", 256, 128, 10_240),
            email_subscribers=email_subscribers,
            queue_subscribers=_subscribers(
                config,
                "notifierQueueSubscribers",
                SQS_ANY_QUEUE_ARN if fifo_topic else SQS_QUEUE_ARN,
                "an SQS queue ARN" if fifo_topic else "a standard SQS queue ARN",
            ),
            fifo_topic=fifo_topic,
        )


def _subscribers(
    config: ConfigReader, key: str, endpoint_pattern: re.Pattern[str], endpoint_kind: str
) -> tuple[Subscriber, ...]:
    subscribers = []
    for entry in config.string_list(key):
        endpoint, _, query = entry.partition("?")
        if not endpoint_pattern.fullmatch(endpoint):
            raise ConfigError(key, f"{endpoint!r} is not {endpoint_kind}")
        subscribers.append(Subscriber(endpoint, _filter_policy(key, query) if query else {}))
    endpoints = [subscriber.endpoint for subscriber in subscribers]
    if len(set(endpoints)) != len(endpoints):
        raise ConfigError(key, "lists an endpoint twice")
    return tuple(subscribers)


def _filter_policy(key: str, query: str) -> dict[str, tuple[str, ...]]:
    policy: dict[str, tuple[str, ...]] = {}
    for condition in query.split("&"):
        attribute, _, listed = condition.partition("=")
        if attribute not in FILTERABLE_VALUES:
            raise ConfigError(
                key, f"{attribute!r} is not one of {', '.join(FILTERABLE_VALUES)} to filter on"
            )
        allowed = FILTERABLE_VALUES[attribute]
        if attribute in policy:
            raise ConfigError(key, f"filters on {attribute!r} twice; list the values once")
        values = tuple(listed.split(",")) if listed else ()
        unknown = [value for value in values if not value or (allowed and value not in allowed)]
        if not values or unknown:
            expected = ", ".join(allowed) if allowed else "non-empty values"
            raise ConfigError(key, f"filter {condition!r} must list one or more of {expected}")
        policy[attribute] = values
    if math.prod(len(values) for values in policy.values()) > MAX_FILTER_COMBINATIONS:
        raise ConfigError(
            key, f"filter {query!r} combines into more than {MAX_FILTER_COMBINATIONS} values"
        )
    return policy
