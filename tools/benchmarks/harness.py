"""What every in-process benchmark sets up: the handlers' environment, their session and
hooks, fresh handler modules, orders as the API would queue them, and silenced handler output.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import sys
import time
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any, Protocol

import boto3
from botocore.hooks import BaseEventHooks

from handlers import contract
from tools.aws_doubles.moto_setup import FAKE_AWS_ENVIRONMENT, REGION

# moto's default account, so that ARNs built here match the ones moto hands out.
ACCOUNT = "123456789012"

# Lambda's environment as far as the handlers read it, as the handler tests set it up.
LAMBDA_ENVIRONMENT = {
    **FAKE_AWS_ENVIRONMENT,
    contract.ENVIRONMENT_ENV: "bench",
    # moto answers DynamoDB only on the regional endpoint, not the account-based one.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}


class Hook(Protocol):
    def attach(self, events: BaseEventHooks) -> None: ...


@contextlib.contextmanager
def handler_session(*hooks: Hook) -> Iterator[boto3.Session]:
    """A fresh default session, which `boto3.client()` in a handler module uses, with hooks;
    the previous default session is back afterwards."""
    previous = boto3.DEFAULT_SESSION
    boto3.setup_default_session(region_name=REGION)
    session = boto3.DEFAULT_SESSION
    if session is None:  # pragma: no cover - setup_default_session always sets it
        raise RuntimeError("boto3 has no default session")
    for hook in hooks:
        hook.attach(session.events)
    try:
        yield session
    finally:
        boto3.DEFAULT_SESSION = previous


def fresh_import(module_name: str) -> ModuleType:
    """Import (or re-import) a handler module: its clients are created at import."""
    module = sys.modules.get(module_name)
    return importlib.reload(module) if module else importlib.import_module(module_name)


class _Discard(io.TextIOBase):
    """Accepts and drops text; never closed, since loggers keep a reference to it."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


_DISCARD = _Discard()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Handler output (JSON logs, EMF) goes nowhere while benchmarks print their figures.

    Powertools' logger keeps the stream it finds when it is first created: import handlers
    inside. Its later log lines keep going nowhere, which is why the sink is never closed.
    """
    with contextlib.redirect_stdout(_DISCARD):
        yield


def order_body(order_id: str) -> str:
    """A valid order as a client would POST it."""
    return json.dumps(
        {
            "orderId": order_id,
            "customerId": f"c-{int(order_id.rsplit('-', 1)[-1]) % 97}",
            "items": [
                {"sku": "A-1", "quantity": 2, "unitPrice": "9.99"},
                {"sku": "B-7", "quantity": 1, "unitPrice": "24.50"},
            ],
        }
    )


def order_ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{number}" for number in range(count)]


def queued_messages(bodies: list[str]) -> list[dict[str, Any]]:
    """What ReceiveMessage returns for orders the API queued (message attributes included)."""
    now = str(int(time.time() * 1000))
    return [
        {
            "MessageId": str(uuid.uuid4()),
            "ReceiptHandle": str(uuid.uuid4()),
            "Body": body,
            "Attributes": {"SentTimestamp": now, "ApproximateReceiveCount": "1"},
            "MessageAttributes": {
                # One POST each: the processor stores every order with its own request id.
                contract.REQUEST_ID_ATTRIBUTE: {
                    "DataType": "String",
                    "StringValue": str(uuid.uuid4()),
                },
                contract.RECEIVED_AT_ATTRIBUTE: {"DataType": "Number", "StringValue": now},
            },
        }
        for body in bodies
    ]


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
