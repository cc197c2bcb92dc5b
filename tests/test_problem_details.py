"""One error shape on every route: every 4xx/5xx the document declares or API Gateway writes
itself is problem details (RFC 9457) with the request id, whatever the message holds."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import airspeed
import pytest

from api.openapi import operations
from api.problem_templates import GATEWAY_RESPONSE_STATUSES, INVALID_BODY_DETAIL
from handlers.problems import PROBLEM_CONTENT_TYPE, problem_body
from tests.problem_shape import DOCUMENT, NASTY_MESSAGE, PROBLEM_SCHEMA, problem_in
from tools.local_run.sqs_integration import render_order_response

REQUEST_ID = "c0ffee00-0000-4000-8000-000000000001"
REQUEST_TIME_EPOCH = 1764064800123
GATEWAY_RESPONSES: Mapping[str, Any] = DOCUMENT["x-amazon-apigateway-gateway-responses"]
# The variables a gateway response may hold, as API Gateway fills them for an error whose
# message and validation error are NASTY_MESSAGE: only messageString is quoted and escaped.
FILLED = {
    "requestId": REQUEST_ID,
    "error": {
        "message": NASTY_MESSAGE,
        "messageString": json.dumps(NASTY_MESSAGE),
        "responseType": "BAD_REQUEST_BODY",
        "validationErrorString": NASTY_MESSAGE,
    },
}
VARIABLE = re.compile(r"\$context\.([A-Za-z.]+)")


def _substituted(template: str) -> str:
    """What API Gateway documents for gateway responses: variables substituted, no Velocity."""

    def value(match: re.Match[str]) -> str:
        found: Any = FILLED
        for name in match.group(1).split("."):
            found = found[name]
        return str(found)

    return VARIABLE.sub(value, template)


def _velocity(template: str) -> str:
    """The same template through airspeed, the Velocity engine the local run renders with."""
    rendered: str = airspeed.Template(template).merge({"context": FILLED})
    return rendered


RENDERERS: dict[str, Callable[[str], str]] = {"substituted": _substituted, "velocity": _velocity}


def test_every_error_response_of_every_route_is_declared_as_problem_details() -> None:
    declared = 0
    for path, method, operation in operations(DOCUMENT):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            for content_type, content in response["content"].items():
                assert content_type in {PROBLEM_CONTENT_TYPE, "application/json"}, (path, status)
                name = content["schema"]["$ref"].removeprefix("#/components/schemas/")
                schema = DOCUMENT["components"]["schemas"][name]
                assert set(PROBLEM_SCHEMA["required"]) <= set(schema["required"]), (path, name)
                assert PROBLEM_SCHEMA["properties"].items() <= schema["properties"].items()
                declared += 1
            assert PROBLEM_CONTENT_TYPE in response["content"], (path, method, status)
    assert declared >= 20


@pytest.mark.parametrize("render", RENDERERS.values(), ids=RENDERERS.keys())
@pytest.mark.parametrize("response_type", sorted(GATEWAY_RESPONSES))
def test_every_gateway_response_is_problem_details_whatever_the_message_holds(
    response_type: str, render: Callable[[str], str]
) -> None:
    response = GATEWAY_RESPONSES[response_type]
    status = int(response.get("statusCode", GATEWAY_RESPONSE_STATUSES.get(response_type, 500)))

    problem = problem_in(render(response["responseTemplates"]["application/json"]), status)

    assert problem["requestId"] == REQUEST_ID
    assert response["responseParameters"] == {
        "gatewayresponse.header.Content-Type": f"'{PROBLEM_CONTENT_TYPE}'"
    }
    if response_type in GATEWAY_RESPONSE_STATUSES:
        assert problem["status"] == status == GATEWAY_RESPONSE_STATUSES[response_type]


def test_each_documented_response_type_keeps_aws_s_status_and_the_fallbacks_none() -> None:
    assert set(GATEWAY_RESPONSES) == {*GATEWAY_RESPONSE_STATUSES, "DEFAULT_4XX", "DEFAULT_5XX"}
    for fallback in ("DEFAULT_4XX", "DEFAULT_5XX"):
        # A status set on a fallback would become the status of every answer it covers.
        assert "statusCode" not in GATEWAY_RESPONSES[fallback]


def test_no_gateway_response_puts_an_unescaped_variable_inside_json_quotes() -> None:
    for response in GATEWAY_RESPONSES.values():
        template = response["responseTemplates"]["application/json"]
        quoted = {f"context.{name}" for name in re.findall(r'"\$context\.([A-Za-z.]+)"', template)}
        bare = set(VARIABLE.findall(template)) - {name.removeprefix("context.") for name in quoted}
        assert quoted <= {"context.requestId"}, template
        assert bare <= {"error.messageString", "requestId"}, template
        assert "validationErrorString" not in template


def test_a_validation_message_in_json_quotes_would_break_the_body() -> None:
    # Why the 400 leaves the validation message out: API Gateway escapes none of it.
    template = '{"detail": "$context.error.validationErrorString"}'
    for render in RENDERERS.values():
        with pytest.raises(json.JSONDecodeError):
            json.loads(render(template))


def test_an_invalid_body_is_a_400_that_names_the_model_and_the_request() -> None:
    template = GATEWAY_RESPONSES["BAD_REQUEST_BODY"]["responseTemplates"]["application/json"]
    assert json.loads(_substituted(template)) == problem_body(400, INVALID_BODY_DETAIL, REQUEST_ID)


@pytest.mark.parametrize(
    ("sqs_status", "answered"), [(400, 413), (403, 500), (404, 500), (500, 503), (503, 503)]
)
def test_the_queue_integration_errors_are_problem_details(sqs_status: int, answered: int) -> None:
    answer = render_order_response(DOCUMENT, sqs_status, REQUEST_ID, REQUEST_TIME_EPOCH)

    problem = problem_in(answer.body, answer.status)

    assert (answer.status, problem["status"], problem["requestId"]) == (
        answered,
        answered,
        REQUEST_ID,
    )
    assert problem["detail"]
