"""空闲时段: find free time for a meeting and book it with one key.

Given a length, the people who must come, a range of days and whether the manager attends, the agenda's
rules (working hours, Chinese holidays and 调休 workdays, the buffers around events and travel) give the
ranked free slots; Enter on one books it as a new event with the title typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from gmassist.domain.agenda_view import match_names, read_day, read_duration, weekday_name
from gmassist.errors import GmassistError, InvalidInput
from gmassist.i18n import _
from gmassist.tui.modals.agenda_base import AgendaModal
from gmassist.tui.modals.agenda_event import form_row

if TYPE_CHECKING:
    from gmassist.domain.agenda import Slot


@dataclass(frozen=True)
class SlotQuery:
    """What to look for."""

    duration: timedelta
    first: date
    last: date
    attendee_ids: tuple[str, ...]
    manager: bool
    title: str


Finder = Callable[[SlotQuery], Sequence["Slot"]]
"""Finds the ranked slots (in a worker)."""
Booker = Callable[[SlotQuery, "Slot"], str]
"""Books one (in a worker); returns what to announce."""


class FreeSlotsModal(AgendaModal[str]):
    """Dismisses the announcement of the booking (None on Escape: nothing booked)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "search", _("Find"), id="agenda-slots.find", tooltip=_("Find free slots")),
        Binding("down", "results", _("Slots"), show=False, id="agenda-slots.results"),
    ]

    def __init__(
        self,
        now: datetime,
        people: Sequence[tuple[str, str, str]],
        find: Finder,
        book: Booker,
        *,
        first: date | None = None,
        duration: str = "1h",
    ) -> None:
        super().__init__()
        self.now = now
        self.people = list(people)
        self.find = find
        self.book = book
        self.first = first or now.date()
        self.duration = duration
        self.query_used: SlotQuery | None = None
        self.slots: list[Slot] = []

    def compose(self) -> ComposeResult:
        last = self.first + timedelta(days=6)
        with VerticalScroll(classes="agenda-box -wide"):
            yield Label(_("Find a free slot"), classes="agenda-title")
            yield form_row(_("Title"), Input(placeholder=_("what the meeting is about"), id="slots-title"))
            yield form_row(
                _("Length"),
                Input(self.duration, classes="narrow", id="slots-duration"),
                Checkbox(_("The manager attends"), True, id="slots-manager"),
            )
            yield form_row(
                _("Between"),
                Input(f"{self.first:%Y-%m-%d}", classes="narrow", id="slots-first"),
                Input(f"{last:%Y-%m-%d}", classes="narrow", id="slots-last"),
            )
            yield form_row(
                _("Attendees"),
                Input(
                    placeholder=_("names, separated by commas"),
                    id="slots-attendees",
                    suggester=SuggestFromList([name for _pid, name, _title in self.people]),
                ),
            )
            yield Static("", id="slots-error", classes="agenda-error")
            yield Label(_("Free slots (Enter books one)"), classes="agenda-section")
            yield OptionList(id="slots-results")
            yield Static(
                _("Enter in a field searches; Enter on a slot books it; Esc closes."), classes="agenda-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#slots-title", Input).focus()
        self.action_search()

    def read(self) -> SlotQuery:
        """The fields, checked."""
        duration = read_duration(self.query_one("#slots-duration", Input).value)
        first = read_day(self.query_one("#slots-first", Input).value, self.now)
        last = read_day(self.query_one("#slots-last", Input).value or f"{first:%Y-%m-%d}", self.now)
        if last < first:
            raise InvalidInput(_("The search ends before it starts."), field="last")
        ids, unknown = match_names(self.people, self.query_one("#slots-attendees", Input).value)
        if unknown:
            raise InvalidInput(
                _("Not in the people list (or not one person): {names}").format(names=", ".join(unknown)),
                field="attendees",
            )
        manager = self.query_one("#slots-manager", Checkbox).value
        if not manager and not ids:
            raise InvalidInput(_("Say who attends: the manager, or people from the list."), field="attendees")
        title = self.query_one("#slots-title", Input).value.strip()
        return SlotQuery(duration, first, last, tuple(ids), manager, title)

    def action_search(self) -> None:
        """Look for free slots with what the fields say."""
        error = self.query_one("#slots-error", Static)
        try:
            query = self.read()
        except GmassistError as exc:
            error.update(escape(str(exc)))
            return
        error.update(_("Looking…"))
        self._find(query)

    @work(thread=True, group="agenda-slots")
    def _find(self, query: SlotQuery) -> None:
        try:
            slots = list(self.find(query))
        except GmassistError as exc:
            self.app.call_from_thread(self.query_one("#slots-error", Static).update, escape(str(exc)))
            return
        self.app.call_from_thread(self._show, query, slots)

    def _show(self, query: SlotQuery, slots: list[Slot]) -> None:
        self.query_used = query
        self.slots = slots
        self.query_one("#slots-error", Static).update("" if slots else _("No free slot in that range."))
        results = self.query_one("#slots-results", OptionList)
        results.clear_options()
        for index, slot in enumerate(slots):
            start, end = slot.start.astimezone(self.now.tzinfo), slot.end.astimezone(self.now.tzinfo)
            gap0, gap1 = slot.gap_start.astimezone(self.now.tzinfo), slot.gap_end.astimezone(self.now.tzinfo)
            text = (
                f"{index + 1:>2}. {weekday_name(start.date())} {start:%m-%d %H:%M}–{end:%H:%M}"
                f"  [dim]{_('free {start}–{end}').format(start=f'{gap0:%H:%M}', end=f'{gap1:%H:%M}')}[/dim]"
            )
            results.add_option(Option(text, id=str(index)))
        if slots:
            results.highlighted = 0

    def action_results(self) -> None:
        """Move into the list of slots."""
        self.query_one("#slots-results", OptionList).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_search()

    @on(Checkbox.Changed, "#slots-manager")
    def _manager_changed(self) -> None:
        self.action_search()

    @on(OptionList.OptionSelected, "#slots-results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if self.query_used is None:
            return
        slot = self.slots[int(str(event.option.id))]
        title = self.query_one("#slots-title", Input).value.strip()
        if not title:
            self.query_one("#slots-error", Static).update(_("Give the meeting a title first."))
            self.query_one("#slots-title", Input).focus()
            return
        query = SlotQuery(
            self.query_used.duration,
            self.query_used.first,
            self.query_used.last,
            self.query_used.attendee_ids,
            self.query_used.manager,
            title,
        )
        self._book(query, slot)

    @work(thread=True, group="agenda-slots-book")
    def _book(self, query: SlotQuery, slot: Slot) -> None:
        try:
            message = self.book(query, slot)
        except GmassistError as exc:
            self.app.call_from_thread(self.query_one("#slots-error", Static).update, escape(str(exc)))
            return
        self.app.call_from_thread(self.dismiss, message)
