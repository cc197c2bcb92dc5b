"""The cost estimate: hand-computed on a small stack, and driven by the real stack's settings."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from handlers import contract
from handlers.orders import RejectionReason
from tests.stack_graphs import stack_graph
from tests.tools.entry_points import (
    REFUSED_CONFIG,
    REFUSED_KEY,
    run_make,
    the_one_line,
    the_usage_error,
    with_stacks,
)
from tools.ops import cost, prices
from tools.ops.billable import (
    QUEUE,
    TABLE,
    BilledAlarm,
    BilledApi,
    BilledFunction,
    BilledTable,
    StackBill,
    Trigger,
    read_bill,
)
from tools.ops.cost import SERVICES, business_metric_series, estimate, estimate_stack, render
from tools.ops.prices import LIST_PRICES, PRICED_ON, Price, PriceTable
from tools.ops.stack_graph import StackGraph, load_graph
from tools.ops.traffic import Assumptions, Traffic

# 864 orders a day is one every 100 s; a 30-day month makes the arithmetic exact.
ORDERS_PER_DAY = 864
THIRTY_DAYS = Assumptions(days_per_month=30)


def _prices(**overrides: float) -> PriceTable:
    """Every price one dollar a unit, so each line is the sum of its quantities."""
    usd = {field.name: 1.0 for field in dataclasses.fields(PriceTable)} | overrides
    return PriceTable(
        **{name: Price(value, "unit", "https://example.test/") for name, value in usd.items()}
    )


def _function(
    name: str,
    memory_mb: int,
    architecture: str = "arm64",
    *,
    traced: bool = True,
    log_retention_days: int | None = 30,
    trigger: Trigger | None = None,
    api_methods: tuple[str, ...] = (),
    publishes_to_topics: int = 0,
) -> BilledFunction:
    return BilledFunction(
        name,
        memory_mb,
        architecture,
        traced,
        log_retention_days,
        trigger,
        api_methods,
        publishes_to_topics,
    )


SMALL_STACK = StackBill(
    stack="small",
    region="us-east-1",
    functions=(
        _function(
            "processor", 1024, trigger=Trigger(QUEUE, batch_size=10, batching_window_seconds=0)
        ),
        _function("reader", 512, "x86_64", api_methods=("GET",)),
        _function("updater", 512, traced=False, log_retention_days=None, api_methods=("PATCH",)),
        _function(
            "notifier",
            1024,
            trigger=Trigger(TABLE, batch_size=100, batching_window_seconds=0),
            publishes_to_topics=1,
        ),
    ),
    tables=(
        BilledTable(
            "orders", hash_key="orderId", global_secondary_indexes=1, point_in_time_recovery=True
        ),
        # One item per rejected order: the traffic rejects none, so it adds nothing.
        BilledTable(
            "submissions",
            hash_key="requestId",
            global_secondary_indexes=0,
            point_in_time_recovery=True,
        ),
    ),
    apis=(BilledApi("orders", traced=True, access_log_retention_days=30, logs_access=True),),
    alarms=(
        BilledAlarm("one-metric", metrics=1, high_resolution=False),
        BilledAlarm("fast", metrics=1, high_resolution=True),
        BilledAlarm("math", metrics=2, high_resolution=False),
    ),
    dashboards=1,
    kms_keys=2,
    web_acl_rules=(3,),
    subscription_protocols=("sqs", "email"),
)


@pytest.fixture(scope="module")
def small() -> cost.Estimate:
    return estimate(
        SMALL_STACK,
        ORDERS_PER_DAY,
        _prices(lambda_gb_second_x86_64=2.0, high_resolution_alarm_metric_month=3.0),
        THIRTY_DAYS,
    )


def test_hand_computed_requests_of_a_small_stack(small: cost.Estimate) -> None:
    # 25,920 orders; 51,840 reads (2 each); 77,760 status changes (3 each).
    assert small.line("API Gateway").usd == pytest.approx(25_920 + 51_840 + 77_760)
    # One web ACL, three rules, every API request inspected.
    assert small.line("WAF").usd == pytest.approx(1 + 3 + 155_520)
    # Sends; a receive and a delete per one-message batch; 5 pollers x 2,592,000 s / 20 s.
    assert small.line("SQS").usd == pytest.approx(25_920 + 2 * 25_920 + 648_000)
    # One write per order and per status change, twice (table and index); a read per read
    # and per change; one month of 1 KB orders, twice, stored and backed up.
    stored_gb = 25_920 * 2 / 1024**2
    assert small.line("DynamoDB").usd == pytest.approx(
        2 * (25_920 + 77_760) + (51_840 + 77_760) + 2 * stored_gb
    )
    # A publish per stream record (every write); email deliveries priced, SQS ones free.
    assert small.line("SNS").usd == pytest.approx(103_680 + 103_680)
    assert small.line("KMS").usd == pytest.approx(2)


def test_hand_computed_compute_and_tracing_of_a_small_stack(small: cost.Estimate) -> None:
    # At one order every 100 s each batch holds one message: 50 ms per invocation.
    # GB-s: processor 1 x 0.05 x 25,920; reader 0.5 x 0.05 x 51,840 (x86, $2);
    # updater 0.5 x 0.05 x 77,760; notifier 1 x 0.05 x 103,680 stream records.
    invocations = 25_920 + 51_840 + 77_760 + 103_680
    gb_seconds_arm = 1_296 + 1_944 + 5_184
    assert small.line("Lambda").usd == pytest.approx(invocations + gb_seconds_arm + 2 * 1_296)
    # All sampled at these rates: API requests, and the queue and stream invocations; the
    # reader and updater join their API request's trace.
    assert small.line("X-Ray").usd == pytest.approx(155_520 + 25_920 + 103_680)


def test_hand_computed_cloudwatch_of_a_small_stack(small: cost.Estimate) -> None:
    # Log bytes: 1,000 per invocation + 500 per event, 500 per API request.
    processor, reader, updater = 25_920 * 1_500, 51_840 * 1_500, 77_760 * 1_500
    notifier, access = 103_680 * 1_500, 155_520 * 500
    ingested_gb = (processor + reader + updater + notifier + access) / 1e9
    # A month of 30-day logs is kept; the updater's never expire (counted as 365 days).
    stored_gb = (processor + reader + notifier + access) / 1e9 + updater / 1e9 / 30 * 365
    alarms = 1 + 3 + 2
    assert small.line("CloudWatch").usd == pytest.approx(
        ingested_gb + stored_gb + alarms + 1 + business_metric_series()
    )


def test_rejected_orders_count_once_in_total_and_once_per_reason() -> None:
    assert {contract.ORDERS_STORED_METRIC, contract.ORDERS_REJECTED_METRIC} <= set(
        cost.BUSINESS_METRICS
    )
    assert business_metric_series() == len(cost.BUSINESS_METRICS) + len(RejectionReason)


def test_batches_fill_within_the_window_up_to_the_batch_size() -> None:
    windowed = dataclasses.replace(
        SMALL_STACK.functions[0], trigger=Trigger(QUEUE, batch_size=10, batching_window_seconds=5)
    )
    bill = dataclasses.replace(SMALL_STACK, functions=(windowed,))
    one_a_second = Traffic(bill, 86_400, THIRTY_DAYS)
    ten_a_second = Traffic(bill, 864_000, THIRTY_DAYS)

    assert one_a_second.per_invocation(windowed) == pytest.approx(5)
    assert ten_a_second.per_invocation(windowed) == pytest.approx(10)


def test_xray_keeps_one_trace_a_second_and_five_percent_of_the_rest() -> None:
    traffic = Traffic(SMALL_STACK, ORDERS_PER_DAY, THIRTY_DAYS)
    month = traffic.seconds

    assert traffic.sampled(0.5 * month) == pytest.approx(0.5 * month)
    assert traffic.sampled(3 * month) == pytest.approx((1 + 0.05 * 2) * month)


@pytest.fixture
def prod_graph() -> StackGraph:
    return stack_graph("prod")


@pytest.fixture
def prod_bill(prod_graph: StackGraph) -> StackBill:
    return read_bill(prod_graph, "eu-west-1")


def test_cost_grows_with_orders_per_day(prod_bill: StackBill) -> None:
    estimates = [estimate(prod_bill, orders) for orders in (10, 1_000, 100_000, 10_000_000)]

    totals = [result.total for result in estimates]
    assert totals == sorted(totals)
    assert len(set(totals)) == len(totals)
    for smaller, larger in itertools.pairwise(estimates):
        for service in SERVICES:
            assert smaller.line(service).usd <= larger.line(service).usd, service


def test_arm64_costs_less_than_x86_64_and_nothing_else_changes() -> None:
    arm = estimate_stack("dev", 50_000)
    x86 = estimate_stack("dev", 50_000, {"order-pipeline:lambdaArchitecture": "x86_64"})

    assert arm.line("Lambda").usd < x86.line("Lambda").usd
    for service in SERVICES:
        if service != "Lambda":
            assert arm.line(service).usd == pytest.approx(x86.line(service).usd), service


def test_the_stack_settings_drive_the_estimate(prod_bill: StackBill) -> None:
    dev = read_bill(stack_graph("dev"), "eu-west-1")
    shorter_logs = read_bill(
        load_graph("prod", {"order-pipeline:logRetentionDays": "7"}), "eu-west-1"
    )

    assert dev.web_acl_rules == ()
    assert prod_bill.web_acl_rules != ()
    assert estimate(dev, 10_000).line("WAF").usd == 0
    assert estimate(prod_bill, 10_000).line("WAF").usd > 0
    assert (
        estimate(shorter_logs, 10_000).line("CloudWatch").usd
        < estimate(prod_bill, 10_000).line("CloudWatch").usd
    )
    processor = next(
        function for function in prod_bill.functions if function.name == "orders-processor-function"
    )
    assert processor.trigger is not None
    assert processor.trigger.batch_size == 25
    assert processor.trigger.batching_window_seconds == 2


def test_every_alarm_the_program_creates_is_priced(prod_bill: StackBill) -> None:
    graph = load_graph("prod")
    alarms = [
        resource
        for resource in graph.resources.values()
        if "Alarm" in resource.type.rsplit(":", 1)[-1]
    ]

    assert len(prod_bill.alarms) == len(alarms)


def test_the_report_names_every_service_its_prices_and_its_assumptions() -> None:
    result = estimate(SMALL_STACK, ORDERS_PER_DAY)

    text = render(result)

    for service in SERVICES:
        assert f"\n{service} " in text
    assert f"as of {PRICED_ON}" in text
    for source in LIST_PRICES.sources():
        assert source in text
    for assumption in result.assumptions.describe():
        assert assumption in text
    assert f"{result.total:>10.2f}" in text


def test_the_command_prints_the_estimate(capsys: pytest.CaptureFixture[str]) -> None:
    assert cost.main(["--stack", "dev", "--orders-per-day", "1000"]) == 0
    assert "Monthly cost estimate, stack dev" in capsys.readouterr().out

    with pytest.raises(SystemExit):
        cost.main(["--stack", "dev", "--orders-per-day", "-1"])


def test_a_stack_that_does_not_exist_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cost.main(["--stack", "staging", "--orders-per-day", "1000"]) == 2
    line = the_one_line(capsys.readouterr().err, "cost")
    assert "no stack 'staging': the stacks are dev, prod" in line


def test_make_cost_of_a_stack_that_does_not_exist_is_one_line() -> None:
    exit_code, stderr = run_make("cost", "STACK=staging", "ORDERS_PER_DAY=1000")

    assert exit_code == 2
    assert "no stack 'staging'" in the_one_line(stderr, "cost")


def test_make_cost_without_its_variables_says_which_on_stderr() -> None:
    exit_code, stderr = run_make("cost", "STACK=dev")

    assert exit_code == 2
    assert "give STACK and ORDERS_PER_DAY" in the_one_line(stderr, "cost")


def test_a_stack_whose_config_is_refused_is_one_line_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with_stacks(tmp_path, monkeypatch, broken=REFUSED_CONFIG)

    assert cost.main(["--stack", "broken", "--orders-per-day", "1000"]) == 2
    assert REFUSED_KEY in the_one_line(capsys.readouterr().err, "cost")


@pytest.mark.parametrize(
    ("orders", "named"),
    [("abc", "invalid int value: 'abc'"), ("-5", "--orders-per-day cannot be negative")],
)
def test_orders_per_day_that_is_no_count_is_argparses_usage_error(
    orders: str, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cost.main(["--stack", "dev", "--orders-per-day", orders])

    assert exit_.value.code == 2
    assert named in the_usage_error(capsys.readouterr().err)


def test_a_stack_is_priced_in_its_own_region_when_there_is_a_table_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    own = dataclasses.replace(
        LIST_PRICES, sqs_request=Price(1.0, "standard queue request", "https://x")
    )
    monkeypatch.setitem(prices.PRICE_TABLES, "eu-west-1", own)

    result = estimate_stack("dev", ORDERS_PER_DAY)

    assert result.line("SQS").usd == estimate(result.bill, ORDERS_PER_DAY, own).line("SQS").usd
    assert "Prices: eu-west-1 list prices (the stack's region)" in render(result)
    assert "https://x" in render(result)


def test_a_stack_in_a_region_without_a_table_says_whose_prices_it_uses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prices, "PRICE_TABLES", {prices.PRICED_REGION: LIST_PRICES})
    result = estimate_stack("dev", ORDERS_PER_DAY)

    header = render(result).splitlines()[1]

    assert header.startswith(f"Prices: {prices.PRICED_REGION} list prices as of {PRICED_ON}")
    assert "not eu-west-1's" in header
    assert result.total == estimate(result.bill, ORDERS_PER_DAY, LIST_PRICES).total
