"""ApiSettings: signed by default everywhere, WAF on in prod, clear errors per key."""

from __future__ import annotations

import pytest

from settings import ConfigError
from settings.api import ApiAuth
from tests.factories import settings_for


def test_dev_and_prod_defaults() -> None:
    dev, prod = settings_for("dev").api, settings_for("prod").api
    assert dev.auth is ApiAuth.IAM
    assert prod.auth is ApiAuth.IAM
    assert (dev.waf_enabled, prod.waf_enabled) == (False, True)
    assert (dev.throttling_rate_limit, prod.throttling_rate_limit) == (20, 200)
    assert (dev.throttling_burst_limit, prod.throttling_burst_limit) == (40, 400)
    assert dev.function_timeout_seconds == prod.function_timeout_seconds == 10
    assert not dev.manage_account_logging_role
    assert not prod.manage_account_logging_role
    assert (dev.access_logs, prod.access_logs) == (False, True)


def test_dev_logs_access_by_default_only_where_it_sets_the_account_role() -> None:
    assert settings_for("dev", manageApiGatewayAccount="true").api.access_logs
    assert settings_for("dev", apiAccessLogs="true").api.access_logs
    assert not settings_for("prod", apiAccessLogs="false").api.access_logs


def test_setting_the_account_role_for_no_access_logs_is_refused() -> None:
    with pytest.raises(ConfigError, match="account-wide setting for nothing") as error:
        settings_for("prod", manageApiGatewayAccount="true", apiAccessLogs="false")
    assert error.value.key == "manageApiGatewayAccount"


def test_an_unsigned_api_is_an_explicit_choice() -> None:
    assert settings_for("prod", apiAuth="none").api.auth is ApiAuth.NONE


def test_each_setting_can_be_configured() -> None:
    api = settings_for(
        "dev",
        apiThrottlingRateLimit="5",
        apiThrottlingBurstLimit="5",
        apiWafEnabled="true",
        apiWafRateLimit="100",
        apiFunctionTimeoutSeconds="29",
        apiFunctionMemoryMb="1024",
        manageApiGatewayAccount="true",
    ).api
    assert (api.throttling_rate_limit, api.throttling_burst_limit) == (5, 5)
    assert (api.waf_enabled, api.waf_rate_limit) == (True, 100)
    assert (api.function_timeout_seconds, api.function_memory_mb) == (29, 1024)
    assert api.manage_account_logging_role


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("apiAuth", "cognito", "not one of iam, none"),
        ("apiAuth", "IAM", "not one of iam, none"),
        ("apiThrottlingRateLimit", "0", "outside 1..10000"),
        ("apiThrottlingBurstLimit", "5001", "outside 1..5000"),
        ("apiWafEnabled", "yes", "not true or false"),
        ("apiWafRateLimit", "9", "outside 10.."),
        ("apiFunctionTimeoutSeconds", "30", "outside 1..29"),
        ("manageApiGatewayAccount", "1", "not true or false"),
        ("apiAccessLogs", "on", "not true or false"),
    ],
)
def test_bad_values_name_the_key(key: str, value: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as error:
        settings_for("dev", **{key: value})
    assert error.value.key == key
    assert f"order-pipeline:{key}" in str(error.value)
