"""Retry causes: how the processor labels a record it leaves for SQS to retry."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from handlers.failures import RetryCause, retry_cause


def _client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutItem",
    )


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (_client_error("ProvisionedThroughputExceededException", 400), RetryCause.THROTTLED),
        (_client_error("ThrottlingException", 400), RetryCause.THROTTLED),
        (_client_error("RequestLimitExceeded", 400), RetryCause.THROTTLED),
        (_client_error("InternalServerError", 500), RetryCause.SERVICE_ERROR),
        (_client_error("ServiceUnavailable", 503), RetryCause.SERVICE_ERROR),
        (EndpointConnectionError(endpoint_url="https://dynamodb"), RetryCause.NETWORK),
        (ReadTimeoutError(endpoint_url="https://dynamodb"), RetryCause.NETWORK),
        (_client_error("AccessDeniedException", 400), RetryCause.UNEXPECTED),
        (KeyError("boom"), RetryCause.UNEXPECTED),
    ],
)
def test_retry_causes(error: BaseException, cause: RetryCause) -> None:
    assert retry_cause(error) is cause
