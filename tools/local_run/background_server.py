"""A socketserver-style server on its own thread, as both local endpoints run."""

from __future__ import annotations

import threading
from socketserver import BaseServer

HOST = "127.0.0.1"


class BackgroundServer:
    """Serves until `stop`, which returns only once the serving thread has ended."""

    def _serve_in_background(self, server: BaseServer, thread_name: str) -> None:
        self._server = server
        self.port = int(server.server_address[1])  # type: ignore[index]
        self.url = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(target=server.serve_forever, name=thread_name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
