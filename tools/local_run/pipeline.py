"""The local run: AWS endpoint, resources, functions, event sources and API, up and down.

`LocalPipeline` is what `make local`, `make demo` and the end-to-end tests start. Starting
binds both ports first (a port in use fails before anything runs), then starts moto,
creates the program's resources, loads the functions and starts the event sources and the
API. `stop` undoes exactly what started, in reverse, and leaves no thread running.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import ClientError

from tools.local_run.activity import SourceActivity
from tools.local_run.api_gateway import (
    Integration,
    LambdaProxyIntegration,
    LocalApiGateway,
    SendMessage,
    SqsIntegration,
)
from tools.local_run.aws_endpoint import AwsEndpoint, listening_socket
from tools.local_run.blueprint import Blueprint, EventSourceMappingSpec, load_blueprint
from tools.local_run.http_server import ApiServer
from tools.local_run.lambda_runtime import FunctionPool, applied_environment, output_routing
from tools.local_run.options import API_PORT_ENV, AWS_PORT_ENV, LocalOptions, LocalRunError
from tools.local_run.provisioning import LocalResources, provision
from tools.local_run.sqs_source import SqsEventSource
from tools.local_run.stream_source import StreamEventSource

# The pipeline counts as idle once nothing moved for this long: longer than two polls of a
# stream, so a change stored just before a quiet pass over the stream is not missed.
IDLE_SETTLE_SECONDS = 0.6
IDLE_CHECK_INTERVAL_SECONDS = 0.1

# Every handler runs with these besides its own variables: X-Ray needs the daemon that
# only Lambda runs.
LOCAL_HANDLER_ENVIRONMENT = {"POWERTOOLS_TRACE_DISABLED": "true"}

EventSource = SqsEventSource | StreamEventSource


@dataclass(frozen=True)
class Inventory:
    """Where to look: the pipeline's resources under their local URLs and names."""

    queue_url: str
    """The queue the processor reads (and POST /orders sends to)."""
    dead_letter_queue_url: str | None
    table_name: str
    """The table whose stream the notifier reads."""
    events_subscriber_url: str | None
    """The local run's queue subscribed to the events topic."""
    stream_failure_queue_url: str | None


class LocalPipeline:
    def __init__(self, options: LocalOptions, overrides: Mapping[str, str] | None = None) -> None:
        """`overrides`: stack config keys (`order-pipeline:maxReceiveCount`) for this run."""
        self.options = options
        self._overrides = dict(overrides or {})
        self._cleanup = contextlib.ExitStack()
        self.blueprint: Blueprint
        self.resources: LocalResources
        self.aws: AwsEndpoint
        self.api_url = ""
        self.functions: dict[str, FunctionPool] = {}
        self.sources: list[EventSource] = []

    @property
    def aws_url(self) -> str:
        return self.aws.url

    def __enter__(self) -> LocalPipeline:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        with contextlib.ExitStack() as started:
            api_socket = listening_socket(self.options.api_port, API_PORT_ENV)
            started.callback(api_socket.close)
            aws_socket = listening_socket(self.options.aws_port, AWS_PORT_ENV)
            started.callback(aws_socket.close)
            self.blueprint = load_blueprint(self.options.stack, self._overrides)
            self.aws = AwsEndpoint(aws_socket, self.blueprint.region)
            self.aws.start()
            started.callback(self.aws.stop)
            self.resources = provision(self.blueprint, self.aws.client)
            started.enter_context(applied_environment(self.aws.handler_environment()))
            output_routing.acquire()
            started.callback(output_routing.release)
            self._create_functions(started)
            self._start_sources(started)
            if self.blueprint.api_document is not None:
                gateway = LocalApiGateway(
                    self.blueprint.api_document,
                    self.blueprint.api_stage,
                    self._integration,
                    self._sender(),
                    self.blueprint.api_models_after_import,
                )
                api = ApiServer(api_socket, gateway)
                api.start()
                started.callback(api.stop)
                self.api_url = api.url
            self._cleanup = started.pop_all()

    def stop(self) -> None:
        self._cleanup.close()

    def _create_functions(self, started: contextlib.ExitStack) -> None:
        for spec in self.blueprint.functions:
            environment = {
                **self.aws.handler_environment(),
                **LOCAL_HANDLER_ENVIRONMENT,
                **self.resources.identities.environment(spec.variables),
            }
            pool = FunctionPool(spec, environment, self.options.log_dir)
            started.callback(pool.close)
            self.functions[spec.arn] = pool

    def _start_sources(self, started: contextlib.ExitStack) -> None:
        for mapping in self.blueprint.mappings:
            source = self._source(mapping)
            source.start()
            started.callback(source.stop)
            self.sources.append(source)

    def _source(self, mapping: EventSourceMappingSpec) -> EventSource:
        function = self.functions[mapping.function.arn]
        identities = self.resources.identities
        if self.blueprint.queue_with_arn(mapping.source_arn) is not None:
            return SqsEventSource(
                mapping,
                queue_url=self.resources.queue_url(mapping.source_arn),
                queue_arn=identities.local(mapping.source_arn),
                region=self.blueprint.region,
                function=function,
                sqs=self.aws.client("sqs"),
                visibility_timeout_seconds=self.options.visibility_timeout_for(
                    mapping.batching_window_seconds
                ),
            )
        if self.blueprint.table_with_stream(mapping.source_arn) is not None:
            on_failure = mapping.on_failure_arn
            failure_url = None if on_failure is None else self.resources.queue_url(on_failure)
            return StreamEventSource(
                mapping,
                stream_arn=identities.local(mapping.source_arn),
                region=self.blueprint.region,
                function=function,
                streams=self.aws.client("dynamodbstreams"),
                sqs=self.aws.client("sqs"),
                on_failure_queue_url=failure_url,
            )
        raise LocalRunError(
            f"mapping {mapping.name} reads {mapping.source_arn}: only the stack's queues and "
            "table streams can feed a function locally"
        )

    def _integration(self, operation: Mapping[str, Any]) -> Integration:
        integration = operation["x-amazon-apigateway-integration"]
        uri = str(integration["uri"])
        if integration["type"] == "aws_proxy":
            spec = self.blueprint.function_by_invoke_arn(uri)
            return LambdaProxyIntegration(self.functions[spec.arn].invoke)
        if integration["type"] == "aws" and ":sqs:path/" in uri:
            queue = self.blueprint.queue_named(uri.rsplit("/", 1)[1])
            return SqsIntegration(self.resources.identities.local(str(queue.state["url"])))
        raise LocalRunError(f"no local equivalent for the {integration['type']} integration {uri}")

    def _sender(self) -> SendMessage:
        sqs = self.aws.client("sqs")

        def send(queue_url: str, message: Mapping[str, Any]) -> int:
            try:
                response = sqs.send_message(QueueUrl=queue_url, **message)
            except ClientError as error:
                return int(error.response["ResponseMetadata"]["HTTPStatusCode"])
            return int(response["ResponseMetadata"]["HTTPStatusCode"])

        return send

    def inventory(self) -> Inventory:
        queues = [source for source in self.sources if isinstance(source, SqsEventSource)]
        streams = [source for source in self.sources if isinstance(source, StreamEventSource)]
        if not queues or not streams:
            raise LocalRunError("the program has no queue-fed and stream-fed functions")
        queue = self.blueprint.queue_with_arn(queues[0].mapping.source_arn)
        table = self.blueprint.table_with_stream(streams[0].mapping.source_arn)
        if queue is None or table is None:
            raise LocalRunError("the event sources read resources the program does not have")
        redrive = queue.inputs.get("redrivePolicy")
        on_failure = streams[0].mapping.on_failure_arn
        subscribers = list(self.resources.subscriber_queue_urls.values())
        return Inventory(
            queue_url=queues[0].queue_url,
            dead_letter_queue_url=(
                self.resources.queue_url(json.loads(redrive)["deadLetterTargetArn"])
                if redrive
                else None
            ),
            table_name=self.resources.identities.local(table.physical_name),
            events_subscriber_url=subscribers[0] if subscribers else None,
            stream_failure_queue_url=(
                None if on_failure is None else self.resources.queue_url(on_failure)
            ),
        )

    def activity(self) -> dict[str, SourceActivity]:
        """A snapshot of every event source's counts, by mapping name."""
        return {source.mapping.name: replace(source.activity) for source in self.sources}

    def queue_backlog(self) -> int:
        """Messages on the queues that feed functions: waiting, in flight or to be retried."""
        return sum(
            source.backlog() for source in self.sources if isinstance(source, SqsEventSource)
        )

    def is_idle(self) -> bool:
        return all(source.quiet for source in self.sources) and self.queue_backlog() == 0

    def wait_until_idle(
        self, timeout_seconds: float, on_check: Callable[[], None] | None = None
    ) -> bool:
        """True once nothing has moved for `IDLE_SETTLE_SECONDS`; False at the timeout.
        `on_check` runs before every check (progress reports)."""
        deadline = time.monotonic() + timeout_seconds
        idle_since: float | None = None
        while time.monotonic() < deadline:
            if on_check is not None:
                on_check()
            if self.is_idle():
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= IDLE_SETTLE_SECONDS:
                    return True
            else:
                idle_since = None
            time.sleep(IDLE_CHECK_INTERVAL_SECONDS)
        return False
