"""The stack in this process: moto, the program's own resources, its processor and notifier,
and their event sources with Lambda's semantics. What the fault scenarios stand on.

Resources come from the program run under mocks and are created in moto exactly as the
local run creates them (`tools.local_run.blueprint`, `tools.local_run.provisioning`): the
queue's redrive policy, the table's stream and the mappings' batch sizes and retries are the
dev stack's.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from moto import mock_aws

from tools.aws_doubles.moto_setup import serve_dynamodb_calls_one_at_a_time
from tools.aws_doubles.stream_events import read_stream
from tools.local_run.blueprint import Blueprint, EventSourceMappingSpec, load_blueprint
from tools.local_run.lambda_runtime import applied_environment
from tools.local_run.provisioning import LocalResources, provision
from tools.local_run.readback import table_items, take_messages
from tools.local_run.stream_source import StreamEventSource
from tools.reliability.lambda_containers import LambdaFunction
from tools.reliability.sqs_poller import RECEIVE_WAIT_SECONDS, SqsPoller
from tools.reliability.stream_poller import RETRY_DELAY_SECONDS, drain

STACK = "dev"
PROCESSOR_HANDLER = "handlers.processor.handler"
NOTIFIER_HANDLER = "handlers.notifier.handler"
# moto accepts any credentials; these keep botocore from looking for real ones.
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# moto answers DynamoDB on the regional endpoint, not the account-based one.
CLIENT_CONFIG = Config(account_id_endpoint_mode="disabled")


@functools.cache
def stack_blueprint() -> Blueprint:
    """The dev stack as the program deploys it; run once per process (it takes a second)."""
    return load_blueprint(STACK)


@functools.cache
def _session(region: str) -> boto3.session.Session:
    """One session for every scenario: it loads each service's model once."""
    return boto3.session.Session(region_name=region, **CREDENTIALS)


def _handler_environment(region: str) -> dict[str, str]:
    return {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": CLIENT_CONFIG.account_id_endpoint_mode,
        # X-Ray needs the daemon that only Lambda runs.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


@dataclass
class InProcessStack:
    blueprint: Blueprint
    resources: LocalResources
    sqs: Any
    dynamodb: Any
    streams: Any
    processor: LambdaFunction
    notifier: LambdaFunction
    queue: SqsPoller
    stream: StreamEventSource
    dead_letter_queue_url: str
    max_receive_count: int
    table_name: str
    subscriber_queue_url: str
    stream_failure_queue_url: str
    _taken: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def send(self, body: str, attributes: Mapping[str, str] | None = None) -> str:
        """SendMessage straight onto the order queue; the message id."""
        response = self.sqs.send_message(
            QueueUrl=self.queue.queue_url,
            MessageBody=body,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in (attributes or {}).items()
            },
        )
        return str(response["MessageId"])

    def settle(self) -> None:
        """Run both event sources until the queue is empty and the stream processed, then
        take what reached the DLQ, the subscriber and the failure queue off them."""
        self.queue.drain()
        drain(self.stream)
        for url in self._outputs():
            # moto's SQS slows down with every message a queue holds: empty them as they fill.
            self._taken.setdefault(url, []).extend(take_messages(self.sqs, url))

    def _outputs(self) -> tuple[str, str, str]:
        return (
            self.dead_letter_queue_url,
            self.subscriber_queue_url,
            self.stream_failure_queue_url,
        )

    def stored_items(self) -> dict[str, dict[str, Any]]:
        return table_items(self.dynamodb, self.table_name)

    def taken(self, queue_url: str) -> list[dict[str, Any]]:
        """Everything `settle` took off one of the output queues so far."""
        return list(self._taken.get(queue_url, []))

    def dead_letters(self) -> list[dict[str, Any]]:
        return self.taken(self.dead_letter_queue_url)

    def announcements(self) -> list[dict[str, Any]]:
        """The order events the subscriber queue received (raw delivery: the JSON event)."""
        return [json.loads(message["Body"]) for message in self.taken(self.subscriber_queue_url)]

    def stream_failures(self) -> list[dict[str, Any]]:
        """What the notifier's on-failure destination received."""
        return [json.loads(m["Body"]) for m in self.taken(self.stream_failure_queue_url)]

    def stream_records(self) -> list[dict[str, Any]]:
        return read_stream(self.streams, self.stream.stream_arn)


def _mapping(blueprint: Blueprint, handler: str) -> EventSourceMappingSpec:
    (mapping,) = [m for m in blueprint.mappings if m.function.handler == handler]
    return mapping


def _function(blueprint: Blueprint, resources: LocalResources, handler: str) -> LambdaFunction:
    spec = _mapping(blueprint, handler).function
    environment = {
        **_handler_environment(blueprint.region),
        **resources.identities.environment(spec.variables),
    }
    return LambdaFunction(spec, environment)


@contextlib.contextmanager
def in_process_stack() -> Iterator[InProcessStack]:
    """A fresh stack in moto for one scenario; its containers are closed afterwards."""
    blueprint = stack_blueprint()
    region = blueprint.region
    # As the local run's moto: DynamoDB's atomic writes and a stream numbered in order.
    serve_dynamodb_calls_one_at_a_time()
    # A client a handler makes only when an invocation needs it (the processor's DLQ client)
    # reads the process's environment, not the one its module was imported with.
    with mock_aws(), applied_environment(_handler_environment(region)):

        def client(service: str) -> Any:
            return _session(region).client(service, config=CLIENT_CONFIG)

        resources = provision(blueprint, client)
        identities = resources.identities
        sqs = client("sqs")
        processor_mapping = _mapping(blueprint, PROCESSOR_HANDLER)
        notifier_mapping = _mapping(blueprint, NOTIFIER_HANDLER)
        queue = blueprint.queue_with_arn(processor_mapping.source_arn)
        table = blueprint.table_with_stream(notifier_mapping.source_arn)
        if queue is None or table is None or notifier_mapping.on_failure_arn is None:
            raise LookupError("the program no longer has the queue, stream and failure queue")
        redrive = json.loads(queue.inputs["redrivePolicy"])
        processor = _function(blueprint, resources, PROCESSOR_HANDLER)
        notifier = _function(blueprint, resources, NOTIFIER_HANDLER)
        streams = client("dynamodbstreams")
        (subscriber_queue_url,) = resources.subscriber_queue_urls.values()
        failure_queue_url = resources.queue_url(notifier_mapping.on_failure_arn)
        stream = StreamEventSource(
            notifier_mapping,
            stream_arn=identities.local(notifier_mapping.source_arn),
            region=region,
            function=notifier,
            streams=streams,
            sqs=sqs,
            on_failure_queue_url=failure_queue_url,
            retry_delay_seconds=RETRY_DELAY_SECONDS,
        )
        # The mapping exists before the scenario writes anything.
        stream.open_shards()
        stack = InProcessStack(
            blueprint=blueprint,
            resources=resources,
            sqs=sqs,
            dynamodb=client("dynamodb"),
            streams=streams,
            processor=processor,
            notifier=notifier,
            queue=SqsPoller(
                processor_mapping,
                queue_url=resources.queue_url(processor_mapping.source_arn),
                queue_arn=identities.local(processor_mapping.source_arn),
                region=region,
                function=processor,
                sqs=sqs,
                receive_wait_seconds=RECEIVE_WAIT_SECONDS,
                retry_at_once=True,
            ),
            stream=stream,
            dead_letter_queue_url=resources.queue_url(redrive["deadLetterTargetArn"]),
            max_receive_count=int(redrive["maxReceiveCount"]),
            table_name=identities.local(table.physical_name),
            subscriber_queue_url=subscriber_queue_url,
            stream_failure_queue_url=failure_queue_url,
        )
        try:
            yield stack
        finally:
            processor.close()
            notifier.close()
