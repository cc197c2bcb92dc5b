"""A DynamoDB stream event source mapping, played locally.

As Lambda does for a stream: each shard is read in order from the mapping's starting
position, up to `batchSize` records per invocation (gathered for up to the batching
window). A shard's checkpoint moves past a record only once it succeeded: with
`ReportBatchItemFailures` the batch is retried from the first reported record; a function
error retries the whole batch, halved each time when `bisectBatchOnFunctionError` is set
until the failing record is alone. After `maximumRetryAttempts` retries, or once the oldest
record is older than `maximumRecordAgeInSeconds`, the batch is given up: its shard and
sequence range go to the on-failure destination, and the shard moves on.

The local run polls on its own thread (`start`); the reliability scenarios call `poll`
themselves, so they exercise exactly this behaviour.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from tools.aws_doubles.stream_events import dynamodb_stream_event, in_shard_order, sequence_number
from tools.local_run.activity import SourceActivity
from tools.local_run.batch_responses import stream_checkpoint
from tools.local_run.blueprint import EventSourceMappingSpec
from tools.local_run.lambda_runtime import InvocationError
from tools.local_run.stream_failure import (
    RECORD_AGE_EXCEEDED,
    RETRY_ATTEMPTS_EXHAUSTED,
    stream_failure_document,
)

# Lambda polls each shard about four times a second.
POLL_INTERVAL_SECONDS = 0.25
# GetRecords returns at most this many records per call.
MAX_RECORDS_PER_READ = 1000
# Lambda backs off between retries of a failed batch; locally a short, fixed pause.
RETRY_DELAY_SECONDS = 0.5


class Function(Protocol):
    """What the event source invokes; a function error raises `InvocationError`."""

    def invoke(self, event: Mapping[str, Any]) -> Any: ...


def _sequence_number(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    pending: list[dict[str, Any]] = field(default_factory=list)
    """Read but not yet checkpointed, oldest first."""
    last_read: int = -1
    """Sequence number of the newest record read."""
    attempts: int = 0
    """Failed invocations of the batch at the head of `pending`."""
    size_limit: int | None = None
    """Set while bisecting: the next batch is at most this long."""


class StreamEventSource:
    def __init__(
        self,
        mapping: EventSourceMappingSpec,
        *,
        stream_arn: str,
        region: str,
        function: Function,
        streams: Any,
        sqs: Any,
        on_failure_queue_url: str | None,
        retry_delay_seconds: float = RETRY_DELAY_SECONDS,
    ) -> None:
        self.mapping = mapping
        self.stream_arn = stream_arn
        self._region = region
        self._function = function
        self._streams = streams
        self._sqs = sqs
        self._on_failure_queue_url = on_failure_queue_url
        self._retry_delay_seconds = retry_delay_seconds
        self.activity = SourceActivity()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._caught_up = False
        self._shards: list[_Shard] = []
        self._thread = threading.Thread(target=self._run, name=f"local-stream-{mapping.name}")

    def open_shards(self) -> None:
        """Take an iterator at the mapping's starting position for each shard of the stream:
        what creating the mapping does."""
        self._shards = [
            _Shard(shard["ShardId"], self._iterator(shard["ShardId"]))
            for shard in self._streams.describe_stream(StreamArn=self.stream_arn)[
                "StreamDescription"
            ]["Shards"]
        ]

    def start(self) -> None:
        self.open_shards()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    @property
    def quiet(self) -> bool:
        """Every shard was read to its end and every record read was processed."""
        with self._lock:
            return self._caught_up

    def poll(self) -> bool:
        """One round over the shards: read what is new, invoke each batch that is due.
        False once every shard is read to its end and nothing read waits."""
        busy = False
        for shard in self._shards:
            read = self._read(shard)
            due = self._ready(shard)
            if due:
                self._invoke(shard)
            busy = busy or read or due or bool(shard.pending)
        with self._lock:
            self._caught_up = not busy
        return busy

    def _iterator(self, shard_id: str) -> str:
        iterator: str = self._streams.get_shard_iterator(
            StreamArn=self.stream_arn,
            ShardId=shard_id,
            ShardIteratorType=self.mapping.starting_position or "TRIM_HORIZON",
        )["ShardIterator"]
        return iterator

    def _read(self, shard: _Shard) -> bool:
        """Append what the shard has beyond `pending`; True if anything came."""
        wanted = self.mapping.batch_size - len(shard.pending)
        if shard.iterator is None or wanted <= 0:
            return False
        response = self._streams.get_records(
            ShardIterator=shard.iterator, Limit=min(wanted, MAX_RECORDS_PER_READ)
        )
        # Checked before the iterator moves: a shard out of order stays stuck, never skipped.
        fresh = in_shard_order(response["Records"], shard.last_read)
        shard.iterator = response.get("NextShardIterator")
        if fresh:
            shard.last_read = sequence_number(fresh[-1])
        shard.pending.extend(fresh)
        return bool(fresh)

    def _ready(self, shard: _Shard) -> bool:
        """A batch is due: full, or its oldest record has waited out the batching window."""
        if not shard.pending:
            return False
        if len(shard.pending) >= self.mapping.batch_size or shard.attempts or shard.size_limit:
            return True
        oldest: float = shard.pending[0]["dynamodb"]["ApproximateCreationDateTime"].timestamp()
        return time.time() - oldest >= self.mapping.batching_window_seconds

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.poll()
            except Exception as error:  # an event source outlives a failed poll
                with self._lock:
                    self.activity.add_poll_error(error)
                    self._caught_up = False
                busy = True
            if not busy:
                self._stop.wait(POLL_INTERVAL_SECONDS)

    def _invoke(self, shard: _Shard) -> None:
        size = min(self.mapping.batch_size, shard.size_limit or self.mapping.batch_size)
        batch = shard.pending[:size]
        sequence_numbers = [_sequence_number(record) for record in batch]
        event = dynamodb_stream_event(batch, self.stream_arn, self._region)
        errored = False
        try:
            response = self._function.invoke(event)
            done = stream_checkpoint(
                sequence_numbers, response, self.mapping.reports_batch_item_failures
            )
        except InvocationError:
            done, errored = 0, True
        del shard.pending[:done]
        with self._lock:
            self.activity.add_batch(len(batch), done, errored)
        if done == len(batch):
            shard.attempts, shard.size_limit = 0, None
            return
        self._after_failure(shard, batch[done:], errored)

    def _after_failure(self, shard: _Shard, failed: list[dict[str, Any]], errored: bool) -> None:
        if errored and self.mapping.bisect_on_error and len(failed) > 1:
            # Halving does not use up retries: only a batch that cannot be split further does.
            shard.size_limit = len(failed) // 2
            return
        shard.attempts += 1
        condition = self._give_up_condition(shard)
        if condition is None:
            self._stop.wait(self._retry_delay_seconds)
            return
        if self._on_failure_queue_url is not None:
            document = stream_failure_document(
                failed,
                condition=condition,
                invoke_count=shard.attempts,
                function_errored=errored,
                function_arn=self.mapping.function.arn,
                stream_arn=self.stream_arn,
                shard_id=shard.shard_id,
            )
            self._sqs.send_message(
                QueueUrl=self._on_failure_queue_url, MessageBody=json.dumps(document)
            )
        del shard.pending[: len(failed)]
        with self._lock:
            self.activity.discarded += len(failed)
        shard.attempts, shard.size_limit = 0, None

    def _give_up_condition(self, shard: _Shard) -> str | None:
        retries = self.mapping.max_retry_attempts
        if retries is not None and shard.attempts > retries:
            return RETRY_ATTEMPTS_EXHAUSTED
        max_age = self.mapping.max_record_age_seconds
        oldest = shard.pending[0]["dynamodb"]["ApproximateCreationDateTime"].timestamp()
        if max_age is not None and time.time() - oldest > max_age:
            return RECORD_AGE_EXCEEDED
        return None
