"""Each API handler serves exactly the routes the OpenAPI document integrates with it.

API Gateway routes a request to a function by the document; the function looks the matched
route up in its own table (`handlers.rest_api`). A route in one and not the other is a 404
from a function, or a function that nothing calls.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest

from api.openapi import DeploymentValues, openapi_document, operations
from handlers import contract
from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT

READER_ARN = "reader-invoke-arn"
STATUS_UPDATER_ARN = "status-updater-invoke-arn"


@pytest.fixture(scope="module")
def integrated_routes() -> dict[str, set[tuple[str, str]]]:
    """The document's (METHOD, path) pairs, by the invoke ARN of the function serving them."""
    document = openapi_document(
        DeploymentValues("eu-west-1", "1/q", "role", READER_ARN, STATUS_UPDATER_ARN)
    )
    routes: dict[str, set[tuple[str, str]]] = {}
    for path, method, operation in operations(document):
        integration = operation["x-amazon-apigateway-integration"]
        if integration["type"] == "aws_proxy":
            routes.setdefault(integration["uri"], set()).add((method.upper(), path))
    return routes


@pytest.fixture(scope="module")
def handler_modules() -> Iterator[dict[str, ModuleType]]:
    with pytest.MonkeyPatch.context() as environment:
        for name, value in {
            **FAKE_AWS_ENVIRONMENT,
            contract.ORDERS_TABLE_ENV: "orders",
            contract.SUBMISSIONS_TABLE_ENV: "submissions",
        }.items():
            environment.setenv(name, value)
        yield {
            READER_ARN: importlib.import_module("handlers.reader"),
            STATUS_UPDATER_ARN: importlib.import_module("handlers.status_updater"),
        }


@pytest.mark.parametrize("invoke_arn", [READER_ARN, STATUS_UPDATER_ARN])
def test_a_handlers_routes_are_the_documents_routes_for_it(
    invoke_arn: str,
    integrated_routes: dict[str, set[tuple[str, str]]],
    handler_modules: dict[str, ModuleType],
) -> None:
    assert set(handler_modules[invoke_arn].ROUTES) == integrated_routes[invoke_arn]


def test_every_lambda_integration_of_the_document_has_a_handler(
    integrated_routes: dict[str, set[tuple[str, str]]],
) -> None:
    assert set(integrated_routes) == {READER_ARN, STATUS_UPDATER_ARN}
