"""/ search: events whose title, place or notes hold the words typed (confidential ones only while
unlocked), nearest to today first; Enter goes to the event on the agenda."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from gmassist.domain.agenda_view import weekday_name
from gmassist.errors import GmassistError
from gmassist.i18n import _
from gmassist.tui.modals.agenda_base import AgendaModal

if TYPE_CHECKING:
    from gmassist.services.agenda import EventRow

Searcher = Callable[[str], Sequence["EventRow"]]
"""Finds events for the words typed (in a worker)."""


class SearchModal(AgendaModal["EventRow"]):
    """Dismisses the event chosen (None on Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "results", _("Results"), show=False, id="agenda-search.results"),
    ]

    def __init__(self, search: Searcher, zone: tzinfo, text: str = "") -> None:
        super().__init__()
        self.search = search
        self.zone = zone
        self.initial = text
        self.found: list[EventRow] = []
        self._generation = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="agenda-box -wide"):
            yield Label(_("Search the agenda"), classes="agenda-title")
            yield Input(self.initial, placeholder=_("words of the title, place or notes"), id="search-input")
            yield Static("", id="search-count", classes="agenda-hint")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        if self.initial:
            self._changed()

    @on(Input.Changed, "#search-input")
    def _changed(self) -> None:
        self._generation += 1
        self._find(self.query_one("#search-input", Input).value, self._generation)

    @work(thread=True, group="agenda-search")
    def _find(self, text: str, generation: int) -> None:
        try:
            found = list(self.search(text)) if text.strip() else []
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._show, found, generation)

    def _show(self, found: list[EventRow], generation: int) -> None:
        if generation != self._generation or not self.is_attached:
            return
        self.found = found
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        for index, row in enumerate(found):
            start = row.start.astimezone(self.zone)
            repeat = " ↻" if row.rrule else ""
            place = f"  [dim]@{escape(row.location)}[/dim]" if row.location else ""
            results.add_option(
                Option(
                    f"{start:%Y-%m-%d} {weekday_name(start.date())} {start:%H:%M}  {escape(row.title)}{repeat}{place}",
                    id=str(index),
                )
            )
        if found:
            results.highlighted = 0
        self.query_one("#search-count", Static).update(
            _("{n} found").format(n=len(found))
            if self.query_one("#search-input", Input).value.strip()
            else ""
        )

    def action_results(self) -> None:
        """Move into the results."""
        self.query_one("#search-results", OptionList).focus()

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.found:
            self.dismiss(self.found[0])

    @on(OptionList.OptionSelected, "#search-results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.found[int(str(event.option.id))])
