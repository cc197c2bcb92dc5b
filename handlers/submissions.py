"""What a submission's status monitor says: pure functions, no AWS calls.

A submission is one POST /orders that API Gateway accepted (202). Its id,
`<requestTimeEpoch>-<requestId>`, is made of what the 202's mapping template knows without
reading the order: when API Gateway received the request, and its request id, which is also
the queued message's `requestId` attribute. The time tells a submission still queued from
one whose outcome has expired; the request id finds the outcome:

- STORED: the order table holds an order carrying this request id (the processor writes it
  on the order, so storing costs no extra request), or this submission was an identical
  re-submission of an order already stored (recorded, as below).
- REJECTED: the processor recorded why in the submissions table (rejections only), as
  `handlers.submission_records` builds it.
- QUEUED: neither yet.

STORED wins over a recorded rejection: a rejected message that an operator redrives and the
processor then stores says STORED.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from handlers import contract
from handlers.api_input import InvalidRequest
from handlers.orders import timestamp_from_epoch_millis
from handlers.rest_api import Gone, NotFound
from handlers.submission_records import (
    DETAIL_FIELD,
    OUTCOME_FIELD,
    REASON_FIELD,
    RETENTION_SECONDS,
    SubmissionStatus,
)

RETENTION_MILLIS = RETENTION_SECONDS * 1000

# API Gateway's request ids are UUIDs in lower case; the time is epoch milliseconds.
# Plain groups, no Python-only syntax: the OpenAPI document states the same pattern.
SUBMISSION_ID = re.compile(
    r"([1-9][0-9]{0,14})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
# A clock of this function's a little behind API Gateway's must not turn a fresh id away.
CLOCK_SKEW_MILLIS = 5 * 60 * 1000


@dataclass(frozen=True)
class Submission:
    request_id: str
    received_at_epoch_millis: int

    @property
    def submission_id(self) -> str:
        return f"{self.received_at_epoch_millis}-{self.request_id}"


def parse_submission_id(text: str, now_epoch_millis: int) -> Submission:
    """The submission an id names: 400 if it is not one this API's 202 could have issued,
    404 if it claims a time still to come."""
    match = SUBMISSION_ID.fullmatch(text)
    if match is None:
        raise InvalidRequest(
            f"{contract.SUBMISSION_PARAMETER} is not a submission id: expected "
            "<requestTimeEpoch>-<requestId>, as in the Location of a 202 from POST /orders"
        )
    received = int(match[1])
    if received > now_epoch_millis + CLOCK_SKEW_MILLIS:
        raise NotFound(f"no submission {text}")
    return Submission(request_id=match[2], received_at_epoch_millis=received)


def _stored_view(view: dict[str, Any], order_id: str) -> dict[str, Any]:
    # Relative to the monitor's own URL, so it holds under any stage or base path.
    link = f"../orders/{quote(order_id, safe='')}"
    return {
        **view,
        "status": SubmissionStatus.STORED.value,
        contract.ORDER_KEY: order_id,
        "links": {"order": link},
    }


def submission_view(
    submission: Submission,
    stored_order_id: str | None,
    record: Mapping[str, Any] | None,
    now_epoch_millis: int,
) -> dict[str, Any]:
    """The monitor's answer, from the order stored under the submission's request id (if
    any) and its submissions table item (if any, already deserialized)."""
    view: dict[str, Any] = {
        contract.SUBMISSION_PARAMETER: submission.submission_id,
        "requestId": submission.request_id,
        "receivedAt": timestamp_from_epoch_millis(submission.received_at_epoch_millis),
    }
    if stored_order_id is not None:
        return _stored_view(view, stored_order_id)
    # DynamoDB deletes expired items within days, not at once: an expired one is no answer.
    if (
        record is not None
        and record[contract.SUBMISSION_EXPIRES_AT_FIELD] * 1000 > now_epoch_millis
    ):
        if record[OUTCOME_FIELD] == SubmissionStatus.STORED.value:
            return _stored_view(view, str(record[contract.ORDER_KEY]))
        rejected = {
            **view,
            "status": SubmissionStatus.REJECTED.value,
            REASON_FIELD: record[REASON_FIELD],
            DETAIL_FIELD: record[DETAIL_FIELD],
        }
        if contract.ORDER_KEY in record:
            rejected[contract.ORDER_KEY] = record[contract.ORDER_KEY]
        return rejected
    if now_epoch_millis - submission.received_at_epoch_millis > RETENTION_MILLIS:
        raise Gone(
            f"submission {submission.submission_id} has expired: no order carries it, and "
            f"a rejection is kept {contract.SUBMISSION_RETENTION_DAYS} days"
        )
    return {**view, "status": SubmissionStatus.QUEUED.value}
