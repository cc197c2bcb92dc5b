"""Settings of the order API: who may call it, how fast, and the functions behind its reads."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from settings.config_reader import ConfigReader
from settings.errors import ConfigError

# API Gateway gives up on an integration after 29 seconds; a longer Lambda timeout only
# keeps a function busy on a request whose caller already got a 504.
MAX_INTEGRATION_TIMEOUT_SECONDS = 29

# The smallest limit a WAF rate-based rule accepts (requests per IP per window).
MIN_WAF_RATE_LIMIT = 10


class ApiAuth(StrEnum):
    IAM = "iam"
    """Every request must be SigV4-signed by a principal allowed to `execute-api:Invoke`."""
    NONE = "none"
    """Anyone who knows the URL may call it; only ever by explicit choice."""


@dataclass(frozen=True)
class ApiSettings:
    auth: ApiAuth
    throttling_rate_limit: int
    throttling_burst_limit: int
    waf_enabled: bool
    waf_rate_limit: int
    function_timeout_seconds: int
    function_memory_mb: int
    manage_account_logging_role: bool
    access_logs: bool
    """The stage writes access logs: API Gateway then needs the account-wide CloudWatch role,
    or the stage cannot be created (docs/api.md#the-account-wide-logging-role)."""

    @classmethod
    def read(cls, config: ConfigReader) -> ApiSettings:
        manage_account = config.boolean("manageApiGatewayAccount", False)
        # A fresh account has no role: dev logs only where this stack sets it, so a first
        # `pulumi up` succeeds; prod logs, and says so when the role is missing.
        access_logs = config.boolean(
            "apiAccessLogs", config.by_environment(dev=manage_account, prod=True)
        )
        if manage_account and not access_logs:
            raise ConfigError(
                "manageApiGatewayAccount",
                "true only sets the role access logs need, and apiAccessLogs is false:"
                " it would change an account-wide setting for nothing",
            )
        return cls(
            auth=ApiAuth(config.one_of("apiAuth", ApiAuth.IAM, tuple(ApiAuth))),
            throttling_rate_limit=config.integer(
                "apiThrottlingRateLimit", config.by_environment(dev=20, prod=200), 1, 10_000
            ),
            throttling_burst_limit=config.integer(
                "apiThrottlingBurstLimit", config.by_environment(dev=40, prod=400), 1, 5_000
            ),
            waf_enabled=config.boolean(
                "apiWafEnabled", config.by_environment(dev=False, prod=True)
            ),
            waf_rate_limit=config.integer(
                "apiWafRateLimit", 1_000, MIN_WAF_RATE_LIMIT, 2_000_000_000
            ),
            function_timeout_seconds=config.integer(
                "apiFunctionTimeoutSeconds", 10, 1, MAX_INTEGRATION_TIMEOUT_SECONDS
            ),
            function_memory_mb=config.integer("apiFunctionMemoryMb", 256, 128, 10_240),
            manage_account_logging_role=manage_account,
            access_logs=access_logs,
        )
