"""What the Monitoring component watches: each component's watch, and the stack's names."""

from __future__ import annotations

from dataclasses import dataclass

from components.watches import ApiWatch, NotifierWatch, QueueWatch, StoreWatch
from settings.monitoring import MonitoringSettings


@dataclass(frozen=True)
class MonitoringArgs:
    settings: MonitoringSettings
    name_prefix: str
    """Begins every alarm name and is the dashboard's name, e.g. `order-pipeline-prod`."""
    environment_name: str
    """The `environment` dimension the handlers put on their EMF metrics."""
    region: str
    """Where the dashboard's graphs read their metrics."""
    store: StoreWatch
    queue: QueueWatch
    api: ApiWatch
    notifier: NotifierWatch
