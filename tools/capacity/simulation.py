"""The pipeline second by second at a steady rate: what each stage takes, what waits, how old.

Orders arrive at `rate` a second. The API takes what its token buckets allow (the rest is
answered 429); the queue holds what the processor has not taken yet; the processor's
concurrency grows as Lambda scales an SQS mapping, up to its ceiling; the table takes what its
quota allows (the rest is throttled and stays queued); the stream holds what the notifier has
not announced yet, and the notifier's shards follow the table's peak writes. Everything that
waits is first in, first out, so the oldest order's age is exact for the model.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from tools.capacity.quotas import Quotas
from tools.capacity.shape import PipelineShape
from tools.capacity.stages import (
    WRITE_UNITS_PER_ORDER,
    notifier_records_per_shard,
    processor_batch_seconds,
    processor_ceiling,
    records_per_partition,
)


@dataclass
class Backlog:
    """Orders waiting, as (second they arrived, how many), oldest first."""

    cohorts: deque[list[float]] = field(default_factory=deque)
    size: float = 0.0

    def add(self, second: int, count: float) -> None:
        if count > 0:
            self.cohorts.append([second, count])
            self.size += count

    def oldest_age(self, now: int) -> float:
        return float(now - self.cohorts[0][0]) if self.cohorts else 0.0

    def waiting_since(self, second: int) -> float:
        """How many arrived at or before `second` (called while the backlog is short)."""
        return sum(count for arrived, count in self.cohorts if arrived <= second)

    def take(self, count: float) -> float:
        taken = 0.0
        while self.cohorts and taken < count:
            cohort = self.cohorts[0]
            part = min(cohort[1], count - taken)
            cohort[1] -= part
            taken += part
            if cohort[1] <= 1e-9:
                self.cohorts.popleft()
        self.size = max(self.size - taken, 0.0) if self.cohorts else 0.0
        return taken


@dataclass
class Second:
    """What happened in one second."""

    requests: float
    throttled: float
    """Answered 429 by the API."""
    queue_backlog: float
    queue_age: float
    processed: float
    processor_batches: float
    processor_throttles: float
    """Processor invocations Lambda throttled for want of account concurrency."""
    table_throttled: float
    stream_backlog: float
    stream_age: float
    announced: float


@dataclass(frozen=True)
class Run:
    rate: float
    seconds: int
    timeline: tuple[Second, ...]


class _TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens = rate, burst, burst

    def admit(self, wanted: float) -> float:
        admitted = min(wanted, self.tokens + self.rate)
        self.tokens = min(self.burst, self.tokens + self.rate - admitted)
        return admitted


def _api_buckets(shape: PipelineShape, quotas: Quotas) -> list[_TokenBucket]:
    buckets = [_TokenBucket(quotas.api_account_rate.value, quotas.api_account_burst.value)]
    if shape.api.rate_limit is not None:
        burst = shape.api.burst_limit if shape.api.burst_limit is not None else 0.0
        buckets.append(_TokenBucket(shape.api.rate_limit, burst))
    return buckets


def simulate(shape: PipelineShape, quotas: Quotas, rate: float, seconds: int) -> Run:
    buckets = _api_buckets(shape, quotas)
    trigger = shape.processor
    batch_seconds = processor_batch_seconds(trigger.batch_size)
    per_slot = trigger.batch_size / batch_seconds
    ceiling = processor_ceiling(shape, quotas)
    table_orders = quotas.table_write_units.value / WRITE_UNITS_PER_ORDER
    per_shard = notifier_records_per_shard(shape, quotas)
    factor = shape.notifier.parallelization_factor
    publish_orders = quotas.sns_publish.value / max(shape.topics_published, 1)
    queue, stream = Backlog(), Backlog()
    peak_writes = 0.0
    timeline = []
    for now in range(seconds):
        accepted = rate
        for bucket in buckets:
            accepted = bucket.admit(accepted)
        queue.add(now, accepted)
        # A batch goes when it is full or its window has passed (Lambda's batching window).
        ready = queue.size
        if ready < trigger.batch_size:
            ready = queue.waiting_since(now - trigger.batching_window_seconds)
        scaled = quotas.sqs_initial_batches.value + (
            quotas.sqs_scale_up_per_minute.value * now / 60
        )
        wanted_slots = min(ceiling, scaled, ready / per_slot)
        shards = max(1, math.ceil(peak_writes / records_per_partition(quotas)))
        free_slots = max(quotas.lambda_concurrency.value - shards * factor, 0.0)
        slots = min(wanted_slots, free_slots)
        demand = min(ready, slots * per_slot)
        stored = min(demand, table_orders)
        queue.take(stored)
        peak_writes = max(peak_writes, stored)
        stream.add(now, stored)
        announced = stream.take(min(stream.size, shards * per_shard, publish_orders))
        timeline.append(
            Second(
                requests=rate,
                throttled=rate - accepted,
                queue_backlog=queue.size,
                queue_age=queue.oldest_age(now),
                processed=stored,
                processor_batches=slots / batch_seconds,
                processor_throttles=(wanted_slots - slots) / batch_seconds,
                table_throttled=demand - stored,
                stream_backlog=stream.size,
                stream_age=stream.oldest_age(now),
                announced=announced,
            )
        )
    return Run(rate, seconds, tuple(timeline))
