"""What the Monitoring component watches: other components' outputs, by CloudWatch's names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from settings.monitoring import MonitoringSettings


@dataclass(frozen=True)
class MonitoringArgs:
    settings: MonitoringSettings
    name_prefix: str
    """Begins every alarm name and is the dashboard's name, e.g. `order-pipeline-prod`."""
    environment_name: str
    """The `environment` dimension the handlers put on their EMF metrics."""
    region: str
    table_name: pulumi.Input[str]
    queue_name: pulumi.Input[str]
    dead_letter_queue_name: pulumi.Input[str]
    processor_function_name: pulumi.Input[str]
    processor_timeout_seconds: int
    api_name: pulumi.Input[str]
    api_stage_name: pulumi.Input[str]
    api_function_names: Mapping[str, pulumi.Input[str]]
    """The API's own functions by label, e.g. `reader`: graphed beside the others; the
    API's 5xx alarm already covers their failures."""
    notifier_function_name: pulumi.Input[str]
    notifier_failure_queue_name: pulumi.Input[str]
    """The notifier's on-failure destination: stream records it gave up on."""
    events_topic_name: pulumi.Input[str]
    """The topic the notifier publishes order events to."""
