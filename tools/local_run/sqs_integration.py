"""What API Gateway sends SQS for POST /orders, reproduced with a real Velocity engine.

`render_send_message` runs the very template the API deploys (airspeed, a Python VTL
engine) with stand-ins for the `$input`, `$util` and `$context` objects it uses, so tests
and the local run send SQS exactly the form API Gateway would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import airspeed

from api.mapping_templates import send_message_template
from api.openapi import integration_response

ORDERS_PATH = "/orders"

# What java.net.URLEncoder (behind `$util.urlEncode`) leaves as is; a space becomes `+`.
URL_ENCODER_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*_")


def url_encode(text: str) -> str:
    """`$util.urlEncode`: application/x-www-form-urlencoded UTF-8, as Java encodes it
    (unlike Python's quote_plus, `~` is escaped and `*` is not)."""
    return "".join(
        chr(byte) if byte in URL_ENCODER_SAFE else "+" if byte == 0x20 else f"%{byte:02X}"
        for byte in text.encode("utf-8")
    )


@dataclass(frozen=True)
class _Input:
    """`$input`: the method request as the template sees it."""

    body: str


class _Util:
    """`$util`: the one helper the template calls."""

    @staticmethod
    def urlEncode(text: str) -> str:
        return url_encode(text)


@dataclass(frozen=True)
class OrderResponse:
    """What POST /orders answers once SQS has answered."""

    status: int
    body: str
    headers: Mapping[str, str]


def _render(
    template: str, body: str, request_id: str, request_time_epoch: int
) -> tuple[str, dict[str, str]]:
    """The rendered template and the headers it overrides (`$context.responseOverride`)."""
    overridden_headers: dict[str, str] = {}
    context = {
        "requestId": request_id,
        "requestTimeEpoch": request_time_epoch,
        "responseOverride": {"header": overridden_headers},
    }
    rendered: str = airspeed.Template(template).merge(
        {"input": _Input(body), "util": _Util(), "context": context}
    )
    return rendered, {name: str(value) for name, value in overridden_headers.items()}


def render_send_message(body: str, request_id: str, request_time_epoch: int) -> str:
    """The exact form body API Gateway posts to SQS for an order request.

    `request_time_epoch` is `$context.requestTimeEpoch`: milliseconds since the epoch.
    """
    return _render(send_message_template(), body, request_id, request_time_epoch)[0]


def render_order_response(
    document: Mapping[str, Any], sqs_status: int, request_id: str, request_time_epoch: int
) -> OrderResponse:
    """What POST /orders answers once SQS answered `sqs_status`: the status and headers of
    the document's integration response, and its template's JSON body."""
    response = integration_response(document, ORDERS_PATH, "post", sqs_status)
    template = response["responseTemplates"]["application/json"]
    body, overridden = _render(template, "", request_id, request_time_epoch)
    headers = {"Content-Type": "application/json", **overridden}
    return OrderResponse(int(response["statusCode"]), body, headers)


def send_message_kwargs(form: str) -> dict[str, Any]:
    """The SendMessage form as boto3 `send_message` keyword arguments (without QueueUrl)."""
    fields = dict(parse_qsl(form, keep_blank_values=True, strict_parsing=True))
    if fields.pop("Action", None) != "SendMessage":
        raise ValueError("the form is not a SendMessage request")
    attributes: dict[str, dict[str, str]] = {}
    index = 1
    while f"MessageAttribute.{index}.Name" in fields:
        prefix = f"MessageAttribute.{index}."
        attributes[fields.pop(prefix + "Name")] = {
            "DataType": fields.pop(prefix + "Value.DataType"),
            "StringValue": fields.pop(prefix + "Value.StringValue"),
        }
        index += 1
    kwargs: dict[str, Any] = {"MessageBody": fields.pop("MessageBody")}
    if fields:
        raise ValueError(f"unexpected SendMessage fields: {sorted(fields)}")
    if attributes:
        kwargs["MessageAttributes"] = attributes
    return kwargs
