"""OrderStore under Pulumi mocks: keys, index, encryption, recovery, stream, protection."""

from __future__ import annotations

import pulumi
import pytest

from components.order_store import OrderStore, OrderStoreArgs
from tests.factories import settings_for
from tests.pulumi_harness import OutputChecks
from tools.pulumi_mocks.recording import RecordingMocks


def _store(environment: str) -> OrderStore:
    return OrderStore("orders", OrderStoreArgs(settings=settings_for(environment).store))


@pulumi.runtime.test
def test_table_is_keyed_on_order_id_with_a_customer_index(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    store = _store("dev")

    def check(_: object) -> None:
        table = pulumi_mocks.named("aws:dynamodb/table:Table", "orders-table").inputs
        assert table["hashKey"] == "orderId"
        assert "rangeKey" not in table
        assert table["billingMode"] == "PAY_PER_REQUEST"
        (index,) = table["globalSecondaryIndexes"]
        assert index["name"] == "customerId-createdAt"
        assert index["keySchemas"] == [
            {"attributeName": "customerId", "keyType": "HASH"},
            {"attributeName": "createdAt", "keyType": "RANGE"},
        ]
        assert index["projectionType"] == "ALL"
        declared = {attribute["name"]: attribute["type"] for attribute in table["attributes"]}
        assert declared == {"orderId": "S", "customerId": "S", "createdAt": "S"}

    return checks.that(store.table_arn, check)


@pulumi.runtime.test
def test_table_is_encrypted_recoverable_and_streams_both_images(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    store = _store("dev")

    def check(stream_arn: str) -> None:
        table = pulumi_mocks.named("aws:dynamodb/table:Table", "orders-table").inputs
        assert table["serverSideEncryption"] == {"enabled": True}
        assert table["pointInTimeRecovery"]["enabled"] is True
        assert table["streamEnabled"] is True
        assert table["streamViewType"] == "NEW_AND_OLD_IMAGES"
        assert "/stream/" in stream_arn

    return checks.that(store.stream_arn, check)


@pytest.mark.parametrize(("environment", "protected"), [("dev", False), ("prod", True)])
@pulumi.runtime.test
def test_only_prod_protects_the_table_from_deletion(
    pulumi_mocks: RecordingMocks, checks: OutputChecks, environment: str, protected: bool
) -> pulumi.Output[None]:
    store = _store(environment)

    def check(_: object) -> None:
        table = pulumi_mocks.named("aws:dynamodb/table:Table", "orders-table").inputs
        assert table["deletionProtectionEnabled"] is protected

    return checks.that(store.table_name, check)


@pulumi.runtime.test
def test_customer_index_arn_points_into_the_table(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    store = _store("dev")

    def check(arns: list[str]) -> None:
        table_arn, index_arn = arns
        assert index_arn == f"{table_arn}/index/customerId-createdAt"

    return checks.that(pulumi.Output.all(store.table_arn, store.customer_index_arn), check)


@pytest.mark.parametrize(("environment", "retained"), [("dev", False), ("prod", True)])
@pulumi.runtime.test
def test_only_prod_keeps_the_table_when_the_stack_is_destroyed(
    pulumi_mocks: RecordingMocks, checks: OutputChecks, environment: str, retained: bool
) -> pulumi.Output[None]:
    table_options: list[pulumi.ResourceOptions] = []

    def record_table_options(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        if args.type_ == "aws:dynamodb/table:Table":
            table_options.append(args.opts)
        return None

    store = OrderStore(
        "orders",
        OrderStoreArgs(settings=settings_for(environment).store),
        opts=pulumi.ResourceOptions(transformations=[record_table_options]),
    )

    def check(_: object) -> None:
        (options,) = table_options
        assert bool(options.retain_on_delete) is retained

    return checks.that(store.table_arn, check)


@pulumi.runtime.test
def test_monitoring_watches_the_table_by_the_name_aws_gave_it(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    store = _store("dev")

    def check(names: list[str]) -> None:
        exposed, watched = names
        table = pulumi_mocks.named("aws:dynamodb/table:Table", "orders-table")
        assert exposed == watched == table.physical_name

    return checks.that(pulumi.Output.all(store.table_name, store.watch.table_name), check)
