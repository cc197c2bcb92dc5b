"""`make reliability`: every scenario, its figures as a table, and a non-zero exit when an
invariant breaks (an order or announcement lost or unaccounted for, an unexpected 5xx).

    python -m tools.reliability [--seed N]

Without `--seed` the generated bodies are the same on every run (as in the tests); a seed
draws others. What the handlers log goes to `.local-logs/reliability.log`.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from tools.reliability.bodies import BODY_ROUNDS, generate
from tools.reliability.contract_fuzz import ContractFigures, api_schema, fuzz
from tools.reliability.edge import edge_scenario, local_run
from tools.reliability.figures import LEGEND, Figures, render_table
from tools.reliability.scenarios import FAULT_SCENARIOS, hostile_bodies_on_the_queue
from tools.repository import REPO_ROOT

LOG_DIR = REPO_ROOT / ".local-logs"


@contextlib.contextmanager
def _quiet(log: TextIO) -> Iterator[None]:
    """The handlers' JSON logs and EMF lines go to the log, not between the progress lines."""
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        yield


def _timed(name: str, log: TextIO, scenario: Callable[[], Figures]) -> Figures:
    started = time.monotonic()
    with _quiet(log):
        figures = scenario()
    verdict = "ok" if figures.holds else "INVARIANT BROKEN"
    print(f"  {name}: {verdict} ({time.monotonic() - started:.1f} s)", file=sys.stderr)
    return figures


def run(seed: int | None, log: TextIO) -> tuple[list[Figures], ContractFigures]:
    bodies = generate(BODY_ROUNDS, seed)
    print(f"{len(bodies)} bodies generated; scenarios:", file=sys.stderr)
    rows = [
        _timed("hostile bodies onto the queue", log, lambda: hostile_bodies_on_the_queue(bodies))
    ]
    rows += [_timed(scenario.__name__, log, scenario) for scenario in FAULT_SCENARIOS]
    # Last: the in-process scenarios' mocks reset moto, which the local run shares.
    with _quiet(log), local_run(LOG_DIR) as pipeline:
        rows.append(edge_scenario(pipeline, bodies))
        contract = fuzz(api_schema(pipeline))
    print("  bodies over HTTP and schemathesis on the local run: done", file=sys.stderr)
    return rows, contract


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.reliability", description=__doc__)
    parser.add_argument("--seed", type=int, help="draw other bodies than the fixed ones")
    arguments = parser.parse_args(argv)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / "reliability.log"
    with log_path.open("w", encoding="utf-8") as log:
        rows, contract = run(arguments.seed, log)
    print(render_table(rows))
    print(contract.render())
    for failure in contract.failures:
        print(f"  {failure}")
    print()
    print(LEGEND)
    held = all(row.holds for row in rows) and not contract.failures and not contract.server_errors
    print("\nall invariants hold" if held else f"\nINVARIANTS BROKEN (handler logs: {log_path})")
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
