"""Request body models written again through the Model API after every import of the body,
so that API Gateway validates with every rule of the schema (components/model_schema.py)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pulumi
import pytest
from botocore.stub import Stubber
from pulumi.dynamic.dynamic import serialize_provider

from api.openapi import document_digest
from api.request_model import DRAFT_04
from components.model_schema import MODEL_SCHEMA_TYPE, ModelSchemaProvider
from components.order_api import OrderApi, OrderApiArgs
from tests.factories import settings_for
from tests.pulumi_harness import OutputChecks, registered
from tools.pulumi_mocks.recording import ACCOUNT_ID, RecordingMocks
from tools.repository import REPO_ROOT

REST_API = "aws:apigateway/restApi:RestApi"
PROPS = {
    "restApiId": "a1b2c3",
    "modelName": "Order",
    "schema": '{"type": "array", "minItems": 1}',
    "region": "eu-west-1",
    "importDigest": "digest-1",
}


def _api() -> OrderApi:
    settings = settings_for("dev")
    queue = f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:orders"
    return OrderApi(
        "orders",
        OrderApiArgs(
            queue_arn=queue,
            queue_url=f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT_ID}/orders",
            table_name="orders",
            table_arn=f"arn:aws:dynamodb:eu-west-1:{ACCOUNT_ID}:table/orders",
            customer_index_arn=f"arn:aws:dynamodb:eu-west-1:{ACCOUNT_ID}:table/orders/index/c",
            submission_index_arn=f"arn:aws:dynamodb:eu-west-1:{ACCOUNT_ID}:table/orders/index/r",
            submissions_table_name="submissions",
            submissions_table_arn=f"arn:aws:dynamodb:eu-west-1:{ACCOUNT_ID}:table/submissions",
            settings=settings.api,
            functions=settings.function_context,
        ),
    )


@pulumi.runtime.test
def test_every_request_body_model_is_written_again_after_each_import(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    api = _api()

    def check(_: object) -> None:
        body = pulumi_mocks.named(REST_API, "orders-api").inputs["body"]
        document = json.loads(body)
        written = {r.inputs["modelName"]: r.inputs for r in pulumi_mocks.of_type(MODEL_SCHEMA_TYPE)}
        assert sorted(written) == ["Order", "StatusChange"]
        for name, inputs in written.items():
            schema = json.loads(inputs["schema"])
            assert schema == {"$schema": DRAFT_04, **document["components"]["schemas"][name]}
            assert inputs["restApiId"] == "orders-api-id"
            assert inputs["region"] == "eu-west-1"
            assert inputs["importDigest"] == document_digest(document)
        items = json.loads(written["Order"]["schema"])["properties"]["items"]
        assert (items["minItems"], items["maxItems"]) == (1, 100)

    return checks.that(registered(api), check)


@pytest.fixture
def apigateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client("apigateway", region_name="eu-west-1")
    regions: list[str] = []

    def client_for(service: str, region_name: str) -> Any:
        assert service == "apigateway"
        regions.append(region_name)
        return client

    monkeypatch.setattr(boto3, "client", client_for)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    assert set(regions) == {"eu-west-1"}


def _expect_update(stubber: Stubber, schema: str) -> None:
    stubber.add_response(
        "update_model",
        {"name": "Order"},
        {
            "restApiId": "a1b2c3",
            "modelName": "Order",
            "patchOperations": [{"op": "replace", "path": "/schema", "value": schema}],
        },
    )


def test_creating_replaces_the_imported_schema_with_the_whole_one(apigateway: Stubber) -> None:
    _expect_update(apigateway, PROPS["schema"])
    created = ModelSchemaProvider().create(dict(PROPS))
    assert created.id == "a1b2c3/Order"


def test_a_new_import_or_schema_writes_it_again_in_place(apigateway: Stubber) -> None:
    provider = ModelSchemaProvider()
    reimported = {**PROPS, "importDigest": "digest-2"}
    diff = provider.diff("a1b2c3/Order", dict(PROPS), reimported)
    assert (diff.changes, diff.replaces) == (True, [])
    assert provider.diff("a1b2c3/Order", dict(PROPS), dict(PROPS)).changes is False
    _expect_update(apigateway, PROPS["schema"])
    provider.update("a1b2c3/Order", dict(PROPS), reimported)


def test_another_api_or_model_is_another_resource() -> None:
    diff = ModelSchemaProvider().diff(
        "a1b2c3/Order", dict(PROPS), {**PROPS, "restApiId": "z9", "modelName": "Other"}
    )
    assert diff.replaces == ["restApiId", "modelName"]


def test_the_provider_host_can_load_the_provider_from_the_project_directory() -> None:
    """Pulumi pickles the provider (dill) into the state, by reference to its module: the
    dynamic provider host, started in the project directory, must import it, without an
    engine and without registering anything."""
    serialized = serialize_provider(ModelSchemaProvider())
    assert b"components.model_schema" in base64.b64decode(serialized)
    loaded = subprocess.run(  # noqa: S603 - our own interpreter loading our own provider
        [
            sys.executable,
            "-c",
            "import base64, sys, dill; provider = dill.loads(base64.b64decode(sys.argv[1]));"
            " print(type(provider).__name__, callable(provider.update))",
            serialized,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.split() == ["ModelSchemaProvider", "True"]
