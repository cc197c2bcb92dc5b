"""The status updater against moto: allowed changes stored with a new version, refused ones
409 with the current status, and of two racing changes exactly one wins."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from moto import mock_aws
from openapi_schema_validator import OAS30Validator

from api.openapi import DeploymentValues, openapi_document
from handlers import contract
from handlers.orders import new_order_item, parse_order, timestamp_from_epoch_millis
from tests.api_gateway_events import REQUEST_TIME_EPOCH, json_body, proxy_event
from tools.aws_doubles.lambda_events import LocalLambdaContext
from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT, create_order_table

ORDER = "/orders/{orderId}"
CREATED_AT = "2025-11-25T09:00:00.000Z"
COMPONENTS = openapi_document(DeploymentValues("eu-west-1", "1/q", "role", "r", "u"))["components"]


def _conforms(schema_name: str, body: Any) -> None:
    schema = {**COMPONENTS["schemas"][schema_name], "components": COMPONENTS}
    OAS30Validator(schema).validate(body)


def _container() -> ModuleType:
    """A fresh copy of the handler module: what one Lambda container holds.

    Racing requests run in different containers, each with its own client and resolver;
    separate module copies reproduce that inside one test process.
    """
    spec = importlib.util.find_spec("handlers.status_updater")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Table:
    dynamodb: Any

    def store(self, order_id: str = "o-1") -> None:
        body = {"orderId": order_id, "customerId": "c-1", "items": ["sku-1"]}
        item = new_order_item(parse_order(json.dumps(body)), created_at=CREATED_AT)
        serializer = TypeSerializer()
        self.dynamodb.put_item(
            TableName="orders",
            Item={key: serializer.serialize(value) for key, value in item.items()},
        )

    def stored(self, order_id: str = "o-1") -> dict[str, Any] | None:
        item = self.dynamodb.get_item(
            TableName="orders", Key={contract.ORDER_KEY: {"S": order_id}}
        ).get("Item")
        if item is None:
            return None
        deserializer = TypeDeserializer()
        return {key: deserializer.deserialize(value) for key, value in item.items()}


def _patch(
    container: ModuleType, order_id: str, body: Any, request_time_epoch: int = REQUEST_TIME_EPOCH
) -> dict[str, Any]:
    event = proxy_event(
        "PATCH", ORDER, {"orderId": order_id}, body=body, request_time_epoch=request_time_epoch
    )
    response: dict[str, Any] = container.handler(event, LocalLambdaContext("status-updater"))
    return response


def _change(status: str) -> dict[str, str]:
    return {"status": status}


@pytest.fixture(scope="module")
def _table_in_moto() -> Iterator[Table]:
    """One mock and table for the module: creating clients is the slow part."""
    with pytest.MonkeyPatch.context() as environment, mock_aws():
        for name, value in {
            **FAKE_AWS_ENVIRONMENT,
            contract.ORDERS_TABLE_ENV: "orders",
            contract.SUBMISSIONS_TABLE_ENV: "submissions",
        }.items():
            environment.setenv(name, value)
        dynamodb = boto3.client("dynamodb")
        create_order_table(dynamodb)
        yield Table(dynamodb)


@pytest.fixture
def table(_table_in_moto: Table) -> Table:
    """The shared table, emptied."""
    dynamodb = _table_in_moto.dynamodb
    for item in dynamodb.scan(TableName="orders")["Items"]:
        dynamodb.delete_item(TableName="orders", Key={contract.ORDER_KEY: item[contract.ORDER_KEY]})
    return _table_in_moto


@pytest.fixture
def updater(table: Table) -> ModuleType:
    # Created inside the mock: the handler makes its client at import.
    return _container()


def test_an_allowed_change_is_stored_with_the_next_version_and_the_request_time(
    table: Table, updater: ModuleType
) -> None:
    table.store()

    response = _patch(updater, "o-1", _change("CONFIRMED"))

    assert response["statusCode"] == 200
    order = json_body(response)
    _conforms("OrderView", order)
    assert (order["status"], order["version"]) == ("CONFIRMED", 2)
    assert order["updatedAt"] == timestamp_from_epoch_millis(REQUEST_TIME_EPOCH)
    assert order["createdAt"] == CREATED_AT
    stored = table.stored()
    assert stored is not None
    assert (stored["status"], stored["version"]) == ("CONFIRMED", 2)
    assert stored["fingerprint"]  # the rest of the item is untouched


def test_an_order_goes_all_the_way_to_delivered_and_stops_there(
    table: Table, updater: ModuleType
) -> None:
    table.store()
    for version, status in enumerate(("CONFIRMED", "SHIPPED", "DELIVERED"), start=2):
        order = json_body(_patch(updater, "o-1", _change(status)))
        assert (order["status"], order["version"]) == (status, version)

    response = _patch(updater, "o-1", _change("CANCELLED"))

    assert response["statusCode"] == 409
    assert json_body(response)["currentStatus"] == "DELIVERED"


@pytest.mark.parametrize("requested", ["SHIPPED", "DELIVERED"])
def test_a_change_the_state_machine_forbids_is_409_and_changes_nothing(
    table: Table, updater: ModuleType, requested: str
) -> None:
    table.store()

    response = _patch(updater, "o-1", _change(requested))

    assert response["statusCode"] == 409
    conflict = json_body(response)
    _conforms("Conflict", conflict)
    assert (conflict["currentStatus"], conflict["requestedStatus"]) == ("PENDING", requested)
    stored = table.stored()
    assert stored is not None
    assert (stored["status"], stored["version"]) == ("PENDING", 1)


def test_an_unknown_order_is_404(table: Table, updater: ModuleType) -> None:
    response = _patch(updater, "missing", _change("CONFIRMED"))
    assert response["statusCode"] == 404
    assert table.stored("missing") is None


@pytest.mark.parametrize(
    ("order_id", "body"),
    [
        ("o-1", "not json"),
        ("o-1", {"status": "PENDING"}),
        ("o-1", {"status": "CONFIRMED", "extra": True}),
        ("o-1", None),
        ("bad id", _change("CONFIRMED")),
    ],
)
def test_a_malformed_request_is_400(
    table: Table, updater: ModuleType, order_id: str, body: Any
) -> None:
    table.store()
    response = _patch(updater, order_id, body)
    assert response["statusCode"] == 400
    _conforms("Problem", json_body(response))


def _interleaved(
    monkeypatch: pytest.MonkeyPatch, first: ModuleType, in_between: Callable[[], None]
) -> None:
    """Run `in_between` right after `first` read the order and before it writes."""
    real_get_item = first.dynamodb.get_item

    def get_item_then_yield(**kwargs: Any) -> Any:
        read = real_get_item(**kwargs)
        in_between()
        return read

    monkeypatch.setattr(first.dynamodb, "get_item", get_item_then_yield)


@pytest.mark.parametrize(
    ("slow", "fast"),
    [("CONFIRMED", "CANCELLED"), ("CANCELLED", "CONFIRMED"), ("CONFIRMED", "CONFIRMED")],
)
def test_of_two_racing_changes_exactly_one_wins(
    table: Table, monkeypatch: pytest.MonkeyPatch, slow: str, fast: str
) -> None:
    # GIVEN a PENDING order and two containers: both requests read it as PENDING, version 1,
    # but the fast one writes between the slow one's read and its write
    table.store()
    slow_container, fast_container = _container(), _container()
    fast_responses: list[dict[str, Any]] = []
    _interleaved(
        monkeypatch,
        slow_container,
        lambda: fast_responses.append(_patch(fast_container, "o-1", _change(fast))),
    )

    # WHEN the slow request completes
    slow_response = _patch(slow_container, "o-1", _change(slow))

    # THEN the fast change won, the slow one is told what won, and only one write happened
    (fast_response,) = fast_responses
    assert fast_response["statusCode"] == 200
    assert slow_response["statusCode"] == 409
    assert json_body(slow_response)["currentStatus"] == fast
    assert json_body(slow_response)["requestedStatus"] == slow
    stored = table.stored()
    assert stored is not None
    assert (stored["status"], stored["version"]) == (fast, 2)


def test_an_order_deleted_between_read_and_write_is_404(
    table: Table, updater: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    table.store()
    _interleaved(
        monkeypatch,
        updater,
        lambda: table.dynamodb.delete_item(
            TableName="orders", Key={contract.ORDER_KEY: {"S": "o-1"}}
        ),
    )

    response = _patch(updater, "o-1", _change("CONFIRMED"))

    assert response["statusCode"] == 404
    assert table.stored() is None
