"""What the processor records for a submission's status monitor: pure functions, no AWS calls.

Only what the order table cannot say is recorded (`handlers.submissions` reads it back): a
rejection, and an identical re-submission of an order stored under another request id. Kept
apart from the monitor's HTTP side, so the processor imports nothing of the API.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from handlers import contract

SECONDS_PER_DAY = 86_400
# How long a record is kept, and so how long the monitor can tell its outcome.
RETENTION_SECONDS = contract.SUBMISSION_RETENTION_DAYS * SECONDS_PER_DAY

# The attributes of a submissions table item besides its key and expiry.
OUTCOME_FIELD = "outcome"
REASON_FIELD = "reason"
DETAIL_FIELD = "detail"


class SubmissionStatus(StrEnum):
    QUEUED = "QUEUED"
    STORED = "STORED"
    REJECTED = "REJECTED"


def _expires_at(now_epoch_seconds: int) -> int:
    """The TTL attribute: epoch seconds, as DynamoDB's TTL reads it."""
    return now_epoch_seconds + RETENTION_SECONDS


def rejection_record(
    request_id: str, order_id: str | None, reason: str, detail: str, now_epoch_seconds: int
) -> dict[str, Any]:
    """The submissions table item saying why the processor rejected a submission."""
    record: dict[str, Any] = {
        contract.SUBMISSION_KEY: request_id,
        OUTCOME_FIELD: SubmissionStatus.REJECTED.value,
        REASON_FIELD: reason,
        DETAIL_FIELD: detail,
        contract.SUBMISSION_EXPIRES_AT_FIELD: _expires_at(now_epoch_seconds),
    }
    if order_id is not None:
        record[contract.ORDER_KEY] = order_id
    return record


def resubmission_record(request_id: str, order_id: str, now_epoch_seconds: int) -> dict[str, Any]:
    """The submissions table item for an identical re-submission of an order already stored
    under another submission's request id: the order table cannot say this one is stored."""
    return {
        contract.SUBMISSION_KEY: request_id,
        OUTCOME_FIELD: SubmissionStatus.STORED.value,
        contract.ORDER_KEY: order_id,
        contract.SUBMISSION_EXPIRES_AT_FIELD: _expires_at(now_epoch_seconds),
    }
