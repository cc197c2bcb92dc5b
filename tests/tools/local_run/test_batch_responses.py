"""How the local event sources read `batchItemFailures`, as Lambda does. Pure."""

from __future__ import annotations

from typing import Any

import pytest

from tools.local_run.batch_responses import failed_sqs_records, stream_checkpoint

IDS = ["a", "b", "c"]


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": "c"}, {"itemIdentifier": "a"}]}, {"a", "c"}),
        # A malformed report fails the whole batch, so a buggy response loses nothing.
        ({"batchItemFailures": [{"itemIdentifier": "z"}]}, set(IDS)),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, set(IDS)),
        ({"batchItemFailures": [{}]}, set(IDS)),
        ({"batchItemFailures": ["b"]}, set(IDS)),
    ],
)
def test_sqs_records_left_on_the_queue(response: Any, failed: set[str]) -> None:
    assert failed_sqs_records(IDS, response, reports_failures=True) == failed


def test_without_report_batch_item_failures_a_returned_invocation_succeeded() -> None:
    response = {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert failed_sqs_records(IDS, response, reports_failures=False) == set()


@pytest.mark.parametrize(
    ("response", "done"),
    [
        ({"batchItemFailures": []}, 3),
        # A shard moves on in order: the checkpoint stops at the first failure reported.
        ({"batchItemFailures": [{"itemIdentifier": "c"}, {"itemIdentifier": "b"}]}, 1),
        ({"batchItemFailures": [{"itemIdentifier": "a"}]}, 0),
        ({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, 0),
    ],
)
def test_a_stream_checkpoint_stops_at_the_first_reported_record(response: Any, done: int) -> None:
    assert stream_checkpoint(IDS, response, reports_failures=True) == done
