"""Stack config -> Settings: documented defaults per environment, one clear error per bad key."""

from __future__ import annotations

import pytest

from settings import ConfigError, load_settings
from tests.factories import settings_for


def test_dev_and_prod_defaults_differ_where_they_should() -> None:
    dev, prod = settings_for("dev"), settings_for("prod")
    assert (dev.functions.log_retention_days, prod.functions.log_retention_days) == (7, 90)
    assert (dev.store.deletion_protection, prod.store.deletion_protection) == (False, True)
    assert (dev.processor.max_concurrency, prod.processor.max_concurrency) == (2, 20)
    assert dev.store.point_in_time_recovery
    assert prod.store.point_in_time_recovery


def test_defaults_are_a_current_runtime_on_arm64() -> None:
    functions = settings_for("dev").functions
    assert functions.runtime == "python3.13"
    assert functions.architecture == "arm64"


def test_environment_defaults_to_the_stack_name() -> None:
    settings = load_settings({}, project="order-pipeline", stack="prod", region="eu-west-1")
    assert settings.environment == "prod"


def test_visibility_timeout_is_six_times_the_timeout_plus_the_window() -> None:
    processor = settings_for(
        "dev", processorTimeoutSeconds="40", batchSize="50", batchingWindowSeconds="5"
    ).processor
    assert processor.visibility_timeout_seconds == 6 * 40 + 5


def test_settings_are_frozen() -> None:
    settings = settings_for("dev")
    with pytest.raises(AttributeError):
        settings.environment = "prod"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "key", "problem"),
    [
        ({"batchSize": "0"}, "batchSize", "outside 1..10000"),
        ({"batchSize": "10001"}, "batchSize", "outside 1..10000"),
        ({"batchSize": "ten"}, "batchSize", "not a whole number"),
        ({"batchSize": "11"}, "batchingWindowSeconds", "must be at least 1"),
        ({"logRetentionDays": "-1"}, "logRetentionDays", "outside 1..3653"),
        ({"logRetentionDays": "8"}, "logRetentionDays", "not a retention CloudWatch Logs accepts"),
        ({"maxReceiveCount": "0"}, "maxReceiveCount", "outside 1..1000"),
        ({"environment": "staging"}, "environment", "not one of dev, prod"),
        ({"lambdaArchitecture": "sparc"}, "lambdaArchitecture", "not one of arm64, x86_64"),
        ({"pointInTimeRecovery": "yes"}, "pointInTimeRecovery", "not true or false"),
        ({"queueRetentionDays": "14"}, "queueRetentionDays", "outside 1..13"),
        ({"processorMaxConcurrency": "1"}, "processorMaxConcurrency", "outside 2..1000"),
        ({"batchsize": "20"}, "batchsize", "not a setting of this program"),
    ],
)
def test_bad_config_fails_with_one_message_naming_the_key(
    raw: dict[str, str], key: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as failure:
        load_settings(raw, project="order-pipeline", stack="dev", region="eu-west-1")
    assert failure.value.key == key
    assert f"'order-pipeline:{key}'" in str(failure.value)
    assert problem in str(failure.value)


def test_an_unknown_stack_name_must_choose_an_environment() -> None:
    with pytest.raises(ConfigError, match="defaults to the stack name"):
        load_settings({}, project="order-pipeline", stack="staging", region="eu-west-1")


def test_a_missing_region_is_reported_under_its_own_key() -> None:
    with pytest.raises(ConfigError, match="'aws:region'"):
        load_settings({}, project="order-pipeline", stack="dev", region="")
