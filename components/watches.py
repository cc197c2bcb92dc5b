"""What Monitoring watches of each component, by the names CloudWatch knows the resources by.

Each component builds its own watch from the Outputs it exposes, so Monitoring depends on
these small values and never on another component's children.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class StoreWatch:
    """The order table of an `OrderStore`."""

    table_name: pulumi.Input[str]


@dataclass(frozen=True)
class QueueWatch:
    """The order queue of an `OrderQueue`, its DLQ and the function that consumes it."""

    queue_name: pulumi.Input[str]
    dead_letter_queue_name: pulumi.Input[str]
    processor_function_name: pulumi.Input[str]
    processor_timeout_seconds: int
    """The processor's timeout: its duration alarm and graph are measured against it."""


@dataclass(frozen=True)
class ApiWatch:
    """The REST API of an `OrderApi`, its stage and the functions behind its routes."""

    api_name: pulumi.Input[str]
    stage_name: pulumi.Input[str]
    function_names: Mapping[str, pulumi.Input[str]]
    """The API's own functions by label, e.g. `reader`: graphed beside the others; the
    API's 5xx alarm already covers their failures."""


@dataclass(frozen=True)
class NotifierWatch:
    """The function of a `Notifier`, where it records what it gave up on, and its topic."""

    function_name: pulumi.Input[str]
    failure_queue_name: pulumi.Input[str]
    """The notifier's on-failure destination: stream records it gave up on."""
    topic_name: pulumi.Input[str]
    """The topic the notifier publishes order events to."""
