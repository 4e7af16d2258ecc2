"""Go to a date: any form quick add reads (明天, 下周一, 12月5日, next friday, 2026-12-01), shown as read."""

from __future__ import annotations

from datetime import date, datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from gmassist.domain.agenda_view import read_day, weekday_name
from gmassist.errors import InvalidInput
from gmassist.i18n import _
from gmassist.tui.modals.agenda_base import AgendaModal


class GotoModal(AgendaModal[date]):
    """Dismisses the date typed (None on Escape); Enter does nothing while the text cannot be read."""

    def __init__(self, now: datetime, starts_monday: bool = True) -> None:
        super().__init__()
        self.now = now
        self.starts_monday = starts_monday
        self.day: date | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="agenda-box"):
            yield Label(_("Go to date"), classes="agenda-title")
            yield Input(placeholder=_("明天, 下周一, 12月5日, next friday, 2026-12-01…"), id="goto-input")
            yield Static("", id="goto-preview", classes="agenda-preview")

    @on(Input.Changed, "#goto-input")
    def _changed(self, event: Input.Changed) -> None:
        preview = self.query_one("#goto-preview", Static)
        self.day = None
        if not event.value.strip():
            preview.update("")
            return
        try:
            self.day = read_day(event.value, self.now, self.starts_monday)
        except InvalidInput as exc:
            preview.update(f"[b red]{_escape(str(exc))}[/]")
            return
        preview.update(f"→ {self.day:%Y-%m-%d} {weekday_name(self.day)}")

    @on(Input.Submitted, "#goto-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.day is not None:
            self.dismiss(self.day)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
