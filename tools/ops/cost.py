"""Monthly cost estimate of a stack, by service, from its own program and a dated price table.

    python -m tools.ops.cost --stack prod --orders-per-day 10000

The stack's shape (memory, architecture, batch size, retention, alarms, WAF...) is read from
the resources its program registers under its config; traffic-dependent figures rest on the
assumptions printed with the estimate.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from handlers import contract
from handlers.orders import RejectionReason
from tools.command_line import entry_point
from tools.ops.billable import QUEUE, StackBill, read_bill
from tools.ops.prices import LIST_PRICES, PriceTable, priced_in, prices_for
from tools.ops.stack_graph import load_graph
from tools.ops.traffic import Assumptions, Traffic
from tools.pulumi_mocks.program import stack_config

SERVICES = (
    "API Gateway",
    "WAF",
    "SQS",
    "Lambda",
    "DynamoDB",
    "SNS",
    "CloudWatch",
    "X-Ray",
    "KMS",
)
GB = 1_000_000_000
KB_PER_GB = 1024 * 1024
SQS_RECEIVE_LIMIT = 10
# The handlers' EMF metrics, named once in the contract; one is also split by reason.
BUSINESS_METRICS = tuple(
    value for name, value in vars(contract).items() if name.endswith("_METRIC")
)
REASON_SPLIT_METRICS = frozenset({contract.ORDERS_REJECTED_METRIC})


@dataclass(frozen=True)
class CostLine:
    service: str
    usd: float
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Estimate:
    bill: StackBill
    orders_per_day: int
    assumptions: Assumptions
    lines: tuple[CostLine, ...]

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)

    def line(self, service: str) -> CostLine:
        return next(line for line in self.lines if line.service == service)


def _api_gateway(bill: StackBill, traffic: Traffic, prices: PriceTable) -> CostLine:
    return CostLine(
        "API Gateway",
        traffic.api_requests * prices.api_request.usd,
        [f"{traffic.api_requests:,.0f} REST API requests"]
        if bill.apis
        else ["no REST API in this stack"],
    )


def _waf(bill: StackBill, traffic: Traffic, prices: PriceTable) -> CostLine:
    if not bill.web_acl_rules:
        return CostLine("WAF", 0.0, ["no web ACL in this stack"])
    rules = sum(bill.web_acl_rules)
    inspected = traffic.api_requests * len(bill.web_acl_rules)
    usd = (
        len(bill.web_acl_rules) * prices.waf_web_acl_month.usd
        + rules * prices.waf_rule_month.usd
        + inspected * prices.waf_request.usd
    )
    return CostLine(
        "WAF",
        usd,
        [f"{len(bill.web_acl_rules)} web ACL(s), {rules} rule(s), {inspected:,.0f} requests"],
    )


def _sqs(bill: StackBill, traffic: Traffic, prices: PriceTable) -> CostLine:
    chunks = math.ceil(traffic.assumptions.order_kb / 64)
    sends = traffic.orders * chunks if bill.apis else 0.0
    consumed = 0.0
    idle = 0.0
    for function in bill.functions:
        if function.trigger is None or function.trigger.source_type != QUEUE:
            continue
        calls = math.ceil(traffic.per_invocation(function) / SQS_RECEIVE_LIMIT)
        consumed += 2 * calls * traffic.invocations(function)  # receive, then delete batch
        idle += traffic.assumptions.idle_pollers_per_queue_trigger * (
            traffic.seconds / traffic.assumptions.long_poll_seconds
        )
    requests = sends + consumed + idle
    return CostLine(
        "SQS",
        requests * prices.sqs_request.usd,
        [f"{sends:,.0f} sends, {consumed:,.0f} receives and deletes, {idle:,.0f} empty long polls"],
    )


def _lambda(bill: StackBill, traffic: Traffic, prices: PriceTable) -> CostLine:
    usd = 0.0
    details = []
    for function in bill.functions:
        invocations = traffic.invocations(function)
        per_invocation = traffic.per_invocation(function)
        milliseconds = (
            traffic.assumptions.invocation_ms + traffic.assumptions.per_event_ms * per_invocation
        )
        gb_seconds = function.memory_mb / 1024 * milliseconds / 1000 * invocations
        price = (
            prices.lambda_gb_second_arm64
            if function.architecture == "arm64"
            else prices.lambda_gb_second_x86_64
        )
        usd += invocations * prices.lambda_request.usd + gb_seconds * price.usd
        details.append(
            f"{function.name}: {invocations:,.0f} invocations of {per_invocation:.1f} "
            f"event(s), {function.memory_mb} MB {function.architecture}, "
            f"{gb_seconds:,.0f} GB-s"
        )
    return CostLine("Lambda", usd, details)


def _dynamodb(bill: StackBill, traffic: Traffic, prices: PriceTable) -> CostLine:
    usd = 0.0
    details = []
    units_per_write = math.ceil(traffic.assumptions.order_kb)
    for table in bill.tables:
        if table.hash_key != contract.ORDER_KEY:
            # The submissions table: one item per rejected order, and the traffic has none.
            details.append(f"{table.name}: no writes (only rejected orders are written)")
            continue
        copies = 1 + table.global_secondary_indexes
        write_units = traffic.table_writes * units_per_write * copies
        read_units = traffic.table_reads
        stored_gb = traffic.orders * traffic.assumptions.order_kb * copies / KB_PER_GB
        backup = prices.dynamodb_backup_gb_month.usd if table.point_in_time_recovery else 0.0
        usd += (
            write_units * prices.dynamodb_write_unit.usd
            + read_units * prices.dynamodb_read_unit.usd
            + stored_gb * (prices.dynamodb_storage_gb_month.usd + backup)
        )
        details.append(
            f"{table.name}: {write_units:,.0f} write units, {read_units:,.0f} read units, "
            f"{stored_gb:.3f} GB stored"
            + (", point-in-time recovery" if table.point_in_time_recovery else "")
        )
    return CostLine("DynamoDB", usd, details)


def _sns(bill: StackBill, traffic: Traffic, prices: PriceTable) -> CostLine:
    publishes = sum(
        traffic.events(function) * function.publishes_to_topics for function in bill.functions
    )
    delivery_prices = {
        "http": prices.sns_http_delivery.usd,
        "https": prices.sns_http_delivery.usd,
        "email": prices.sns_email_delivery.usd,
        "email-json": prices.sns_email_delivery.usd,
    }
    # Deliveries to SQS and Lambda are free; every subscriber gets every publish.
    deliveries = sum(
        publishes * delivery_prices.get(protocol, 0.0) for protocol in bill.subscription_protocols
    )
    return CostLine(
        "SNS",
        publishes * prices.sns_publish.usd + deliveries,
        [
            f"{publishes:,.0f} publishes, "
            f"{len(bill.subscription_protocols)} subscription(s) "
            f"({', '.join(bill.subscription_protocols) or 'none'})"
        ],
    )


def _log_volume(bill: StackBill, traffic: Traffic) -> tuple[float, float]:
    """GB ingested a month, GB kept once retention is reached."""
    assumptions = traffic.assumptions
    ingested = 0.0
    stored = 0.0
    sources: list[tuple[float, int | None]] = [
        (
            traffic.invocations(function) * assumptions.log_bytes_per_invocation
            + traffic.events(function) * assumptions.log_bytes_per_event,
            function.log_retention_days,
        )
        for function in bill.functions
    ]
    sources += [
        (
            traffic.api_requests / len(bill.apis) * assumptions.access_log_bytes_per_request,
            api.access_log_retention_days,
        )
        for api in bill.apis
        if api.logs_access
    ]
    for monthly_bytes, retention in sources:
        gb = monthly_bytes / GB
        days = retention if retention is not None else assumptions.never_expiring_log_days
        ingested += gb
        stored += gb / assumptions.days_per_month * days
    return ingested, stored


def business_metric_series() -> int:
    """Metric series the handlers emit per environment: one per metric, and the rejected
    orders once more per rejection reason (the total feeds alarms, the split the dashboard)."""
    return len(BUSINESS_METRICS) + len(REASON_SPLIT_METRICS) * len(RejectionReason)


def _cloudwatch(bill: StackBill, traffic: Traffic, prices: PriceTable) -> CostLine:
    ingested, stored = _log_volume(bill, traffic)
    alarm_usd = sum(
        alarm.metrics
        * (
            prices.high_resolution_alarm_metric_month.usd
            if alarm.high_resolution
            else prices.alarm_metric_month.usd
        )
        for alarm in bill.alarms
    )
    series = business_metric_series() if bill.functions else 0
    usd = (
        ingested * prices.logs_ingested_gb.usd
        + stored * prices.logs_stored_gb_month.usd
        + alarm_usd
        + bill.dashboards * prices.dashboard_month.usd
        + series * prices.custom_metric_month.usd
    )
    return CostLine(
        "CloudWatch",
        usd,
        [
            f"logs: {ingested:.3f} GB ingested, {stored:.3f} GB stored",
            f"{len(bill.alarms)} alarm(s) on {sum(alarm.metrics for alarm in bill.alarms)} "
            f"metric(s), {bill.dashboards} dashboard(s), {series} custom metric(s)",
        ],
    )


def _xray(bill: StackBill, traffic: Traffic, prices: PriceTable) -> CostLine:
    traces = sum(
        traffic.sampled(traffic.invocations(function))
        for function in bill.functions
        if function.traced and function.trigger is not None
    ) + sum(
        traffic.sampled(traffic.api_requests / len(bill.apis)) for api in bill.apis if api.traced
    )
    return CostLine("X-Ray", traces * prices.xray_trace.usd, [f"{traces:,.0f} traces"])


def _kms(bill: StackBill, _traffic: Traffic, prices: PriceTable) -> CostLine:
    return CostLine(
        "KMS",
        bill.kms_keys * prices.kms_key_month.usd,
        [f"{bill.kms_keys} customer managed key(s)"],
    )


ESTIMATORS: tuple[Callable[[StackBill, Traffic, PriceTable], CostLine], ...] = (
    _api_gateway,
    _waf,
    _sqs,
    _lambda,
    _dynamodb,
    _sns,
    _cloudwatch,
    _xray,
    _kms,
)


def estimate(
    bill: StackBill,
    orders_per_day: int,
    prices: PriceTable = LIST_PRICES,
    assumptions: Assumptions | None = None,
) -> Estimate:
    assumptions = assumptions or Assumptions()
    traffic = Traffic(bill, orders_per_day, assumptions)
    lines = tuple(estimator(bill, traffic, prices) for estimator in ESTIMATORS)
    return Estimate(bill, orders_per_day, assumptions, lines)


def estimate_stack(
    stack: str, orders_per_day: int, overrides: dict[str, str] | None = None
) -> Estimate:
    region = {**stack_config(stack), **(overrides or {})}.get("aws:region", "")
    bill = read_bill(load_graph(stack, overrides), region)
    return estimate(bill, orders_per_day, prices_for(region))


def render(result: Estimate, prices: PriceTable | None = None) -> str:
    bill = result.bill
    prices = prices or prices_for(bill.region)
    monthly = result.orders_per_day * result.assumptions.days_per_month
    lines = [
        f"Monthly cost estimate, stack {bill.stack} ({bill.region}): "
        f"{result.orders_per_day:,} orders a day ({monthly:,.0f} a month)",
        f"Prices: {priced_in(bill.region)}",
        "",
        f"{'service':<12} {'USD/month':>10}  what",
    ]
    for line in result.lines:
        lines.append(
            f"{line.service:<12} {line.usd:>10.2f}  {line.details[0] if line.details else ''}"
        )
        lines.extend(f"{'':<24}{detail}" for detail in line.details[1:])
    lines += [f"{'total':<12} {result.total:>10.2f}", "", "Assumptions:"]
    lines += [f"  - {assumption}" for assumption in result.assumptions.describe()]
    lines += ["", "Sources:"] + [f"  - {source}" for source in prices.sources()]
    lines += [
        "",
        f"Actual cost: Cost Explorer filtered by tag stack = {bill.stack}, once project, stack and "
        "environment are active cost allocation tags (docs/operations.md#cost-allocation-by-tag)",
    ]
    return "\n".join(lines)


@entry_point("cost")
def main(argv: list[str] | None = None) -> int:
    """A stack that does not exist, or whose config the program refuses, is one line on
    stderr and exit 2 (tools/command_line.py)."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.ops.cost", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--stack", required=True, help="dev or prod (its Pulumi.<stack>.yaml)")
    parser.add_argument("--orders-per-day", type=int, required=True)
    args = parser.parse_args(argv)
    if args.orders_per_day < 0:
        parser.error("--orders-per-day cannot be negative")
    print(render(estimate_stack(args.stack, args.orders_per_day)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
