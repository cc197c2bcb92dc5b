"""Each stage an order passes on its way in, and the most orders a second it takes.

POST /orders -> API Gateway -> SQS -> processor (Lambda) -> DynamoDB table and customer index
-> table stream -> notifier (Lambda) -> SNS, with KMS behind the encrypted ones. A stage's
limit follows from the stack's settings (PipelineShape) and AWS's quotas (Quotas); each says
which setting or quota it comes from. Only the intake is modelled: reads and status changes
(GET, PATCH) are not part of the rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tools.benchmarks import batch_latency
from tools.capacity.quotas import Quotas
from tools.capacity.shape import PipelineShape
from tools.ops.traffic import Assumptions

# The processor's work per order: the budget benchmark P2 holds the processor to (TARGET_MS
# for one BATCH-order batch, every AWS request LATENCY_SECONDS away; docs/performance.md).
# The measured median sits below it, so the model errs on the slow side.
SECONDS_PER_ORDER = batch_latency.TARGET_MS / 1000 / batch_latency.BATCH
ROUND_TRIP_SECONDS = batch_latency.LATENCY_SECONDS
# An order is one conditional PutItem; its size is the cost estimate's assumption.
WRITE_UNITS_PER_ORDER = math.ceil(Assumptions().order_kb)


def processor_batch_seconds(batch_size: int) -> float:
    """One processor invocation of `batch_size` orders: the benchmark's per-order budget, and
    at least one round trip to DynamoDB."""
    return max(ROUND_TRIP_SECONDS, batch_size * SECONDS_PER_ORDER)


def notifier_batch_seconds(batch_size: int, quotas: Quotas) -> float:
    """One notifier invocation: its PublishBatch calls go one after the other (it stops at the
    first refusal to keep stream order, handlers/notifier.py), one benchmark round trip each.
    No benchmark times the notifier's own work; it is small beside the round trips."""
    return math.ceil(batch_size / quotas.sns_batch_entries.value) * ROUND_TRIP_SECONDS


@dataclass(frozen=True)
class Stage:
    name: str
    orders_per_second: float | None
    """None: the stage's load does not grow with the rate (it never limits it)."""
    limit: str
    """The limit and the setting or quota it comes from."""
    loosely: tuple[str, ...] = ()
    """What AWS documents only loosely about this stage."""
    per_customer: bool = False
    """A limit on one customer's orders, not on the pipeline's."""


def _rate(value: float) -> str:
    return f"{value:,.0f}"


def processor_ceiling(shape: PipelineShape, quotas: Quotas) -> float:
    if shape.processor.maximum_concurrency is not None:
        return min(shape.processor.maximum_concurrency, quotas.sqs_most_batches.value)
    return quotas.sqs_most_batches.value


def notifier_records_per_shard(shape: PipelineShape, quotas: Quotas) -> float:
    """Records a second one shard's notifier takes: factor batches at a time, each at most
    every 1/polls seconds."""
    trigger = shape.notifier
    cycle = max(
        notifier_batch_seconds(trigger.batch_size, quotas), 1 / quotas.stream_polls_per_second.value
    )
    return trigger.parallelization_factor * trigger.batch_size / cycle


def records_per_partition(quotas: Quotas) -> float:
    """A stream shard follows one table partition, which takes this many orders a second."""
    return quotas.partition_write_units.value / WRITE_UNITS_PER_ORDER


def _api_stages(shape: PipelineShape, quotas: Quotas) -> list[Stage]:
    stages = []
    if shape.api.rate_limit is not None:
        stages.append(
            Stage(
                "API stage throttle",
                shape.api.rate_limit,
                f"{_rate(shape.api.rate_limit)} requests/s, burst "
                f"{_rate(shape.api.burst_limit or 0)}: apiThrottlingRateLimit, "
                "apiThrottlingBurstLimit",
            )
        )
    stages.append(
        Stage(
            "API account throttle",
            quotas.api_account_rate.value,
            f"{_rate(quotas.api_account_rate.value)} {quotas.api_account_rate.what}, burst "
            f"{_rate(quotas.api_account_burst.value)}: default quota",
        )
    )
    return stages


def _queue_stage(shape: PipelineShape, quotas: Quotas) -> Stage:
    in_flight = processor_ceiling(shape, quotas) * shape.processor.batch_size
    return Stage(
        "order queue",
        None,
        f"standard queue, no throughput quota; at most {_rate(in_flight)} orders in flight "
        f"of {_rate(quotas.sqs_in_flight.value)} allowed: quota",
        (
            "a standard queue hands out the oldest messages first only on a best-effort "
            "basis: the ages shown are for first in, first out",
        ),
    )


def _processor_stage(shape: PipelineShape, quotas: Quotas) -> Stage:
    trigger = shape.processor
    slots = processor_ceiling(shape, quotas)
    seconds = processor_batch_seconds(trigger.batch_size)
    where = (
        "processorMaxConcurrency"
        if trigger.maximum_concurrency is not None
        else "Lambda's ceiling per SQS mapping"
    )
    return Stage(
        "processor",
        slots * trigger.batch_size / seconds,
        f"{_rate(slots)} concurrent batches ({where}) of {trigger.batch_size} orders "
        f"(batchSize), {seconds * 1000:.1f} ms each (benchmark P2 budget: "
        f"{batch_latency.TARGET_MS} ms per {batch_latency.BATCH} orders)",
        (
            "Lambda's pollers receive and delete messages outside the invocation; AWS does "
            "not document their own latency: the model charges a batch its function time only",
            f"an SQS mapping starts with {quotas.sqs_initial_batches.value:g} concurrent "
            f"batches and adds up to {quotas.sqs_scale_up_per_minute.value:g} a minute: "
            f"{quotas.sqs_scale_up_per_minute.loosely}",
        ),
    )


def _concurrency_stage(shape: PipelineShape, quotas: Quotas) -> Stage:
    """The processor's invocations per order, plus the notifier's slots per stream shard
    (one shard per partition's worth of writes), within the account's concurrency."""
    account = quotas.lambda_concurrency.value
    factor = shape.notifier.parallelization_factor
    per_order = processor_batch_seconds(shape.processor.batch_size) / shape.processor.batch_size
    most = (account - factor) / (per_order + factor / records_per_partition(quotas))
    return Stage(
        "Lambda account concurrency",
        max(most, 0.0),
        f"{_rate(account)} {quotas.lambda_concurrency.what}, shared by the processor and "
        f"{factor} notifier batch(es) per stream shard: default quota",
        (quotas.lambda_concurrency.loosely or "",),
    )


def _table_stages(shape: PipelineShape, quotas: Quotas) -> list[Stage]:
    table = quotas.table_write_units
    return [
        Stage(
            "order table",
            table.value / WRITE_UNITS_PER_ORDER,
            f"{_rate(table.value)} {table.what}; {WRITE_UNITS_PER_ORDER} unit per order "
            f"(table and each of its {shape.table_indexes} index(es)): default quota",
            (quotas.new_table_write_units.loosely or "",),
        ),
        Stage(
            "customer index, one busy customer",
            quotas.index_write_units.value / WRITE_UNITS_PER_ORDER,
            f"{_rate(quotas.index_write_units.value)} {quotas.index_write_units.what}: all of "
            "one customer's orders share one index key: quota",
            (quotas.partition_write_units.loosely or "",),
            per_customer=True,
        ),
    ]


def _notifier_stage(shape: PipelineShape, quotas: Quotas) -> Stage:
    trigger = shape.notifier
    per_shard = notifier_records_per_shard(shape, quotas)
    partition = records_per_partition(quotas)
    keeps_up = per_shard >= partition
    return Stage(
        "notifier",
        None if keeps_up else per_shard,
        f"{_rate(per_shard)} records/s per stream shard: {trigger.parallelization_factor} "
        f"batch(es) at a time (parallelization factor, Lambda's default) of "
        f"{trigger.batch_size} records (notifierBatchSize), "
        f"{notifier_batch_seconds(trigger.batch_size, quotas) * 1000:.0f} ms each, "
        f"{quotas.stream_polls_per_second.value:g} polls/s"
        + (
            f"; a shard takes at most {_rate(partition)} writes/s, so it keeps up"
            if keeps_up
            else f"; a shard can take up to {_rate(partition)} writes/s"
        ),
        (
            quotas.stream_polls_per_second.loosely or "",
            "a stream has one shard per table partition; AWS does not say how many "
            "partitions an on-demand table has at a given rate: the model takes one shard "
            "per 1,000 write units of the peak, the fewest there can be",
        ),
    )


def _sns_stage(shape: PipelineShape, quotas: Quotas) -> Stage:
    quota = quotas.sns_publish
    topics = max(shape.topics_published, 1)
    return Stage(
        "SNS publish",
        quota.value / topics,
        f"{_rate(quota.value)} {quota.what}; {shape.topics_published} message(s) per order: "
        "default quota",
        (quota.loosely or "",),
    )


def kms_requests_per_second(shape: PipelineShape, quotas: Quotas) -> float:
    """KMS calls the stack makes a second, whatever the rate: SNS asks for a data key per
    topic and publishing principal (the notifier's role) once per reuse period, and DynamoDB
    decrypts its table key once per caller (the processor's and notifier's roles) per cache
    period. SQS with SQS-managed encryption never calls KMS."""
    topics = 2 * shape.encrypted_topics / quotas.sns_data_key_reuse_seconds.value
    table = 2 / quotas.dynamodb_key_cache_seconds.value if shape.table_uses_kms else 0.0
    return topics + table


def _kms_stage(shape: PipelineShape, quotas: Quotas) -> Stage:
    calls = kms_requests_per_second(shape, quotas)
    queue = "" if shape.queue_uses_kms else "; the queue uses SQS-managed keys: no KMS calls"
    return Stage(
        "KMS",
        None,
        f"about {calls:.3f} requests/s of {_rate(quotas.kms_requests.value)} "
        f"{quotas.kms_requests.what}: data keys are reused, so the calls do not grow with "
        f"orders{queue}",
        (quotas.sns_data_key_reuse_seconds.loosely or "",),
    )


def pipeline_stages(shape: PipelineShape, quotas: Quotas) -> tuple[Stage, ...]:
    """Every stage, in the order an order meets them."""
    return (
        *_api_stages(shape, quotas),
        _queue_stage(shape, quotas),
        _processor_stage(shape, quotas),
        _concurrency_stage(shape, quotas),
        *_table_stages(shape, quotas),
        _notifier_stage(shape, quotas),
        _sns_stage(shape, quotas),
        _kms_stage(shape, quotas),
    )
