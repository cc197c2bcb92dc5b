"""The VTL mapping templates of the order API, as API Gateway receives them."""

from __future__ import annotations

from pathlib import Path

from api.placeholders import fill_text
from handlers import contract

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def send_message_template() -> str:
    """The POST /orders request template: the SQS SendMessage form for one order."""
    text = (TEMPLATES_DIR / "send_message.vm").read_text(encoding="utf-8")
    filled = fill_text(
        text,
        {
            "requestIdAttribute": contract.REQUEST_ID_ATTRIBUTE,
            "receivedAtAttribute": contract.RECEIVED_AT_ATTRIBUTE,
        },
    )
    # The file ends in a line break like any text file; in the form it would end the last value.
    return filled.removesuffix("\n")
