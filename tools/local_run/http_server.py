"""The local API's HTTP server on 127.0.0.1: parses requests, hands them to the gateway."""

from __future__ import annotations

import json
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket
from urllib.parse import parse_qsl, urlsplit

from handlers.problems import PROBLEM_CONTENT_TYPE, problem_body
from tools.local_run.api_gateway import MAX_PAYLOAD_BYTES, LocalApiGateway
from tools.local_run.background_server import BackgroundServer
from tools.local_run.http_messages import HttpRequest, HttpResponse

BAD_CONTENT_LENGTH = "Content-Length must be a whole number of bytes"
DISCARD_CHUNK_BYTES = 64 * 1024


class _Server(ThreadingHTTPServer):
    # In-flight requests finish before `server_close` returns: no thread outlives `stop`.
    daemon_threads = False
    block_on_close = True

    def __init__(self, sock: socket, gateway: LocalApiGateway) -> None:
        super().__init__(sock.getsockname(), _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.gateway = gateway


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # HTTP/1.0: one request per connection, so no idle keep-alive thread survives `stop`.
    protocol_version = "HTTP/1.0"

    def _serve(self) -> None:
        gateway = self.server.gateway
        declared = self.headers.get("Content-Length") or "0"
        if not declared.isdigit():
            problem = problem_body(400, BAD_CONTENT_LENGTH, str(uuid.uuid4()))
            body = json.dumps(problem).encode("utf-8")
            self._answer(HttpResponse(400, body, {"Content-Type": PROBLEM_CONTENT_TYPE}))
            return
        length = int(declared)
        if length > MAX_PAYLOAD_BYTES:
            self._discard(length)
            self._answer(gateway.too_large())
            return
        target = urlsplit(self.path)
        request = HttpRequest(
            method=self.command,
            path=target.path,
            query=parse_qsl(target.query, keep_blank_values=True),
            headers=list(self.headers.items()),
            body=self.rfile.read(length) if length else b"",
            source_ip=self.client_address[0],
        )
        self._answer(gateway.handle(request))

    def _discard(self, length: int) -> None:
        """Read an oversize body away in chunks, so a client that sends it all before
        reading gets its 413 instead of a broken pipe."""
        while length > 0:
            chunk = self.rfile.read(min(length, DISCARD_CHUNK_BYTES))
            if not chunk:
                return
            length -= len(chunk)

    def _answer(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Quiet, like the AWS endpoint: the handlers' own logs say what happened."""


class ApiServer(BackgroundServer):
    def __init__(self, sock: socket, gateway: LocalApiGateway) -> None:
        """Serves on `sock`, bound by the caller (`listening_socket`) before anything else
        starts, so a port in use is reported first."""
        self._serve_in_background(_Server(sock, gateway), "local-api")
