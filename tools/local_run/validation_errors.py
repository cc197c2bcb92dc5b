"""The local gateway's `$context.error.validationErrorString`: what was wrong with a body.

It quotes what was refused, within bounds: a client that sends a megabyte-long id, or an
array of a million bad items, gets a few hundred characters back, not its body again.
Each entry keeps its beginning (where in the body, what was sent) and its end (which rule
it broke); only the middle of a long value gives way to an ellipsis.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from jsonschema import Draft4Validator

# Room for the path, the start of the value and the whole rule (a pattern is ~60 characters).
MAX_ENTRY_CHARACTERS = 200
# Enough to show what is wrong; a body can break the rules once per array element.
MAX_LISTED_ERRORS = 10
ELLIPSIS = "..."
MORE_ERRORS = "more errors not shown"


def validation_error_string(validator: Draft4Validator, document: Any) -> str | None:
    """`[path: message, ...]` for the body's first errors, or None when it is valid.

    Only the listed errors are looked for: finding every error of a huge body would cost
    time no answer needs.
    """
    found = list(islice(validator.iter_errors(document), MAX_LISTED_ERRORS + 1))
    if not found:
        return None
    listed = sorted(found[:MAX_LISTED_ERRORS], key=lambda error: list(error.path))
    entries = [
        abridged(
            f"{'/' + '/'.join(map(str, error.path)) if error.path else 'body'}: {error.message}"
        )
        for error in listed
    ]
    if len(found) > MAX_LISTED_ERRORS:
        entries.append(MORE_ERRORS)
    return f"[{', '.join(entries)}]"


def abridged(text: str, limit: int = MAX_ENTRY_CHARACTERS) -> str:
    """`text`, or its beginning and end around an ellipsis when it is longer than `limit`."""
    if len(text) <= limit:
        return text
    kept = limit - len(ELLIPSIS)
    head = kept - kept // 2
    return text[:head] + ELLIPSIS + text[len(text) - kept // 2 :]
