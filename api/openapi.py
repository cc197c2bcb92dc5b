"""The API's OpenAPI document, filled in for one deployment.

`openapi.yaml` holds the routes, integrations and responses; the models come from the
handlers' schemas, the request template from `templates/`, and what exists only once the
stack does (queue, roles, functions) from `DeploymentValues`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from api.mapping_templates import order_accepted_template, send_message_template
from api.placeholders import fill_structure
from api.problem_templates import gateway_responses, integration_problem
from api.request_model import (
    DRAFT_04,
    identifier_model,
    order_request_model,
    status_change_model,
)
from handlers.order_status import OrderStatus
from handlers.orders import RejectionReason
from handlers.submission_records import SubmissionStatus
from handlers.submissions import SUBMISSION_ID

DOCUMENT_PATH = Path(__file__).resolve().parent / "openapi.yaml"
SCHEMA_REFERENCE = "#/components/schemas/"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@dataclass(frozen=True)
class DeploymentValues:
    """What the document needs from the stack; known only once its resources exist."""

    region: str
    queue_path: str
    """`<account id>/<queue name>`: where API Gateway posts SendMessage."""
    api_role_arn: str
    """The role API Gateway assumes to send to the queue."""
    reader_invoke_arn: str
    status_updater_invoke_arn: str


def _embedded(model: Mapping[str, Any]) -> dict[str, Any]:
    """A model as an OpenAPI 3.0 schema object, which has no `$schema` keyword;
    API Gateway stores components as draft-04 models on import."""
    return {keyword: value for keyword, value in model.items() if keyword != "$schema"}


def _source_values() -> dict[str, Any]:
    return {
        "orderModel": _embedded(order_request_model()),
        "statusChangeModel": _embedded(status_change_model()),
        "identifierSchema": _embedded(identifier_model()),
        "orderStatusSchema": {"type": "string", "enum": [status.value for status in OrderStatus]},
        "sendMessageTemplate": send_message_template(),
        "orderAcceptedTemplate": order_accepted_template(),
        "submissionIdPattern": f"^{SUBMISSION_ID.pattern}$",
        "rejectionReasons": [reason.value for reason in RejectionReason],
        "submissionStatusSchema": {
            "type": "string",
            "enum": [status.value for status in SubmissionStatus],
        },
        "gatewayResponses": gateway_responses(),
        "orderTooLargeProblem": integration_problem(
            413, "The order is larger than the queue accepts."
        ),
        "orderNotQueuedProblem": integration_problem(
            500, "The order could not be queued; nothing was stored."
        ),
        "queueUnavailableProblem": integration_problem(
            503, "The order queue is unavailable; nothing was stored, retry later."
        ),
    }


def operations(document: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, operation) of the document."""
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def request_body_model_names(document: Mapping[str, Any]) -> list[str]:
    """The models some route validates a body against, sorted; the same in the source
    document as in a filled one, so the program knows them before any Output resolves."""
    names = {
        schema["$ref"].removeprefix(SCHEMA_REFERENCE)
        for _, _, operation in operations(document)
        for content in (operation.get("requestBody") or {}).get("content", {}).values()
        if (schema := content.get("schema") or {}).get("$ref", "").startswith(SCHEMA_REFERENCE)
    }
    return sorted(names)


def source_document() -> dict[str, Any]:
    """`openapi.yaml` as written, placeholders and all."""
    document: dict[str, Any] = yaml.safe_load(DOCUMENT_PATH.read_text(encoding="utf-8"))
    return document


def model_schema(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A model of the document as the Model API takes it: a standalone draft-04 schema."""
    return {"$schema": DRAFT_04, **document["components"]["schemas"][name]}


def openapi_document(deployment: DeploymentValues, *, signed: bool = True) -> dict[str, Any]:
    """The document for one deployment; `signed=False` drops SigV4 from every route."""
    document: dict[str, Any] = fill_structure(
        source_document(),
        {
            **_source_values(),
            "region": deployment.region,
            "queuePath": deployment.queue_path,
            "apiRoleArn": deployment.api_role_arn,
            "readerInvokeArn": deployment.reader_invoke_arn,
            "statusUpdaterInvokeArn": deployment.status_updater_invoke_arn,
        },
    )
    if not signed:
        for _, _, operation in operations(document):
            del operation["security"]
        del document["components"]["securitySchemes"]
    return document


def document_text(document: Mapping[str, Any]) -> str:
    """The canonical JSON text of a document: equal documents, equal text."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def document_digest(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(document_text(document).encode("utf-8")).hexdigest()


def integration_response(
    document: Mapping[str, Any], path: str, method: str, integration_status: int
) -> dict[str, Any]:
    """The integration response API Gateway selects for a status from a (non-proxy)
    integration: the one whose selection pattern matches the whole status, else `default`."""
    responses: dict[str, dict[str, Any]] = document["paths"][path][method][
        "x-amazon-apigateway-integration"
    ]["responses"]
    matches = [
        response
        for pattern, response in responses.items()
        if pattern != "default" and re.fullmatch(pattern, str(integration_status))
    ]
    if len(matches) > 1:
        raise ValueError(f"status {integration_status} matches several selection patterns")
    return matches[0] if matches else responses["default"]
