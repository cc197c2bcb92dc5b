"""X-Ray tracing loads with the first sampled invocation and then traces as Powertools does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from handlers import contract
from handlers.tracing import invocation_sampled
from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT

REPO_ROOT = Path(__file__).resolve().parent.parent
# A module, not a script: run as a script, its folder (tests/, holding tests/tools/) would come
# first on sys.path and shadow the top-level `tools` package.
PROBE = "tests.tracing_probe"


@pytest.mark.parametrize(
    ("header", "sampled"),
    [
        ("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", True),
        ("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0", False),
        ("Root=1-5759e988-bd862e3fe1be46a994272793; Sampled=1; Lineage=a87bd80c:1", True),
        ("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?", False),
        ("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=10", False),
        ("", False),
        (None, False),
    ],
)
def test_the_sampling_decision_is_read_from_the_trace_header(
    header: str | None, sampled: bool
) -> None:
    assert invocation_sampled(header) is sampled


def _traced_container(handler: str, *invocations: str) -> dict[str, Any]:
    """The probe's report: a container of `handler`, tracing on, serving `invocations`."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO_ROOT),
        **{
            name: value
            for name, value in FAKE_AWS_ENVIRONMENT.items()
            if name != "POWERTOOLS_TRACE_DISABLED"
        },
        "AWS_LAMBDA_FUNCTION_NAME": f"order-{handler}",
        "POWERTOOLS_SERVICE_NAME": f"order-{handler}",
        contract.ORDERS_TABLE_ENV: "orders",
        contract.SUBMISSIONS_TABLE_ENV: "submissions",
    }
    finished = subprocess.run(  # noqa: S603 - our own interpreter running our own probe
        [sys.executable, "-m", PROBE, handler, *invocations],
        env=environment,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report: dict[str, Any] = json.loads(finished.stdout.splitlines()[-1])
    return report


def _by_name(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {document["name"]: document for document in documents}


def test_a_sampled_invocation_after_an_unsampled_one_is_traced_and_not_a_cold_start() -> None:
    # GIVEN a container whose first invocation is not sampled and whose second is
    report = _traced_container("reader", "unsampled", "sampled")

    # THEN the X-Ray SDK was not imported until the sampled invocation
    assert report["sdk_after_import"] is False
    first, second = report["invocations"]
    assert (first["sdk_loaded"], second["sdk_loaded"]) == (False, True)
    assert first["result"] == second["result"] == 404

    # AND the sampled invocation sent its handler, method and DynamoDB subsegments, the
    # last from the client made at import, before X-Ray patched botocore
    segments = _by_name(report["documents"])
    handler = segments["## handler"]
    assert handler["annotations"] == {"ColdStart": False, "Service": "order-reader"}
    assert handler["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    method = segments["## handlers.reader.get_order"]
    assert method["parent_id"] == handler["id"]
    assert segments["dynamodb"]["aws"]["operation"] == "GetItem"
    assert segments["dynamodb"]["parent_id"] == method["id"]


def test_a_first_invocation_that_is_sampled_is_annotated_as_the_cold_start() -> None:
    report = _traced_container("reader", "sampled", "sampled")

    handlers = [doc for doc in report["documents"] if doc["name"] == "## handler"]
    assert [doc["annotations"]["ColdStart"] for doc in handlers] == [True, False]


def test_an_unsampled_container_sends_nothing_to_xray() -> None:
    report = _traced_container("reader", "unsampled", "unsampled")

    assert [invocation["sdk_loaded"] for invocation in report["invocations"]] == [False, False]
    assert report["documents"] == []


def test_the_handler_freezes_what_its_imports_created() -> None:
    report = _traced_container("reader")

    assert report["frozen_by_import"] > 10_000


def test_the_processor_traces_its_writer_threads_once_sampled() -> None:
    # GIVEN a processor container whose second batch is sampled
    report = _traced_container("processor", "unsampled", "sampled")

    # THEN both batches stored their order, and only the second was traced
    assert [invocation["result"] for invocation in report["invocations"]] == [
        {"batchItemFailures": []},
        {"batchItemFailures": []},
    ]
    segments = _by_name(report["documents"])
    assert segments["## handler"]["annotations"]["ColdStart"] is False
    # the PutItem made in a writer thread, by the client created at import
    assert segments["dynamodb"]["aws"]["operation"] == "PutItem"
    assert segments["dynamodb"]["trace_id"] == segments["## handler"]["trace_id"]
