"""The generators: enough hostile bodies of every kind, each breaking the rule it is named
after, and valid orders the processor accepts."""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from pathlib import Path

import pytest

from handlers.orders import OrderRejected, parse_order
from tools.reliability.bodies import BODY_ROUNDS, HOSTILE_KINDS, Body, Kind, generate
from tools.reliability.sqs_rules import SQS_MAX_MESSAGE_BYTES, sqs_refusal

MIN_HOSTILE_PER_RUN = 200


@pytest.fixture(scope="module")
def bodies() -> tuple[Body, ...]:
    return generate(BODY_ROUNDS)


def _verdict(body: Body) -> str:
    if body.text is None:
        return "not UTF-8"
    try:
        parse_order(body.text)
    except OrderRejected as rejection:
        return rejection.reason.value
    return "accepted"


def test_a_run_draws_at_least_200_hostile_bodies_of_every_kind(bodies: tuple[Body, ...]) -> None:
    kinds = Counter(body.kind for body in bodies)
    assert sum(count for kind, count in kinds.items() if kind is not Kind.VALID) >= 200
    assert set(kinds) == {Kind.VALID, *HOSTILE_KINDS}
    assert min(kinds[kind] for kind in HOSTILE_KINDS) == BODY_ROUNDS


def test_the_same_bodies_are_drawn_unless_a_seed_is_given() -> None:
    draw = generate.__wrapped__  # past the cache: drawn anew each time
    assert draw(3) == draw(3)
    assert draw(3, 7) != draw(3)


def test_the_bodies_drawn_do_not_depend_on_what_the_process_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19: hypothesis draws now and then from the literals of the project modules
    imported so far, so pytest on one file and the whole suite drew other "fixed" bodies."""
    draw = generate.__wrapped__
    before = draw(3), draw(3, 7)

    # GIVEN one more project module imported, full of literals a body could be made of
    module = tmp_path / "more_literals.py"
    literals = [*range(-5, 120), *(f"sku-{n}" for n in range(60)), *("A", "0", "-", "0.5")]
    module.write_text(f"LITERALS = {literals!r}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("more_literals")

    # THEN the same bodies are drawn, fixed or seeded
    try:
        assert (draw(3), draw(3, 7)) == before
    finally:
        del sys.modules["more_literals"]


def test_every_valid_body_is_an_order_the_processor_accepts(bodies: tuple[Body, ...]) -> None:
    verdicts = {_verdict(body) for body in bodies if body.kind is Kind.VALID}
    assert verdicts == {"accepted"}


@pytest.mark.parametrize("kind", [kind for kind in HOSTILE_KINDS if kind is not Kind.OVERSIZE])
def test_every_hostile_body_is_rejected_by_the_processor(
    bodies: tuple[Body, ...], kind: Kind
) -> None:
    rejected = {_verdict(body) for body in bodies if body.kind is kind}
    assert "accepted" not in rejected, [body for body in bodies if _verdict(body) == "accepted"]


def test_an_oversize_body_is_a_valid_order_just_too_large_to_queue(
    bodies: tuple[Body, ...],
) -> None:
    oversize = [body for body in bodies if body.kind is Kind.OVERSIZE]
    assert {_verdict(body) for body in oversize} == {"accepted"}
    assert all(len(body.data) > SQS_MAX_MESSAGE_BYTES for body in oversize)
    assert {sqs_refusal(body.data) for body in oversize} == {
        f"larger than {SQS_MAX_MESSAGE_BYTES} bytes"
    }


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        (b'{"orderId": "1"}', None),
        ("\U0001f600 \t\r\n".encode(), None),
        (b"\x00", "characters SQS does not allow"),
        ("\ufffe".encode(), "characters SQS does not allow"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b" " * (SQS_MAX_MESSAGE_BYTES + 1), f"larger than {SQS_MAX_MESSAGE_BYTES} bytes"),
    ],
)
def test_sqs_refuses_what_send_message_would(data: bytes, refusal: str | None) -> None:
    assert sqs_refusal(data) == refusal
