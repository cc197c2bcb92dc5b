"""What AWS documents about the limits the pipeline meets, with the page that says so.

The defaults of an account that never asked for more, in the stack's region where they differ
by region. Each figure the model leans on is a `Documented` value; where AWS describes a
behaviour only loosely, its `loosely` note says what AWS leaves open, and the report prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Documented:
    value: float
    what: str
    source: str
    loosely: str | None = None
    """What AWS leaves open about this figure; None when the page states it plainly."""


API_QUOTAS = "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"
LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
SQS_SCALING = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html"
STREAM_POLLING = "https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html"
STREAM_PARAMETERS = "https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html"
DYNAMODB_QUOTAS = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html"
)
DYNAMODB_PARTITIONS = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
)
DYNAMODB_ON_DEMAND = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html"
)
DYNAMODB_GSI_THROTTLING = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html"
    "#GSI.ThroughputConsiderations"
)
DYNAMODB_KMS = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html"
)
SNS_QUOTAS = "https://docs.aws.amazon.com/general/latest/gr/sns.html"
SNS_PUBLISH_BATCH = "https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html"
SNS_KMS = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"
KMS_QUOTAS = "https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html"
SQS_QUOTAS = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html"

# API Gateway's footnote: these regions start at 2,500 requests/s with a burst of 1,250.
API_LOW_QUOTA_REGIONS = frozenset(
    {
        "af-south-1",
        "eu-south-1",
        "ap-southeast-3",
        "me-central-1",
        "ap-south-2",
        "ap-southeast-4",
        "eu-south-2",
        "eu-central-2",
        "il-central-1",
        "ca-west-1",
        "ap-southeast-5",
        "ap-southeast-7",
        "mx-central-1",
    }
)
# SNS publish quota for standard topics, messages a second; every other region: the default.
SNS_PUBLISH_BY_REGION = {"us-east-1": 30_000, "us-west-2": 9_000, "eu-west-1": 9_000}
SNS_PUBLISH_DEFAULT = 1_500
# KMS symmetric cryptographic operations, shared by every key and caller in the region.
KMS_REQUESTS_BY_REGION = {
    "us-east-1": 50_000,
    "us-west-2": 50_000,
    "eu-west-1": 50_000,
    "us-east-2": 10_000,
    "ap-southeast-1": 10_000,
    "ap-southeast-2": 10_000,
    "ap-northeast-1": 10_000,
    "eu-central-1": 10_000,
    "eu-west-2": 10_000,
}
KMS_REQUESTS_DEFAULT = 5_500


@dataclass(frozen=True)
class Quotas:
    """One region's defaults (and the documented behaviours that are the same everywhere)."""

    region: str
    api_account_rate: Documented
    api_account_burst: Documented
    lambda_concurrency: Documented
    sqs_initial_batches: Documented
    sqs_scale_up_per_minute: Documented
    sqs_most_batches: Documented
    sqs_in_flight: Documented
    stream_polls_per_second: Documented
    parallelization_factor_limit: Documented
    partition_write_units: Documented
    index_write_units: Documented
    table_write_units: Documented
    new_table_write_units: Documented
    sns_publish: Documented
    sns_batch_entries: Documented
    sns_data_key_reuse_seconds: Documented
    dynamodb_key_cache_seconds: Documented
    kms_requests: Documented

    def with_value(self, name: str, value: float) -> Quotas:
        """These quotas with one raised (or lowered), as after a quota increase."""
        current: Documented = getattr(self, name)
        changed: dict[str, Any] = {name: replace(current, value=value)}
        return replace(self, **changed)

    def sources(self) -> list[str]:
        documented = [getattr(self, name) for name in self.__dataclass_fields__]
        return sorted({value.source for value in documented if isinstance(value, Documented)})


# The quotas an account can have raised (`--quota` takes them with hyphens).
ADJUSTABLE = (
    "api_account_rate",
    "lambda_concurrency",
    "table_write_units",
    "sns_publish",
    "kms_requests",
)


def quotas_for(region: str) -> Quotas:
    low_api = region in API_LOW_QUOTA_REGIONS
    return Quotas(
        region=region,
        api_account_rate=Documented(
            2_500 if low_api else 10_000,
            f"requests/s, all APIs of the account in {region}",
            API_QUOTAS,
        ),
        api_account_burst=Documented(
            1_250 if low_api else 5_000,
            "requests in a burst (token bucket), set by AWS from the rate",
            API_QUOTAS,
        ),
        lambda_concurrency=Documented(
            1_000,
            f"concurrent executions, all functions of the account in {region}",
            LAMBDA_QUOTAS,
            "new accounts may start with less, and Lambda keeps 100 of it unreserved",
        ),
        sqs_initial_batches=Documented(
            5, "concurrent batches an SQS mapping starts with", SQS_SCALING
        ),
        sqs_scale_up_per_minute=Documented(
            300,
            "more concurrent batches a minute while messages wait",
            SQS_SCALING,
            "AWS gives the most it adds a minute, not how fast within the minute: the model "
            "adds them evenly",
        ),
        sqs_most_batches=Documented(
            1_000, "concurrent batches one SQS mapping processes at most", SQS_SCALING
        ),
        sqs_in_flight=Documented(120_000, "in-flight messages of a standard queue", SQS_QUOTAS),
        stream_polls_per_second=Documented(
            4,
            "polls a second of each stream shard",
            STREAM_POLLING,
            "Lambda polls each shard 4 times a second and 'resumes polling' after a batch; "
            "it does not say whether a shard with a backlog is read faster: the model takes "
            "at most 4 batches a second per shard and parallelization factor",
        ),
        parallelization_factor_limit=Documented(
            10, "concurrent batches per shard at most", STREAM_PARAMETERS
        ),
        partition_write_units=Documented(
            1_000,
            "write request units a second per partition (one partition key at most)",
            DYNAMODB_PARTITIONS,
            "DynamoDB may split a busy key's items by sort key ('split for heat', adaptive "
            "capacity) without saying when; the model holds one key to one partition",
        ),
        index_write_units=Documented(
            1_000,
            "write request units a second per index partition; a throttled index throttles "
            "its table's writes",
            DYNAMODB_GSI_THROTTLING,
        ),
        table_write_units=Documented(
            40_000,
            "write request units a second per on-demand table, and per index",
            DYNAMODB_QUOTAS,
        ),
        new_table_write_units=Documented(
            4_000,
            "write request units a second a new on-demand table takes at once",
            DYNAMODB_ON_DEMAND,
            "above its previous peak an on-demand table doubles 'within 30 minutes'; AWS "
            "does not say how it grows in between: the model takes the steady quota, and a "
            "new table needs warm throughput (or 30 minutes per doubling) to reach it",
        ),
        sns_publish=Documented(
            SNS_PUBLISH_BY_REGION.get(region, SNS_PUBLISH_DEFAULT),
            f"messages/s published to standard topics in {region}",
            SNS_QUOTAS,
            "AWS counts Publish and PublishBatch together; the model counts each "
            "PublishBatch entry as one message",
        ),
        sns_batch_entries=Documented(10, "messages per PublishBatch call", SNS_PUBLISH_BATCH),
        sns_data_key_reuse_seconds=Documented(
            300,
            "seconds SNS reuses a data key per publishing principal and topic",
            SNS_KMS,
            "SNS says its real KMS use 'might be higher because of the distributed nature "
            "of Amazon SNS'",
        ),
        dynamodb_key_cache_seconds=Documented(
            300,
            "seconds DynamoDB caches a table key per caller before asking KMS again",
            DYNAMODB_KMS,
        ),
        kms_requests=Documented(
            KMS_REQUESTS_BY_REGION.get(region, KMS_REQUESTS_DEFAULT),
            f"symmetric cryptographic requests/s shared by the account in {region}",
            KMS_QUOTAS,
        ),
    )
