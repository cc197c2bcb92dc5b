"""The local run's moto endpoint: what one run leaves behind when it stops."""

from __future__ import annotations

from tools.aws_doubles.moto_setup import REGION
from tools.local_run.aws_endpoint import AwsEndpoint, listening_socket
from tools.local_run.options import AWS_PORT_ENV


def _started() -> AwsEndpoint:
    endpoint = AwsEndpoint(listening_socket(0, AWS_PORT_ENV), REGION)
    endpoint.start()
    return endpoint


def test_a_stopped_endpoint_leaves_nothing_to_the_next_one_in_the_process() -> None:
    """moto keeps its state in the process: without emptying it, a second local run in one
    process (the tests start several) failed creating a table the first one had made."""
    # GIVEN an endpoint that created a queue, then stopped
    first = _started()
    first.client("sqs").create_queue(QueueName="left-behind")
    first.stop()

    # WHEN another endpoint starts in the same process
    second = _started()

    # THEN it starts empty
    try:
        assert second.client("sqs").list_queues().get("QueueUrls", []) == []
    finally:
        second.stop()
