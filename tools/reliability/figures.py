"""One scenario's figures, the invariants they must meet, and the table that shows them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tools.reliability.accounting import NotificationAccount, OrderAccount

COLUMNS = (
    ("scenario", "scenario"),
    ("faults", "faults"),
    ("sent", "sent"),
    ("refused", "refused"),
    ("stored", "stored"),
    ("in DLQ", "dead_lettered"),
    ("lost", "lost"),
    ("notif. expected", "notifications_expected"),
    ("published", "notifications_published"),
    ("duplicated", "notifications_duplicated"),
    ("given up", "notifications_given_up"),
    ("notif. lost", "notifications_lost"),
    ("5xx", "unexpected_server_errors"),
)

LEGEND = """\
faults: faults injected (failed calls, crashes, lost deletes, duplicate deliveries)
sent: orders sent (messages onto the queue, or requests to the API)
refused: turned away at the door (SQS refused the message; the API answered 4xx)
stored / in DLQ / lost: where each accepted order ended; lost must be 0
notif. expected: one per stored change of an order; published: received by a subscriber
duplicated: received more than once (SNS and streams deliver at least once)
given up: stream records sent to the notifier's on-failure queue after its retries
notif. lost: expected, neither published nor given up; must be 0
5xx: server errors the scenario did not inject; must be 0"""


@dataclass(frozen=True)
class Figures:
    scenario: str
    faults: int
    sent: int
    refused: int
    stored: int
    dead_lettered: int
    lost: int
    notifications_expected: int
    notifications_published: int
    notifications_duplicated: int
    notifications_given_up: int
    notifications_lost: int
    unexpected_server_errors: int = 0
    dead_letter_reasons: Mapping[str, int] = field(default_factory=dict)
    repeated_dead_letters: int = 0
    processor_rejections: Mapping[str, int] = field(default_factory=dict)
    """Bodies the edge accepted (202) that the processor rejects, by reason: a 202 that
    does not mean "stored unless it conflicts with a stored order"; must be empty."""
    notes: tuple[str, ...] = ()
    """What is worth knowing without breaking an invariant."""
    problems: tuple[str, ...] = ()
    """Each broken invariant, with what reproduces it."""

    @classmethod
    def of(
        cls,
        scenario: str,
        *,
        sent: int,
        refused: int,
        faults: int,
        orders: OrderAccount,
        notifications: NotificationAccount,
        unexpected_server_errors: int = 0,
        processor_rejections: Mapping[str, int] | None = None,
        notes: Sequence[str] = (),
        problems: Sequence[str] = (),
    ) -> Figures:
        found = list(problems)
        found += [f"order lost: {message.body[:300]!r}" for message in orders.lost]
        accepted = sent - refused - unexpected_server_errors
        if accepted != orders.stored + orders.dead_lettered + len(orders.lost):
            found.append("accepted orders do not add up to stored + in DLQ + lost")
        if orders.strangers:
            found.append(f"{orders.strangers} dead letter(s) of no order sent")
        found += [f"notification lost: {key}" for key in notifications.lost]
        found += [f"announced, never stored: {key}" for key in notifications.unstored]
        return cls(
            scenario=scenario,
            faults=faults,
            sent=sent,
            refused=refused,
            stored=orders.stored,
            dead_lettered=orders.dead_lettered,
            lost=len(orders.lost),
            notifications_expected=notifications.expected,
            notifications_published=notifications.published,
            notifications_duplicated=notifications.duplicated,
            notifications_given_up=notifications.given_up,
            notifications_lost=len(notifications.lost),
            unexpected_server_errors=unexpected_server_errors,
            dead_letter_reasons=dict(orders.reasons),
            repeated_dead_letters=orders.repeated,
            processor_rejections=dict(processor_rejections or {}),
            notes=tuple(notes),
            problems=tuple(found),
        )

    @property
    def holds(self) -> bool:
        """0 lost, 0 unaccounted, 0 unexpected 5xx, 0 accepted then rejected."""
        return (
            not self.problems
            and not self.unexpected_server_errors
            and not (self.processor_rejections)
        )


def render_table(rows: Sequence[Figures]) -> str:
    """A plain-text table (Markdown-compatible), then each row's DLQ reasons and problems."""
    cells = [[header for header, _ in COLUMNS]]
    cells += [[str(getattr(row, attribute)) for _, attribute in COLUMNS] for row in rows]
    widths = [max(len(line[column]) for line in cells) for column in range(len(COLUMNS))]

    def line(values: list[str]) -> str:
        padded = [
            value.ljust(width) if column == 0 else value.rjust(width)
            for column, (value, width) in enumerate(zip(values, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    lines = [line(cells[0]), rule, *(line(values) for values in cells[1:])]
    for row in rows:
        if row.dead_letter_reasons:
            reasons = ", ".join(
                f"{name} {count}" for name, count in sorted(row.dead_letter_reasons.items())
            )
            repeated = f" ({row.repeated_dead_letters} dead-lettered again on redelivery)"
            lines.append(
                f"{row.scenario}: in DLQ by reason: {reasons}"
                + (repeated if row.repeated_dead_letters else "")
            )
        lines.extend(f"{row.scenario}: {note}" for note in row.notes)
        lines.extend(f"{row.scenario}: PROBLEM: {problem}" for problem in row.problems)
    return "\n".join(lines)
