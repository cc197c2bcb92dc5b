"""What SQS refuses to queue, so senders that bypass the API meet the same door as in AWS.

moto checks only the size; SQS also refuses characters outside its allowed set.
"""

from __future__ import annotations

import re

from tools.fidelity.aws_limits import SQS_MAX_MESSAGE_BYTES as SQS_MESSAGE_SIZE_RANGE

# The largest message body SQS takes (moto's too): one byte more cannot be queued.
SQS_MAX_MESSAGE_BYTES = SQS_MESSAGE_SIZE_RANGE[1]
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
SQS_ALLOWED_CHARACTERS = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")


def sqs_refusal(data: bytes) -> str | None:
    """Why SendMessage would refuse `data` as a message body; None if it would queue it."""
    if len(data) > SQS_MAX_MESSAGE_BYTES:
        return f"larger than {SQS_MAX_MESSAGE_BYTES} bytes"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text"
    if not SQS_ALLOWED_CHARACTERS.fullmatch(text):
        return "characters SQS does not allow"
    return None
