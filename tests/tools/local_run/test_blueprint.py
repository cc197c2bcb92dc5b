"""What the local run reads from the program, and how it turns recorded inputs into moto
requests. The program runs under mocks; nothing here talks to AWS or moto."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers import contract
from tests.factories import settings_for
from tools.local_run.blueprint import Blueprint, load_blueprint
from tools.local_run.options import LocalRunError
from tools.local_run.provisioning import IdentityMap, create_table_request
from tools.pulumi_mocks.recording import RecordedResource


@pytest.fixture(scope="module")
def prod() -> Blueprint:
    return load_blueprint("prod")


def test_mappings_carry_the_stacks_settings(prod: Blueprint) -> None:
    settings = settings_for("prod", batchSize="25", batchingWindowSeconds="2")
    mappings = {mapping.function.handler: mapping for mapping in prod.mappings}
    processor = mappings["handlers.processor.handler"]
    assert (processor.batch_size, processor.batching_window_seconds) == (25, 2)
    assert processor.max_concurrency == settings.processor.max_concurrency
    notifier = mappings["handlers.notifier.handler"]
    assert notifier.max_retry_attempts == settings.notifier.max_retry_attempts
    assert notifier.max_record_age_seconds == settings.notifier.max_record_age_seconds
    assert notifier.starting_position == "TRIM_HORIZON"
    failures = prod.queue_with_arn(str(notifier.on_failure_arn))
    assert failures is not None
    assert failures.name == "orders-failures"


def test_functions_and_the_api_document_come_from_the_program(prod: Blueprint) -> None:
    handlers = {function.handler for function in prod.functions}
    assert handlers == {
        "handlers.processor.handler",
        "handlers.notifier.handler",
        "handlers.reader.handler",
        "handlers.status_updater.handler",
    }
    assert prod.api_document is not None
    assert set(prod.api_document["paths"]) == {
        "/orders",
        "/orders/{orderId}",
        "/customers/{customerId}/orders",
        "/submissions/{submissionId}",
    }
    assert prod.api_stage == "v1"


def _table(blueprint: Blueprint, name: str) -> RecordedResource:
    (table,) = [table for table in blueprint.tables if table.name == name]
    return table


def test_the_table_request_has_the_programs_keys_index_stream_and_protection(
    prod: Blueprint,
) -> None:
    table = _table(prod, "orders-table")
    request = create_table_request(table)
    assert request["TableName"] == table.physical_name
    assert request["KeySchema"] == [{"AttributeName": contract.ORDER_KEY, "KeyType": "HASH"}]
    customers, submissions = request["GlobalSecondaryIndexes"]
    assert customers["IndexName"] == contract.CUSTOMER_INDEX_NAME
    assert [key["AttributeName"] for key in customers["KeySchema"]] == [
        contract.CUSTOMER_INDEX_PARTITION_KEY,
        contract.CUSTOMER_INDEX_SORT_KEY,
    ]
    assert submissions["IndexName"] == contract.SUBMISSION_INDEX_NAME
    assert submissions["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert request["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in request
    assert request["DeletionProtectionEnabled"] is True


def test_the_submissions_table_request_has_its_key_and_no_stream(prod: Blueprint) -> None:
    request = create_table_request(_table(prod, "orders-submissions"))
    assert request["KeySchema"] == [{"AttributeName": contract.SUBMISSION_KEY, "KeyType": "HASH"}]
    assert "StreamSpecification" not in request
    assert "GlobalSecondaryIndexes" not in request


def test_an_input_without_a_local_meaning_is_refused_not_ignored(prod: Blueprint) -> None:
    table = _table(prod, "orders-table")
    grown = replace(table, inputs={**table.inputs, "tableClass": "STANDARD_INFREQUENT_ACCESS"})
    with pytest.raises(LocalRunError, match="tableClass"):
        create_table_request(grown)


def test_handler_variables_point_only_at_resources_created_locally() -> None:
    identities = IdentityMap()
    recorded = RecordedResource(
        "aws:sqs/queue:Queue",
        "dlq",
        {},
        {"url": "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq-1", "arn": "arn:1"},
    )
    identities.add(recorded, {"url": "http://127.0.0.1:5000/123456789012/dlq-1"})
    mapped = identities.environment(
        {"QUEUE": "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq-1", "MODE": "dev"}
    )
    assert mapped == {"QUEUE": "http://127.0.0.1:5000/123456789012/dlq-1", "MODE": "dev"}
    with pytest.raises(LocalRunError, match="OTHER=arn:aws:sns"):
        identities.environment({"OTHER": "arn:aws:sns:eu-west-1:123456789012:elsewhere"})
