"""P3: cold start, as the import of each handler module in a fresh interpreter.

Every Lambda function of the dev stack (from the program run under mocks: its handler and
its environment variables) against `tools.benchmarks.plain_handler`, a module that imports
boto3 and creates one client; `tools.benchmarks.powertools_handler` shows what the handler
standards (Powertools' Logger, Metrics and batch utility) add to that when written plainly.
Each import runs in its own interpreter, twice per round: once under `-X importtime` (the
module's own import, interpreter start-up excluded) and once plainly (wall clock of the
whole process). Rounds interleave the modules, so background load spreads over all of them;
the figure is the median over rounds.

As in Lambda, the handlers' own modules are compiled from source: they are imported from a
copy of the code archive's files (a task root), never from the checkout, whose `__pycache__`
the tests fill. A second task root adds bytecode compiled by this interpreter, as an archive
could ship it (Lambda's /var/task is read-only, so Python cannot cache it there itself); each
handler is timed from both, and the handlers' own modules are compiled in-process to show what
that bytecode saves. What the handlers defer to the invocations that need it (the X-Ray SDK,
the DLQ's client) is timed too, in a container that has imported boto3 and made its client.
"""

from __future__ import annotations

import importlib.util
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from components.code_archive import HANDLERS_DIR, packaged_files
from tools.benchmarks import report
from tools.benchmarks.harness import LAMBDA_ENVIRONMENT
from tools.pulumi_mocks.program import run_program
from tools.repository import REPO_ROOT

RUNS = 15
TARGET_RATIO = 1.2
FUNCTION_TYPE = "aws:lambda/function:Function"
YARDSTICK = "tools.benchmarks.plain_handler"
STANDARDS_FLOOR = "tools.benchmarks.powertools_handler"
# The Lambda environment outside the function's own variables. Not LAMBDA_TASK_ROOT: with it
# the deferred Tracer would also patch every library X-Ray knows that this venv happens to
# hold, far more than Lambda has.
LAMBDA_VARIABLES = (
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)
SHOWN_IMPORTS = 5
# What a handler defers, and the code that pays for it when an invocation needs it.
DEFERRED = {
    "X-Ray SDK and Tracer, first sampled invocation": (
        "from aws_lambda_powertools import Tracer; Tracer()"
    ),
    "SQS client, processor's first rejection": "boto3.client('sqs')",
}
DEFERRED_TIMER = (
    "import time, boto3; boto3.client('dynamodb'); started = time.perf_counter(); {code}; "
    "print(time.perf_counter() - started)"
)


@dataclass(frozen=True)
class Subject:
    label: str
    module: str
    variables: dict[str, str]


@dataclass
class Samples:
    imports: list[float]
    processes: list[float]
    # The module's direct imports and their cumulative seconds, from every -X importtime run.
    children: dict[str, list[float]]
    # The same import from the task root that ships bytecode.
    bytecode_imports: list[float] = field(default_factory=list)
    # The handlers package's own modules the import loaded.
    own_modules: set[str] = field(default_factory=set)


def stack_subjects(stack: str = "dev") -> list[Subject]:
    """Every function of the stack: its handler module and its environment variables."""
    subjects: dict[str, Subject] = {}
    for resource in run_program(stack).resources:
        if resource.type != FUNCTION_TYPE:
            continue
        module = str(resource.inputs["handler"]).rsplit(".", 1)[0]
        variables = dict(resource.inputs.get("environment", {}).get("variables", {}))
        subjects[module] = Subject(resource.name, module, variables)
    return sorted(subjects.values(), key=lambda subject: subject.module)


@contextmanager
def task_roots() -> Iterator[tuple[Path, Path]]:
    """The code archive's files twice: as shipped (sources), and with bytecode beside them."""
    with tempfile.TemporaryDirectory(prefix="task-root-") as scratch:
        roots = Path(scratch) / "source", Path(scratch) / "bytecode"
        for root in roots:
            for path in packaged_files():
                target = root / path.relative_to(HANDLERS_DIR.parent)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        for source in roots[1].rglob("*.py"):
            py_compile.compile(
                str(source),
                cfile=importlib.util.cache_from_source(str(source)),
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                doraise=True,
            )
        yield roots


def _source(module: str) -> Path:
    path = HANDLERS_DIR.parent / module.replace(".", "/")
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def compile_seconds(modules: set[str], runs: int = RUNS) -> float:
    """What compiling these handler modules from source costs this interpreter (best of runs):
    the work bytecode in the archive would spare a cold start."""
    sources = [(path, path.read_bytes()) for path in map(_source, sorted(modules))]
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        for path, source in sources:
            compile(source, str(path), "exec", dont_inherit=True)
        timings.append(time.perf_counter() - started)
    return min(timings)


def _child_environment(subject: Subject, task_root: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        # The task root first, as in Lambda; the checkout for the yardsticks in tools/.
        "PYTHONPATH": os.pathsep.join((str(task_root), str(REPO_ROOT))),
        "PYTHONDONTWRITEBYTECODE": "1",
        **{name: LAMBDA_ENVIRONMENT[name] for name in LAMBDA_VARIABLES},
        "AWS_LAMBDA_FUNCTION_NAME": subject.label,
        **subject.variables,
    }


def _run(
    subject: Subject, task_root: Path, *options: str, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, *options, "-c", code or f"import {subject.module}"]
    return subprocess.run(  # noqa: S603 - our own interpreter importing our own module
        command,
        env=_child_environment(subject, task_root),
        cwd=task_root,
        capture_output=True,
        text=True,
        check=True,
    )


@dataclass(frozen=True)
class ImportLine:
    depth: int
    name: str
    cumulative_seconds: float


def parse_importtime(stderr: str) -> list[ImportLine]:
    """`import time: self [us] | cumulative | name`, two spaces of indent per nesting level."""
    lines = []
    for text in stderr.splitlines():
        if not text.startswith("import time:") or "[us]" in text:
            continue
        _, cumulative, name_field = text.split("|")
        indent = len(name_field) - len(name_field.lstrip(" "))
        lines.append(ImportLine((indent - 1) // 2, name_field.strip(), int(cumulative) / 1e6))
    return lines


def module_import(lines: list[ImportLine], module: str) -> tuple[float, dict[str, float]]:
    """Seconds `import module` took (its packages included) and its direct imports' times.

    The output is in post-order: a module's imports are listed just before it.
    """
    packages = {".".join(module.split(".")[: depth + 1]) for depth in range(module.count("."))}
    total = 0.0
    children: dict[str, float] | None = None
    pending: dict[str, float] = {}
    for line in lines:
        if line.depth == 1:
            pending[line.name] = line.cumulative_seconds
        elif line.depth == 0:
            if line.name in packages:
                total += line.cumulative_seconds
            if line.name == module:
                total += line.cumulative_seconds
                children = pending
            pending = {}
    if children is None:
        raise LookupError(f"{module} not in the -X importtime output")
    return total, children


def measure(
    subjects: list[Subject], roots: tuple[Path, Path], runs: int = RUNS
) -> dict[str, Samples]:
    source_root, bytecode_root = roots
    samples = {subject.module: Samples([], [], defaultdict(list)) for subject in subjects}
    for _ in range(runs):
        for subject in subjects:
            found = samples[subject.module]
            lines = parse_importtime(_run(subject, source_root, "-X", "importtime").stderr)
            total, children = module_import(lines, subject.module)
            found.imports.append(total)
            for name, seconds in children.items():
                found.children[name].append(seconds)
            found.own_modules.update(
                line.name for line in lines if line.name.split(".")[0] == "handlers"
            )
            started = time.perf_counter()
            _run(subject, source_root)
            found.processes.append(time.perf_counter() - started)
            shipped = parse_importtime(_run(subject, bytecode_root, "-X", "importtime").stderr)
            found.bytecode_imports.append(module_import(shipped, subject.module)[0])
    return samples


def _heaviest(samples: Samples) -> str:
    medians = {name: report.median(values) for name, values in samples.children.items()}
    heaviest = sorted(medians.items(), key=lambda item: item[1], reverse=True)[:SHOWN_IMPORTS]
    return ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in heaviest)


def run(runs: int = RUNS) -> None:
    report.section(
        f"P3  cold start: handler module import in a fresh interpreter (median of {runs})"
    )
    yardsticks = [
        Subject("plain boto3 handler", YARDSTICK, {}),
        Subject("boto3 + Powertools, no Tracer", STANDARDS_FLOOR, {}),
    ]
    subjects = [*yardsticks, *stack_subjects()]
    with task_roots() as roots:
        samples = measure(subjects, roots, runs)
        base = report.median(samples[YARDSTICK].imports)
        report.row("", "   -X importtime      process wall    import ratio")
        for subject in subjects:
            found = samples[subject.module]
            import_median = report.median(found.imports)
            ratio = import_median / base
            report.row(
                subject.module,
                f"{report.ms(import_median)}   {report.ms(report.median(found.processes))}"
                f"   {ratio:6.2f}x",
                "" if subject in yardsticks else report.verdict(ratio, TARGET_RATIO, "x"),
            )
        report.section("    deferred: paid by the first invocation that needs it (median ms)")
        for label, code in DEFERRED.items():
            timer = DEFERRED_TIMER.format(code=code)
            seconds = [float(_run(yardsticks[0], roots[0], code=timer).stdout) for _ in range(runs)]
            report.row(label, report.ms(report.median(seconds)))
    report.section(
        f"    bytecode shipped in the archive, compiled by Python {sys.version.split()[0]}: "
        "import from source, with bytecode (median), and compiling the handlers' own modules "
        f"(best of {runs})"
    )
    for subject in subjects:
        found = samples[subject.module]
        source, shipped = report.median(found.imports), report.median(found.bytecode_imports)
        compiling = compile_seconds(found.own_modules, runs)
        report.row(
            subject.module,
            f"{report.ms(source)} {report.ms(shipped)}   "
            f"compile {len(found.own_modules)} modules {report.ms(compiling)}",
        )
    report.section("    heaviest direct imports of each module (median ms, first importer pays)")
    for subject in subjects:
        report.row(subject.module, _heaviest(samples[subject.module]))
