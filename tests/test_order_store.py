"""OrderStore under Pulumi mocks: keys, indexes, encryption, recovery, stream, protection, and
the submissions table's key and TTL."""

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
def test_table_is_keyed_on_order_id_with_a_customer_and_a_submission_index(
    pulumi_mocks: RecordingMocks, checks: OutputChecks
) -> pulumi.Output[None]:
    store = _store("dev")

    def check(_: object) -> None:
        table = pulumi_mocks.named("aws:dynamodb/table:Table", "orders-table").inputs
        assert table["hashKey"] == "orderId"
        assert "rangeKey" not in table
        assert table["billingMode"] == "PAY_PER_REQUEST"
        customers, submissions = table["globalSecondaryIndexes"]
        assert customers["name"] == "customerId-createdAt"
        assert customers["keySchemas"] == [
            {"attributeName": "customerId", "keyType": "HASH"},
            {"attributeName": "createdAt", "keyType": "RANGE"},
        ]
        assert customers["projectionType"] == "ALL"
        # The monitor needs only the order id: the smallest index write per stored order.
        assert submissions["name"] == "requestId"
        assert submissions["keySchemas"] == [{"attributeName": "requestId", "keyType": "HASH"}]
        assert submissions["projectionType"] == "KEYS_ONLY"
        declared = {attribute["name"]: attribute["type"] for attribute in table["attributes"]}
        assert declared == {"orderId": "S", "customerId": "S", "createdAt": "S", "requestId": "S"}

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
        assert len(table_options) == 2  # orders and submissions
        for options in table_options:
            assert bool(options.retain_on_delete) is retained

    return checks.that(store.table_arn, check)


@pytest.mark.parametrize("environment", ["dev", "prod"])
@pulumi.runtime.test
def test_submissions_are_keyed_on_request_id_and_expire_by_ttl(
    pulumi_mocks: RecordingMocks, checks: OutputChecks, environment: str
) -> pulumi.Output[None]:
    store = _store(environment)

    def check(values: list[str]) -> None:
        table_arn, index_arn, name, arn = values
        table = pulumi_mocks.named("aws:dynamodb/table:Table", "orders-submissions")
        inputs = table.inputs
        assert inputs["hashKey"] == "requestId"
        assert inputs["attributes"] == [{"name": "requestId", "type": "S"}]
        assert inputs["billingMode"] == "PAY_PER_REQUEST"
        assert inputs["ttl"] == {"attributeName": "expiresAt", "enabled": True}
        assert inputs["serverSideEncryption"] == {"enabled": True}
        assert inputs["pointInTimeRecovery"]["enabled"] is True
        # Nothing announces submissions: no stream, no second notifier source.
        assert not inputs.get("streamEnabled")
        assert (name, arn) == (table.state["name"], table.state["arn"])
        assert index_arn == f"{table_arn}/index/requestId"

    return checks.that(
        pulumi.Output.all(
            store.table_arn,
            store.submission_index_arn,
            store.submissions_table_name,
            store.submissions_table_arn,
        ),
        check,
    )


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
