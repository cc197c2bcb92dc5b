"""The local API Gateway on the API's own document, with stand-in integrations: routing,
validation, gateway responses, the SQS form and the proxy events. No network, no AWS."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from api.openapi import (
    DeploymentValues,
    model_schema,
    openapi_document,
    request_body_model_names,
)
from api.problem_templates import INVALID_BODY_DETAIL
from api.request_model import order_request_model
from handlers import contract
from handlers.problems import PROBLEM_CONTENT_TYPE
from tests.problem_shape import NASTY_MESSAGE, problem_in
from tools.local_run.api_gateway import (
    MAX_PAYLOAD_BYTES,
    MAX_URL_CHARACTERS,
    GatewayError,
    Integration,
    LambdaProxyIntegration,
    LocalApiGateway,
    SendMessage,
    SqsIntegration,
)
from tools.local_run.http_messages import HttpRequest
from tools.local_run.lambda_runtime import InvocationError
from tools.local_run.sqs_integration import render_send_message, send_message_kwargs
from tools.local_run.validation_errors import ELLIPSIS, MORE_ERRORS

QUEUE_URL = "http://127.0.0.1:1/123456789012/orders-queue"
SEED = {"orderId": "123", "customerId": "456", "items": ["item1", "item2"]}
# What a 400 may weigh, whatever the body: its reason, never the body again.
SMALL_ANSWER_BYTES = 4_000
# Long enough that posts started together would overlap in the send if nothing kept them apart.
SLOW_SEND_SECONDS = 0.05
DEPLOYMENT = DeploymentValues(
    region="eu-west-1",
    queue_path="123456789012/orders-queue",
    api_role_arn="arn:aws:iam::123456789012:role/sender",
    reader_invoke_arn="reader",
    status_updater_invoke_arn="status-updater",
)


class Stage:
    """The gateway with recorded integrations: what it sent SQS, which events it invoked."""

    def __init__(
        self,
        sqs_status: int = 200,
        proxy_result: Any = None,
        send: SendMessage | None = None,
        document: Mapping[str, Any] | None = None,
        *,
        models_written_after_import: bool = True,
    ) -> None:
        """`send` stands in for SQS instead of recording what was sent;
        `models_written_after_import=False`: a stack that leaves the imported models alone."""
        self.sent: list[tuple[str, Mapping[str, Any]]] = []
        self.events: list[tuple[str, Mapping[str, Any]]] = []
        self._sqs_status = sqs_status
        self._proxy_result = proxy_result or {"statusCode": 200, "body": '{"ok": true}'}
        api_document = document or openapi_document(DEPLOYMENT)
        written = {
            name: model_schema(api_document, name)
            for name in request_body_model_names(api_document)
        }
        self.gateway = LocalApiGateway(
            api_document,
            "v1",
            self._integration,
            send or self._send,
            written if models_written_after_import else {},
        )

    def _send(self, queue_url: str, message: Mapping[str, Any]) -> int:
        self.sent.append((queue_url, message))
        return self._sqs_status

    def _integration(self, operation: Mapping[str, Any]) -> Integration:
        integration = operation["x-amazon-apigateway-integration"]
        if integration["type"] == "aws":
            return SqsIntegration(QUEUE_URL)
        uri = str(integration["uri"])

        def invoke(event: Mapping[str, Any]) -> Any:
            self.events.append((uri, event))
            if isinstance(self._proxy_result, Exception):
                raise self._proxy_result
            return self._proxy_result

        return LambdaProxyIntegration(invoke)

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        query: list[tuple[str, str]] | None = None,
    ) -> tuple[int, Any]:
        raw = (
            body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        )
        response = self.gateway.handle(
            HttpRequest(
                method, path, query or [], [("Content-Type", content_type)], raw, "127.0.0.1"
            )
        )
        if response.status >= 400:
            # The queue integration's errors keep its templates' type (docs/api.md, "Errors").
            assert response.headers["Content-Type"] in {PROBLEM_CONTENT_TYPE, "application/json"}
            return response.status, problem_in(response.body, response.status)
        return response.status, json.loads(response.body)


def _validation_error_string(body: Any) -> str:
    """What the local gateway fills `$context.error.validationErrorString` with for `body`:
    the API's 400 leaves it out (api/problem_templates.py), so a copy of the document
    answers with it alone."""
    document = copy.deepcopy(openapi_document(DEPLOYMENT))
    bad_body = document["x-amazon-apigateway-gateway-responses"]["BAD_REQUEST_BODY"]
    bad_body["responseTemplates"] = {"application/json": "$context.error.validationErrorString"}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = Stage(document=document).gateway.handle(
        HttpRequest("POST", "/orders", [], [("Content-Type", "application/json")], raw, "::1")
    )
    assert response.status == 400
    return response.body.decode("utf-8")


def test_orders_are_validated_with_the_model_derived_from_the_order_schema() -> None:
    gateway = Stage().gateway
    (route,) = [r for r in gateway.routes if (r.template, r.method) == ("/orders", "POST")]
    model = gateway.model_for(route, "application/json")
    assert model == {k: v for k, v in order_request_model().items() if k != "$schema"}


def test_a_valid_order_is_sent_as_the_form_the_template_renders() -> None:
    stage = Stage()
    status, answer = stage.request("POST", "/orders", SEED)
    assert (status, answer["message"]) == (202, "order accepted")
    ((queue_url, message),) = stage.sent
    assert queue_url == QUEUE_URL
    attributes = message["MessageAttributes"]
    assert attributes[contract.REQUEST_ID_ATTRIBUTE]["StringValue"] == answer["requestId"]
    received_at = int(attributes[contract.RECEIVED_AT_ATTRIBUTE]["StringValue"])
    expected = send_message_kwargs(
        render_send_message(json.dumps(SEED), answer["requestId"], received_at)
    )
    assert message == expected


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({**SEED, "items": []}, "/items: [] should be non-empty"),
        ({**SEED, "coupon": "FREE"}, "'coupon' was unexpected"),
        ({"orderId": "123"}, "'customerId' is a required property"),
        (b'{"orderId": ', "not valid JSON"),
    ],
)
def test_an_invalid_body_is_400_with_the_validation_error_and_sends_nothing(
    body: Any, says: str
) -> None:
    stage = Stage()
    status, answer = stage.request("POST", "/orders", body)
    assert status == 400
    assert answer["detail"] == INVALID_BODY_DETAIL
    assert says in _validation_error_string(body)
    assert stage.sent == []


def test_a_validation_error_with_quotes_is_filled_in_as_is_and_the_400_stays_json() -> None:
    # API Gateway escapes nothing in validationErrorString; neither does the local gateway.
    status, answer = Stage().request("POST", "/orders", {**SEED, "orderId": 'a"b\\c'})
    assert (status, answer["detail"]) == (400, INVALID_BODY_DETAIL)
    assert """'a"b\\\\c'""" in _validation_error_string({**SEED, "orderId": 'a"b\\c'})


def test_gateway_response_variables_are_filled_in_unescaped_but_message_string() -> None:
    document = copy.deepcopy(openapi_document(DEPLOYMENT))
    document["x-amazon-apigateway-gateway-responses"]["BAD_REQUEST_BODY"]["responseTemplates"] = {
        "application/json": "$context.error.message|$context.error.messageString|"
        "$context.error.validationErrorString"
    }
    error = GatewayError("BAD_REQUEST_BODY", 400, NASTY_MESSAGE, NASTY_MESSAGE)

    response = Stage(document=document).gateway.gateway_response(error, "request-1")

    assert response.body.decode() == "|".join(
        (NASTY_MESSAGE, json.dumps(NASTY_MESSAGE), NASTY_MESSAGE)
    )


BAD_ORDERS = [
    pytest.param({**SEED, "items": []}, id="no items"),
    pytest.param({**SEED, "items": ["a"] * 101}, id="101 items"),
    pytest.param({**SEED, "coupon": "FREE"}, id="unknown field"),
    pytest.param(
        {**SEED, "items": [{"sku": "A", "quantity": 1, "gift": True}]}, id="unknown item field"
    ),
    pytest.param({**SEED, "items": "item1"}, id="wrong type"),
]


@pytest.mark.parametrize("body", BAD_ORDERS)
def test_bad_orders_are_400_with_a_json_reason_once_models_are_written_after_import(
    body: Any,
) -> None:
    stage = Stage()
    status, answer = stage.request("POST", "/orders", body)
    assert status == 400
    assert isinstance(answer, dict)  # JSON, whichever shape gateway responses give it
    assert stage.sent == []


@pytest.mark.parametrize("body", [param for param in BAD_ORDERS if param.id != "wrong type"])
def test_the_imported_models_alone_let_through_what_aws_does_not_enforce(body: Any) -> None:
    """As on AWS: minItems, maxItems, additionalProperties and anyOf left as imported."""
    stage = Stage(models_written_after_import=False)
    status, _ = stage.request("POST", "/orders", body)
    assert status == 202
    assert len(stage.sent) == 1


def test_a_body_with_a_repeated_name_is_validated_with_its_last_value() -> None:
    """handlers.json_text decides for the edge and the processor alike."""
    stage = Stage()
    repeated = b'{"orderId": "bad id!", "customerId": "456", "items": ["a"], "orderId": "E-2"}'
    assert stage.request("POST", "/orders", repeated)[0] == 202
    backwards = b'{"orderId": "E-2", "customerId": "456", "items": ["a"], "orderId": "bad id!"}'
    status, answer = stage.request("POST", "/orders", backwards)
    assert (status, answer["detail"]) == (400, INVALID_BODY_DETAIL)
    assert "/orderId: 'bad id!' does not match" in _validation_error_string(backwards)


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_numbers_are_not_json_at_the_edge(constant: bytes) -> None:
    body = b'{"orderId": "1", "customerId": "2", "items": [{"sku": "a", "quantity": %s}]}'
    status, answer = Stage().request("POST", "/orders", body % constant)
    assert (status, answer["detail"]) == (400, INVALID_BODY_DETAIL)
    assert "not valid JSON" in _validation_error_string(body % constant)


def test_a_parameter_schema_is_not_validated_by_the_gateway_as_on_aws() -> None:
    """Only a required parameter's presence is checked; the function checks the rest."""
    stage = Stage()
    status, _ = stage.request("GET", "/customers/bad%20id!/orders", query=[("limit", "0")])
    assert status == 200
    ((_, event),) = stage.events
    assert event["queryStringParameters"] == {"limit": "0"}


@pytest.mark.parametrize("field", ["orderId", "customerId"])
@pytest.mark.parametrize("identifier", ["abc\n", "abc\r\n", "\nabc"])
def test_an_id_with_a_line_break_is_400_at_the_edge_never_queued(
    field: str, identifier: str
) -> None:
    stage = Stage()
    status, _ = stage.request("POST", "/orders", {**SEED, field: identifier})
    assert status == 400
    assert f"/{field}: " in _validation_error_string({**SEED, field: identifier})
    assert stage.sent == []
    assert stage.request("POST", "/orders", {**SEED, field: "abc"})[0] == 202


@pytest.mark.parametrize(
    ("huge", "says"),
    [
        (
            {"orderId": "a b" * 350_000},
            ["/orderId: 'a ba b", "' is too long", "' does not match '^"],
        ),
        ({"k" * 1_000_000: 1}, ["body: Additional properties", "kkk' was unexpected)"]),
        (
            {"items": [{"sku": "A", "quantity": 1, "unitPrice": "9" * 1_000_000}]},
            ["/items/0: {'sku': 'A'", "} is not valid under any of the given schemas"],
        ),
    ],
)
def test_a_huge_invalid_value_is_quoted_abridged_in_a_small_400(
    huge: dict[str, Any], says: list[str]
) -> None:
    # GIVEN a body of a megabyte or more, refused for one long value
    stage = Stage()
    response = stage.gateway.handle(
        HttpRequest(
            "POST",
            "/orders",
            [],
            [("Content-Type", "application/json")],
            json.dumps({**SEED, **huge}).encode(),
            "127.0.0.1",
        )
    )
    # THEN the 400 is small, and the validation error says where and why, quoting only the
    # value's two ends
    assert response.status == 400
    assert len(response.body) < SMALL_ANSWER_BYTES
    detail = _validation_error_string({**SEED, **huge})
    assert len(detail) < SMALL_ANSWER_BYTES
    assert all(fragment in detail for fragment in says), detail
    assert ELLIPSIS in detail
    assert stage.sent == []


def test_a_body_with_more_errors_than_are_listed_says_so_in_a_small_400() -> None:
    body = {**SEED, "items": ["a b"] * 100_000}
    status, answer = Stage().request("POST", "/orders", body)
    assert status == 400
    assert len(json.dumps(answer)) < SMALL_ANSWER_BYTES
    detail = _validation_error_string(body)
    assert len(detail) < SMALL_ANSWER_BYTES
    assert "/items: ['a b', " in detail
    assert "/items/0: 'a b' is not valid under any of the given schemas" in detail
    assert detail.endswith(f", {MORE_ERRORS}]")


def test_a_body_sqs_refuses_as_too_large_is_413() -> None:
    status, answer = Stage(sqs_status=400).request("POST", "/orders", SEED)
    assert status == 413
    assert answer["detail"] == "The order is larger than the queue accepts."


def test_a_request_over_api_gateways_payload_limit_is_413() -> None:
    response = Stage().gateway.too_large()
    assert response.status == 413
    assert response.headers["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert problem_in(response.body, 413)["detail"] == "Request Too Long"
    assert MAX_PAYLOAD_BYTES == 10 * 1024 * 1024


def test_another_content_type_is_415_and_never_queued() -> None:
    stage = Stage()
    status, answer = stage.request("POST", "/orders", SEED, content_type="text/plain")
    assert (status, answer["detail"]) == (415, "Unsupported Media Type")
    assert stage.sent == []


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/orders"), ("POST", "/orders/123"), ("GET", "/orders/1/x")]
)
def test_a_route_the_document_does_not_have_is_404(method: str, path: str) -> None:
    status, answer = Stage().request(method, path)
    assert status == 404
    assert answer["detail"] == f"no route {method} {path}"


def test_a_url_over_the_regional_limit_is_414_and_reaches_no_function() -> None:
    stage = Stage()
    query = [("cursor", "")]
    fits = stage.gateway.url_length(HttpRequest("GET", "/customers/c/orders", query, [], b"", ""))
    longest = [("cursor", "x" * (MAX_URL_CHARACTERS - fits))]
    assert stage.request("GET", "/customers/c/orders", query=longest)[0] == 200
    over = [("cursor", "x" * (MAX_URL_CHARACTERS - fits + 1))]
    status, answer = stage.request("GET", "/customers/c/orders", query=over)
    assert status == 414
    assert isinstance(answer, dict)
    assert len(stage.events) == 1


def test_a_trailing_slash_is_another_route_locally() -> None:
    """AWS does not document it; docs/local-run.md lists it as not the same as AWS."""
    assert Stage().request("POST", "/orders/", SEED)[0] == 404


def test_a_read_is_a_rest_proxy_event_for_the_function_the_route_names() -> None:
    stage = Stage()
    status, answer = stage.request(
        "GET", "/customers/a%20b/orders", query=[("limit", "2"), ("limit", "3")]
    )
    assert (status, answer) == (200, {"ok": True})
    ((function, event),) = stage.events
    assert function == "reader"
    assert event["resource"] == "/customers/{customerId}/orders"
    assert event["pathParameters"] == {"customerId": "a b"}
    assert event["queryStringParameters"] == {"limit": "3"}
    assert event["multiValueQueryStringParameters"] == {"limit": ["2", "3"]}
    assert event["requestContext"]["stage"] == "v1"
    assert event["requestContext"]["path"] == "/v1/customers/a%20b/orders"
    assert event["body"] is None


def test_a_status_change_is_validated_then_proxied_to_the_status_updater() -> None:
    stage = Stage()
    assert stage.request("PATCH", "/orders/123", {"status": "LOST"})[0] == 400
    assert stage.events == []
    assert stage.request("PATCH", "/orders/123", {"status": "CONFIRMED"})[0] == 200
    ((function, event),) = stage.events
    assert function == "status-updater"
    assert json.loads(event["body"]) == {"status": "CONFIRMED"}


@pytest.mark.parametrize(
    "result", [InvocationError("boom"), {"body": "no status code"}, "not a response"]
)
def test_a_function_that_fails_or_answers_nonsense_is_502(result: Any) -> None:
    status, answer = Stage(proxy_result=result).request("GET", "/orders/123")
    assert (status, answer["title"]) == (502, "Internal server error")


def _post_seed(stage: Stage) -> tuple[int, Any]:
    return stage.request("POST", "/orders", SEED)


def test_orders_posted_at_once_reach_sqs_one_at_a_time() -> None:
    # GIVEN a queue that takes a moment to answer each SendMessage
    in_flight: list[int] = []
    lock = threading.Lock()
    active = 0

    def slow_send(queue_url: str, message: Mapping[str, Any]) -> int:
        nonlocal active
        with lock:
            active += 1
            in_flight.append(active)
        time.sleep(SLOW_SEND_SECONDS)
        with lock:
            active -= 1
        return 200

    stage = Stage(send=slow_send)

    # WHEN four clients post at the same time
    with ThreadPoolExecutor(max_workers=4) as clients:
        statuses = [status for status, _ in clients.map(_post_seed, [stage] * 4)]

    # THEN every order is accepted, and no send started before the previous one ended
    assert statuses == [202] * 4
    assert in_flight == [1] * 4


@pytest.mark.parametrize(
    ("stage", "path", "answered", "served"),
    [
        (Stage(sqs_status=403), "/orders", 500, "application/json"),
        (Stage(sqs_status=500), "/orders", 503, "application/json"),
        (Stage(proxy_result=InvocationError("boom")), "/orders/123", 502, PROBLEM_CONTENT_TYPE),
    ],
    ids=["queue refused", "queue down", "function failed"],
)
def test_server_errors_are_problem_details_with_the_request_id(
    stage: Stage, path: str, answered: int, served: str
) -> None:
    method, body = ("POST", SEED) if path == "/orders" else ("GET", None)
    response = stage.gateway.handle(
        HttpRequest(
            method,
            path,
            [],
            [("Content-Type", "application/json")],
            json.dumps(body).encode() if body else b"",
            "127.0.0.1",
        )
    )
    assert (response.status, response.headers["Content-Type"]) == (answered, served)
    assert problem_in(response.body, answered)["requestId"]


def test_a_gateway_response_header_mapped_from_the_request_is_refused_not_dropped() -> None:
    document = copy.deepcopy(openapi_document(DEPLOYMENT))
    responses = document["x-amazon-apigateway-gateway-responses"]
    responses["UNSUPPORTED_MEDIA_TYPE"]["responseParameters"] = {
        "gatewayresponse.header.X-Echo": "method.request.header.X-Echo"
    }
    with pytest.raises(ValueError, match="only literal header values, not gatewayresponse"):
        Stage(document=document).request("POST", "/orders", SEED, content_type="text/plain")
