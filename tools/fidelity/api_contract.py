"""The API each stack deploys, checked as API Gateway will read it.

The RestApi `body` recorded for the stack (not the source file) must be a valid OpenAPI
document whose models are draft-04 schemas, and its SQS integration must be the template
`tools.local_run.sqs_integration` renders with a real Velocity engine (airspeed), produce a
SendMessage form carrying the order unchanged, answer 202 with the request id and a
Location that is a GET route of the same document, and post to a queue of the same stack.
Its request body models and parameters must not rely on what the import leaves out of
request validation (`tools.fidelity.import_caveats`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import airspeed
from jsonschema import Draft4Validator
from openapi_spec_validator import OpenAPIV30SpecValidator

from api.mapping_templates import send_message_template
from api.openapi import operations
from handlers import contract
from tools.fidelity.import_caveats import check_import_caveats
from tools.fidelity.recorded_stack import Finding, Stack, json_document, label
from tools.local_run.sqs_integration import (
    render_order_response,
    render_send_message,
    send_message_kwargs,
)

REST_API = "aws:apigateway/restApi:RestApi"
QUEUE = "aws:sqs/queue:Queue"
SQS_INTEGRATION_URI = re.compile(
    r"^arn:aws:apigateway:(?P<region>[a-z0-9-]+):sqs:path/(?P<account>\d{12})/(?P<queue>[\w.-]+)$"
)
SAMPLE_ORDER = '{"orderId": "123", "customerId": "456", "items": ["item1", "item2"]}'
SAMPLE_REQUEST_ID = "c0ffee00-0000-4000-8000-000000000000"
SAMPLE_REQUEST_EPOCH_MS = 1_767_225_600_000
QUEUED_STATUS = 202
SQS_OK, SQS_FAILED = 200, 500
SERVER_ERROR = 500
MESSAGE_CHARS = 200


def sqs_integrations(
    document: Mapping[str, Any],
) -> Iterator[tuple[str, str, dict[str, Any], re.Match[str]]]:
    """Every route integrated straight with SQS, with its parsed integration URI."""
    for path, method, operation in operations(document):
        integration = operation.get("x-amazon-apigateway-integration", {})
        uri = SQS_INTEGRATION_URI.match(str(integration.get("uri", "")))
        if uri is not None:
            yield path, method, integration, uri


def _document_problems(document: Mapping[str, Any]) -> Iterator[str]:
    for error in OpenAPIV30SpecValidator(document).iter_errors():
        yield f"OpenAPI: {_shortened(error.message)} at {'/'.join(map(str, error.path))}"
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        for error in Draft4Validator(Draft4Validator.META_SCHEMA).iter_errors(schema):
            yield f"model {name} is not a draft-04 schema: {_shortened(error.message)}"


def _shortened(message: str) -> str:
    """Validators quote the whole offending value; a line is enough to find it."""
    return message if len(message) <= MESSAGE_CHARS else message[: MESSAGE_CHARS - 1] + "…"


def _integration_problems(
    stack: Stack,
    document: Mapping[str, Any],
    where: str,
    integration: Mapping[str, Any],
    uri: re.Match[str],
    *,
    path: str,
) -> Iterator[str]:
    queues = {str(queue.state["name"]) for queue in stack.of_type(QUEUE)}
    here = (uri["region"], uri["account"]) == (stack.region, stack.account)
    if not here or uri["queue"] not in queues:
        yield (
            f"{where} posts to {uri['queue']} in {uri['account']}/{uri['region']}: "
            "no queue of this stack"
        )
    template = integration.get("requestTemplates", {}).get("application/json")
    if template != send_message_template():
        yield f"{where} deploys a request template other than api.mapping_templates renders"
        return
    try:
        form = render_send_message(SAMPLE_ORDER, SAMPLE_REQUEST_ID, SAMPLE_REQUEST_EPOCH_MS)
        message = send_message_kwargs(form)
    except (airspeed.TemplateError, ValueError) as error:
        yield f"{where}: the request template does not render a SendMessage form: {error}"
        return
    if message["MessageBody"] != SAMPLE_ORDER:
        yield f"{where} changes the order on its way to SQS: {message['MessageBody']!r}"
    attributes = message.get("MessageAttributes", {})
    expected = {
        contract.REQUEST_ID_ATTRIBUTE: SAMPLE_REQUEST_ID,
        contract.RECEIVED_AT_ATTRIBUTE: str(SAMPLE_REQUEST_EPOCH_MS),
    }
    carried = {name: value.get("StringValue") for name, value in attributes.items()}
    if carried != expected:
        yield f"{where} sends message attributes {carried}, expected {expected}"
    yield from _response_problems(document, where, path)


def _is_get_route(document: Mapping[str, Any], path: str) -> bool:
    """True when a GET of the document serves `path` (`{name}` matches one segment)."""
    for template, method, _ in operations(document):
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
        if method == "get" and re.fullmatch(pattern, path):
            return True
    return False


def _monitor_problems(
    document: Mapping[str, Any], where: str, path: str, location: str | None, answer: Any
) -> Iterator[str]:
    if location is None:
        yield f"{where} answers a queued order without a Location"
        return
    if answer.get("links", {}).get("monitor") != location:
        yield f"{where} links a monitor other than its Location {location!r}"
    # Resolved against the URL the client posted to, as RFC 9110 resolves a Location.
    monitor = urlsplit(urljoin(f"https://api.example{path}", location)).path
    if not _is_get_route(document, monitor):
        yield f"{where} answers with Location {location!r}, which no GET of the API serves"


def _response_problems(document: Mapping[str, Any], where: str, path: str) -> Iterator[str]:
    queued = render_order_response(document, SQS_OK, SAMPLE_REQUEST_ID, SAMPLE_REQUEST_EPOCH_MS)
    answer = json_document(queued.body)
    if queued.status != QUEUED_STATUS or not isinstance(answer, dict):
        yield f"{where} answers a queued order with {queued.status} {queued.body!r}"
    elif answer.get("requestId") != SAMPLE_REQUEST_ID:
        yield f"{where} does not return the request id: {queued.body!r}"
    else:
        location = queued.headers.get("Location")
        yield from _monitor_problems(document, where, path, location, answer)
    failed = render_order_response(document, SQS_FAILED, SAMPLE_REQUEST_ID, SAMPLE_REQUEST_EPOCH_MS)
    if failed.status < SERVER_ERROR:
        yield f"{where} answers an SQS failure with {failed.status}"


def check_api_documents(stack: Stack) -> list[Finding]:
    findings: list[Finding] = []
    for api in stack.of_type(REST_API):
        document = json_document(str(api.inputs.get("body", "")))
        if not isinstance(document, dict):
            findings.append(Finding("api", label(api), "body is not a JSON OpenAPI document"))
            continue
        problems = list(_document_problems(document))
        for path, method, integration, uri in sqs_integrations(document):
            where = f"{method.upper()} {path}"
            problems += _integration_problems(stack, document, where, integration, uri, path=path)
        findings += [Finding("api", label(api), problem) for problem in problems]
    return findings + check_import_caveats(stack)


def document_of(stack: Stack) -> dict[str, Any]:
    """The one API document of a stack, parsed (for tests and mutations)."""
    (api,) = stack.of_type(REST_API)
    parsed: dict[str, Any] = json.loads(api.inputs["body"])
    return parsed
