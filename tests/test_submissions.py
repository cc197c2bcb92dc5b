"""A submission's status, decided from what the tables hold: pure functions, no AWS."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from handlers import contract
from handlers.api_input import InvalidRequest
from handlers.rest_api import Gone, NotFound
from handlers.submission_records import rejection_record, resubmission_record
from handlers.submissions import Submission, parse_submission_id, submission_view
from settings.core import DEAD_LETTER_RETENTION_DAYS

REQUEST_ID = str(uuid.UUID(int=0xC0FFEE))
RECEIVED = 1764064800123  # 2025-11-25T10:00:00.123Z
MINUTE_MS = 60_000
DAY_MS = 86_400_000
SUBMISSION = Submission(REQUEST_ID, RECEIVED)
SOON = RECEIVED + MINUTE_MS


def _rejected(order_id: str | None = "o-1", settled_ms: int = RECEIVED) -> dict[str, Any]:
    return rejection_record(
        REQUEST_ID, order_id, "CONFLICTING_DUPLICATE", "another order", settled_ms // 1000
    )


def test_an_id_from_a_202_names_its_request_and_time() -> None:
    submission = parse_submission_id(f"{RECEIVED}-{REQUEST_ID}", SOON)
    assert submission == SUBMISSION
    assert submission.submission_id == f"{RECEIVED}-{REQUEST_ID}"


@pytest.mark.parametrize(
    "text",
    [
        "",
        REQUEST_ID,
        str(RECEIVED),
        f"{RECEIVED}-{REQUEST_ID.upper()}",
        f"0{RECEIVED}-{REQUEST_ID}",
        f"{RECEIVED}-{REQUEST_ID}-",
        f"{RECEIVED}-order-1",
        f"-{RECEIVED}-{REQUEST_ID}",
        f"{RECEIVED}-{REQUEST_ID}\n",
    ],
)
def test_an_id_no_202_could_have_given_is_a_400_saying_what_one_looks_like(text: str) -> None:
    with pytest.raises(InvalidRequest, match="<requestTimeEpoch>-<requestId>") as raised:
        parse_submission_id(text, SOON)
    assert raised.value.status_code == 400


def test_an_id_from_the_future_names_no_submission() -> None:
    with pytest.raises(NotFound) as raised:
        parse_submission_id(f"{RECEIVED + DAY_MS}-{REQUEST_ID}", SOON)
    assert raised.value.status_code == 404
    # A little clock skew between API Gateway and the function is no reason to refuse.
    assert parse_submission_id(f"{RECEIVED + MINUTE_MS}-{REQUEST_ID}", RECEIVED)


def test_nothing_recorded_yet_is_queued() -> None:
    view = submission_view(SUBMISSION, None, None, SOON)
    assert view == {
        "submissionId": f"{RECEIVED}-{REQUEST_ID}",
        "requestId": REQUEST_ID,
        "receivedAt": "2025-11-25T10:00:00.123Z",
        "status": "QUEUED",
    }


def test_an_order_carrying_the_request_id_is_stored_with_a_relative_link_to_it() -> None:
    view = submission_view(SUBMISSION, "o-1", None, SOON)
    assert view["status"] == "STORED"
    assert view["orderId"] == "o-1"
    # From /v1/submissions/<id> this resolves to /v1/orders/o-1.
    assert view["links"] == {"order": "../orders/o-1"}


def test_a_recorded_rejection_says_why() -> None:
    view = submission_view(SUBMISSION, None, _rejected(), SOON)
    assert view["status"] == "REJECTED"
    assert (view["reason"], view["detail"], view["orderId"]) == (
        "CONFLICTING_DUPLICATE",
        "another order",
        "o-1",
    )
    assert "links" not in view


def test_a_rejection_of_a_body_without_an_order_id_names_none() -> None:
    view = submission_view(SUBMISSION, None, _rejected(order_id=None), SOON)
    assert view["status"] == "REJECTED"
    assert "orderId" not in view


def test_stored_wins_over_a_rejection_once_a_redrive_stored_the_order() -> None:
    view = submission_view(SUBMISSION, "o-1", _rejected(), SOON)
    assert view["status"] == "STORED"
    assert "reason" not in view


def test_an_identical_resubmission_is_stored_as_the_order_it_repeats() -> None:
    record = resubmission_record(REQUEST_ID, "o-1", RECEIVED // 1000)
    view = submission_view(SUBMISSION, None, record, SOON)
    assert view["status"] == "STORED"
    assert view["links"] == {"order": "../orders/o-1"}


def test_records_expire_after_the_retention_in_epoch_seconds() -> None:
    settled_seconds = RECEIVED // 1000
    retention_seconds = contract.SUBMISSION_RETENTION_DAYS * 86_400
    for record in (_rejected(), resubmission_record(REQUEST_ID, "o-1", settled_seconds)):
        assert record[contract.SUBMISSION_KEY] == REQUEST_ID
        assert record[contract.SUBMISSION_EXPIRES_AT_FIELD] == settled_seconds + retention_seconds


def test_a_record_past_its_ttl_is_no_answer_even_before_dynamodb_deletes_it() -> None:
    record = _rejected()
    after_expiry = record[contract.SUBMISSION_EXPIRES_AT_FIELD] * 1000 + MINUTE_MS
    with pytest.raises(Gone, match="has expired") as raised:
        submission_view(SUBMISSION, None, record, after_expiry)
    assert raised.value.status_code == 410


def test_a_submission_older_than_the_retention_with_no_outcome_has_expired() -> None:
    retention = contract.SUBMISSION_RETENTION_DAYS * DAY_MS
    assert submission_view(SUBMISSION, None, None, RECEIVED + retention)["status"] == "QUEUED"
    with pytest.raises(Gone, match=f"kept {contract.SUBMISSION_RETENTION_DAYS} days"):
        submission_view(SUBMISSION, None, None, RECEIVED + retention + 1)
    # A stored order is found however old its submission.
    assert submission_view(SUBMISSION, "o-1", None, RECEIVED + 10 * retention)["status"] == "STORED"


def test_outcomes_are_kept_at_least_as_long_as_a_dead_letter_can_be_redriven() -> None:
    assert contract.SUBMISSION_RETENTION_DAYS >= DEAD_LETTER_RETENTION_DAYS
