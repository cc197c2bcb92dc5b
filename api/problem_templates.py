"""The API's error answers that API Gateway writes itself, as problem details
(`handlers.problems`): its gateway responses, and the queue integration's error responses.

Gateway response templates are not Velocity: API Gateway only substitutes variables in them,
so `$util.escapeJavaScript` does not exist there ("x-amazon-apigateway-gateway-responses.
responseTemplates object": "A GatewayResponse mapping template isn't processed by the
Velocity Template Language (VTL) engine", https://docs.aws.amazon.com/apigateway/latest/
developerguide/api-gateway-swagger-extensions-gateway-responses.responseTemplates.html).
A variable substituted inside JSON quotes must therefore never hold a quote or a backslash:

- `$context.requestId` is API Gateway's own id, safe anywhere.
- `$context.error.messageString` is "the quoted value of $context.error.message" (Variables
  for data transformations, api-gateway-mapping-template-reference.html): a JSON string,
  placed without quotes of ours, as AWS's own example template does.
- `$context.error.validationErrorString` is documented as "a string containing a detailed
  validation error message", quoted and escaped by nothing. It repeats what the client sent
  (`[instance value ("x") not found in enum ...]`), so no body carries it: the 400 for an
  invalid body says which model the body broke, with the request id.

Each response type AWS documents ("Gateway response types", supported-gateway-response-
types.html) gets its own status in `status`; the DEFAULT_4XX/5XX fallbacks, which AWS uses
for anything else (a function's failure, answered 502), cannot know theirs, and carry none
(RFC 9457 makes `status` advisory) with AWS's message as their title.
"""

from __future__ import annotations

import json
from typing import Any, Final

from handlers.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE, REQUEST_ID_MEMBER, problem_body

REQUEST_ID: Final = "$context.requestId"
MESSAGE_STRING: Final = "$context.error.messageString"
_QUOTED_MESSAGE: Final = "\0message\0"
"""Stands for the JSON string `$context.error.messageString` in a body."""

# Every gateway response type AWS documents, with its default status (which this API keeps).
GATEWAY_RESPONSE_STATUSES: Final = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_PARAMETERS": 400,
    "BAD_REQUEST_BODY": 400,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}
INVALID_BODY_DETAIL: Final = (
    "The request body does not match the route's model (components.schemas in the API's "
    "OpenAPI document)."
)
# API Gateway takes a header value in single quotes as the value itself (gateway response
# responseParameters: "literal strings").
CONTENT_TYPE_PARAMETER: Final = {"gatewayresponse.header.Content-Type": f"'{PROBLEM_CONTENT_TYPE}'"}


def _template(body: dict[str, Any]) -> str:
    """`body` as template text, `_QUOTED_MESSAGE` replaced by API Gateway's quoted message."""
    text = json.dumps(body, separators=(",", ":"))
    return text.replace(json.dumps(_QUOTED_MESSAGE), MESSAGE_STRING)


def _gateway_response(template: str, status: int | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "responseParameters": CONTENT_TYPE_PARAMETER,
        "responseTemplates": {"application/json": template},
    }
    return response if status is None else {"statusCode": str(status), **response}


def gateway_responses() -> dict[str, dict[str, Any]]:
    """`x-amazon-apigateway-gateway-responses`: every error API Gateway answers itself."""
    responses = {
        response_type: _gateway_response(
            _template(problem_body(status, _QUOTED_MESSAGE, REQUEST_ID)), status
        )
        for response_type, status in GATEWAY_RESPONSE_STATUSES.items()
    }
    responses["BAD_REQUEST_BODY"] = _gateway_response(
        _template(problem_body(400, INVALID_BODY_DETAIL, REQUEST_ID)), 400
    )
    for fallback in ("DEFAULT_4XX", "DEFAULT_5XX"):
        body = {"type": PROBLEM_TYPE, "title": _QUOTED_MESSAGE, REQUEST_ID_MEMBER: REQUEST_ID}
        responses[fallback] = _gateway_response(_template(body))
    return responses


def integration_problem(status: int, detail: str) -> str:
    """The response template of a queue integration error: problem details (a Velocity
    template, where `$context.requestId` is substituted as in the gateway responses)."""
    return _template(problem_body(status, detail, REQUEST_ID))
