"""Monitoring config -> MonitoringSettings: per-environment defaults, one clear error per key."""

from __future__ import annotations

import pytest

from settings import ConfigError
from tests.factories import settings_for


def test_prod_alarms_react_faster_and_on_less_than_dev() -> None:
    dev, prod = settings_for("dev").monitoring, settings_for("prod").monitoring
    assert prod.period_seconds < dev.period_seconds
    assert prod.queue_age_seconds < dev.queue_age_seconds
    assert prod.iterator_age_seconds < dev.iterator_age_seconds
    assert prod.api_5xx_percent < dev.api_5xx_percent
    assert prod.api_4xx_percent < dev.api_4xx_percent
    assert prod.api_latency_ms < dev.api_latency_ms
    assert prod.function_errors <= dev.function_errors
    # prod asks for M of N datapoints so that one noisy minute does not page anyone
    assert (prod.datapoints_to_alarm, prod.evaluation_periods) == (3, 5)
    assert (dev.datapoints_to_alarm, dev.evaluation_periods) == (1, 1)


def test_nobody_is_subscribed_unless_config_says_so() -> None:
    assert settings_for("prod").monitoring.alarm_emails == ()


def test_alarm_emails_and_thresholds_are_read_from_config() -> None:
    monitoring = settings_for(
        "dev",
        alarmEmails='["ops@example.com", "oncall@example.org"]',
        queueAgeAlarmSeconds="120",
        apiLatencyAlarmMs="750",
        alarmPeriodSeconds="120",
        alarmEvaluationPeriods="4",
        alarmDatapointsToAlarm="2",
    ).monitoring
    assert monitoring.alarm_emails == ("ops@example.com", "oncall@example.org")
    assert monitoring.queue_age_seconds == 120
    assert monitoring.api_latency_ms == 750
    assert (monitoring.period_seconds, monitoring.evaluation_periods) == (120, 4)
    assert monitoring.datapoints_to_alarm == 2


@pytest.mark.parametrize(
    ("raw", "key", "problem"),
    [
        ({"alarmEmails": '["not-an-address"]'}, "alarmEmails", "is not an e-mail address"),
        ({"alarmEmails": "ops@example.com"}, "alarmEmails", "not a JSON list of strings"),
        ({"alarmEmails": '["a@b.io", "a@b.io"]'}, "alarmEmails", "lists an address twice"),
        ({"alarmPeriodSeconds": "90"}, "alarmPeriodSeconds", "not a multiple of 60"),
        ({"alarmPeriodSeconds": "30"}, "alarmPeriodSeconds", "outside 60..86400"),
        (
            {"alarmPeriodSeconds": "3600", "alarmEvaluationPeriods": "25"},
            "alarmEvaluationPeriods",
            "more than one day",
        ),
        (
            {"alarmEvaluationPeriods": "2", "alarmDatapointsToAlarm": "3"},
            "alarmDatapointsToAlarm",
            "outside 1..2",
        ),
        ({"durationAlarmPercentOfTimeout": "120"}, "durationAlarmPercentOfTimeout", "10..100"),
        ({"api5xxAlarmPercent": "0"}, "api5xxAlarmPercent", "outside 1..100"),
        ({"apiLatencyAlarmMs": "30000"}, "apiLatencyAlarmMs", "outside 10..29000"),
        ({"queueAgeAlarmSeconds": "soon"}, "queueAgeAlarmSeconds", "not a whole number"),
    ],
)
def test_bad_monitoring_config_names_the_key(raw: dict[str, str], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as failure:
        settings_for("dev", **raw)
    assert failure.value.key == key
    assert problem in str(failure.value)
