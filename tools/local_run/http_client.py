"""A minimal HTTP client for the local API: what the demo and the end-to-end tests call it with."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        """The Content-Type header (names are case-insensitive), empty if none."""
        found = [value for name, value in self.headers.items() if name.lower() == "content-type"]
        return found[-1] if found else ""

    def json(self) -> Any:
        return json.loads(self.text)


def call(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    content_type: str = "application/json",
    timeout_seconds: float = 30,
) -> ApiAnswer:
    """`body` is sent as is when it is bytes or str, as JSON otherwise (None: no body)."""
    if body is None:
        data = None
    elif isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode("utf-8")
    else:
        data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - the URL is the local API's
        base_url + path, data=data, method=method, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310
            body = response.read().decode("utf-8")
            return ApiAnswer(response.status, body, dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        with error:
            body = error.read().decode("utf-8")
            return ApiAnswer(error.code, body, dict(error.headers.items()))


def follow_location(base_url: str, path: str, answer: ApiAnswer) -> ApiAnswer:
    """GET what `answer`'s Location names, resolved against the `path` it answered, as
    RFC 9110 resolves a relative Location (the API's 202 points at a status monitor)."""
    location = answer.headers.get("Location")
    if location is None:
        raise ValueError(f"the answer to {path} has no Location")
    return call(base_url, "GET", urljoin(path, location))
