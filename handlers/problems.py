"""The one shape of every error the API answers: RFC 9457 problem details.

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "no order o-9", "requestId": "c0ffee-..."}

`type` is `about:blank` (RFC 9457, section 4.2.1): a problem means what its HTTP status
means, `title` is that status's phrase and `detail` says what happened this time. The
extension member `requestId` is API Gateway's id of the request, the one a customer quotes
to support (docs/api.md, "Errors"). The functions, the gateway responses and the queue
integration's error templates are all built by `problem_body`, so no route can drift.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Final

PROBLEM_CONTENT_TYPE: Final = "application/problem+json"
PROBLEM_TYPE: Final = "about:blank"
REQUEST_ID_MEMBER: Final = "requestId"


def problem_body(status: int, detail: str, request_id: str, **extensions: Any) -> dict[str, Any]:
    """The problem details of one error; `extensions` are further members (RFC 9457, 3.2),
    such as a conflict's current status."""
    return {
        "type": PROBLEM_TYPE,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        REQUEST_ID_MEMBER: request_id,
        **extensions,
    }
