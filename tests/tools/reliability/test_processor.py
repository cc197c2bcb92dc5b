"""Generated bodies straight onto the queue, bypassing the API: each one is stored or
dead-lettered at once with the processor's reason; none is retried and none is lost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handlers.orders import RejectionReason
from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT
from tools.reliability.bodies import BODY_ROUNDS, Body, Kind, generate
from tools.reliability.figures import Figures
from tools.reliability.scenarios import hostile_bodies_on_the_queue
from tools.reliability.sqs_rules import sqs_refusal


@pytest.fixture(scope="module")
def bodies() -> tuple[Body, ...]:
    return generate(BODY_ROUNDS)


@pytest.fixture(scope="module")
def figures(bodies: tuple[Body, ...]) -> Iterator[Figures]:
    with pytest.MonkeyPatch.context() as patch:
        # As inside Lambda (tools/aws_doubles/moto_setup.py): the handlers keep this thread's
        # event loop.
        for name, value in FAKE_AWS_ENVIRONMENT.items():
            patch.setenv(name, value)
        yield hostile_bodies_on_the_queue(bodies)


def test_nothing_sent_onto_the_queue_is_lost_or_retried(figures: Figures) -> None:
    assert figures.holds, figures.problems
    assert figures.lost == 0
    assert figures.stored + figures.dead_lettered == figures.sent - figures.refused


def test_at_least_200_hostile_bodies_were_offered_and_sqs_refused_only_what_it_must(
    bodies: tuple[Body, ...], figures: Figures
) -> None:
    assert sum(body.kind is not Kind.VALID for body in bodies) >= 200
    assert figures.sent == len(bodies)
    refused = [body for body in bodies if sqs_refusal(body.data) is not None]
    assert figures.refused == len(refused)
    assert {body.kind for body in refused} <= {
        Kind.OVERSIZE,
        Kind.NOT_JSON,
        Kind.HOSTILE_CHARACTERS,
    }


def test_every_dead_letter_carries_the_processors_reason(figures: Figures) -> None:
    """A hostile body is rejected on its first delivery: no "retries exhausted"."""
    assert set(figures.dead_letter_reasons) <= {reason.value for reason in RejectionReason}
    assert figures.dead_letter_reasons[RejectionReason.SCHEMA_VIOLATION] > 0
    assert figures.dead_letter_reasons[RejectionReason.INVALID_JSON] > 0


def test_every_stored_order_is_announced_once(figures: Figures) -> None:
    assert figures.notifications_expected > 0
    assert figures.notifications_published == figures.notifications_expected
    assert figures.notifications_duplicated == figures.notifications_given_up == 0
