"""API Gateway for the local run: the stack's OpenAPI document, served as the stage would.

Routes, request validators, models, integrations and gateway responses are read from the
RestApi body the program deploys. A `type: aws` SQS integration sends the SendMessage form
that `tools.local_run.sqs_integration` renders from the real template, and answers through the
document's integration responses; an `aws_proxy` integration invokes the function whose
invoke ARN it names with a REST proxy event (payload 1.0).

Models are what request validation enforces on AWS: the body's models as the import leaves
them (`tools.fidelity.import_caveats`), then the ones the stack writes again through the
Model API (components.model_schema) in full. A rule only the local run would enforce fails
a test instead of an order.

Not emulated: SigV4 auth (`apiAuth`), throttling and WAF. An unknown route answers 404
(API Gateway answers 403 "Missing Authentication Token"). Validation uses the document's
draft-04 models with `jsonschema`; the rules are the same, the wording of
`validationErrorString` is jsonschema's, not API Gateway's, and long values in it are
abridged (`tools.local_run.validation_errors`).

Gateway responses are filled as API Gateway documents it: variables substituted, nothing
escaped but `$context.error.messageString`, which is "the quoted value" of the message (a
JSON string); their headers are the document's literal values (api/problem_templates.py).

The SQS integration sends one message at a time. The whole local run shares one
interpreter, so concurrent sends hardly queue a burst any faster; they take the interpreter
from the event source's pollers instead, the queue outgrows them, and every SQS call moto
answers costs more the longer the queue is (docs/performance.md, P5).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlencode

import airspeed
from jsonschema import Draft4Validator

from api.openapi import SCHEMA_REFERENCE, operations
from handlers.json_text import InvalidJson, parse_json
from tools.fidelity.import_caveats import imported_model
from tools.local_run.http_messages import HttpRequest, HttpResponse
from tools.local_run.lambda_proxy import ProxyRoute, proxy_response, rest_proxy_event
from tools.local_run.lambda_runtime import InvocationError
from tools.local_run.sqs_integration import (
    render_order_response,
    render_send_message,
    send_message_kwargs,
)
from tools.local_run.validation_errors import validation_error_string

# API Gateway's payload limit; bigger requests are refused before anything else.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
# "Length, in characters, of the URL for a Regional API: 10240" (REST API quotas,
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html).
# AWS does not document the answer past it; the local run answers 414 (RFC 9110, URI Too Long).
MAX_URL_CHARACTERS = 10_240
# The invoke URL's scheme and host, `https://<10-character id>.execute-api.<region>.amazonaws.com`,
# counted with a 14-character region (the longest), so no URL passes here that AWS refuses.
INVOKE_URL_PREFIX_CHARACTERS = len("https://0123456789.execute-api.ap-southeast-1.amazonaws.com")
# What API Gateway assumes when a request has no Content-Type.
DEFAULT_CONTENT_TYPE = "application/json"

SendMessage = Callable[[str, Mapping[str, Any]], int]
"""Sends SendMessage keyword arguments to a queue URL; returns SQS's HTTP status."""
Invoke = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class SqsIntegration:
    queue_url: str


@dataclass(frozen=True)
class LambdaProxyIntegration:
    invoke: Invoke


Integration = SqsIntegration | LambdaProxyIntegration


@dataclass(frozen=True)
class Route:
    template: str
    method: str
    operation: Mapping[str, Any]
    integration: Integration
    pattern: re.Pattern[str]

    @classmethod
    def of(
        cls, template: str, method: str, operation: Mapping[str, Any], integration: Integration
    ) -> Route:
        # A `{name}` parameter matches one path segment, as API Gateway resources do.
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        return cls(template, method.upper(), operation, integration, re.compile(f"^{regex}$"))


@dataclass(frozen=True)
class _Request:
    """One request on its way through the stage."""

    http: HttpRequest
    route: Route
    path_parameters: Mapping[str, str]
    request_id: str
    received_epoch_ms: int


class GatewayError(Exception):
    """A response API Gateway makes itself, by gateway response type."""

    def __init__(
        self, response_type: str, status: int, message: str, validation_error: str = ""
    ) -> None:
        super().__init__(message)
        self.response_type = response_type
        self.status = status
        self.message = message
        self.validation_error = validation_error


def _literal_headers(parameters: Mapping[str, str]) -> dict[str, str]:
    """A gateway response's `gatewayresponse.header.*` mappings: only literal values
    (`'value'`) are emulated, and a mapping from the request is refused, not dropped."""
    headers = {}
    for target, source in parameters.items():
        name = target.removeprefix("gatewayresponse.header.")
        if (
            name == target
            or len(source) < 2
            or not source.startswith("'")
            or not source.endswith("'")
        ):
            raise ValueError(f"the local gateway maps only literal header values, not {target}")
        headers[name] = source[1:-1]
    return headers


class LocalApiGateway:
    def __init__(
        self,
        document: Mapping[str, Any],
        stage: str,
        integration_for: Callable[[Mapping[str, Any]], Integration],
        send_message: SendMessage,
        models_after_import: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """`models_after_import`: each model the stack writes through the Model API once the
        body is imported, by name, as written (a draft-04 schema)."""
        self.document = document
        self.stage = stage
        self.models: dict[str, Mapping[str, Any]] = {
            name: imported_model(model)
            for name, model in document.get("components", {}).get("schemas", {}).items()
        }
        self.models.update(
            {
                name: {keyword: value for keyword, value in model.items() if keyword != "$schema"}
                for name, model in (models_after_import or {}).items()
            }
        )
        self._send_message = send_message
        self._sending = threading.Lock()
        self.routes = [
            Route.of(path, method, operation, integration_for(operation))
            for path, method, operation in operations(document)
        ]

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        try:
            self._check_url_length(request)
            route, parameters = self._route(request)
            ready = _Request(request, route, parameters, request_id, int(time.time() * 1000))
            self._validate(ready)
            if isinstance(route.integration, SqsIntegration):
                return self._send_order(ready, route.integration)
            return self._proxy(ready, route.integration)
        except GatewayError as error:
            return self.gateway_response(error, request_id)

    def too_large(self) -> HttpResponse:
        """The answer to a request over API Gateway's payload limit."""
        error = GatewayError("REQUEST_TOO_LARGE", 413, "Request Too Long")
        return self.gateway_response(error, str(uuid.uuid4()))

    def url_length(self, request: HttpRequest) -> int:
        """The characters of the request's invoke URL, its query re-encoded (at least as long
        as any way a client could have encoded it)."""
        query = f"?{urlencode(request.query)}" if request.query else ""
        stage_path = f"/{self.stage}{quote(request.path, safe='/%')}"
        return INVOKE_URL_PREFIX_CHARACTERS + len(stage_path) + len(query)

    def _check_url_length(self, request: HttpRequest) -> None:
        if self.url_length(request) > MAX_URL_CHARACTERS:
            raise GatewayError("DEFAULT_4XX", 414, "URI Too Long")

    def _route(self, request: HttpRequest) -> tuple[Route, dict[str, str]]:
        for route in self.routes:
            match = route.pattern.match(request.path)
            if match and route.method == request.method:
                return route, {name: unquote(value) for name, value in match.groupdict().items()}
        raise GatewayError("RESOURCE_NOT_FOUND", 404, f"no route {request.method} {request.path}")

    def _validator_settings(self, operation: Mapping[str, Any]) -> Mapping[str, Any]:
        name = operation.get(
            "x-amazon-apigateway-request-validator",
            self.document.get("x-amazon-apigateway-request-validator"),
        )
        validators: Mapping[str, Any] = self.document.get(
            "x-amazon-apigateway-request-validators", {}
        )
        return validators.get(name, {}) if name else {}

    def _content_type(self, request: HttpRequest) -> str:
        header = request.header("Content-Type") or DEFAULT_CONTENT_TYPE
        return header.split(";", 1)[0].strip().lower()

    def model_for(self, route: Route, content_type: str) -> Mapping[str, Any] | None:
        """The model a route's body is validated against, if it has one for the type."""
        content = (route.operation.get("requestBody") or {}).get("content", {})
        schema = (content.get(content_type) or {}).get("schema")
        if schema is None:
            return None
        reference = schema.get("$ref", "")
        if reference.startswith(SCHEMA_REFERENCE):
            return self.models[reference.removeprefix(SCHEMA_REFERENCE)]
        inline: Mapping[str, Any] = imported_model(schema)
        return inline

    def _validate(self, request: _Request) -> None:
        settings = self._validator_settings(request.route.operation)
        if settings.get("validateRequestParameters"):
            self._validate_parameters(request)
        if settings.get("validateRequestBody"):
            model = self.model_for(request.route, self._content_type(request.http))
            if model is not None:
                self._validate_body(request.http.body, model)

    def _validate_parameters(self, request: _Request) -> None:
        query = {name for name, _ in request.http.query}
        missing = [
            parameter["name"]
            for parameter in request.route.operation.get("parameters", [])
            if parameter.get("required")
            and (
                (parameter["in"] == "query" and parameter["name"] not in query)
                or (parameter["in"] == "header" and request.http.header(parameter["name"]) is None)
            )
        ]
        if missing:
            raise GatewayError(
                "BAD_REQUEST_PARAMETERS", 400, f"Missing required request parameters: {missing}"
            )

    def _validate_body(self, body: bytes, model: Mapping[str, Any]) -> None:
        problem: str | None
        # Nesting too deep for Python's recursion (in parsing, or in jsonschema's messages,
        # which repr the instance) is a bad body like any other, never a server error.
        try:
            document = parse_json(body.decode("utf-8"))
        except (InvalidJson, UnicodeDecodeError) as error:
            problem = f"[body: not valid JSON ({error})]"
        else:
            try:
                problem = validation_error_string(Draft4Validator(model), document)
            except RecursionError:
                problem = "[body: nested too deeply to validate]"
        if problem is not None:
            raise GatewayError("BAD_REQUEST_BODY", 400, "Invalid request body", problem)

    def _send_order(self, request: _Request, integration: SqsIntegration) -> HttpResponse:
        templates = request.route.operation["x-amazon-apigateway-integration"].get(
            "requestTemplates", {}
        )
        if self._content_type(request.http) not in templates:
            # passthroughBehavior `never`: no template for this content type, no integration.
            raise GatewayError("UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported Media Type")
        form = render_send_message(
            request.http.body.decode("utf-8", errors="replace"),
            request.request_id,
            request.received_epoch_ms,
        )
        with self._sending:
            sqs_status = self._send_message(integration.queue_url, send_message_kwargs(form))
        answer = render_order_response(
            self.document, sqs_status, request.request_id, request.received_epoch_ms
        )
        return HttpResponse(answer.status, answer.body.encode("utf-8"), dict(answer.headers))

    def _proxy(self, request: _Request, integration: LambdaProxyIntegration) -> HttpResponse:
        event = rest_proxy_event(
            request.http,
            ProxyRoute(request.route.template, request.route.method, self.stage),
            request.path_parameters,
            request.request_id,
            request.received_epoch_ms,
        )
        try:
            response = proxy_response(integration.invoke(event))
        except InvocationError:
            response = None
        if response is None:
            # What API Gateway answers when the function fails or its answer is unreadable.
            raise GatewayError("DEFAULT_5XX", 502, "Internal server error")
        return response

    def gateway_response(self, error: GatewayError, request_id: str) -> HttpResponse:
        """The document's gateway response for the error's type (or its DEFAULT_4XX/5XX)."""
        responses: Mapping[str, Any] = self.document.get(
            "x-amazon-apigateway-gateway-responses", {}
        )
        fallback = "DEFAULT_5XX" if error.status >= 500 else "DEFAULT_4XX"
        spec = responses.get(error.response_type) or responses.get(fallback) or {}
        template = spec.get("responseTemplates", {}).get(
            "application/json", '{"message": $context.error.messageString}'
        )
        context = {
            "requestId": request_id,
            "error": {
                "message": error.message,
                "messageString": json.dumps(error.message),
                "responseType": error.response_type,
                "validationErrorString": error.validation_error,
            },
        }
        body: str = airspeed.Template(template).merge({"context": context})
        headers = _literal_headers(spec.get("responseParameters", {}))
        return HttpResponse(
            int(spec.get("statusCode", error.status)),
            body.encode("utf-8"),
            {"Content-Type": "application/json", **headers},
        )
