"""The second cold-start yardstick: what the project's handler standards cost by themselves.

The plain handler (`tools.benchmarks.plain_handler`) plus Powertools' Logger, Metrics and batch
utility, as every batch handler here uses them, without the Tracer, written plainly: none of the
handlers' cold-start measures (`handlers.init_phase`, deferred clients and tracing).
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)

from handlers import contract

logger = Logger()
metrics = Metrics(namespace=contract.METRICS_NAMESPACE)
batch = BatchProcessor(event_type=EventType.SQS)
dynamodb = boto3.client("dynamodb")


def _record(record: Any) -> None:
    logger.info("record", message_id=record.message_id)


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> Any:
    return process_partial_response(
        event=event, record_handler=_record, processor=batch, context=context
    )
