"""Orders sent straight onto the queue of an in-process stack, under bad input or a fault.

Each scenario builds a fresh stack (`tools.reliability.in_process_stack`), sends orders, runs the
event sources until everything settled and returns where every order and announcement ended.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from handlers import contract
from tools.order_events.contract import delivered_breaches
from tools.reliability.accounting import SentMessage, account_notifications, account_orders
from tools.reliability.bodies import BODY_ROUNDS, Body, Kind, generate
from tools.reliability.faults import (
    FailingCalls,
    RefusedEntries,
    RefusedOrder,
    crash_at_call,
    every_call,
    every_other_write,
    first_attempts_per_order,
    first_calls,
    internal_error,
    throttled,
)
from tools.reliability.figures import Figures
from tools.reliability.in_process_stack import InProcessStack, in_process_stack
from tools.reliability.sqs_rules import sqs_refusal

# Enough for several batches of the processor (10) and chunks of PublishBatch (10).
ORDERS_PER_SCENARIO = 15
# Generated bodies are sent this many at a time, settling in between.
SETTLE_EVERY = 40
# A receive time no clock can show: parsing it fails in a way the processor cannot foresee.
POISON_RECEIVED_AT = "9" * 30


def orders(count: int, prefix: str) -> list[str]:
    """`count` distinct valid orders: several customers, both item forms."""
    return [
        json.dumps(
            {
                "orderId": f"{prefix}-{number}",
                "customerId": f"customer-{number % 3}",
                "items": ["sku-1", {"sku": "sku-2", "quantity": 2, "unitPrice": "9.99"}],
            }
        )
        for number in range(count)
    ]


def send_all(
    stack: InProcessStack, bodies: Iterable[str], attributes: Mapping[str, str] | None = None
) -> list[SentMessage]:
    return [SentMessage(body, message_id=stack.send(body, attributes)) for body in bodies]


def figures(
    stack: InProcessStack,
    scenario: str,
    sent: Sequence[SentMessage],
    *,
    refused: int = 0,
    faults: int = 0,
    problems: Sequence[str] = (),
) -> Figures:
    """Read back the table, the DLQ, the subscriber and the failure queue, and account;
    every announcement must keep the event contract."""
    items = stack.stored_items()
    breaches = delivered_breaches(stack.taken(stack.subscriber_queue_url))
    return Figures.of(
        scenario,
        sent=len(sent) + refused,
        refused=refused,
        faults=faults,
        orders=account_orders(sent, items, stack.dead_letters()),
        notifications=account_notifications(
            items, stack.announcements(), stack.stream_records(), stack.stream_failures()
        ),
        problems=[*problems, *(f"announcement breaks the contract: {b}" for b in breaches)],
    )


def hostile_bodies_on_the_queue(
    bodies: Sequence[Body] | None = None, seed: int | None = None
) -> Figures:
    """Generated bodies straight onto the queue, bypassing the API: each is stored or
    dead-lettered at once with its reason; none is retried (nothing was injected)."""
    drawn = generate(BODY_ROUNDS, seed) if bodies is None else list(bodies)
    with in_process_stack() as stack:
        queueable = [body.text or "" for body in drawn if sqs_refusal(body.data) is None]
        sent: list[SentMessage] = []
        # A few batches at a time: moto's SQS slows down with every message a queue holds.
        for start in range(0, len(queueable), SETTLE_EVERY):
            sent += send_all(stack, queueable[start : start + SETTLE_EVERY])
            stack.settle()
        retried = stack.queue.records_failed
        problems = [f"{retried} record(s) retried: a body made the processor fail"] * bool(retried)
        hostile = sum(body.kind is not Kind.VALID for body in drawn)
        return figures(
            stack,
            f"{hostile} hostile + {len(drawn) - hostile} valid bodies onto the queue",
            sent,
            refused=len(drawn) - len(queueable),
            problems=problems,
        )


def _with_processor_fault(
    scenario: str, fault: FailingCalls, bodies: Sequence[str] | None = None
) -> Figures:
    with in_process_stack() as stack:
        stack.processor.on_cold_start(fault)
        sent = send_all(stack, bodies or orders(ORDERS_PER_SCENARIO, "order"))
        stack.settle()
        return figures(stack, scenario, sent, faults=fault.injected)


def dynamodb_throttling() -> Figures:
    """Every order's first write is throttled (after the SDK's own retries): the record
    is reported failed, comes back, and is stored on its second delivery."""
    fault = FailingCalls("dynamodb", "put_item", first_attempts_per_order(1, throttled("PutItem")))
    return _with_processor_fault("DynamoDB throttles each order's first write", fault)


def dynamodb_server_errors() -> Figures:
    """Every other write of each order gets a 500; one order's writes always do, so it
    exhausts its receives and the queue's redrive moves it to the DLQ."""
    doomed = frozenset({"order-7"})
    fault = FailingCalls(
        "dynamodb", "put_item", every_other_write(internal_error("PutItem"), doomed)
    )
    return _with_processor_fault("DynamoDB 500 on every other write, always for one order", fault)


def crash_midway_through_a_batch() -> Figures:
    """The sandbox dies during the fourth write of the first batch: the writes before it
    stay, the whole batch comes back, and the redelivered orders are not written twice."""
    fault = FailingCalls("dynamodb", "put_item", crash_at_call(4))
    return _with_processor_fault("crash midway through a batch (sandbox killed)", fault)


def dead_letter_queue_unavailable() -> Figures:
    """Rejections cannot reach the DLQ twice in a row: they are retried, then dead-lettered
    with their reason; the valid orders of the same batches are stored meanwhile."""
    unavailable = ClientError(
        {"Error": {"Code": "ServiceUnavailable"}, "ResponseMetadata": {"HTTPStatusCode": 503}},
        "SendMessage",
    )
    fault = FailingCalls("dead_letter_queue", "send_message", first_calls(2, unavailable))
    bodies = [*orders(ORDERS_PER_SCENARIO, "order"), "{not json", '{"orderId": "x"}']
    return _with_processor_fault("DLQ unavailable for the first two rejections", fault, bodies)


def delivered_twice() -> Figures:
    """Every message is delivered twice (the delete after its first delivery is lost, so it
    comes back after its visibility timeout), and a client sent one order twice and
    another under a taken id: each order is stored once, the conflicting one is
    dead-lettered, and each stored order is announced once."""
    with in_process_stack() as stack:
        bodies = orders(ORDERS_PER_SCENARIO, "order")
        conflicting = json.dumps({"orderId": "order-3", "customerId": "customer-0", "items": ["x"]})
        sent = send_all(stack, [*bodies, bodies[0], conflicting])
        first_deliveries = []
        while batch := stack.queue.receive():
            stack.queue.invoke(batch)
            first_deliveries.append(batch)
        for batch in first_deliveries:
            stack.queue.expire(batch)
        stack.settle()
        redelivered = sum(len(batch) for batch in first_deliveries)
        return figures(
            stack, "every message delivered twice, plus duplicates", sent, faults=redelivered
        )


def _in_own_event_loop(work: Callable[[], Any]) -> Callable[[], None]:
    """A thread body: Lambda's runtime gives each sandbox's thread an event loop."""

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            work()
        finally:
            loop.close()

    return run


def delivered_concurrently() -> Figures:
    """The visibility timeout runs out while a batch is being processed: a second poller
    receives the same messages and a second sandbox processes them at the same time."""
    with in_process_stack() as stack:
        sent = send_all(stack, orders(10, "order"))
        first = stack.queue.receive()
        stack.queue.expire(first)
        second = stack.queue.receive()
        failed: list[set[str]] = [set(), set()]

        def process(index: int, batch: list[dict[str, Any]]) -> Callable[[], None]:
            return _in_own_event_loop(lambda: failed.__setitem__(index, stack.queue.invoke(batch)))

        threads = [
            threading.Thread(target=process(index, batch))
            for index, batch in enumerate((first, second))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Only the latest receipt handle deletes a message; the first poller's is stale.
        stack.queue.settle(second, failed[0] & failed[1])
        stack.settle()
        problems = [f"records failed in a concurrent delivery: {failed}"] * bool(
            failed[0] | failed[1]
        )
        return figures(
            stack,
            "same batch processed by two sandboxes at once",
            sent,
            faults=len(second),
            problems=problems,
        )


def poison_message() -> Figures:
    """One message fails every time in a way nobody foresaw: the others of its batches are
    stored at once, it is retried until maxReceiveCount and then redriven to the DLQ."""
    with in_process_stack() as stack:
        sent = send_all(stack, orders(9, "order"))
        poison = orders(1, "poison")
        sent += send_all(stack, poison, {contract.RECEIVED_AT_ATTRIBUTE: POISON_RECEIVED_AT})
        stack.settle()
        return figures(
            stack, "poison message (fails every receive)", sent, faults=stack.queue.records_failed
        )


def _with_notifier_fault(
    scenario: str, fault: FailingCalls | RefusedEntries | RefusedOrder
) -> Figures:
    with in_process_stack() as stack:
        stack.notifier.on_cold_start(fault)
        sent = send_all(stack, orders(ORDERS_PER_SCENARIO, "order"))
        stack.settle()
        return figures(stack, scenario, sent, faults=fault.injected)


def sns_outage() -> Figures:
    """PublishBatch fails for its first three calls (fewer than the retries allowed)."""
    unavailable = internal_error("PublishBatch")
    fault = FailingCalls("sns", "publish_batch", first_calls(3, unavailable))
    return _with_notifier_fault("SNS unavailable for three calls", fault)


def sns_refuses_entries() -> Figures:
    """SNS refuses the fourth entry of each of its first two calls: the notifier sends the
    refused entries again within the invocation, so each event is published once."""
    return _with_notifier_fault("SNS refuses one entry of a batch, twice", RefusedEntries(2, 3))


def sns_refuses_an_order_for_good() -> Figures:
    """SNS refuses one order's event every time (the seventh of the first call): after the
    notifier's own retries its record is reported, Lambda retries from it (repeating the
    later records' events), then gives the batch up to the failure queue with the record's
    place in the stream."""
    fault = RefusedOrder(position=6)
    return _with_notifier_fault("SNS refuses one order's event for good", fault)


def sns_down_past_retries() -> Figures:
    """PublishBatch always fails: after the mapping's retries the batch is given up to the
    on-failure queue, which says which stream records to announce again."""
    fault = FailingCalls("sns", "publish_batch", every_call(internal_error("PublishBatch")))
    return _with_notifier_fault("SNS down for longer than every retry", fault)


def stream_batch_failing_repeatedly() -> Figures:
    """A stream record no retry can fix (an item written beside the processor) fails its
    batch every time: bisecting isolates it, it alone is given up after the retries, and
    the orders around it are announced."""
    with in_process_stack() as stack:
        bodies = orders(ORDERS_PER_SCENARIO, "order")
        sent = send_all(stack, bodies[:10])
        stack.settle()
        stack.dynamodb.put_item(
            TableName=stack.table_name, Item={contract.ORDER_KEY: {"S": "not-an-order"}}
        )
        sent += send_all(stack, bodies[10:])
        stack.settle()
        return figures(
            stack,
            "stream batch with a record that always fails",
            sent,
            faults=stack.notifier.function_errors,
        )


FAULT_SCENARIOS: tuple[Callable[[], Figures], ...] = (
    dynamodb_throttling,
    dynamodb_server_errors,
    crash_midway_through_a_batch,
    dead_letter_queue_unavailable,
    delivered_twice,
    delivered_concurrently,
    poison_message,
    sns_outage,
    sns_refuses_entries,
    sns_refuses_an_order_for_good,
    sns_down_past_retries,
    stream_batch_failing_repeatedly,
)
