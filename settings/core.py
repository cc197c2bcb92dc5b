"""Settings of the deployable core: the functions, the table and the order queue."""

from __future__ import annotations

from dataclasses import dataclass

from settings.config_reader import ConfigReader
from settings.errors import ConfigError

# The values CloudWatch Logs accepts for a log group's retention.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                      1827, 2192, 2557, 2922, 3288, 3653)  # fmt: skip

# SQS's hard maximum; the DLQ keeps messages this long so it always outlives the main queue.
DEAD_LETTER_RETENTION_DAYS = 14

# Above ten messages per batch, Lambda requires a batching window for standard queues.
UNWINDOWED_BATCH_SIZE_LIMIT = 10

# The Python every function runs. `make test` runs the tests that import handlers/ on it too
# (tools/lambda_python, docs/testing.md), so this is the one place that names it.
LAMBDA_RUNTIME = "python3.13"


@dataclass(frozen=True)
class FunctionSettings:
    """What every Lambda function of the stack shares."""

    runtime: str
    architecture: str
    log_retention_days: int
    powertools_layer_version: int

    @classmethod
    def read(cls, config: ConfigReader) -> FunctionSettings:
        retention = config.integer(
            "logRetentionDays", config.by_environment(dev=7, prod=90), 1, 3653
        )
        if retention not in LOG_RETENTION_DAYS:
            raise ConfigError(
                "logRetentionDays",
                f"{retention} is not a retention CloudWatch Logs accepts "
                f"({', '.join(map(str, LOG_RETENTION_DAYS))})",
            )
        return cls(
            runtime=LAMBDA_RUNTIME,
            architecture=config.one_of("lambdaArchitecture", "arm64", ("arm64", "x86_64")),
            log_retention_days=retention,
            powertools_layer_version=config.integer("powertoolsLayerVersion", 27, 1, 1000),
        )


@dataclass(frozen=True)
class FunctionContext:
    """What every component that owns Lambda functions deploys them with."""

    settings: FunctionSettings
    environment_name: str
    """The `environment` the handlers report in: a dimension of their EMF metrics."""
    region: str
    """Where the functions run; their Powertools layer is that region's."""


@dataclass(frozen=True)
class StoreSettings:
    point_in_time_recovery: bool
    deletion_protection: bool

    @classmethod
    def read(cls, config: ConfigReader) -> StoreSettings:
        return cls(
            point_in_time_recovery=config.boolean("pointInTimeRecovery", True),
            deletion_protection=config.boolean(
                "tableDeletionProtection", config.by_environment(dev=False, prod=True)
            ),
        )


@dataclass(frozen=True)
class ProcessorSettings:
    batch_size: int
    batching_window_seconds: int
    max_receive_count: int
    timeout_seconds: int
    memory_mb: int
    max_concurrency: int
    queue_retention_days: int

    @classmethod
    def read(cls, config: ConfigReader) -> ProcessorSettings:
        batch_size = config.integer("batchSize", 10, 1, 10_000)
        window = config.integer("batchingWindowSeconds", 0, 0, 300)
        if batch_size > UNWINDOWED_BATCH_SIZE_LIMIT and window == 0:
            raise ConfigError(
                "batchingWindowSeconds",
                f"must be at least 1 when batchSize ({batch_size}) is over "
                f"{UNWINDOWED_BATCH_SIZE_LIMIT}; Lambda refuses larger SQS batches without one",
            )
        return cls(
            batch_size=batch_size,
            batching_window_seconds=window,
            max_receive_count=config.integer("maxReceiveCount", 5, 1, 1000),
            timeout_seconds=config.integer("processorTimeoutSeconds", 30, 1, 900),
            memory_mb=config.integer("processorMemoryMb", 256, 128, 10_240),
            max_concurrency=config.integer(
                "processorMaxConcurrency", config.by_environment(dev=2, prod=20), 2, 1000
            ),
            queue_retention_days=config.integer(
                "queueRetentionDays", 4, 1, DEAD_LETTER_RETENTION_DAYS - 1
            ),
        )

    @property
    def visibility_timeout_seconds(self) -> int:
        """AWS's rule for Lambda consumers: six times the function timeout plus the window,
        so a message is not redelivered while a slow, retried invocation still holds it."""
        return 6 * self.timeout_seconds + self.batching_window_seconds
