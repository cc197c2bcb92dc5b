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


def submission_monitor_prefix() -> str:
    """What goes before a submission id to make its monitor's URL, relative to /orders."""
    resource = contract.SUBMISSION_RESOURCE.removeprefix("/")
    return resource.replace("{" + contract.SUBMISSION_PARAMETER + "}", "")


def order_accepted_template() -> str:
    """The POST /orders 202 response template: the submission id and its monitor's link."""
    text = (TEMPLATES_DIR / "order_accepted.vm").read_text(encoding="utf-8")
    return fill_text(text, {"monitorPath": submission_monitor_prefix()}).removesuffix("\n")
