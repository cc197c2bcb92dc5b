"""The API document each stack deploys: valid OpenAPI with draft-04 models, and an SQS
integration that renders (airspeed) into the SendMessage form for a queue of the stack."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from tools.fidelity import api_contract
from tools.fidelity.api_contract import REST_API, check_api_documents, document_of
from tools.fidelity.recorded_stack import Stack

ORDERS = "/orders"


def test_both_stacks_deploy_a_valid_api(stack: Stack) -> None:
    findings = check_api_documents(stack)
    assert not findings, "\n".join(map(str, findings))


def test_the_sqs_integration_is_checked_in_both_stacks(stack: Stack) -> None:
    routes = [
        (path, method) for path, method, *_ in api_contract.sqs_integrations(document_of(stack))
    ]
    assert routes == [(ORDERS, "post")]


def _with_document(stack: Stack, edit: Callable[[dict[str, Any]], None]) -> Stack:
    document = document_of(stack)
    edit(document)
    (api,) = stack.of_type(REST_API)
    return stack.with_inputs(REST_API, api.name, body=json.dumps(document))


def _integration(document: dict[str, Any]) -> dict[str, Any]:
    integration: dict[str, Any] = document["paths"][ORDERS]["post"][
        "x-amazon-apigateway-integration"
    ]
    return integration


def _drop_info(document: dict[str, Any]) -> None:
    del document["info"]


def _break_model(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["Order"]["type"] = "thing"


def _queue_of_another_stack(document: dict[str, Any]) -> None:
    _integration(document)["uri"] = (
        "arn:aws:apigateway:eu-west-1:sqs:path/123456789012/orders-queue"
    )


def _edited_template(document: dict[str, Any]) -> None:
    _integration(document)["requestTemplates"]["application/json"] += "&DelaySeconds=5"


def _answer_200(document: dict[str, Any]) -> None:
    for response in _integration(document)["responses"].values():
        if response["statusCode"] == "202":
            response["statusCode"] = "200"


CASES = [
    # jsonschema quotes the property as 'info', its Rust backend (when installed) as "info".
    pytest.param(
        _drop_info, re.compile(r"OpenAPI: ['\"]info['\"] is a required property"), id="openapi"
    ),
    pytest.param(_break_model, "model Order is not a draft-04 schema", id="model"),
    pytest.param(
        _queue_of_another_stack,
        "POST /orders posts to orders-queue in 123456789012/eu-west-1: no queue of this stack",
        id="queue",
    ),
    pytest.param(
        _edited_template,
        "POST /orders deploys a request template other than api.mapping_templates renders",
        id="template",
    ),
    pytest.param(_answer_200, "POST /orders answers a queued order with 200", id="response"),
]


@pytest.mark.parametrize(("edit", "expected"), CASES)
def test_a_broken_document_is_reported(
    dev: Stack, edit: Callable[[dict[str, Any]], None], expected: str | re.Pattern[str]
) -> None:
    messages = [finding.message for finding in check_api_documents(_with_document(dev, edit))]
    pattern = expected if isinstance(expected, re.Pattern) else re.compile(re.escape(expected))
    assert any(pattern.match(message) for message in messages), messages


def test_a_template_velocity_cannot_render_is_reported(
    dev: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = "Action=SendMessage&MessageBody=$util.urlEncode($input.body"
    monkeypatch.setattr(api_contract, "send_message_template", lambda: broken)
    monkeypatch.setattr("tools.local_run.sqs_integration.send_message_template", lambda: broken)

    def deploy_broken(document: dict[str, Any]) -> None:
        _integration(document)["requestTemplates"]["application/json"] = broken

    messages = [f.message for f in check_api_documents(_with_document(dev, deploy_broken))]
    assert len(messages) == 1
    assert messages[0].startswith(
        "POST /orders: the request template does not render a SendMessage form:"
    )
