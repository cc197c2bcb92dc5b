"""`${name}` placeholders in the API's files, filled in strictly.

A placeholder nobody fills, or a value no placeholder asks for, is an error: either means
the document and the code that fills it have drifted apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")


class PlaceholderError(ValueError):
    pass


def placeholders_in(value: Any) -> set[str]:
    """Every placeholder name in a string or in any value inside a JSON-like structure."""
    if isinstance(value, str):
        return set(PLACEHOLDER.findall(value))
    if isinstance(value, Mapping):
        return set().union(*(placeholders_in(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(placeholders_in(item) for item in value))
    return set()


def _check_names(wanted: set[str], values: Mapping[str, Any]) -> None:
    missing, unused = sorted(wanted - set(values)), sorted(set(values) - wanted)
    if missing or unused:
        raise PlaceholderError(f"placeholders without a value: {missing}; values unused: {unused}")


def fill_text(text: str, values: Mapping[str, str]) -> str:
    _check_names(placeholders_in(text), values)
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _fill(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole:
            # A whole-string placeholder may stand for a structure (a schema, a template).
            return values[whole.group(1)]
        return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), value)
    if isinstance(value, Mapping):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value


def fill_structure(document: Any, values: Mapping[str, Any]) -> Any:
    """A copy of `document` with every placeholder replaced; filled-in values are not
    searched again, so a template may contain `$` and braces of its own."""
    _check_names(placeholders_in(document), values)
    return _fill(document, values)
