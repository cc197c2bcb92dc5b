"""The monthly volumes the cost estimate prices: orders, requests, invocations, traces.

They follow from orders a day, the stack's shape and the assumptions below, which the
estimate prints with its figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from components.units import SECONDS_PER_DAY
from tools.ops.billable import TABLE, BilledFunction, StackBill


@dataclass(frozen=True)
class Assumptions:
    days_per_month: float = 730 / 24
    order_kb: float = 1.0
    reads_per_order: float = 2.0
    status_changes_per_order: float = 3.0
    invocation_ms: float = 40.0
    per_event_ms: float = 10.0
    log_bytes_per_invocation: int = 1_000
    log_bytes_per_event: int = 500
    access_log_bytes_per_request: int = 500
    idle_pollers_per_queue_trigger: int = 5
    long_poll_seconds: int = 20
    never_expiring_log_days: int = 365
    xray_reservoir_per_second: float = 1.0
    xray_sampled_fraction: float = 0.05

    def describe(self) -> list[str]:
        return [
            f"a month is {self.days_per_month:.2f} days; orders arrive evenly over the day",
            f"each order is POSTed once, read {self.reads_per_order:g} times (GET) and changes "
            f"status {self.status_changes_per_order:g} times (PATCH; PENDING, CONFIRMED, "
            "SHIPPED, DELIVERED), when the API serves those routes",
            "the table stream has one record per write; the notifier publishes each once to "
            "every topic it names; nothing is rejected or retried",
            f"an order is at most {self.order_kb:g} KB: one SQS/SNS request per message, one "
            "DynamoDB write unit per write and per global secondary index, one read unit per "
            "read",
            "a queue or stream batch fills with what arrives within the batching window (at "
            "least one second), up to batchSize",
            f"an invocation takes {self.invocation_ms:g} ms plus {self.per_event_ms:g} ms per "
            "message or record",
            f"logs: {self.log_bytes_per_invocation} bytes per invocation (platform lines, "
            f"metrics), {self.log_bytes_per_event} bytes per message, record or request, "
            f"{self.access_log_bytes_per_request} bytes per API access log line; stored "
            f"uncompressed for the retention (never-expiring groups: "
            f"{self.never_expiring_log_days} days)",
            f"each SQS trigger keeps {self.idle_pollers_per_queue_trigger} pollers long-polling "
            f"({self.long_poll_seconds} s) even when the queue is empty",
            f"X-Ray samples {self.xray_reservoir_per_second:g} request a second plus "
            f"{self.xray_sampled_fraction:.0%} of the rest (the default rule): one trace per API "
            "request (its functions join it) and per traced queue or stream invocation",
            "DynamoDB storage is one month of orders; stream reads by Lambda are free",
            "the handlers' business metrics are custom metrics; KMS requests, data transfer "
            "and free tiers are not counted",
        ]


class Traffic:
    """Volumes a month, from orders/day, the assumptions and what the stack serves."""

    def __init__(self, bill: StackBill, orders_per_day: int, assumptions: Assumptions) -> None:
        self.assumptions = assumptions
        self.seconds = SECONDS_PER_DAY * assumptions.days_per_month
        self.orders = orders_per_day * assumptions.days_per_month
        self._routes = Counter(
            method for function in bill.functions for method in function.api_methods
        )
        self.reads = self.orders * assumptions.reads_per_order if self._routes["GET"] else 0.0
        self.status_changes = (
            self.orders * assumptions.status_changes_per_order if self._routes["PATCH"] else 0.0
        )
        self.api_requests = (self.orders + self.reads + self.status_changes) * len(bill.apis)
        self.table_writes = self.orders + self.status_changes
        self.table_reads = self.reads + self.status_changes

    def _calls(self, method: str) -> float:
        return {"GET": self.reads, "PATCH": self.status_changes}.get(method, 0.0)

    def events(self, function: BilledFunction) -> float:
        """Messages, stream records or API requests the function handles."""
        if function.trigger is not None:
            return self.table_writes if function.trigger.source_type == TABLE else self.orders
        return sum(self._calls(method) / self._routes[method] for method in function.api_methods)

    def per_invocation(self, function: BilledFunction) -> float:
        trigger = function.trigger
        if trigger is None:
            return 1.0
        arriving = self.events(function) / self.seconds * max(trigger.batching_window_seconds, 1)
        return min(max(arriving, 1.0), float(trigger.batch_size))

    def invocations(self, function: BilledFunction) -> float:
        return self.events(function) / self.per_invocation(function)

    def sampled(self, count: float) -> float:
        rate = count / self.seconds
        reservoir = self.assumptions.xray_reservoir_per_second
        traced_per_second = min(rate, reservoir) + self.assumptions.xray_sampled_fraction * max(
            rate - reservoir, 0.0
        )
        return traced_per_second * self.seconds
