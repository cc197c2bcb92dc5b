"""Unit conversions the components share: AWS takes durations in seconds, settings in days."""

SECONDS_PER_DAY = 86_400
