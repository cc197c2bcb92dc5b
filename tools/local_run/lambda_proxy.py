"""Lambda proxy integrations (REST, payload 1.0): the event a function gets for an HTTP
request, and the HTTP response API Gateway makes of what it returns."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tools.local_run.http_messages import HttpRequest, HttpResponse


@dataclass(frozen=True)
class ProxyRoute:
    template: str
    """The resource path, `/orders/{orderId}`."""
    method: str
    stage: str


def _grouped(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def rest_proxy_event(
    http: HttpRequest,
    route: ProxyRoute,
    path_parameters: Mapping[str, str],
    request_id: str,
    received_epoch_ms: int,
) -> dict[str, Any]:
    headers, query = _grouped(http.headers), _grouped(http.query)
    return {
        "resource": route.template,
        "path": http.path,
        "httpMethod": route.method,
        "headers": {name: values[-1] for name, values in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.template,
            "httpMethod": route.method,
            "path": f"/{route.stage}{http.path}",
            "stage": route.stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": received_epoch_ms,
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": http.source_ip, "userAgent": http.header("User-Agent")},
        },
        "body": http.body.decode("utf-8", errors="replace") if http.body else None,
        "isBase64Encoded": False,
    }


def proxy_response(result: Any) -> HttpResponse | None:
    """The HTTP response for a function's proxy result; None when it is not one."""
    if not isinstance(result, Mapping) or not isinstance(result.get("statusCode"), int):
        return None
    headers = {name: str(value) for name, value in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(map(str, values))
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    return HttpResponse(result["statusCode"], raw, headers)
