"""`make bench`: the pipeline's performance figures, printed; nothing is asserted.

python -m tools.benchmarks                  P1..P5 (about ten minutes on two cores)
python -m tools.benchmarks --only P2,P3     some of them
python -m tools.benchmarks --make-test      also time `make test` once (P4)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

from tools.benchmarks import (
    batch_latency,
    calls_per_order,
    cold_start,
    local_throughput,
    program_time,
    report,
)

FIGURES: dict[str, Callable[[], None]] = {
    "P1": calls_per_order.run,
    "P2": batch_latency.run,
    "P3": cold_start.run,
    "P4": program_time.run,
    "P5": local_throughput.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmarks", description=__doc__)
    parser.add_argument(
        "--only", default=",".join(FIGURES), help="comma-separated figures, e.g. P1,P3"
    )
    parser.add_argument("--make-test", action="store_true", help="also time `make test` once")
    options = parser.parse_args(argv)
    chosen = [name.strip().upper() for name in options.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figures {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    print(
        f"order-pipeline benchmarks: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}",
        flush=True,
    )
    # Timings on a shared machine move with its load: say what it was.
    print(f"load average at start: {_load()}", flush=True)
    started = time.perf_counter()
    for name in chosen:
        FIGURES[name]()
    if options.make_test:
        program_time.run_make_test()
    report.section(f"done in {time.perf_counter() - started:.0f} s, load average now: {_load()}")
    return 0


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
