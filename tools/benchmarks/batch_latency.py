"""P2: processor wall time for one 100-order batch, every AWS request 10 ms away.

AWS is played by canned successful answers behind an injected 10 ms wait per request, so
the figure is the handler's own work plus its round trips, with none of moto's server-side
work charged to it. Each run is a warm invocation (one untimed invocation first, as a
container serves many) with new order ids, so every order takes the store path.
"""

from __future__ import annotations

import time
import warnings
from types import ModuleType

from handlers import contract
from tools.aws_doubles.lambda_events import LocalLambdaContext, sqs_event
from tools.aws_doubles.moto_setup import REGION
from tools.benchmarks import report
from tools.benchmarks.harness import (
    ACCOUNT,
    LAMBDA_ENVIRONMENT,
    fresh_import,
    handler_session,
    order_body,
    order_ids,
    queue_arn,
    queued_messages,
    quiet,
)
from tools.benchmarks.hooks import CannedAnswers, InjectedLatency, RequestCounter
from tools.benchmarks.naive import NaiveHandler
from tools.local_run.lambda_runtime import applied_environment

BATCH = 100
LATENCY_SECONDS = 0.010
RUNS = 7
TARGET_MS = 150

TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:orders-topic"
VARIABLES = {
    contract.ORDERS_TABLE_ENV: "orders",
    contract.SUBMISSIONS_TABLE_ENV: "submissions",
    contract.DEAD_LETTER_QUEUE_URL_ENV: f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/dlq",
    contract.ORDER_EVENTS_TOPIC_ARN_ENV: TOPIC_ARN,
}

# What DynamoDB and SNS answer to a successful PutItem and Publish.
ANSWERS = {
    "dynamodb.PutItem": b"{}",
    "sns.Publish": (
        b'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
        b"<PublishResult><MessageId>00000000-0000-0000-0000-000000000000</MessageId>"
        b"</PublishResult></PublishResponse>"
    ),
}


def _check(counter: RequestCounter, expected: dict[str, int]) -> None:
    """Each timed run must have made exactly the requests it should, or it timed nothing."""
    if dict(counter.requests) != expected:
        raise RuntimeError(f"expected requests {expected}, got {dict(counter.requests)}")
    counter.requests.clear()


def _timed_batch(processor: ModuleType, counter: RequestCounter, run: int) -> float:
    bodies = [order_body(order_id) for order_id in order_ids(f"p2-{run}", BATCH)]
    event = sqs_event(queued_messages(bodies), queue_arn("orders-queue"), REGION)
    context = LocalLambdaContext("processor")
    with counter.counting():
        started = time.perf_counter()
        response = processor.handler(event, context)
        elapsed = time.perf_counter() - started
    if response["batchItemFailures"]:
        raise RuntimeError(f"failed records: {response['batchItemFailures']}")
    _check(counter, {"dynamodb.PutItem": BATCH})
    return elapsed


def time_processor(runs: int = RUNS, latency: float = LATENCY_SECONDS) -> list[float]:
    """`runs` warm invocations of one batch each, after one that warms the container up."""
    counter = RequestCounter()
    hooks = (counter, InjectedLatency(latency), CannedAnswers(ANSWERS))
    with (
        applied_environment({**LAMBDA_ENVIRONMENT, **VARIABLES}),
        quiet(),
        warnings.catch_warnings(),
        handler_session(*hooks),
    ):
        # Powertools flushes a metric on its 100th value, so a batch of exactly 100 stored
        # orders ends with nothing left to flush, which it warns about.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        processor = fresh_import("handlers.processor")
        samples = [_timed_batch(processor, counter, run) for run in range(runs + 1)]
    return samples[1:]


def time_naive(runs: int = RUNS, latency: float = LATENCY_SECONDS) -> list[float]:
    """The same 100 orders, one invocation each, PutItem then Publish."""
    counter = RequestCounter()
    samples: list[float] = []
    hooks = (counter, InjectedLatency(latency), CannedAnswers(ANSWERS))
    with applied_environment(LAMBDA_ENVIRONMENT), handler_session(*hooks) as session:
        naive = NaiveHandler(session, VARIABLES[contract.ORDERS_TABLE_ENV], TOPIC_ARN)
        for run in range(runs + 1):
            bodies = [order_body(order_id) for order_id in order_ids(f"p2-{run}", BATCH)]
            with counter.counting():
                started = time.perf_counter()
                for body in bodies:
                    naive.handle(body)
                elapsed = time.perf_counter() - started
            _check(counter, {"dynamodb.PutItem": BATCH, "sns.Publish": BATCH})
            if run:
                samples.append(elapsed)
    return samples


def run() -> None:
    report.section(
        f"P2  processor wall time, one {BATCH}-order batch, "
        f"{LATENCY_SECONDS * 1000:g} ms per AWS request (median of {RUNS} warm runs)"
    )
    processor = time_processor()
    naive = time_naive()
    processor_median = report.median(processor)
    naive_median = report.median(naive)
    report.row("processor", report.ms(processor_median), report.spread(processor))
    report.row(
        f"naive baseline ({BATCH} invocations)", report.ms(naive_median), report.spread(naive)
    )
    report.row(
        "ratio to baseline",
        f"{processor_median / naive_median:8.3f}",
        report.verdict(processor_median * 1000, TARGET_MS, " ms"),
    )
