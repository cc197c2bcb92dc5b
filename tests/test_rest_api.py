"""The API handlers' routing and answers (`handlers.rest_api`), without AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handlers.problems import PROBLEM_CONTENT_TYPE
from handlers.rest_api import ApiError, ApiRequest, NotFound, Routes, answer
from tests.api_gateway_events import REQUEST_TIME_EPOCH, proxy_event

ORDER = "/orders/{orderId}"


class Teapot(ApiError):
    status_code = 418

    def extensions(self) -> dict[str, Any]:
        return {"hint": "short and stout"}


def _echo(request: ApiRequest) -> dict[str, Any]:
    return {
        "method": request.method,
        "path": dict(request.path_parameters),
        "query": dict(request.query),
        "body": request.body,
        "receivedAt": request.received_at_epoch_millis,
    }


def _refuse(_: ApiRequest) -> dict[str, Any]:
    raise Teapot("no coffee here")


def _crash(_: ApiRequest) -> dict[str, Any]:
    raise RuntimeError("table unreachable")


ROUTES: Routes = {("GET", ORDER): _echo, ("PATCH", ORDER): _refuse, ("DELETE", ORDER): _crash}


def test_the_route_api_gateway_matched_gets_the_request() -> None:
    # GIVEN a GET that API Gateway matched to /orders/{orderId}, with a query string
    event = proxy_event("GET", ORDER, {"orderId": "o-1"}, query={"limit": "5"})

    # WHEN it is answered
    response = answer(ROUTES, event)

    # THEN the GET route saw exactly what the event carries, and answered 200 in JSON
    assert response["statusCode"] == 200
    assert response["multiValueHeaders"] == {"Content-Type": ["application/json"]}
    assert response["isBase64Encoded"] is False
    assert json.loads(response["body"]) == {
        "method": "GET",
        "path": {"orderId": "o-1"},
        "query": {"limit": "5"},
        "body": None,
        "receivedAt": REQUEST_TIME_EPOCH,
    }


def test_absent_parameters_read_as_empty() -> None:
    event = proxy_event("GET", ORDER, {})
    assert event["pathParameters"] is None
    assert event["queryStringParameters"] is None

    request = ApiRequest.from_event(event)

    assert (request.path_parameters, request.query) == ({}, {})


def _problem(status: int, title: str, detail: str, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "requestId": event["requestContext"]["requestId"],
    }


def test_an_api_error_is_answered_with_its_status_as_problem_details() -> None:
    event = proxy_event("PATCH", ORDER, {"orderId": "o-1"}, body={})

    response = answer(ROUTES, event)

    assert response["statusCode"] == 418
    assert response["multiValueHeaders"] == {"Content-Type": [PROBLEM_CONTENT_TYPE]}
    assert json.loads(response["body"]) == {
        **_problem(418, "I'm a Teapot", "no coffee here", event),
        "hint": "short and stout",
    }


@pytest.mark.parametrize(("method", "resource"), [("POST", ORDER), ("GET", "/elsewhere")])
def test_a_route_the_handler_does_not_serve_is_404(method: str, resource: str) -> None:
    event = proxy_event(method, resource, {})

    response = answer(ROUTES, event)

    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == _problem(
        404, "Not Found", f"no route for {method} {resource}", event
    )


def test_any_other_failure_is_left_to_lambda_as_a_function_error() -> None:
    # API Gateway answers 502 for it, and the error is in the function's log and metrics.
    with pytest.raises(RuntimeError, match="table unreachable"):
        answer(ROUTES, proxy_event("DELETE", ORDER, {"orderId": "o-1"}))


def test_not_found_is_404_with_its_message() -> None:
    def missing(_: ApiRequest) -> dict[str, Any]:
        raise NotFound("no order o-9")

    event = proxy_event("GET", ORDER, {"orderId": "o-9"})

    response = answer({("GET", ORDER): missing}, event)

    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == _problem(404, "Not Found", "no order o-9", event)
