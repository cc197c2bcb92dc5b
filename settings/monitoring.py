"""Settings of the alarms and the dashboard: who is told, how fast, and at which thresholds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from settings.config_reader import ConfigReader
from settings.errors import ConfigError

# CloudWatch refuses an alarm that looks further back than one day.
MAX_ALARM_WINDOW_SECONDS = 86_400

# AWS services publish one datapoint a minute: a shorter period would only see gaps.
MIN_PERIOD_SECONDS = 60

# Enough to catch a typo before SNS sends a confirmation mail into the void.
EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class MonitoringSettings:
    alarm_emails: tuple[str, ...]
    period_seconds: int
    evaluation_periods: int
    datapoints_to_alarm: int
    queue_age_seconds: int
    duration_percent_of_timeout: int
    function_errors: int
    throttles: int
    iterator_age_seconds: int
    api_minimum_requests: int
    api_5xx_percent: int
    api_4xx_percent: int
    api_latency_ms: int

    @classmethod
    def read(cls, config: ConfigReader) -> MonitoringSettings:
        period, evaluation_periods, datapoints = _evaluation(config)
        return cls(
            alarm_emails=_emails(config),
            period_seconds=period,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints,
            queue_age_seconds=config.integer(
                "queueAgeAlarmSeconds", config.by_environment(dev=900, prod=300), 60, 1_209_600
            ),
            duration_percent_of_timeout=config.integer(
                "durationAlarmPercentOfTimeout", 80, 10, 100
            ),
            function_errors=config.integer(
                "functionErrorsAlarmThreshold", config.by_environment(dev=5, prod=1), 1, 100_000
            ),
            throttles=config.integer(
                "throttlesAlarmThreshold", config.by_environment(dev=5, prod=1), 1, 100_000
            ),
            iterator_age_seconds=config.integer(
                "iteratorAgeAlarmSeconds", config.by_environment(dev=600, prod=120), 1, 86_400
            ),
            api_minimum_requests=config.integer(
                "apiAlarmMinimumRequests", config.by_environment(dev=10, prod=20), 1, 1_000_000
            ),
            api_5xx_percent=config.integer(
                "api5xxAlarmPercent", config.by_environment(dev=5, prod=1), 1, 100
            ),
            api_4xx_percent=config.integer(
                "api4xxAlarmPercent", config.by_environment(dev=25, prod=10), 1, 100
            ),
            api_latency_ms=config.integer(
                "apiLatencyAlarmMs", config.by_environment(dev=2000, prod=1000), 10, 29_000
            ),
        )


def _emails(config: ConfigReader) -> tuple[str, ...]:
    emails = config.string_list("alarmEmails")
    for address in emails:
        if not EMAIL_ADDRESS.fullmatch(address):
            raise ConfigError("alarmEmails", f"{address!r} is not an e-mail address")
    if len(set(emails)) != len(emails):
        raise ConfigError("alarmEmails", "lists an address twice")
    return emails


def _evaluation(config: ConfigReader) -> tuple[int, int, int]:
    period = config.integer(
        "alarmPeriodSeconds",
        config.by_environment(dev=300, prod=60),
        MIN_PERIOD_SECONDS,
        MAX_ALARM_WINDOW_SECONDS,
    )
    if period % MIN_PERIOD_SECONDS:
        raise ConfigError("alarmPeriodSeconds", f"{period} is not a multiple of 60")
    evaluation_periods = config.integer(
        "alarmEvaluationPeriods", config.by_environment(dev=1, prod=5), 1, 1440
    )
    if period * evaluation_periods > MAX_ALARM_WINDOW_SECONDS:
        raise ConfigError(
            "alarmEvaluationPeriods",
            f"{evaluation_periods} periods of {period} s look back more than one day, "
            "which CloudWatch refuses",
        )
    datapoints = config.integer(
        "alarmDatapointsToAlarm", config.by_environment(dev=1, prod=3), 1, evaluation_periods
    )
    return period, evaluation_periods, datapoints
