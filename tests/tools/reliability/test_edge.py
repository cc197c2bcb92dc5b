"""Bad input at the edge, over real HTTP to the local run: every generated body is queued
(202) or refused with a JSON reason (400, or 413 when too large to queue), nothing answers
5xx or not at all, what was queued ends stored or dead-lettered, and its status monitor says
which. Then schemathesis
walks the OpenAPI document (positive, negative and stateful cases)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.local_run.pipeline import LocalPipeline
from tools.reliability.bodies import BODY_ROUNDS, Body, Kind, generate
from tools.reliability.contract_fuzz import ContractFigures, api_schema, fuzz
from tools.reliability.edge import edge_scenario, local_run
from tools.reliability.figures import Figures

# The notifier's invocation that cannot read a record has no metric to publish, and
# Powertools warns about it, as it would in the function's log.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPipeline]:
    with local_run(Path(tmp_path_factory.mktemp("local-logs"))) as running:
        yield running


@pytest.fixture(scope="module")
def bodies() -> tuple[Body, ...]:
    return generate(BODY_ROUNDS)


@pytest.fixture(scope="module")
def figures(pipeline: LocalPipeline, bodies: tuple[Body, ...]) -> Figures:
    return edge_scenario(pipeline, bodies)


@pytest.fixture(scope="module")
def contract(pipeline: LocalPipeline, figures: Figures) -> ContractFigures:
    """After the generated bodies (`figures`): its orders must not mix with theirs."""
    return fuzz(api_schema(pipeline))


def test_at_least_200_hostile_bodies_were_sent(bodies: tuple[Body, ...], figures: Figures) -> None:
    assert figures.sent == len(bodies)
    assert sum(body.kind is not Kind.VALID for body in bodies) >= 200


def test_no_body_gets_a_5xx_or_no_answer(figures: Figures) -> None:
    assert figures.unexpected_server_errors == 0, [
        problem for problem in figures.problems if problem.startswith("server error")
    ]


def test_every_accepted_orders_monitor_says_where_it_ended(figures: Figures) -> None:
    accepted = figures.sent - figures.refused - figures.unexpected_server_errors
    (followed,) = [note for note in figures.notes if note.startswith("status monitors")]
    assert followed.startswith(f"status monitors followed: {accepted} (")
    assert "REJECTED" in followed
    assert [problem for problem in figures.problems if "monitor" in problem] == []


def test_every_refusal_is_400_or_413_with_a_json_reason(figures: Figures) -> None:
    assert figures.refused > 0
    assert [p for p in figures.problems if not p.startswith("server error")] == []


def test_every_queued_order_is_stored_or_dead_lettered_and_announced(figures: Figures) -> None:
    assert figures.stored > 0
    assert figures.lost == figures.notifications_lost == 0
    assert figures.stored + figures.dead_lettered == (
        figures.sent - figures.refused - figures.unexpected_server_errors
    )
    assert figures.notifications_published == figures.notifications_expected


def test_no_accepted_body_is_then_rejected_by_the_processor(figures: Figures) -> None:
    """A 202 means stored unless it conflicts: none is invalid JSON, nor breaks the schema,
    for the processor (duplicate keys, NaN and the like get one verdict everywhere)."""
    assert figures.processor_rejections.get("INVALID_JSON", 0) == 0
    assert figures.processor_rejections == {}


def test_schemathesis_finds_no_contract_violation(contract: ContractFigures) -> None:
    assert contract.cases > 0
    assert contract.failures == ()
    assert contract.server_errors == 0
