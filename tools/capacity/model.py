"""The sustainable rate: the highest steady rate every stage takes, and the stage that sets it."""

from __future__ import annotations

from dataclasses import dataclass

from tools.capacity.quotas import Quotas
from tools.capacity.shape import PipelineShape
from tools.capacity.stages import Stage, pipeline_stages


@dataclass(frozen=True)
class Capacity:
    shape: PipelineShape
    quotas: Quotas
    stages: tuple[Stage, ...]

    @property
    def limiting(self) -> list[Stage]:
        """Stages whose limit is on the whole pipeline's rate."""
        return [
            stage
            for stage in self.stages
            if stage.orders_per_second is not None and not stage.per_customer
        ]

    @property
    def first_bottleneck(self) -> Stage:
        """The lowest limit; on a tie, the stage an order meets first."""
        return min(self.limiting, key=lambda stage: stage.orders_per_second or 0.0)

    @property
    def sustainable(self) -> float:
        """Orders a second the pipeline takes for good without a growing backlog."""
        return self.first_bottleneck.orders_per_second or 0.0


def capacity(shape: PipelineShape, quotas: Quotas) -> Capacity:
    return Capacity(shape, quotas, pipeline_stages(shape, quotas))
