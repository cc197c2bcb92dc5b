"""The local run end to end: real HTTP on 127.0.0.1 in, moto state read back with boto3.

One pipeline serves the module: the dev stack as the program registers it, with fewer
retries (config overrides, as `pulumi config set` would give them) so failing records give
up within seconds. `traffic` drives it once, in two rounds with the pipeline settling in
between (a duplicate is only a duplicate once its original is stored); the tests then
check where everything ended up.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import pytest
from boto3.dynamodb.types import TypeDeserializer

from api.problem_templates import INVALID_BODY_DETAIL
from handlers import contract
from handlers.orders import fingerprint, parse_order
from handlers.problems import PROBLEM_CONTENT_TYPE
from settings.core import DEAD_LETTER_RETENTION_DAYS
from tests.factories import settings_for
from tests.problem_shape import problem_in
from tools.local_run.http_client import ApiAnswer, call, follow_location
from tools.local_run.options import LocalOptions, LocalRunError
from tools.local_run.pipeline import LocalPipeline

# The notifier's invocation that cannot read a record has no metric to publish, and
# Powertools warns about it, as it would in the function's log.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

OVERRIDES = {"maxReceiveCount": "1", "notifierMaxRetryAttempts": "1"}
SECONDS_PER_DAY = 86_400
SETTLE_SECONDS = 20
SEED = {"orderId": "123", "customerId": "456", "items": ["item1", "item2"]}
OVERSIZE = json.dumps(SEED)[:-1] + " " * 1_048_576 + "}"
# Bodies the API refuses, by what it answers and a fragment of its reason (a body the model
# refuses gets the model named, never the validation message: api/problem_templates.py).
REFUSED = {
    "no items": ({"orderId": "200", "customerId": "4", "items": []}, "json", 400, "model"),
    "bad id": ({"orderId": "2 1", "customerId": "4", "items": ["a"]}, "json", 400, "model"),
    "not JSON": ('{"orderId": "202",', "json", 400, "model"),
    "not JSON typed": ('{"orderId": "203"}', "text/plain", 415, "Unsupported Media Type"),
    "oversize": (OVERSIZE, "json", 413, "larger than the queue accepts"),
}


@dataclass
class Traffic:
    """What was sent and what the pipeline holds once it settled."""

    answers: dict[str, ApiAnswer] = field(default_factory=dict)
    poison_message_id: str = ""
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    stream_failures: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def threads_before() -> set[threading.Thread]:
    return set(threading.enumerate())


@pytest.fixture(scope="module")
def pipeline(
    tmp_path_factory: pytest.TempPathFactory, threads_before: set[threading.Thread]
) -> Iterator[LocalPipeline]:
    options = LocalOptions.from_environment(
        {
            "LOCAL_LOG_DIR": str(tmp_path_factory.mktemp("local-logs")),
            "LOCAL_VISIBILITY_TIMEOUT_SECONDS": "1",
        }
    )
    overrides = {f"order-pipeline:{key}": value for key, value in OVERRIDES.items()}
    with LocalPipeline(options, overrides) as running:
        yield running


def _post(pipeline: LocalPipeline, body: Any, content_type: str = "application/json") -> ApiAnswer:
    return call(pipeline.api_url, "POST", "/orders", body, content_type=content_type)


def _patch(pipeline: LocalPipeline, order_id: str, status: str) -> ApiAnswer:
    return call(pipeline.api_url, "PATCH", f"/orders/{order_id}", {"status": status})


def _drain(pipeline: LocalPipeline, queue_url: str | None) -> list[dict[str, Any]]:
    assert queue_url is not None
    sqs = pipeline.aws.client("sqs")
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        VisibilityTimeout=300,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
    ).get("Messages", []):
        messages.extend(batch)
    return messages


def _send_round_one(pipeline: LocalPipeline, traffic: Traffic) -> None:
    inventory = pipeline.inventory()
    traffic.answers["seed"] = _post(pipeline, SEED)
    for order_id, customer in (("300", "9"), ("400", "40"), *((f"50{n}", "50") for n in "123")):
        traffic.answers[order_id] = _post(
            pipeline, {"orderId": order_id, "customerId": customer, "items": ["a"]}
        )
    for name, (body, content_type, _, _) in REFUSED.items():
        kind = "application/json" if content_type == "json" else content_type
        traffic.answers[name] = _post(pipeline, body, kind)
    # A receive time no clock can show: the processor fails in a way nobody foresaw.
    traffic.poison_message_id = pipeline.aws.client("sqs").send_message(
        QueueUrl=inventory.queue_url,
        MessageBody=json.dumps({"orderId": "700", "customerId": "7", "items": ["a"]}),
        MessageAttributes={
            contract.RECEIVED_AT_ATTRIBUTE: {"DataType": "Number", "StringValue": "9" * 30}
        },
    )["MessageId"]
    # An item written beside the processor: the notifier cannot announce it.
    pipeline.aws.client("dynamodb").put_item(
        TableName=inventory.table_name, Item={contract.ORDER_KEY: {"S": "not-an-order"}}
    )


def _send_round_two(pipeline: LocalPipeline, traffic: Traffic) -> None:
    traffic.answers["duplicate"] = _post(
        pipeline, {"orderId": "300", "customerId": "9", "items": ["a"]}
    )
    traffic.answers["conflict"] = _post(
        pipeline, {"orderId": "300", "customerId": "9", "items": ["b"]}
    )
    traffic.answers["confirm"] = _patch(pipeline, "400", "CONFIRMED")
    traffic.answers["deliver"] = _patch(pipeline, "400", "DELIVERED")
    traffic.answers["lost"] = _patch(pipeline, "400", "LOST")


@pytest.fixture(scope="module")
def traffic(pipeline: LocalPipeline) -> Traffic:
    sent = Traffic()
    _send_round_one(pipeline, sent)
    assert pipeline.wait_until_idle(SETTLE_SECONDS), "round one did not settle"
    _send_round_two(pipeline, sent)
    assert pipeline.wait_until_idle(SETTLE_SECONDS), "round two did not settle"
    inventory = pipeline.inventory()
    sent.dead_letters = _drain(pipeline, inventory.dead_letter_queue_url)
    sent.stream_failures = [
        json.loads(message["Body"])
        for message in _drain(pipeline, inventory.stream_failure_queue_url)
    ]
    sent.events = [
        {**json.loads(message["Body"]), "attributes": message["MessageAttributes"]}
        for message in _drain(pipeline, inventory.events_subscriber_url)
    ]
    return sent


def _stored(pipeline: LocalPipeline, order_id: str) -> dict[str, Any]:
    item = pipeline.aws.client("dynamodb").get_item(
        TableName=pipeline.inventory().table_name, Key={contract.ORDER_KEY: {"S": order_id}}
    )["Item"]
    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in item.items()}


def _attributes(message: dict[str, Any]) -> dict[str, str]:
    return {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}


def _queue_attributes(pipeline: LocalPipeline, queue_url: str | None) -> dict[str, str]:
    attributes: dict[str, str] = pipeline.aws.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["All"]
    )["Attributes"]
    return attributes


def test_queues_have_the_settings_the_program_computes(pipeline: LocalPipeline) -> None:
    processor = settings_for("dev", **OVERRIDES).processor
    inventory = pipeline.inventory()
    queue = _queue_attributes(pipeline, inventory.queue_url)
    dead_letters = _queue_attributes(pipeline, inventory.dead_letter_queue_url)
    # The queue keeps the deployed timeout; only the local event source receives shorter.
    assert int(queue["VisibilityTimeout"]) == processor.visibility_timeout_seconds
    assert int(queue["MessageRetentionPeriod"]) == processor.queue_retention_days * SECONDS_PER_DAY
    assert json.loads(queue["RedrivePolicy"]) == {
        "deadLetterTargetArn": dead_letters["QueueArn"],
        "maxReceiveCount": processor.max_receive_count,
    }
    retention = int(dead_letters["MessageRetentionPeriod"])
    assert retention == DEAD_LETTER_RETENTION_DAYS * SECONDS_PER_DAY


def test_the_table_has_the_programs_keys_index_and_stream(pipeline: LocalPipeline) -> None:
    table = pipeline.aws.client("dynamodb").describe_table(
        TableName=pipeline.inventory().table_name
    )["Table"]
    assert table["KeySchema"] == [{"AttributeName": contract.ORDER_KEY, "KeyType": "HASH"}]
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    assert set(indexes) == {contract.CUSTOMER_INDEX_NAME, contract.SUBMISSION_INDEX_NAME}
    customers = indexes[contract.CUSTOMER_INDEX_NAME]
    assert customers["KeySchema"] == [
        {"AttributeName": contract.CUSTOMER_INDEX_PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": contract.CUSTOMER_INDEX_SORT_KEY, "KeyType": "RANGE"},
    ]
    assert customers["Projection"] == {"ProjectionType": "ALL"}
    submissions = indexes[contract.SUBMISSION_INDEX_NAME]
    assert submissions["KeySchema"] == [
        {"AttributeName": contract.ORDER_REQUEST_ID_FIELD, "KeyType": "HASH"}
    ]
    assert submissions["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }


def test_event_sources_use_the_mappings_settings(pipeline: LocalPipeline) -> None:
    settings = settings_for("dev", **OVERRIDES)
    mappings = {source.mapping.function.handler: source.mapping for source in pipeline.sources}
    processor = mappings["handlers.processor.handler"]
    assert processor.batch_size == settings.processor.batch_size
    assert processor.batching_window_seconds == settings.processor.batching_window_seconds
    assert processor.max_concurrency == settings.processor.max_concurrency
    assert processor.reports_batch_item_failures
    notifier = mappings["handlers.notifier.handler"]
    assert notifier.batch_size == settings.notifier.batch_size
    assert notifier.max_retry_attempts == settings.notifier.max_retry_attempts
    assert notifier.bisect_on_error


def test_handlers_are_wired_to_the_local_resources(pipeline: LocalPipeline) -> None:
    inventory = pipeline.inventory()
    variables = {pool.spec.handler: pool.environment for pool in pipeline.functions.values()}
    processor = variables["handlers.processor.handler"]
    assert processor[contract.DEAD_LETTER_QUEUE_URL_ENV] == inventory.dead_letter_queue_url
    assert processor[contract.ORDERS_TABLE_ENV] == inventory.table_name
    assert processor["AWS_ENDPOINT_URL"] == pipeline.aws_url
    topic_arn = variables["handlers.notifier.handler"][contract.ORDER_EVENTS_TOPIC_ARN_ENV]
    assert {"TopicArn": topic_arn} in pipeline.aws.client("sns").list_topics()["Topics"]


def test_the_seed_order_is_stored_as_sent_and_read_back(
    pipeline: LocalPipeline, traffic: Traffic
) -> None:
    accepted = traffic.answers["seed"]
    assert (accepted.status, accepted.json()["message"]) == (202, "order accepted")
    item = _stored(pipeline, "123")
    assert item["fingerprint"] == fingerprint(parse_order(json.dumps(SEED)))
    assert (item["status"], item["version"]) == ("PENDING", 1)
    read = call(pipeline.api_url, "GET", "/orders/123")
    assert read.status == 200
    assert read.json()["items"] == [
        {"sku": "item1", "quantity": 1},
        {"sku": "item2", "quantity": 1},
    ]


@pytest.mark.parametrize("name", REFUSED)
def test_a_request_the_api_refuses_gets_the_reason_and_queues_nothing(
    pipeline: LocalPipeline, traffic: Traffic, name: str
) -> None:
    _, _, status, says = REFUSED[name]
    answer = traffic.answers[name]
    assert answer.status == status
    assert says in answer.text
    assert answer.json()["requestId"]
    letters = [_attributes(letter) for letter in traffic.dead_letters]
    assert answer.json()["requestId"] not in {
        letter.get(contract.REQUEST_ID_ATTRIBUTE) for letter in letters
    }


def test_an_unknown_route_is_404(pipeline: LocalPipeline) -> None:
    answer = call(pipeline.api_url, "DELETE", "/orders/123")
    assert answer.status == 404
    assert answer.json()["detail"] == "no route DELETE /orders/123"


def test_every_error_answer_is_problem_details_with_its_request_id(
    pipeline: LocalPipeline, traffic: Traffic
) -> None:
    # GIVEN an error of each kind the API answers, from the gateway and from the functions
    answers = {name: traffic.answers[name] for name in REFUSED}
    answers["forbidden change (409)"] = traffic.answers["deliver"]
    answers["unknown status (400)"] = traffic.answers["lost"]
    url = pipeline.api_url
    answers["unknown route"] = call(url, "DELETE", "/orders/123")
    answers["wrong method"] = call(url, "POST", "/orders/123", SEED)
    answers["no such order"] = call(url, "GET", "/orders/never-stored")
    answers["no such order to change"] = call(
        url, "PATCH", "/orders/never-5", {"status": "SHIPPED"}
    )
    answers["bad page size"] = call(url, "GET", "/customers/9/orders?limit=0")
    answers["forged cursor"] = call(url, "GET", "/customers/9/orders?cursor=bm90LWEtY3Vyc29y")

    # THEN every one is problem details for its status, with a request id, served as such
    # (but for the queue integration's own errors: docs/api.md, "Errors")
    for name, answer in answers.items():
        assert answer.status >= 400, name
        served = "application/json" if name == "oversize" else PROBLEM_CONTENT_TYPE
        assert answer.content_type == served, name
        problem = problem_in(answer.text, answer.status)
        assert problem["detail"], name
    statuses = {answer.status for answer in answers.values()}
    assert statuses == {400, 404, 409, 413, 415}
    assert answers["no items"].json()["detail"] == INVALID_BODY_DETAIL
    conflict = answers["forbidden change (409)"].json()
    assert (conflict["currentStatus"], conflict["requestedStatus"]) == ("CONFIRMED", "DELIVERED")


def test_a_conflicting_duplicate_is_dead_lettered_with_its_reason(
    pipeline: LocalPipeline, traffic: Traffic
) -> None:
    assert traffic.answers["duplicate"].status == traffic.answers["conflict"].status == 202
    (letter,) = [
        letter
        for letter in traffic.dead_letters
        if _attributes(letter).get(contract.REQUEST_ID_ATTRIBUTE)
        == traffic.answers["conflict"].json()["requestId"]
    ]
    attributes = _attributes(letter)
    assert attributes[contract.REJECTION_REASON_ATTRIBUTE] == "CONFLICTING_DUPLICATE"
    assert "different content" in attributes[contract.REJECTION_DETAIL_ATTRIBUTE]
    assert json.loads(letter["Body"])["items"] == ["b"]
    assert _stored(pipeline, "300")["items"] == [{"sku": "a", "quantity": 1}]


def test_a_client_follows_each_202_to_what_became_of_its_order(
    pipeline: LocalPipeline, traffic: Traffic
) -> None:
    monitors = {
        name: follow_location(pipeline.api_url, "/orders", traffic.answers[name])
        for name in ("seed", "duplicate", "conflict")
    }
    for name in ("seed", "duplicate", "conflict"):
        accepted = traffic.answers[name].json()
        assert traffic.answers[name].headers["Location"] == accepted["links"]["monitor"]
        assert monitors[name].status == 200
        assert monitors[name].json()["submissionId"] == accepted["submissionId"]
    seed = monitors["seed"].json()
    assert (seed["status"], seed["orderId"]) == ("STORED", "123")
    # The link is relative to the monitor, as the Location was to POST /orders.
    monitor_path = urljoin("/orders", traffic.answers["seed"].headers["Location"])
    order = call(pipeline.api_url, "GET", urljoin(monitor_path, seed["links"]["order"]))
    assert order.status == 200
    assert order.json()["orderId"] == "123"
    assert monitors["duplicate"].json()["status"] == "STORED"
    rejected = monitors["conflict"].json()
    assert (rejected["status"], rejected["reason"]) == ("REJECTED", "CONFLICTING_DUPLICATE")
    assert "different content" in rejected["detail"]


def test_a_submission_id_the_api_never_gave_out_gets_a_json_reason(
    pipeline: LocalPipeline,
) -> None:
    malformed = call(pipeline.api_url, "GET", "/submissions/123")
    assert malformed.status == 400
    assert "<requestTimeEpoch>-<requestId>" in json.dumps(malformed.json())


def test_a_message_that_keeps_failing_is_redriven_by_the_queue_itself(
    pipeline: LocalPipeline, traffic: Traffic
) -> None:
    """Retried, never dead-lettered by the handler: moved by the queue's redrive policy."""
    (letter,) = [m for m in traffic.dead_letters if m["MessageId"] == traffic.poison_message_id]
    assert contract.REJECTION_REASON_ATTRIBUTE not in letter["MessageAttributes"]
    assert int(letter["Attributes"]["ApproximateReceiveCount"]) > int(OVERRIDES["maxReceiveCount"])
    assert pipeline.activity()["orders-processor-trigger"].retried == int(
        OVERRIDES["maxReceiveCount"]
    )
    assert call(pipeline.api_url, "GET", "/orders/700").status == 404


def test_only_the_dead_letters_expected_are_there(traffic: Traffic) -> None:
    assert len(traffic.dead_letters) == 2


def test_every_stored_change_is_announced_once(traffic: Traffic) -> None:
    announced = sorted(
        (event["orderId"], event["version"], event["eventType"], event["newStatus"])
        for event in traffic.events
    )
    created = [(order_id, 1, "OrderCreated", "PENDING") for order_id in ("123", "300", "400")]
    customers = [(f"50{n}", 1, "OrderCreated", "PENDING") for n in "123"]
    assert announced == sorted(
        [*created, *customers, ("400", 2, "OrderStatusChanged", "CONFIRMED")]
    )
    (change,) = [event for event in traffic.events if event["version"] == 2]
    assert change["oldStatus"] == "PENDING"
    assert change["attributes"][contract.CUSTOMER_ID_ATTRIBUTE]["StringValue"] == "40"


def test_status_changes_follow_the_state_machine(traffic: Traffic) -> None:
    assert (traffic.answers["confirm"].status, traffic.answers["confirm"].json()["version"]) == (
        200,
        2,
    )
    assert traffic.answers["deliver"].status == 409
    assert traffic.answers["deliver"].json()["currentStatus"] == "CONFIRMED"
    assert traffic.answers["lost"].status == 400


def test_a_record_the_notifier_cannot_read_is_isolated_and_given_up(traffic: Traffic) -> None:
    """Bisecting isolates it: the orders stored with it are announced (above), and only it
    reaches the failure queue, after the configured retries."""
    (failure,) = traffic.stream_failures
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == (
        int(OVERRIDES["notifierMaxRetryAttempts"]) + 1
    )
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
    assert failure["responseContext"]["functionError"] == "Unhandled"


def test_a_customers_orders_come_newest_first_a_page_at_a_time(
    pipeline: LocalPipeline, traffic: Traffic
) -> None:
    assert all(traffic.answers[order_id].status == 202 for order_id in ("501", "502", "503"))
    first = call(pipeline.api_url, "GET", "/customers/50/orders?limit=2")
    assert first.status == 200
    assert [order["orderId"] for order in first.json()["orders"]] == ["503", "502"]
    cursor = first.json()["nextCursor"]
    rest = call(pipeline.api_url, "GET", f"/customers/50/orders?limit=2&cursor={cursor}")
    assert [order["orderId"] for order in rest.json()["orders"]] == ["501"]
    assert "nextCursor" not in rest.json()


def test_a_port_in_use_is_named_in_the_error(pipeline: LocalPipeline) -> None:
    port = int(pipeline.aws_url.rsplit(":", 1)[1])
    options = LocalOptions.from_environment({"AWS_PORT": str(port)})
    with pytest.raises(LocalRunError, match=f"127.0.0.1:{port}.*set AWS_PORT"):
        LocalPipeline(options).start()


def _raw_exchange(pipeline: LocalPipeline, head: bytes, body: bytes = b"") -> bytes:
    host, port = pipeline.api_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head + body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("declared", ["abc", "-1"])
def test_a_malformed_content_length_gets_a_400_not_a_hang(
    pipeline: LocalPipeline, declared: str
) -> None:
    head = f"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n"
    answer = _raw_exchange(pipeline, head.encode())
    assert answer.startswith(b"HTTP/1.0 400")
    head_lines, body = answer.split(b"\r\n\r\n", 1)
    assert f"Content-Type: {PROBLEM_CONTENT_TYPE}".encode() in head_lines
    assert problem_in(body, 400)["detail"] == "Content-Length must be a whole number of bytes"


def test_an_oversize_body_sent_in_full_still_gets_its_413(pipeline: LocalPipeline) -> None:
    body = b"x" * (11 * 1024 * 1024)
    head = (
        "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    answer = _raw_exchange(pipeline, head.encode(), body)
    assert answer.startswith(b"HTTP/1.0 413")
    problem_in(answer.split(b"\r\n\r\n", 1)[1], 413)


def test_stopping_leaves_no_thread_and_frees_both_ports(
    pipeline: LocalPipeline, threads_before: set[threading.Thread]
) -> None:
    """Last in the module: it stops the shared pipeline."""
    ports = [int(url.rsplit(":", 1)[1]) for url in (pipeline.api_url, pipeline.aws_url)]
    pipeline.stop()
    # Nothing the pipeline started is left; threads of earlier tests (a reloaded handler's
    # writer pool) may end meanwhile, which is not the pipeline's doing.
    assert set(threading.enumerate()) - threads_before == set()
    for port in ports:
        with socket.create_server(("127.0.0.1", port)):
            pass
