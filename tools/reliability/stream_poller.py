"""Lambda's DynamoDB stream event source for the fault scenarios: the local run's own
(`tools.local_run.stream_source.StreamEventSource`), drained on the caller's thread so that a
scenario is deterministic.

Batches, checkpoints, retries, bisecting, giving up and the on-failure document are the
local run's. The one liberty: a failed batch is retried at once instead of after a pause,
since the back-off changes when a retry happens, not what it does.
"""

from __future__ import annotations

from tools.local_run.stream_source import StreamEventSource

RETRY_DELAY_SECONDS = 0.0
# A shard still failing after this many invocations is stuck (no retry limit): a bug.
MAX_INVOCATIONS = 10_000


def drain(source: StreamEventSource) -> None:
    """Poll until every record added to the stream so far is processed or given up."""
    while source.poll():
        if source.activity.invocations >= MAX_INVOCATIONS:
            raise RuntimeError(f"{source.stream_arn} still failing after {MAX_INVOCATIONS}")
