"""The capture line: any quick-add text filed where it belongs (an event if it has a time, a follow-up if
it names an owner, a card if it names a board), with where it goes shown before it is saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gmassist.config import Settings
from gmassist.domain import quickadd
from gmassist.domain.agenda_view import quickadd_error
from gmassist.errors import InvalidInput
from gmassist.i18n import _
from gmassist.store.store import Store


@dataclass(frozen=True)
class Capture:
    """A line read, and what saving it would do."""

    parsed: quickadd.QuickAdd
    where: str
    """Where it will be filed, in words (translated)."""
    preview: str
    """The parse explained in one line."""
    new_person: str | None = None
    """An owner not in the people list yet: saving adds them (the screen says so first)."""


def plan(store: Store, text: str, now: datetime, lang: str) -> Capture:
    """Read `text` and say where it goes; InvalidInput (with the bad part) when it cannot be read."""
    from gmassist.services import followups

    try:
        parsed = quickadd.parse(text, now)
    except quickadd.QuickAddError as exc:
        raise quickadd_error(exc, text, "text") from exc
    preview = quickadd.explain(parsed, lang, now=now)
    if parsed.kind == "event":
        return Capture(parsed, _("an event in the agenda"), preview)
    if parsed.kind == "card":
        return Capture(parsed, _("a card on board {board}").format(board=parsed.board), preview)
    planned = followups.plan_quick_add(followups.load_directory(store), text, now)
    if planned.candidates:
        raise followups.OwnerAmbiguous(parsed.owner or "", planned.candidates)
    return Capture(parsed, _("a follow-up"), preview, planned.new_owner)


def save(store: Store, text: str, settings: Settings) -> str:
    """File the line; returns the line saying what was saved."""
    from gmassist.services import agenda, board, followups

    now = store.clock.now()
    captured = plan(store, text, now, "en")
    if captured.parsed.kind == "event":
        return str(agenda.create_from_quickadd(store, captured.parsed, settings))
    if captured.parsed.kind == "card":
        return str(board.create_card_from_quickadd(store, captured.parsed))
    planned = followups.plan_quick_add(followups.load_directory(store), text, now)
    saved = followups.save_quick_add(store, planned, settings.followups, add_new_owner=True)
    if not saved:
        raise InvalidInput(_("nothing was saved"))
    return _("Follow-up saved: {title}").format(title=captured.parsed.title)
