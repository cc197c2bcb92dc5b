"""Why a record is being retried, for logs and metrics.

Only `OrderRejected` is permanent. Everything else is retried: an unknown error retried
too often still reaches the DLQ through the queue's redrive policy, so a wrong guess costs
a few attempts but never loses an order.
"""

from __future__ import annotations

from enum import StrEnum

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError


class RetryCause(StrEnum):
    THROTTLED = "THROTTLED"
    SERVICE_ERROR = "SERVICE_ERROR"
    NETWORK = "NETWORK"
    UNEXPECTED = "UNEXPECTED"


THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "TooManyRequestsException",
    }
)


def retry_cause(error: BaseException) -> RetryCause:
    """Classify a retried error: throttling and 5xx are expected now and then, others are not."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in THROTTLING_CODES:
            return RetryCause.THROTTLED
        if status >= 500 or code in {"InternalServerError", "ServiceUnavailable"}:
            return RetryCause.SERVICE_ERROR
    if isinstance(error, ConnectionError | HTTPClientError):
        return RetryCause.NETWORK
    return RetryCause.UNEXPECTED
