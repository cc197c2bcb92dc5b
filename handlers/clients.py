"""boto3 clients that only some invocations need, made by the first invocation that does.

Creating a client loads its service model: about 25 ms of a cold start for SQS. A client
every invocation uses is made at import, where Lambda's init phase pays for it once; one
that only, say, a rejected order needs is an `OnDemandClient`.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config


class OnDemandClient:
    """A boto3 client created on first use; safe to share between threads."""

    def __init__(self, service: str, config: Config | None = None) -> None:
        self.service = service
        self._config = config
        self._client: Any = None
        # boto3's default session is not thread-safe while it creates a client.
        self._lock = threading.Lock()

    @property
    def created(self) -> bool:
        return self._client is not None

    def get(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = boto3.client(self.service, config=self._config)
            return self._client

    def close(self) -> None:
        """Release the client's connections, as the end of a container does."""
        with self._lock:
            if self._client is not None:
                self._client.close()
