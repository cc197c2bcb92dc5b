"""API Gateway's Lambda proxy integration (REST API, payload 1.0): what a handler reads of a
request, how it answers, and which function serves which route. Pure: no AWS calls.

API Gateway matches each request to a resource and method before it invokes a function:
every route is its own integration in the OpenAPI document. So a handler needs no path
matching, only a table from the matched (method, resource template) to the function that
serves it. That lookup is all Powertools' REST resolver would do here, and its package
imports every resolver and event class Powertools has, about 22 ms of a cold start whose
plain-boto3 floor is 150 ms (docs/performance.md, P3).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.problems import PROBLEM_CONTENT_TYPE, problem_body


@dataclass(frozen=True)
class ApiRequest:
    """The parts of a proxy event the handlers read."""

    method: str
    resource: str
    path_parameters: Mapping[str, str]
    query: Mapping[str, str]
    body: str | None
    # When API Gateway received the request: a retried invocation sees the same value.
    received_at_epoch_millis: int
    request_id: str
    """API Gateway's id of the request, which every error answer carries."""

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> ApiRequest:
        return cls(
            method=event["httpMethod"],
            resource=event["resource"],
            path_parameters=event.get("pathParameters") or {},
            query=event.get("queryStringParameters") or {},
            body=event.get("body"),
            received_at_epoch_millis=int(event["requestContext"]["requestTimeEpoch"]),
            request_id=event["requestContext"]["requestId"],
        )


class ApiError(Exception):
    """A request answered with `status_code` and problem details whose `detail` is the message."""

    status_code = 500

    def extensions(self) -> dict[str, Any]:
        """Members the problem details carry besides the standard ones."""
        return {}


class NotFound(ApiError):
    status_code = 404


class Gone(ApiError):
    """The resource existed once and its record has since expired."""

    status_code = 410


Route = Callable[[ApiRequest], Mapping[str, Any]]
Routes = Mapping[tuple[str, str], Route]


def json_response(
    status_code: int, body: Mapping[str, Any], content_type: str = "application/json"
) -> dict[str, Any]:
    return {
        "statusCode": status_code,
        "multiValueHeaders": {"Content-Type": [content_type]},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def problem_response(error: ApiError, request_id: str) -> dict[str, Any]:
    body = problem_body(error.status_code, str(error), request_id, **error.extensions())
    return json_response(error.status_code, body, PROBLEM_CONTENT_TYPE)


def answer(routes: Routes, event: Mapping[str, Any]) -> dict[str, Any]:
    """The proxy response to `event`: its route's result as 200, or the ApiError it raised as
    problem details."""
    request = ApiRequest.from_event(event)
    try:
        route = routes.get((request.method, request.resource))
        if route is None:
            # Only an invocation from outside the API (a test event, a console call) gets here.
            raise NotFound(f"no route for {request.method} {request.resource}")
        return json_response(200, route(request))
    except ApiError as error:
        return problem_response(error, request.request_id)
