"""The program's queues, tables and topics, created in moto from their recorded inputs.

Every setting moto can hold is copied from the input the program set (retention,
visibility, redrive, keys, index, stream, ...); identities are remapped from the mocks'
ARNs, URLs and names to moto's. Encryption keys, resource policies and a dead-letter
queue's redrive-allow policy are not created: moto neither encrypts nor enforces them, so
they would change nothing locally.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.local_run.blueprint import Blueprint
from tools.local_run.options import LocalRunError
from tools.pulumi_mocks.recording import RecordedResource

# Recorded state attributes other resources refer to a resource by.
IDENTIFYING_ATTRIBUTES = ("arn", "url", "name", "stream_arn")

# Queue inputs with an SQS attribute of the same meaning.
QUEUE_ATTRIBUTES = {
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
}
TOPIC_ATTRIBUTES = {
    "displayName": "DisplayName",
    "fifoTopic": "FifoTopic",
    "contentBasedDeduplication": "ContentBasedDeduplication",
}
# Inputs with no local effect: names are taken from the recorded state, moto does not
# encrypt, and it does not enforce policies.
NOT_EMULATED = frozenset(
    {
        "name",
        "namePrefix",
        "tags",
        "kmsMasterKeyId",
        "kmsDataKeyReusePeriodSeconds",
        "policy",
    }
)
# Queue inputs applied once every queue exists: they name other queues.
QUEUE_REFERENCES = frozenset({"redrivePolicy"})
TABLE_INPUTS = frozenset(
    {
        "hashKey",
        "rangeKey",
        "attributes",
        "billingMode",
        "readCapacity",
        "writeCapacity",
        "globalSecondaryIndexes",
        "localSecondaryIndexes",
        "streamEnabled",
        "streamViewType",
        "serverSideEncryption",
        "pointInTimeRecovery",
        "ttl",
        "deletionProtectionEnabled",
    }
)

# The extra queue the local run subscribes to each topic the handlers publish to, so what
# they announce can be read back.
SUBSCRIBER_SUFFIX = "-local-subscriber"


class IdentityMap:
    """The mocks' ARNs, URLs and names, each with its counterpart in moto."""

    def __init__(self) -> None:
        self._local: dict[str, str] = {}

    def add(self, recorded: RecordedResource, local: Mapping[str, str]) -> None:
        for attribute in IDENTIFYING_ATTRIBUTES:
            if attribute in recorded.state and attribute in local:
                self._local[str(recorded.state[attribute])] = local[attribute]

    def local(self, recorded_value: str) -> str:
        try:
            return self._local[recorded_value]
        except KeyError:
            raise LocalRunError(
                f"{recorded_value} names a resource the local run did not create"
            ) from None

    def environment(self, variables: Mapping[str, str]) -> dict[str, str]:
        """A function's variables with every resource it names mapped onto moto's; a value
        that looks like an AWS resource but was not created locally is an error, so no
        handler ever reaches for a real AWS resource."""
        mapped = {}
        for name, value in variables.items():
            if value in self._local:
                mapped[name] = self._local[value]
            elif value.startswith("arn:aws:") or ".amazonaws.com" in value:
                raise LocalRunError(f"{name}={value} names a resource the local run did not create")
            else:
                mapped[name] = value
        return mapped


@dataclass
class LocalResources:
    identities: IdentityMap = field(default_factory=IdentityMap)
    queue_urls: dict[str, str] = field(default_factory=dict)
    """moto queue ARN -> its URL."""
    subscriber_queue_urls: dict[str, str] = field(default_factory=dict)
    """moto topic ARN -> URL of the queue the local run subscribed to it."""

    def queue_url(self, recorded_arn: str) -> str:
        return self.queue_urls[self.identities.local(recorded_arn)]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _attributes(
    resource: RecordedResource, names: Mapping[str, str], deferred: Iterable[str] = ()
) -> dict[str, str]:
    unknown = set(resource.inputs) - set(names) - NOT_EMULATED - set(deferred)
    if unknown:
        raise LocalRunError(
            f"{resource.type} {resource.name}: no local equivalent for {sorted(unknown)}; "
            "teach tools/local_run/provisioning.py what they mean"
        )
    return {names[key]: _text(value) for key, value in resource.inputs.items() if key in names}


def _queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


def _create_queues(blueprint: Blueprint, sqs: Any, resources: LocalResources) -> None:
    for queue in blueprint.queues:
        url = sqs.create_queue(
            QueueName=queue.physical_name,
            Attributes=_attributes(queue, QUEUE_ATTRIBUTES, QUEUE_REFERENCES),
        )["QueueUrl"]
        arn = _queue_arn(sqs, url)
        resources.identities.add(queue, {"arn": arn, "url": url, "name": queue.physical_name})
        resources.queue_urls[arn] = url
    # Only now does every dead-letter target exist.
    for queue in blueprint.queues:
        if "redrivePolicy" in queue.inputs:
            policy = json.loads(queue.inputs["redrivePolicy"])
            policy["deadLetterTargetArn"] = resources.identities.local(
                policy["deadLetterTargetArn"]
            )
            sqs.set_queue_attributes(
                QueueUrl=resources.identities.local(str(queue.state["url"])),
                Attributes={"RedrivePolicy": json.dumps(policy)},
            )


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return keys


def _index_keys(index: Mapping[str, Any]) -> list[dict[str, str]]:
    if index.get("keySchemas"):
        return [
            {"AttributeName": key["attributeName"], "KeyType": key["keyType"]}
            for key in index["keySchemas"]
        ]
    return _key_schema(index["hashKey"], index.get("rangeKey"))


def _projection(index: Mapping[str, Any]) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index["projectionType"]}
    if index.get("nonKeyAttributes"):
        projection["NonKeyAttributes"] = list(index["nonKeyAttributes"])
    return projection


def _throughput(spec: Mapping[str, Any]) -> dict[str, int]:
    return {
        "ReadCapacityUnits": int(spec.get("readCapacity") or 1),
        "WriteCapacityUnits": int(spec.get("writeCapacity") or 1),
    }


def create_table_request(table: RecordedResource) -> dict[str, Any]:
    """CreateTable for a recorded table: keys, attributes, billing, indexes, stream."""
    inputs = table.inputs
    _attributes(table, {key: key for key in TABLE_INPUTS})
    provisioned = inputs.get("billingMode", "PROVISIONED") == "PROVISIONED"
    request: dict[str, Any] = {
        "TableName": table.physical_name,
        "KeySchema": _key_schema(inputs["hashKey"], inputs.get("rangeKey")),
        "AttributeDefinitions": [
            {"AttributeName": attribute["name"], "AttributeType": attribute["type"]}
            for attribute in inputs.get("attributes", [])
        ],
        "BillingMode": inputs.get("billingMode", "PROVISIONED"),
    }
    if provisioned:
        request["ProvisionedThroughput"] = _throughput(inputs)
    indexes = []
    for index in inputs.get("globalSecondaryIndexes") or []:
        entry = {
            "IndexName": index["name"],
            "KeySchema": _index_keys(index),
            "Projection": _projection(index),
        }
        if provisioned:
            entry["ProvisionedThroughput"] = _throughput(index)
        indexes.append(entry)
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    local_indexes = [
        {
            "IndexName": index["name"],
            "KeySchema": _key_schema(inputs["hashKey"], index["rangeKey"]),
            "Projection": _projection(index),
        }
        for index in inputs.get("localSecondaryIndexes") or []
    ]
    if local_indexes:
        request["LocalSecondaryIndexes"] = local_indexes
    if inputs.get("streamEnabled"):
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": inputs["streamViewType"],
        }
    if (inputs.get("serverSideEncryption") or {}).get("enabled"):
        request["SSESpecification"] = {"Enabled": True}
    if "deletionProtectionEnabled" in inputs:
        request["DeletionProtectionEnabled"] = bool(inputs["deletionProtectionEnabled"])
    return request


def _create_tables(blueprint: Blueprint, dynamodb: Any, resources: LocalResources) -> None:
    for table in blueprint.tables:
        created = dynamodb.create_table(**create_table_request(table))["TableDescription"]
        local = {"arn": created["TableArn"], "name": created["TableName"]}
        if "LatestStreamArn" in created:
            local["stream_arn"] = created["LatestStreamArn"]
        resources.identities.add(table, local)
        if (table.inputs.get("pointInTimeRecovery") or {}).get("enabled"):
            dynamodb.update_continuous_backups(
                TableName=created["TableName"],
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        ttl = table.inputs.get("ttl") or {}
        if ttl.get("enabled"):
            dynamodb.update_time_to_live(
                TableName=created["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
            )


def _published_topics(blueprint: Blueprint) -> set[str]:
    """The topics a handler publishes to: those its environment names."""
    named = {value for function in blueprint.functions for value in function.variables.values()}
    return {str(topic.state["arn"]) for topic in blueprint.topics if topic.state["arn"] in named}


def _create_topics(blueprint: Blueprint, sns: Any, sqs: Any, resources: LocalResources) -> None:
    published = _published_topics(blueprint)
    for topic in blueprint.topics:
        arn = sns.create_topic(
            Name=topic.physical_name, Attributes=_attributes(topic, TOPIC_ATTRIBUTES)
        )["TopicArn"]
        resources.identities.add(topic, {"arn": arn, "name": topic.physical_name})
        if topic.state["arn"] in published:
            resources.subscriber_queue_urls[arn] = _subscribe_queue(
                sns, sqs, arn, f"{topic.physical_name}{SUBSCRIBER_SUFFIX}"
            )


def _subscribe_queue(sns: Any, sqs: Any, topic_arn: str, queue_name: str) -> str:
    """A queue subscribed with raw delivery, as the stack subscribes configured queues."""
    url: str = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = _queue_arn(sqs, url)
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    return url


def provision(blueprint: Blueprint, client: Callable[[str], Any]) -> LocalResources:
    """Create the blueprint's queues, tables and topics with `client(service)`'s clients."""
    resources = LocalResources()
    sqs = client("sqs")
    _create_queues(blueprint, sqs, resources)
    _create_tables(blueprint, client("dynamodb"), resources)
    _create_topics(blueprint, client("sns"), sqs, resources)
    return resources
