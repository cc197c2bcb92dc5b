"""moto in server mode on 127.0.0.1: the AWS APIs of the local run.

A real HTTP endpoint, so the handlers, boto3 and the AWS CLI all reach it the same way
(`--endpoint-url`). Runs in a thread of this process; `stop` leaves no thread behind.
"""

from __future__ import annotations

import socket
import urllib.request
from typing import Any

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from tools.aws_doubles.moto_setup import serve_dynamodb_calls_one_at_a_time
from tools.local_run.background_server import HOST, BackgroundServer
from tools.local_run.options import LocalRunError

# moto accepts any credentials; these only keep botocore from looking for real ones.
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
# moto's own API that empties every service's state:
# https://docs.getmoto.org/en/latest/docs/server_mode.html#reset-api
RESET_PATH = "/moto-api/reset"
# A stuck call should fail a local run quickly, not hang it.
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2})


class _OneRequestPerConnection(MotoRequestHandler):
    """HTTP/1.0: every connection closes after its response, so no connection thread
    outlives the request it served and `stop` never waits for an idle keep-alive."""

    protocol_version = "HTTP/1.0"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: one line per AWS call would drown the run's own output."""


def listening_socket(port: int, variable: str) -> socket.socket:
    """A socket bound to 127.0.0.1:`port` (0: a free one), or a message naming `variable`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Closed connections linger in TIME_WAIT; without this a restart on the same port would
    # fail for a minute. It does not let two servers listen on one port.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise LocalRunError(
            f"cannot listen on {HOST}:{port} ({error.strerror}); "
            f"set {variable} to a free port, or to 0 to pick one"
        ) from error
    return sock


class AwsEndpoint(BackgroundServer):
    """moto's server for every service, on one port."""

    def __init__(self, sock: socket.socket, region: str) -> None:
        """Serves on `sock`, bound by the caller (`listening_socket`) before anything else
        starts, so a port in use is reported first; the socket is closed here."""
        self.region = region
        serve_dynamodb_calls_one_at_a_time()
        try:
            # werkzeug adopts a copy of the bound socket: a port in use is our error above,
            # never werkzeug's sys.exit.
            server: BaseWSGIServer = make_server(
                HOST,
                sock.getsockname()[1],
                DomainDispatcherApplication(create_backend_app),
                threaded=True,
                request_handler=_OneRequestPerConnection,
                fd=sock.fileno(),
            )
        finally:
            sock.close()
        self._serve_in_background(server, "local-aws")

    def stop(self) -> None:
        """Also empties moto, whose state lives in this process: the next endpoint started
        here (a second local run, as the tests start) would find this run's resources."""
        if self._thread.is_alive():
            reset = urllib.request.Request(  # noqa: S310 - the URL is this endpoint's
                self.url + RESET_PATH, method="POST"
            )
            urllib.request.urlopen(reset, timeout=CLIENT_CONFIG.read_timeout).close()  # noqa: S310
        super().stop()

    def client(self, service: str) -> Any:
        """A boto3 client for `service` on this endpoint."""
        return boto3.session.Session().client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            config=CLIENT_CONFIG,
            **LOCAL_CREDENTIALS,
        )

    def handler_environment(self) -> dict[str, str]:
        """What a handler process needs to reach this endpoint and nothing else."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
            # Account-based DynamoDB endpoints would bypass AWS_ENDPOINT_URL's host.
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        }
