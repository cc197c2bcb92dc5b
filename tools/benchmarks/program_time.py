"""P4: the whole program under mocks in a fresh interpreter, and (on request) `make test`.

`tools.pulumi_mocks.program.run_program(stack)` is what the tests, the local run, synth and the
diagram all start from. Each run is a new process: the figure is the call itself (the program's own
imports, such as pulumi_aws modules, included), with the process's wall clock beside it. The
call's CPU time (all threads) is printed too: on a busy machine the wall clock waits for a
core, the CPU time much less so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tools.benchmarks import report
from tools.repository import REPO_ROOT

RUNS = 5
TARGET_SECONDS = 1.0
MAKE_TEST_TARGET_SECONDS = 120
SLOWEST_TESTS = 15
# What `make test` runs, in its order.
MAKE_TEST_STEPS = ("lint", "typecheck", "unit")
FAILURE_LINES = 8
STACKS = ("dev", "prod")

_CHILD = """
import json, time
started = time.perf_counter()
from tools.pulumi_mocks.program import run_program
imported = time.perf_counter()
cpu_started = time.process_time()
resources = len(run_program({stack!r}).resources)
print(json.dumps({{"import": imported - started, "run": time.perf_counter() - imported,
                  "cpu": time.process_time() - cpu_started, "resources": resources}}))
"""


def _child(stack: str) -> tuple[dict[str, float], float]:
    started = time.perf_counter()
    finished = subprocess.run(  # noqa: S603 - our own interpreter running our own program
        [sys.executable, "-c", _CHILD.format(stack=stack)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(finished.stdout.strip().splitlines()[-1])
    return figures, time.perf_counter() - started


def run(runs: int = RUNS) -> None:
    report.section(
        f"P4  the program under mocks, run_program(stack) in a fresh process (median of {runs})"
    )
    report.row("", "run_program       its CPU    its import  process wall")
    for stack in STACKS:
        calls, cpu_times, imports, processes = [], [], [], []
        resources = 0
        for _ in range(runs):
            figures, process = _child(stack)
            calls.append(figures["run"])
            cpu_times.append(figures["cpu"])
            imports.append(figures["import"])
            processes.append(process)
            resources = int(figures["resources"])
        call = report.median(calls)
        report.row(
            f"{stack} ({resources} resources)",
            f"{report.ms(call)}   {report.ms(report.median(cpu_times))}   "
            f"{report.ms(report.median(imports))}   {report.ms(report.median(processes))}",
            report.verdict(call, TARGET_SECONDS, " s"),
        )


def _make(target: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    finished = subprocess.run(  # noqa: S603 - make in our own repository
        ["make", target],  # noqa: S607 - make from PATH, as a developer runs it
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, finished


def run_make_test() -> None:
    """`make test`'s three steps, each timed (a failing step does not hide the others' times),
    and the slowest tests when the whole is over target."""
    report.section("P4  make test (lint, type-check, the whole suite), once")
    total = 0.0
    for target in MAKE_TEST_STEPS:
        elapsed, finished = _make(target)
        total += elapsed
        outcome = "passed" if finished.returncode == 0 else f"FAILED (exit {finished.returncode})"
        summary = [line.strip("= ") for line in finished.stdout.splitlines() if " passed" in line]
        report.row(f"make {target}: {outcome}", f"{elapsed:8.1f} s", summary[-1] if summary else "")
        if finished.returncode != 0:
            for line in (finished.stdout + finished.stderr).strip().splitlines()[-FAILURE_LINES:]:
                print(f"    | {line}")
    report.row(
        "make test", f"{total:8.1f} s", report.verdict(total, MAKE_TEST_TARGET_SECONDS, " s")
    )
    if total > MAKE_TEST_TARGET_SECONDS:
        durations = subprocess.run(  # noqa: S603 - pytest from our own venv
            [str(Path(sys.executable).with_name("pytest")), f"--durations={SLOWEST_TESTS}", "-q"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = durations.stdout.splitlines()
        start = next((i for i, line in enumerate(lines) if "slowest" in line), None)
        for line in lines[start : start + SLOWEST_TESTS + 1] if start is not None else []:
            print(f"    {line}")
