"""How figures are summarised and printed: medians, ratios, targets."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence

LABEL_WIDTH = 46


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("no samples")
    return float(statistics.median(values))


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `share` of them at or below."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def verdict(value: float, limit: float, unit: str = "") -> str:
    return f"target <= {limit:g}{unit}: {'met' if value <= limit else 'NOT MET'}"


def section(title: str) -> None:
    print(f"\n{title}", flush=True)


def row(label: str, value: str, note: str = "") -> None:
    line = f"  {label:<{LABEL_WIDTH}} {value}"
    print(f"{line}   {note}" if note else line, flush=True)


def warn(text: str) -> None:
    print(f"  ! {text}", file=sys.stderr, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def spread(samples: Sequence[float]) -> str:
    """The range of the samples, so a noisy median shows as one."""
    return f"n={len(samples)}, min {min(samples) * 1000:.0f} / max {max(samples) * 1000:.0f} ms"
