"""Every `pattern` of the order schema means the whole string, in every engine that runs it.

A pattern ending in `$` lets "abc\\n" through `re.search` (jsonschema, the local gateway)
and Java (API Gateway), while fastjsonschema (the processor) refuses it: a 202 for an
order that can only be dead-lettered. The engines here are the Python ones the project
runs; ECMA-262 (node) and Java (java.util.regex) were checked by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, Draft7Validator

from api.request_model import DRAFT_04, order_schema

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
# Every line terminator some dialect lets `$` match before: Python "\n"; Java also "\r\n",
# "\r", NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR.
LINE_BREAKS = ("\n", "\r\n", "\r", "\x85", "\u2028", "\u2029")

Accepts = Callable[[str, str], bool]


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


PATTERNS = sorted(set(_patterns(order_schema())))


def _python_re(pattern: str, text: str) -> bool:
    # What jsonschema does with `pattern`: search, not fullmatch.
    return re.search(pattern, text) is not None


def _fastjsonschema(draft: str) -> Accepts:
    def accepts(pattern: str, text: str) -> bool:
        validate = fastjsonschema.compile({"$schema": draft, "type": "string", "pattern": pattern})
        try:
            validate(text)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    return accepts


def _jsonschema(validator: type[Draft4Validator] | type[Draft7Validator]) -> Accepts:
    return lambda pattern, text: validator({"type": "string", "pattern": pattern}).is_valid(text)


ENGINES: dict[str, Accepts] = {
    "re.search": _python_re,
    "fastjsonschema draft-04": _fastjsonschema(DRAFT_04),
    "fastjsonschema draft-07": _fastjsonschema(DRAFT_07),
    "jsonschema draft-04": _jsonschema(Draft4Validator),
    "jsonschema draft-07": _jsonschema(Draft7Validator),
}


def test_the_schema_has_the_patterns_these_tests_cover() -> None:
    # identifier, sku, unitPrice: a schema without patterns would make the rest vacuous.
    assert len(PATTERNS) == 3


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_value_a_pattern_accepts_is_refused_with_a_line_break_before_or_after(
    pattern: str, engine: str, data: st.DataObject
) -> None:
    # GIVEN a value the pattern accepts, drawn from the pattern itself
    accepts = ENGINES[engine]
    value = data.draw(st.from_regex(pattern, fullmatch=True), label="value")
    # THEN the engine accepts it alone, and refuses it with any line break at either end
    assert accepts(pattern, value)
    for line_break in LINE_BREAKS:
        assert not accepts(pattern, value + line_break), repr(value + line_break)
        assert not accepts(pattern, line_break + value), repr(line_break + value)
