"""Small dialogs of the event view: one line of text, picking a document / follow-up / card, and a part
of a trip (flight, hotel, visa, local contact)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from gmassist.domain.agenda_view import read_day, read_time
from gmassist.errors import GmassistError, InvalidInput
from gmassist.i18n import _
from gmassist.tui.modals.agenda_base import AgendaModal
from gmassist.tui.modals.agenda_event import form_row

Finder = Callable[[str, str], Sequence[tuple[str, str]]]
"""(kind, text) -> (id, title) of matching items (called in a worker)."""

LINK_LABELS = {"document": _("document"), "followup": _("follow-up"), "card": _("card")}
TRIP_LABELS = {
    "flight": _("flight"),
    "train": _("train"),
    "hotel": _("hotel"),
    "visa": _("visa"),
    "contact": _("local contact"),
    "car": _("car"),
    "other": _("other"),
}


class LineModal(AgendaModal[str]):
    """Asks for one line; dismisses it (None on Escape)."""

    def __init__(self, heading: str, placeholder: str = "", hint: str = "") -> None:
        super().__init__()
        self.heading = heading
        self.placeholder = placeholder
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="agenda-box"):
            yield Label(self.heading, classes="agenda-title")
            yield Input(placeholder=self.placeholder, id="line-input")
            if self.hint:
                yield Static(self.hint, classes="agenda-hint")

    @on(Input.Submitted, "#line-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss(event.value.strip())


class PickModal(AgendaModal[tuple[str, str]]):
    """Find a document, follow-up or card by title; Enter on a result dismisses (kind, id)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "focus_results", _("Results"), show=False, id="agenda-pick.results"),
    ]

    def __init__(
        self, heading: str, finder: Finder, kinds: Sequence[str] = ("document", "followup", "card")
    ) -> None:
        super().__init__()
        self.heading = heading
        self.finder = finder
        self.kinds = list(kinds)
        self._generation = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="agenda-box"):
            yield Label(self.heading, classes="agenda-title")
            if len(self.kinds) > 1:
                yield Select(
                    [(LINK_LABELS.get(k, k), k) for k in self.kinds],
                    value=self.kinds[0],
                    allow_blank=False,
                    id="pick-kind",
                )
            yield Input(placeholder=_("words of the title, or a document number"), id="pick-input")
            yield OptionList(id="pick-results")

    def on_mount(self) -> None:
        self.query_one("#pick-input", Input).focus()
        self._search()

    @property
    def kind(self) -> str:
        """The kind of item searched."""
        if len(self.kinds) == 1:
            return self.kinds[0]
        return str(self.query_one("#pick-kind", Select).value)

    @on(Input.Changed, "#pick-input")
    @on(Select.Changed, "#pick-kind")
    def _search(self) -> None:
        self._generation += 1
        self._find(self.kind, self.query_one("#pick-input", Input).value, self._generation)

    @work(thread=True, group="agenda-pick")
    def _find(self, kind: str, text: str, generation: int) -> None:
        try:
            found = list(self.finder(kind, text))
        except GmassistError:
            found = []
        self.app.call_from_thread(self._show, kind, found, generation)

    def _show(self, kind: str, found: list[tuple[str, str]], generation: int) -> None:
        if generation != self._generation or not self.is_attached:
            return
        results = self.query_one("#pick-results", OptionList)
        results.clear_options()
        results.add_options([Option(escape(title), id=f"{kind}|{item_id}") for item_id, title in found])

    @on(Input.Submitted, "#pick-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        results = self.query_one("#pick-results", OptionList)
        if results.option_count:
            option = results.get_option_at_index(0)
            kind, item_id = str(option.id).split("|", 1)
            self.dismiss((kind, item_id))

    def action_focus_results(self) -> None:
        """Move into the results."""
        self.query_one("#pick-results", OptionList).focus()

    @on(OptionList.OptionSelected, "#pick-results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        kind, item_id = str(event.option.id).split("|", 1)
        self.dismiss((kind, item_id))


class TripPart:
    """What the trip form read."""

    def __init__(
        self, kind: str, title: str, start: datetime | None, end: datetime | None, zone: str, details: str
    ) -> None:
        self.kind, self.title, self.start, self.end, self.zone, self.details = (
            kind,
            title,
            start,
            end,
            zone,
            details,
        )


class TripForm(AgendaModal[TripPart]):
    """A part of a trip: kind, title, optional start and end (in the part's own zone), details."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", _("Save"), id="agenda-trip.save", tooltip=_("Add this part of the trip")),
    ]

    def __init__(self, now: datetime, zone: str) -> None:
        super().__init__()
        self.now = now
        self.zone = zone

    def compose(self) -> ComposeResult:
        with Vertical(classes="agenda-box"):
            yield Label(_("Add to the trip"), classes="agenda-title")
            yield form_row(
                _("Kind"),
                Select(
                    [(label, k) for k, label in TRIP_LABELS.items()],
                    value="flight",
                    allow_blank=False,
                    id="trip-kind",
                ),
            )
            yield form_row(
                _("Title"), Input(placeholder=_("LH723 PEK→FRA, Hotel Frankfurter Hof…"), id="trip-title")
            )
            yield form_row(
                _("From"),
                Input(placeholder="2026-12-04", classes="narrow", id="trip-start-date"),
                Input(placeholder="13:00", classes="narrow", id="trip-start-time"),
            )
            yield form_row(
                _("Until"),
                Input(placeholder="2026-12-04", classes="narrow", id="trip-end-date"),
                Input(placeholder="17:30", classes="narrow", id="trip-end-time"),
            )
            yield form_row(_("Time zone"), Input(self.zone, id="trip-zone"))
            yield form_row(
                _("Details"), Input(placeholder=_("booking number, address, phone…"), id="trip-details")
            )
            yield Static("", id="trip-error", classes="agenda-error")

    def _moment(self, day_id: str, time_id: str, zone_name: str) -> datetime | None:
        from gmassist.domain.agenda import zone

        day_text = self.query_one(day_id, Input).value.strip()
        if not day_text:
            return None
        time_text = self.query_one(time_id, Input).value.strip() or "00:00"
        return datetime.combine(read_day(day_text, self.now), read_time(time_text), tzinfo=zone(zone_name))

    def action_save(self) -> None:
        """Check the fields and answer."""
        from gmassist.domain.agenda import zone

        try:
            title = self.query_one("#trip-title", Input).value.strip()
            if not title:
                raise InvalidInput(_("A part of a trip needs a title."), field="title")
            zone_name = self.query_one("#trip-zone", Input).value.strip() or self.zone
            zone(zone_name)
            start = self._moment("#trip-start-date", "#trip-start-time", zone_name)
            end = self._moment("#trip-end-date", "#trip-end-time", zone_name)
            if start is not None and end is not None and end < start:
                raise InvalidInput(_("It ends before it starts."), field="end")
        except GmassistError as exc:
            self.query_one("#trip-error", Static).update(escape(str(exc)))
            return
        self.dismiss(
            TripPart(
                str(self.query_one("#trip-kind", Select).value),
                title,
                start,
                end,
                zone_name,
                self.query_one("#trip-details", Input).value,
            )
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()
