"""A minimal HTTP client for the local API: what the demo and the end-to-end tests call it with."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    text: str
    content_type: str = ""

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
            text = response.read().decode("utf-8")
            return ApiAnswer(response.status, text, response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as error:
        with error:
            text = error.read().decode("utf-8")
            return ApiAnswer(error.code, text, error.headers.get("Content-Type", ""))
