"""Lambda functions and their event source mappings."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pulumi

from tools.fidelity import aws_limits as limits
from tools.fidelity.limit_checks.values import Check, block, not_one_of, number, outside, shown
from tools.fidelity.recorded_stack import Stack
from tools.pulumi_mocks.recording import RecordedResource

QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"
FUNCTION = "aws:lambda/function:Function"

# The defaults when the input is left out: Lambda's timeout and SQS batch, SQS's visibility.
DEFAULT_TIMEOUT_SECONDS = 3
DEFAULT_SQS_BATCH_SIZE = 10
DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30


def check_function(
    resource: RecordedResource, _stack: Stack, today: date | None = None
) -> Iterable[str]:
    inputs = resource.inputs
    yield from _runtime(inputs.get("runtime"), today or date.today())
    architectures = inputs.get("architectures") or ["x86_64"]
    if len(architectures) != 1:
        yield f"architectures {architectures} must name exactly one architecture"
    for architecture in architectures:
        yield from not_one_of("architecture", architecture, limits.LAMBDA_ARCHITECTURES)
    yield from outside("memorySize", number(inputs, "memorySize"), limits.LAMBDA_MEMORY_MB)
    yield from outside("timeout", number(inputs, "timeout"), limits.LAMBDA_TIMEOUT_SECONDS)
    storage = number(block(inputs, "ephemeralStorage"), "size")
    yield from outside("ephemeralStorage.size", storage, limits.LAMBDA_EPHEMERAL_STORAGE_MB)
    description = str(inputs.get("description", ""))
    if len(description) > limits.LAMBDA_DESCRIPTION_MAX:
        yield (
            f"description is {len(description)} characters; "
            f"Lambda allows {limits.LAMBDA_DESCRIPTION_MAX}"
        )
    yield from not_one_of(
        "tracingConfig.mode",
        block(inputs, "tracingConfig").get("mode"),
        limits.LAMBDA_TRACING_MODES,
    )
    yield from _logging(block(inputs, "loggingConfig"))
    yield from _layers(inputs)
    yield from _environment(block(block(inputs, "environment"), "variables"))
    yield from _handler(inputs.get("handler"), inputs.get("code"), str(inputs.get("runtime", "")))


def _runtime(runtime: Any, today: date) -> Iterable[str]:
    deprecated = limits.LAMBDA_RUNTIME_DEPRECATION.get(str(runtime))
    if deprecated is None:
        supported = ", ".join(limits.LAMBDA_RUNTIME_DEPRECATION)
        yield f"runtime {runtime!r} is not a supported Lambda runtime ({supported})"
    elif deprecated <= today:
        yield f"runtime {runtime!r} was deprecated on {deprecated.isoformat()}"


def _logging(logging: Mapping[str, Any]) -> Iterable[str]:
    log_format = logging.get("logFormat")
    yield from not_one_of("loggingConfig.logFormat", log_format, limits.LAMBDA_LOG_FORMATS)
    levels = [key for key in ("applicationLogLevel", "systemLogLevel") if key in logging]
    if levels and log_format != "JSON":
        yield f"loggingConfig {', '.join(levels)} need logFormat JSON"


def _layers(inputs: Mapping[str, Any]) -> Iterable[str]:
    layers = [str(layer) for layer in inputs.get("layers") or []]
    if len(layers) > limits.LAMBDA_MAX_LAYERS:
        yield f"{len(layers)} layers; Lambda allows {limits.LAMBDA_MAX_LAYERS}"
    runtime = str(inputs.get("runtime", "")).replace(".", "")
    architecture = (inputs.get("architectures") or ["x86_64"])[0]
    for layer in layers:
        match = limits.POWERTOOLS_LAYER.match(layer)
        if match and (match["runtime"], match["architecture"]) != (runtime, architecture):
            yield (
                f"layer {layer} is built for {match['runtime']}/{match['architecture']}, "
                f"the function runs {runtime}/{architecture}"
            )


def _environment(variables: Mapping[str, Any]) -> Iterable[str]:
    for name in variables:
        if name in limits.LAMBDA_RESERVED_VARIABLES:
            yield f"environment variable {name} is reserved by Lambda"
        elif not limits.LAMBDA_VARIABLE_NAME.match(name):
            yield f"environment variable name {name!r} is not [a-zA-Z][a-zA-Z0-9_]+"
    size = len(json.dumps(dict(variables), separators=(",", ":")).encode())
    if size > limits.LAMBDA_ENVIRONMENT_MAX_BYTES:
        yield f"environment variables take {size} bytes; Lambda allows 4 KB"


def _handler(handler: Any, code: Any, runtime: str) -> Iterable[str]:
    """The entry point must exist in the archive, or every invocation fails at import."""
    if not runtime.startswith("python") or not isinstance(code, pulumi.AssetArchive):
        return
    module_path, _, function = str(handler).rpartition(".")
    files = {
        path: asset.path
        for path, asset in code.assets.items()
        if isinstance(asset, pulumi.FileAsset)
    }
    relative = module_path.replace(".", "/")
    source = files.get(f"{relative}.py") or files.get(f"{relative}/__init__.py")
    if source is None:
        yield f"handler {handler!r}: the archive has no module {module_path!r}"
    elif function not in _top_level_names(Path(source)):
        yield f"handler {handler!r}: {module_path} defines no {function!r}"


def _top_level_names(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def check_event_source_mapping(resource: RecordedResource, stack: Stack) -> Iterable[str]:
    inputs = resource.inputs
    function = stack.resolve_as(inputs.get("functionName"), FUNCTION)
    if function is None:
        yield f"functionName {inputs.get('functionName')!r} is no function of this stack"
    for response_type in inputs.get("functionResponseTypes") or []:
        yield from not_one_of("functionResponseTypes", response_type, limits.ESM_RESPONSE_TYPES)
    source = inputs.get("eventSourceArn")
    queue = stack.resolve_as(source, QUEUE)
    if queue is not None:
        yield from _queue_mapping(inputs, queue, function)
        return
    table = stack.resolve_as(source, TABLE)
    if table is not None and table.state.get("stream_arn") == source:
        yield from _stream_mapping(inputs, stack)
        return
    yield f"eventSourceArn {source!r} is neither a queue nor a table stream of this stack"


def _queue_mapping(
    inputs: Mapping[str, Any], queue: RecordedResource, function: RecordedResource | None
) -> Iterable[str]:
    fifo = bool(queue.inputs.get("fifoQueue"))
    batch_size = number(inputs, "batchSize") or DEFAULT_SQS_BATCH_SIZE
    window = number(inputs, "maximumBatchingWindowInSeconds") or 0
    bounds = limits.ESM_SQS_FIFO_BATCH_SIZE if fifo else limits.ESM_SQS_STANDARD_BATCH_SIZE
    yield from outside("batchSize", batch_size, bounds)
    yield from outside("maximumBatchingWindowInSeconds", window, limits.ESM_BATCHING_WINDOW_SECONDS)
    if not fifo and batch_size > limits.ESM_SQS_UNWINDOWED_BATCH_SIZE and window < 1:
        yield (
            f"batchSize {shown(batch_size)} over {limits.ESM_SQS_UNWINDOWED_BATCH_SIZE} needs "
            "maximumBatchingWindowInSeconds of at least 1 for a standard queue"
        )
    for stream_only in (
        "startingPosition",
        "destinationConfig",
        "bisectBatchOnFunctionError",
        "maximumRetryAttempts",
        "maximumRecordAgeInSeconds",
        "parallelizationFactor",
    ):
        if stream_only in inputs:
            yield f"{stream_only} is not supported for an SQS event source"
    concurrency = number(block(inputs, "scalingConfig"), "maximumConcurrency")
    yield from outside("scalingConfig.maximumConcurrency", concurrency, limits.ESM_MAX_CONCURRENCY)
    if function is not None:
        yield from _visibility(queue, function, window)


def _visibility(
    queue: RecordedResource, function: RecordedResource, window: float
) -> Iterable[str]:
    timeout = number(function.inputs, "timeout") or DEFAULT_TIMEOUT_SECONDS
    visibility = number(queue.inputs, "visibilityTimeoutSeconds")
    visibility = DEFAULT_VISIBILITY_TIMEOUT_SECONDS if visibility is None else visibility
    needed = limits.VISIBILITY_TIMEOUT_FUNCTION_TIMEOUTS * timeout + window
    if visibility < needed:
        yield (
            f"queue {queue.name} visibilityTimeoutSeconds {shown(visibility)} is under "
            f"{limits.VISIBILITY_TIMEOUT_FUNCTION_TIMEOUTS} x function timeout "
            f"{shown(timeout)} + batching window {shown(window)} = {shown(needed)}"
        )


def _stream_mapping(inputs: Mapping[str, Any], stack: Stack) -> Iterable[str]:
    position = inputs.get("startingPosition")
    if position is None:
        yield "startingPosition is required for a stream event source"
    yield from not_one_of("startingPosition", position, limits.ESM_STARTING_POSITIONS)
    yield from outside("batchSize", number(inputs, "batchSize"), limits.ESM_STREAM_BATCH_SIZE)
    window = number(inputs, "maximumBatchingWindowInSeconds")
    yield from outside("maximumBatchingWindowInSeconds", window, limits.ESM_BATCHING_WINDOW_SECONDS)
    retries = number(inputs, "maximumRetryAttempts")
    yield from outside("maximumRetryAttempts", retries, limits.ESM_STREAM_RETRY_ATTEMPTS)
    age = number(inputs, "maximumRecordAgeInSeconds")
    if age != -1:
        yield from outside("maximumRecordAgeInSeconds", age, limits.ESM_STREAM_RECORD_AGE_SECONDS)
    factor = number(inputs, "parallelizationFactor")
    yield from outside("parallelizationFactor", factor, limits.ESM_PARALLELIZATION_FACTOR)
    if "scalingConfig" in inputs:
        yield "scalingConfig is only supported for an SQS event source"
    destination = block(block(inputs, "destinationConfig"), "onFailure").get("destinationArn")
    if destination is not None and stack.resolve(str(destination)) is None:
        yield f"destinationConfig.onFailure {destination!r} is no resource of this stack"


CHECKS: dict[str, Check] = {
    FUNCTION: check_function,
    "aws:lambda/eventSourceMapping:EventSourceMapping": check_event_source_mapping,
}
