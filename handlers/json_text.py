"""How every part of the pipeline reads a JSON body: the one place that decides what is JSON.

The edge (API Gateway's validator, and the local run's copy of it) and the processor must give
every body the same verdict: a 202 means "stored unless it conflicts with a stored order". So
the local gateway, the processor and the API handlers all parse with `parse_json`, and the
decisions are the ones a client reading RFC 8259 would expect (docs/api.md#what-counts-as-json):

- A name repeated in an object: the last value counts. RFC 8259 section 4 notes that "many
  implementations report the last name/value pair only"; ECMAScript's JSON.parse, Python's
  json and Jackson (the JVM parser family API Gateway's validator runs on) all do, so the
  edge validates the same value the processor stores. Refusing duplicates here could not be
  matched at the real edge: a draft-04 model cannot see them.
- NaN, Infinity and -Infinity are not JSON (RFC 8259 section 6): refused.
- Numbers keep their exact value: fractions as Decimal (no binary float reaches DynamoDB) and
  integers of any length (Python's int() refuses over 4300 digits; such an integer becomes a
  Decimal, which no integer rule of the schema accepts).
- Escaped lone surrogates ("\\ud800") decode like any escape; every string of an order has an
  ASCII pattern, so the schema refuses them wherever they could be stored.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any, NoReturn

# The longest integer text int() converts (CPython's default int_max_str_digits).
MAX_INT_DIGITS = sys.get_int_max_str_digits() or sys.maxsize


class InvalidJson(ValueError):
    """The text is not a JSON document; the message says where and why."""


def _integer(text: str) -> int | Decimal:
    return int(text) if len(text) <= MAX_INT_DIGITS else Decimal(text)


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str) -> Any:
    """The JSON document `text` holds, or InvalidJson; nesting too deep for the parser is
    invalid JSON too, never a crash."""
    try:
        return json.loads(
            text, parse_float=Decimal, parse_int=_integer, parse_constant=_refuse_constant
        )
    except (ValueError, RecursionError) as error:
        raise InvalidJson(str(error) or type(error).__name__) from error
