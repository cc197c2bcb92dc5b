"""What the local run builds, read from the program's own recorded resources.

`run_program` runs `__main__.py` under the recording mocks; this module picks out what can
run on this machine (queues, tables, topics, functions, event source mappings, the REST API
document) with their inputs as the program set them. Nothing here is a second copy of a
setting: every value comes from a recorded resource. The identities in it (ARNs, URLs,
names) are the mocks' and are mapped onto moto's by `tools.local_run.provisioning`.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from components.model_schema import MODEL_NAME, MODEL_SCHEMA_TYPE, SCHEMA
from tools.local_run.options import LocalRunError
from tools.pulumi_mocks.program import ProgramRun, run_program
from tools.pulumi_mocks.recording import RecordedResource

QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"
TOPIC = "aws:sns/topic:Topic"
FUNCTION = "aws:lambda/function:Function"
EVENT_SOURCE_MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
REST_API = "aws:apigateway/restApi:RestApi"
# Written by components.model_schema; its inputs are read here as the provider reads them.
STAGE = "aws:apigateway/stage:Stage"

REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"

T = TypeVar("T")


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    """The function's physical name, as Lambda would know it."""
    arn: str
    invoke_arn: str
    handler: str
    """Entry point, `package.module.function`."""
    timeout_seconds: int
    memory_mb: int
    variables: Mapping[str, str]
    """Its environment as the program sets it, with the mocks' identities."""

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def function_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass(frozen=True)
class EventSourceMappingSpec:
    name: str
    source_arn: str
    function: FunctionSpec
    batch_size: int
    batching_window_seconds: int
    reports_batch_item_failures: bool
    max_concurrency: int | None
    starting_position: str | None
    bisect_on_error: bool
    max_retry_attempts: int | None
    """None: retry until the record expires, as Lambda does (-1)."""
    max_record_age_seconds: int | None
    on_failure_arn: str | None


@dataclass(frozen=True)
class Blueprint:
    stack: str
    region: str
    queues: tuple[RecordedResource, ...]
    tables: tuple[RecordedResource, ...]
    topics: tuple[RecordedResource, ...]
    functions: tuple[FunctionSpec, ...]
    mappings: tuple[EventSourceMappingSpec, ...]
    api_document: Mapping[str, Any] | None
    api_stage: str
    api_models_after_import: Mapping[str, Any]
    """Each model the stack writes through the Model API after the import, by name."""

    def function_by_invoke_arn(self, invoke_arn: str) -> FunctionSpec:
        return _only(
            [function for function in self.functions if function.invoke_arn == invoke_arn],
            f"function with invoke ARN {invoke_arn}",
        )

    def queue_named(self, name: str) -> RecordedResource:
        return _only(
            [queue for queue in self.queues if queue.physical_name == name], f"queue {name}"
        )

    def queue_with_arn(self, arn: str) -> RecordedResource | None:
        matches = [queue for queue in self.queues if queue.state.get("arn") == arn]
        return matches[0] if matches else None

    def table_with_stream(self, stream_arn: str) -> RecordedResource | None:
        matches = [table for table in self.tables if table.state.get("stream_arn") == stream_arn]
        return matches[0] if matches else None


def _only(matches: list[T], what: str) -> T:
    if len(matches) != 1:
        raise LocalRunError(f"the program registers {len(matches)} {what}, expected one")
    return matches[0]


def _integer(value: Any, default: int | None = None) -> int | None:
    """Numbers come back from the mocks as floats; absent ones take Lambda's default."""
    return default if value is None else int(value)


def _function(resource: RecordedResource) -> FunctionSpec:
    inputs = resource.inputs
    variables = (inputs.get("environment") or {}).get("variables") or {}
    return FunctionSpec(
        name=resource.physical_name,
        arn=str(resource.state["arn"]),
        invoke_arn=str(resource.state["invoke_arn"]),
        handler=str(inputs["handler"]),
        # Lambda's own defaults when the program leaves them out.
        timeout_seconds=_integer(inputs.get("timeout"), 3) or 3,
        memory_mb=_integer(inputs.get("memorySize"), 128) or 128,
        variables={name: str(value) for name, value in variables.items()},
    )


def _mapping(resource: RecordedResource, functions: list[FunctionSpec]) -> EventSourceMappingSpec:
    inputs = resource.inputs
    function_ref = str(inputs["functionName"])
    function = _only(
        [f for f in functions if function_ref in (f.arn, f.name)],
        f"function {function_ref} of mapping {resource.name}",
    )
    retries = _integer(inputs.get("maximumRetryAttempts"))
    age = _integer(inputs.get("maximumRecordAgeInSeconds"))
    on_failure = ((inputs.get("destinationConfig") or {}).get("onFailure") or {}).get(
        "destinationArn"
    )
    return EventSourceMappingSpec(
        name=resource.name,
        source_arn=str(inputs["eventSourceArn"]),
        function=function,
        # Lambda's defaults: 10 for SQS, 100 for streams; the program always sets it.
        batch_size=_integer(inputs.get("batchSize"), 10) or 10,
        batching_window_seconds=_integer(inputs.get("maximumBatchingWindowInSeconds"), 0) or 0,
        reports_batch_item_failures=REPORT_BATCH_ITEM_FAILURES
        in (inputs.get("functionResponseTypes") or []),
        max_concurrency=_integer((inputs.get("scalingConfig") or {}).get("maximumConcurrency")),
        starting_position=inputs.get("startingPosition"),
        bisect_on_error=bool(inputs.get("bisectBatchOnFunctionError", False)),
        max_retry_attempts=None if retries is None or retries < 0 else retries,
        max_record_age_seconds=None if age is None or age < 0 else age,
        on_failure_arn=None if on_failure is None else str(on_failure),
    )


def blueprint_of(run: ProgramRun) -> Blueprint:
    def of_type(type_: str) -> tuple[RecordedResource, ...]:
        return tuple(resource for resource in run.resources if resource.type == type_)

    functions = [_function(resource) for resource in of_type(FUNCTION)]
    apis = of_type(REST_API)
    if len(apis) > 1:
        raise LocalRunError(f"the program registers {len(apis)} REST APIs; one can be served")
    stages = of_type(STAGE)
    return Blueprint(
        stack=run.stack,
        region=run.mocks.region,
        queues=of_type(QUEUE),
        tables=of_type(TABLE),
        topics=of_type(TOPIC),
        functions=tuple(functions),
        mappings=tuple(_mapping(resource, functions) for resource in of_type(EVENT_SOURCE_MAPPING)),
        api_document=json.loads(apis[0].inputs["body"]) if apis else None,
        api_stage=str(stages[0].inputs["stageName"]) if stages else "local",
        api_models_after_import={
            str(model.inputs[MODEL_NAME]): json.loads(model.inputs[SCHEMA])
            for model in of_type(MODEL_SCHEMA_TYPE)
        },
    )


def load_blueprint(stack: str, overrides: Mapping[str, str] | None = None) -> Blueprint:
    """The stack as `pulumi up` would deploy it, under mocks; `overrides` are full config
    keys (`order-pipeline:maxReceiveCount`) laid over the stack's file.

    The program runs in a thread of its own with its own event loop, closed afterwards:
    Pulumi's runtime leaves worker threads on the loop it runs on, and the local run
    promises to leave none behind.
    """
    runs: list[ProgramRun] = []
    errors: list[BaseException] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            runs.append(run_program(stack, overrides))
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    thread = threading.Thread(target=run, name="local-program")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return blueprint_of(runs[0])
