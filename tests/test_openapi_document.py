"""THE OpenAPI document, as each stack deploys it: valid, complete, and what the edge enforces."""

from __future__ import annotations

import json
import re
import uuid
from functools import cache
from typing import Any

import pytest
from openapi_spec_validator import validate

from api.openapi import (
    DOCUMENT_PATH,
    DeploymentValues,
    integration_response,
    openapi_document,
    operations,
)
from api.placeholders import PlaceholderError, fill_structure, fill_text
from api.request_model import order_request_model, status_change_model
from tools.pulumi_mocks.program import ProgramRun, run_program
from tools.pulumi_mocks.recording import ACCOUNT_ID

REST_API = ("aws:apigateway/restApi:RestApi", "orders-api")
UNSIGNED = {"order-pipeline:apiAuth": "none"}


@cache
def _run(stack: str, unsigned: bool = False) -> ProgramRun:
    return run_program(stack, UNSIGNED if unsigned else None)


def _deployed(stack: str, unsigned: bool = False) -> dict[str, Any]:
    body = _run(stack, unsigned).mocks.named(*REST_API).inputs["body"]
    document: dict[str, Any] = json.loads(body)
    return document


def _physical(run: ProgramRun, type_: str, name: str) -> dict[str, Any]:
    return run.mocks.named(type_, name).state


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stack_deploys_a_valid_openapi_3_document(stack: str) -> None:
    document = _deployed(stack)
    validate(document)
    assert document["openapi"].startswith("3.0")
    assert "${" not in json.dumps(document)


def test_an_unsigned_stack_also_deploys_a_valid_document() -> None:
    validate(_deployed("dev", unsigned=True))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_document_is_filled_with_the_stacks_own_resources(stack: str) -> None:
    run = _run(stack)
    document = _deployed(stack)
    queue = _physical(run, "aws:sqs/queue:Queue", "orders-queue")
    role = _physical(run, "aws:iam/role:Role", "orders-queue-sender")
    reader = _physical(run, "aws:lambda/function:Function", "orders-reader-function")
    updater = _physical(run, "aws:lambda/function:Function", "orders-status-updater-function")

    post = document["paths"]["/orders"]["post"]["x-amazon-apigateway-integration"]
    assert post["uri"] == f"arn:aws:apigateway:eu-west-1:sqs:path/{ACCOUNT_ID}/{queue['name']}"
    assert post["credentials"] == role["arn"]
    order_path = document["paths"]["/orders/{orderId}"]
    customer_path = document["paths"]["/customers/{customerId}/orders"]
    assert order_path["get"]["x-amazon-apigateway-integration"]["uri"] == reader["invoke_arn"]
    assert customer_path["get"]["x-amazon-apigateway-integration"]["uri"] == reader["invoke_arn"]
    assert order_path["patch"]["x-amazon-apigateway-integration"]["uri"] == updater["invoke_arn"]


def test_routes_are_exactly_the_five_of_the_api() -> None:
    routes = {(method.upper(), path) for path, method, _ in operations(_deployed("dev"))}
    assert routes == {
        ("POST", "/orders"),
        ("GET", "/orders/{orderId}"),
        ("PATCH", "/orders/{orderId}"),
        ("GET", "/customers/{customerId}/orders"),
        ("GET", "/submissions/{submissionId}"),
    }


def test_every_route_needs_a_sigv4_signature_by_default() -> None:
    document = _deployed("prod")
    scheme = document["components"]["securitySchemes"]["sigv4"]
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4"
    for _, _, operation in operations(document):
        assert operation["security"] == [{"sigv4": []}]


def test_apiauth_none_removes_signing_from_every_route() -> None:
    document = _deployed("dev", unsigned=True)
    assert "securitySchemes" not in document["components"]
    for _, _, operation in operations(document):
        assert "security" not in operation


def test_bodies_are_validated_against_models_derived_from_the_schemas() -> None:
    document = _deployed("dev")
    validators = document["x-amazon-apigateway-request-validators"]
    schemas = document["components"]["schemas"]
    for path, method, model, derived in (
        ("/orders", "post", "Order", order_request_model()),
        ("/orders/{orderId}", "patch", "StatusChange", status_change_model()),
    ):
        operation = document["paths"][path][method]
        validator = validators[operation["x-amazon-apigateway-request-validator"]]
        assert validator == {"validateRequestBody": True, "validateRequestParameters": True}
        content = operation["requestBody"]["content"]
        assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
        derived.pop("$schema")  # OpenAPI 3.0 schema objects have no dialect keyword
        assert schemas[model] == derived


def test_orders_go_straight_to_sqs_as_a_url_encoded_form() -> None:
    integration = _deployed("dev")["paths"]["/orders"]["post"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws"
    assert integration["httpMethod"] == "POST"
    # Only JSON has a template: other content types are refused, never passed through.
    assert integration["passthroughBehavior"] == "never"
    assert list(integration["requestTemplates"]) == ["application/json"]
    header = integration["requestParameters"]["integration.request.header.Content-Type"]
    assert header == "'application/x-www-form-urlencoded'"
    template = integration["requestTemplates"]["application/json"]
    assert template.startswith("## ")
    assert "$util.urlEncode($input.body)" in template
    assert "$context.requestTimeEpoch" in template


def test_every_sqs_status_selects_exactly_one_integration_response() -> None:
    document = _deployed("dev")
    answers = {
        status: integration_response(document, "/orders", "post", status)["statusCode"]
        for status in range(200, 600)
    }
    assert {answers[status] for status in range(200, 300)} == {"202"}
    assert answers[400] == "413"
    assert {answers[status] for status in range(401, 500)} == {"500"}
    assert {answers[status] for status in range(500, 600)} == {"503"}
    declared = set(document["paths"]["/orders"]["post"]["responses"])
    assert set(answers.values()) <= declared


def test_invalid_bodies_get_a_problem_400_with_the_request_id() -> None:
    responses = _deployed("dev")["x-amazon-apigateway-gateway-responses"]
    bad_body = responses["BAD_REQUEST_BODY"]
    assert bad_body["statusCode"] == "400"
    template = bad_body["responseTemplates"]["application/json"]
    assert '"requestId":"$context.requestId"' in template
    assert '"status":400' in template
    for fallback in ("DEFAULT_4XX", "DEFAULT_5XX"):
        template = responses[fallback]["responseTemplates"]["application/json"]
        assert "$context.error.messageString" in template
        assert "$context.requestId" in template


def test_gateway_response_templates_are_json_once_filled() -> None:
    # Gateway responses only substitute variables; fill them as API Gateway would, with
    # messages holding what JSON must escape (messageString is the quoted message).
    responses = _deployed("dev")["x-amazon-apigateway-gateway-responses"]
    nasty = 'say "no" \\ twice'
    values = {
        "$context.error.validationErrorString": nasty,
        "$context.error.messageString": json.dumps(nasty),
        "$context.requestId": "req-1",
    }
    for response in responses.values():
        text = response["responseTemplates"]["application/json"]
        for variable, value in values.items():
            text = text.replace(variable, value)
        assert json.loads(text)["requestId"] == "req-1"


def test_no_binary_media_types_so_bodies_reach_the_template_as_text() -> None:
    assert _deployed("dev")["x-amazon-apigateway-binary-media-types"] == []


def test_path_ids_are_documented_with_the_schema_identifier_rule() -> None:
    document = _deployed("dev")
    identifier = document["components"]["schemas"]["OrderView"]["properties"]["orderId"]
    submission = document["components"]["schemas"]["Submission"]["properties"]["submissionId"]
    for path, _, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                expected = submission if parameter["name"] == "submissionId" else identifier
                assert parameter["schema"] == expected
                assert f"{{{parameter['name']}}}" in path
    assert re.fullmatch(identifier["pattern"], "order-1")
    assert re.fullmatch(submission["pattern"], f"1764064800123-{uuid.UUID(int=1)}")
    assert not re.fullmatch(submission["pattern"], "order-1")


def test_the_source_document_has_a_value_for_every_placeholder() -> None:
    values = DeploymentValues("r", "1/q", "role", "reader", "updater")
    assert openapi_document(values) != openapi_document(values, signed=False)
    assert "${queuePath}" in DOCUMENT_PATH.read_text()


def test_placeholders_must_match_their_values_exactly() -> None:
    assert fill_text("a ${x} b", {"x": "1"}) == "a 1 b"
    assert fill_structure({"k": "${x}", "l": ["${y}z"]}, {"x": {"deep": 1}, "y": "Y"}) == {
        "k": {"deep": 1},
        "l": ["Yz"],
    }
    with pytest.raises(PlaceholderError, match=r"without a value: \['y'\]"):
        fill_text("${x}${y}", {"x": "1"})
    with pytest.raises(PlaceholderError, match=r"values unused: \['z'\]"):
        fill_structure({"k": "${x}"}, {"x": "1", "z": "2"})
    # A filled-in value is not searched again: templates may contain their own ${...}.
    assert fill_structure({"k": "${x}"}, {"x": "${y}"}) == {"k": "${y}"}
