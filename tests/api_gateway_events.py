"""API Gateway REST proxy events (payload 1.0), as the stage `v1` hands them to Lambda."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from components.order_api import STAGE_NAME
from tools.pulumi_mocks.recording import ACCOUNT_ID

REQUEST_TIME_EPOCH = 1764064800123  # 2025-11-25T10:00:00.123Z


def proxy_event(
    method: str,
    resource: str,
    path_parameters: Mapping[str, str],
    *,
    query: Mapping[str, str] | None = None,
    body: Any = None,
    request_time_epoch: int = REQUEST_TIME_EPOCH,
) -> dict[str, Any]:
    """`resource` is the route template (`/orders/{orderId}`); `body` is sent as JSON
    unless it is already a string."""
    path = resource
    for name, value in path_parameters.items():
        path = path.replace(f"{{{name}}}", value)
    request_id = str(uuid.uuid4())
    text = body if body is None or isinstance(body, str) else json.dumps(body)
    headers = {"Content-Type": "application/json", "Host": "api-id.execute-api.eu-west-1"}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": (
            {name: [value] for name, value in query.items()} if query else None
        ),
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "resource-id",
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/{STAGE_NAME}{path}",
            "stage": STAGE_NAME,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": request_time_epoch,
            "protocol": "HTTP/1.1",
            "accountId": ACCOUNT_ID,
            "apiId": "api-id",
            "identity": {"sourceIp": "192.0.2.1", "userArn": None, "caller": None},
        },
        "body": text,
        "isBase64Encoded": False,
    }


def json_body(response: Mapping[str, Any]) -> Any:
    return json.loads(response["body"])
