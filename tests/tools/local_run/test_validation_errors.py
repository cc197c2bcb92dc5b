"""The local gateway's validation error text: bounded, with both ends of what it abridges."""

from __future__ import annotations

from jsonschema import Draft4Validator

from tools.local_run.validation_errors import (
    ELLIPSIS,
    MAX_ENTRY_CHARACTERS,
    MAX_LISTED_ERRORS,
    MORE_ERRORS,
    abridged,
    validation_error_string,
)


def test_text_within_the_limit_is_left_alone() -> None:
    text = "x" * MAX_ENTRY_CHARACTERS
    assert abridged(text) == text


def test_longer_text_keeps_its_beginning_and_end_within_the_limit() -> None:
    text = "/orderId: '" + "a" * 10_000 + "' is too long"
    shortened = abridged(text)
    assert len(shortened) == MAX_ENTRY_CHARACTERS
    assert shortened.startswith("/orderId: 'aaa")
    assert shortened.endswith("aaa' is too long")
    assert ELLIPSIS in shortened


def test_a_valid_document_has_no_error_string() -> None:
    assert validation_error_string(Draft4Validator({"type": "string"}), "fine") is None


def test_only_the_first_errors_are_listed_sorted_by_path() -> None:
    validator = Draft4Validator({"type": "array", "items": {"type": "string"}})
    listed = validation_error_string(validator, list(range(MAX_LISTED_ERRORS + 1)))
    expected = [f"/{index}: {index} is not of type 'string'" for index in range(MAX_LISTED_ERRORS)]
    assert listed == f"[{', '.join([*expected, MORE_ERRORS])}]"


def test_exactly_as_many_errors_as_are_listed_need_no_more_marker() -> None:
    validator = Draft4Validator({"type": "array", "items": {"type": "string"}})
    listed = validation_error_string(validator, list(range(MAX_LISTED_ERRORS)))
    assert listed is not None
    assert MORE_ERRORS not in listed
