"""The reader against moto: one order by id, a customer's orders newest first, page by page,
and every answer shaped as the OpenAPI document says."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer
from moto import mock_aws
from openapi_schema_validator import OAS30Validator

from api.openapi import DeploymentValues, openapi_document
from handlers import contract
from handlers.api_input import encode_cursor
from handlers.orders import new_order_item, parse_order, timestamp_from_epoch_millis
from tests.api_gateway_events import json_body, proxy_event
from tools.aws_doubles.lambda_events import LocalLambdaContext
from tools.aws_doubles.moto_setup import (
    FAKE_AWS_ENVIRONMENT,
    create_order_table,
    create_submissions_table,
)

ORDER = "/orders/{orderId}"
CUSTOMER_ORDERS = "/customers/{customerId}/orders"
FIRST_ORDER_MILLIS = 1764064800000

COMPONENTS = openapi_document(DeploymentValues("eu-west-1", "1/q", "role", "r", "u"))["components"]


def _conforms(schema_name: str, body: Any) -> None:
    """Validate against a component schema of THE document, references and all."""
    schema = {**COMPONENTS["schemas"][schema_name], "components": COMPONENTS}
    OAS30Validator(schema).validate(body)


@dataclass
class Reader:
    module: ModuleType
    dynamodb: Any

    def store(self, body: dict[str, Any], created_millis: int) -> None:
        item = new_order_item(
            parse_order(json.dumps(body)), created_at=timestamp_from_epoch_millis(created_millis)
        )
        serializer = TypeSerializer()
        self.dynamodb.put_item(
            TableName="orders",
            Item={key: serializer.serialize(value) for key, value in item.items()},
        )

    def get(self, resource: str, path: dict[str, str], **query: str) -> dict[str, Any]:
        event = proxy_event("GET", resource, path, query=query or None)
        response: dict[str, Any] = self.module.handler(event, LocalLambdaContext("reader"))
        return response


@pytest.fixture(scope="module")
def _reader_in_moto() -> Iterator[Reader]:
    """One mock, table and handler import for the module: creating clients is the slow part."""
    with pytest.MonkeyPatch.context() as environment, mock_aws():
        for name, value in {
            **FAKE_AWS_ENVIRONMENT,
            contract.ORDERS_TABLE_ENV: "orders",
            contract.SUBMISSIONS_TABLE_ENV: "submissions",
        }.items():
            environment.setenv(name, value)
        dynamodb = boto3.client("dynamodb")
        create_order_table(dynamodb)
        create_submissions_table(dynamodb)
        # The handler creates its client at import: import it inside the mock.
        module = sys.modules.get("handlers.reader")
        yield Reader(
            importlib.reload(module) if module else importlib.import_module("handlers.reader"),
            dynamodb,
        )


@pytest.fixture
def reader(_reader_in_moto: Reader) -> Reader:
    """The shared reader over an empty table."""
    table = _reader_in_moto.dynamodb
    for page in table.get_paginator("scan").paginate(TableName="orders"):
        for item in page["Items"]:
            table.delete_item(
                TableName="orders", Key={contract.ORDER_KEY: item[contract.ORDER_KEY]}
            )
    return _reader_in_moto


def _order(order_id: str, customer_id: str = "c-1", *items: Any) -> dict[str, Any]:
    return {"orderId": order_id, "customerId": customer_id, "items": list(items) or ["sku-1"]}


def test_a_stored_order_is_read_back_as_json(reader: Reader) -> None:
    reader.store(
        _order("o-1", "c-1", "item1", {"sku": "A-1", "quantity": 2, "unitPrice": "9.9"}),
        FIRST_ORDER_MILLIS,
    )

    response = reader.get(ORDER, {"orderId": "o-1"})

    assert response["statusCode"] == 200
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    order = json_body(response)
    assert order["orderId"] == "o-1"
    assert order["status"] == "PENDING"
    assert order["items"] == [
        {"sku": "item1", "quantity": 1},
        {"sku": "A-1", "quantity": 2, "unitPrice": "9.90"},
    ]
    assert order["version"] == 1
    assert order["createdAt"] == timestamp_from_epoch_millis(FIRST_ORDER_MILLIS)
    assert "fingerprint" not in order
    _conforms("OrderView", order)


def test_an_unknown_order_is_404(reader: Reader) -> None:
    response = reader.get(ORDER, {"orderId": "never-stored"})
    assert response["statusCode"] == 404
    assert "never-stored" in json_body(response)["detail"]
    _conforms("Problem", json_body(response))


@pytest.mark.parametrize(
    ("resource", "path"),
    [(ORDER, {"orderId": "bad id"}), (CUSTOMER_ORDERS, {"customerId": "-x"})],
)
def test_ids_the_schema_forbids_are_400(
    reader: Reader, resource: str, path: dict[str, str]
) -> None:
    response = reader.get(resource, path)
    assert response["statusCode"] == 400
    assert "not a valid identifier" in json_body(response)["detail"]
    _conforms("Problem", json_body(response))


def test_a_customers_orders_come_newest_first_page_by_page(reader: Reader) -> None:
    # GIVEN five orders of one customer, one minute apart, and one of another customer
    for minute in range(5):
        reader.store(_order(f"o-{minute}"), FIRST_ORDER_MILLIS + minute * 60_000)
    reader.store(_order("other", "c-2"), FIRST_ORDER_MILLIS + 30_000)

    # WHEN the listing is read two at a time, following each page's cursor
    pages: list[list[str]] = []
    query: dict[str, str] = {"limit": "2"}
    while True:
        response = reader.get(CUSTOMER_ORDERS, {"customerId": "c-1"}, **query)
        assert response["statusCode"] == 200
        page = json_body(response)
        _conforms("OrderPage", page)
        pages.append([order["orderId"] for order in page["orders"]])
        if "nextCursor" not in page:
            break
        query = {"limit": "2", "cursor": page["nextCursor"]}

    # THEN every order of that customer comes exactly once, newest first
    listed = [order_id for page in pages for order_id in page]
    assert listed == ["o-4", "o-3", "o-2", "o-1", "o-0"]
    assert all(len(page) <= 2 for page in pages)


def test_a_page_holds_20_by_default_and_never_more_than_100(reader: Reader) -> None:
    for number in range(101):
        reader.store(_order(f"o-{number}"), FIRST_ORDER_MILLIS + number)

    default = json_body(reader.get(CUSTOMER_ORDERS, {"customerId": "c-1"}))
    capped = json_body(reader.get(CUSTOMER_ORDERS, {"customerId": "c-1"}, limit="1000"))

    assert len(default["orders"]) == 20
    assert default["orders"][0]["orderId"] == "o-100"
    assert len(capped["orders"]) == 100
    assert "nextCursor" in capped


def test_a_customer_without_orders_gets_an_empty_last_page(reader: Reader) -> None:
    page = json_body(reader.get(CUSTOMER_ORDERS, {"customerId": "nobody"}))
    assert page == {"orders": []}


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "garbage!"},
        {"cursor": encode_cursor({"orderId": "o-1", "customerId": "c-2", "createdAt": "x"})},
        {"limit": "0"},
        {"limit": "many"},
    ],
)
def test_a_tampered_cursor_or_bad_limit_is_400(reader: Reader, query: dict[str, str]) -> None:
    reader.store(_order("o-1"), FIRST_ORDER_MILLIS)
    response = reader.get(CUSTOMER_ORDERS, {"customerId": "c-1"}, **query)
    assert response["statusCode"] == 400
    assert json_body(response)["detail"]


def test_a_cursor_for_another_customer_is_refused(reader: Reader) -> None:
    for number in range(3):
        reader.store(_order(f"o-{number}", "c-2"), FIRST_ORDER_MILLIS + number)
    cursor = json_body(reader.get(CUSTOMER_ORDERS, {"customerId": "c-2"}, limit="1"))["nextCursor"]

    response = reader.get(CUSTOMER_ORDERS, {"customerId": "c-1"}, cursor=cursor)

    assert response["statusCode"] == 400
    assert "another customer" in json_body(response)["detail"]
