"""How Lambda reads a batch handler's `batchItemFailures` response. Pure, no AWS calls.

With `ReportBatchItemFailures` the response names the records to retry; an empty or
missing list means all succeeded, and a malformed entry (no id, or an id not in the
batch) fails the whole batch, so a buggy response never loses a record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def reported_failures(
    record_ids: Sequence[str], response: Any, reports_failures: bool
) -> list[str] | None:
    """The ids the response reports failed, in batch order; None: the whole batch failed."""
    if not reports_failures or not isinstance(response, Mapping):
        return []
    failures = response.get("batchItemFailures") or []
    reported = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not identifier or identifier not in record_ids:
            return None
        reported.add(identifier)
    return [identifier for identifier in record_ids if identifier in reported]


def failed_sqs_records(
    record_ids: Sequence[str], response: Any, reports_failures: bool
) -> set[str]:
    """The messages an SQS event source leaves on the queue after a returned invocation."""
    failed = reported_failures(record_ids, response, reports_failures)
    return set(record_ids) if failed is None else set(failed)


def stream_checkpoint(
    sequence_numbers: Sequence[str], response: Any, reports_failures: bool
) -> int:
    """How many records of a stream batch are done: everything before the first reported
    failure, since a shard is processed in order."""
    failed = reported_failures(sequence_numbers, response, reports_failures)
    if failed is None:
        return 0
    return sequence_numbers.index(failed[0]) if failed else len(sequence_numbers)
