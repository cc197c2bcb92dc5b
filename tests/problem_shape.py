"""The problem details (RFC 9457) every error answer of the API must be: checked against
the one schema of the shape, THE document's `Problem`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft4Validator

from api.openapi import DeploymentValues, openapi_document

DOCUMENT = openapi_document(DeploymentValues("eu-west-1", "1/q", "role", "reader", "updater"))
PROBLEM_SCHEMA: Mapping[str, Any] = DOCUMENT["components"]["schemas"]["Problem"]
# A message holding every character a JSON string must escape, and braces besides.
NASTY_MESSAGE = 'a "quoted" \\ back\\slash, a\nline break and a } brace'


def problem_in(body: bytes | str, status: int) -> dict[str, Any]:
    """`body` parsed, once it is checked to be problem details for a `status` answer."""
    problem = json.loads(body)
    Draft4Validator(PROBLEM_SCHEMA).validate(problem)
    assert problem["requestId"].strip(), problem
    # `status` is advisory (RFC 9457, 3.1.2): when present it must be the answer's.
    assert problem.get("status", status) == status, problem
    assert isinstance(problem, dict)
    return problem
