"""One reader container, traced as in Lambda, in a fresh interpreter: `tests/test_tracing.py`
runs this and checks what it prints (one JSON document).

Tracing is on (no POWERTOOLS_TRACE_DISABLED, LAMBDA_TASK_ROOT set) and the X-Ray "daemon"
is a UDP socket of this process, so every segment document the SDK sends is caught. The
container imports the reader, then serves one invocation per argument, each `sampled` or
`unsampled`.
"""

from __future__ import annotations

import gc
import json
import os
import socket
import sys
from typing import Any

from moto import mock_aws

from handlers import contract
from offline.lambda_events import LocalLambdaContext
from tests.api_gateway_events import proxy_event
from tests.aws_fakes import create_order_table

ROOT = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"
XRAY_SDK = "aws_xray_sdk.core"


def _invoke(module: Any, sampled: bool) -> int:
    os.environ["_X_AMZN_TRACE_ID"] = f"{ROOT};Sampled={int(sampled)}"
    event = proxy_event("GET", contract.ORDER_RESOURCE, {contract.ORDER_KEY: "o-1"})
    response = module.handler(event, LocalLambdaContext("reader"))
    return int(response["statusCode"])


def _documents(daemon: socket.socket) -> list[dict[str, Any]]:
    """Every segment document received: each datagram is a JSON header line, then one."""
    documents: list[dict[str, Any]] = []
    daemon.settimeout(0.5)
    while True:
        try:
            datagram = daemon.recv(65536)
        except TimeoutError:
            return documents
        _header, document = datagram.decode().split("\n", 1)
        documents.append(json.loads(document))


def main() -> None:
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    os.environ["AWS_XRAY_DAEMON_ADDRESS"] = f"127.0.0.1:{daemon.getsockname()[1]}"
    report: dict[str, Any] = {}
    with mock_aws():
        import boto3  # noqa: PLC0415 - inside the mock, as the handler's own import is

        create_order_table(boto3.client("dynamodb"))
        freeze_count = gc.get_freeze_count()
        from handlers import reader  # noqa: PLC0415 - the import is what is measured

        report["frozen_by_import"] = gc.get_freeze_count() - freeze_count
        report["sdk_after_import"] = XRAY_SDK in sys.modules
        report["invocations"] = [
            {"status": _invoke(reader, sampled == "sampled"), "sdk_loaded": XRAY_SDK in sys.modules}
            for sampled in sys.argv[1:]
        ]
    report["documents"] = _documents(daemon)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
