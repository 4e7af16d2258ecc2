"""The Today triage: rows gathered from the four modules, the keys that apply to each, and what is left.

Pure Python: the services gather the rows and carry out the actions; this module decides which rows
show, in which order, with which keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from gmassist.i18n import N_

SECTIONS: tuple[tuple[str, str], ...] = (
    ("reminder", N_("Reminders due")),
    ("agenda", N_("Agenda: today and tomorrow")),
    ("prep", N_("Preparation not done")),
    ("checkin", N_("Check-ins due and overdue")),
    ("document", N_("Documents waiting")),
    ("card", N_("Cards due within 7 days")),
)
"""Today's sections in screen order, with their (untranslated) headings."""

SHORT_LABELS: dict[str, str] = {
    "reminder": N_("Reminders"),
    "agenda": N_("Agenda"),
    "prep": N_("Prep"),
    "checkin": N_("Check-ins"),
    "document": N_("Documents"),
    "card": N_("Cards"),
}
"""Short section names for the list's first column and the counts line."""

SECTION_ORDER = {name: index for index, (name, _label) in enumerate(SECTIONS)}

ACTIONS: dict[str, str] = {
    "done": N_("done"),
    "snooze": N_("snooze"),
    "delegate": N_("delegate"),
    "block": N_("block time"),
    "archive": N_("archive"),
    "confidential": N_("mark confidential"),
}
"""The triage actions (one key each on the screen) with their labels."""

ACTIONS_BY_KIND: dict[str, frozenset[str]] = {
    "event": frozenset({"done", "snooze", "delegate", "archive", "confidential"}),
    "reminder": frozenset({"done", "snooze", "delegate", "confidential"}),
    "prep": frozenset({"done", "snooze", "delegate", "block", "confidential"}),
    "followup": frozenset({"done", "snooze", "delegate", "block", "archive", "confidential"}),
    "document": frozenset({"done", "snooze", "delegate", "block", "archive", "confidential"}),
    "card": frozenset({"done", "snooze", "delegate", "block", "archive", "confidential"}),
}
"""Which actions make sense for which kind of row (blocking time for a meeting that is itself in the
agenda would be a second copy of it, so events have no 'block')."""


@dataclass(frozen=True)
class TriageItem:
    """One row of the Today screen."""

    section: str
    """One of the SECTIONS names."""
    kind: str
    """event, reminder, prep, followup, document or card: decides the actions and how they are carried out."""
    item_id: str
    """The id of the row in its table (for prep: the prep item; for reminders: the event)."""
    key: str
    """Unique on the screen and stable across reloads; triage marks are kept under it."""
    when: datetime | date | None
    """When it is due, starts or was due; orders the rows of a section."""
    title: str
    """What the row says (already masked while confidential items are locked)."""
    detail: str = ""
    """A second column: place, owner, state, board..."""
    confidential: bool = False
    flag: str = ""
    """A short warning shown with the row: 'conflict', 'overdue', 'stale'..."""

    @property
    def actions(self) -> frozenset[str]:
        """The triage actions that apply to this row."""
        return ACTIONS_BY_KIND.get(self.kind, frozenset())


def item_key(kind: str, item_id: str, occurrence: datetime | None = None) -> str:
    """The key of a row: kind and id, and the occurrence's start for one occurrence of a series."""
    if occurrence is None:
        return f"{kind}:{item_id}"
    return f"{kind}:{item_id}:{occurrence.isoformat()}"


def _sort_time(when: datetime | date | None) -> tuple[int, str]:
    if when is None:
        return (1, "")
    if isinstance(when, datetime):
        return (0, when.isoformat())
    return (0, when.isoformat() + "T00:00")


def arrange(items: Iterable[TriageItem], hidden: Mapping[str, date | None], today: date) -> list[TriageItem]:
    """The rows to show: those not hidden by a triage mark, by section, then time, then key.

    `hidden` maps a row key to the day it shows again (None: never).
    """
    shown = []
    for item in items:
        if item.key in hidden:
            until = hidden[item.key]
            if until is None or until > today:
                continue
        shown.append(item)
    return sorted(
        shown, key=lambda item: (SECTION_ORDER.get(item.section, 99), _sort_time(item.when), item.key)
    )


def counts(items: Sequence[TriageItem]) -> dict[str, int]:
    """How many rows each section holds (every section present, zero included)."""
    result = {name: 0 for name, _label in SECTIONS}
    for item in items:
        result[item.section] = result.get(item.section, 0) + 1
    return result
