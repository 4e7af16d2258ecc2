"""The event form: new or edit. Title, kind, start and end each with its own time zone (a flight leaves
Beijing and lands in Frankfurt), all day, place, attendees from the people list, repeat rule, reminders,
notes and the confidential flag.

While it is typed, the form shows what the event would conflict with (冲突, under the config's buffers,
recurring occurrences included) and the nearest free time. Saving runs in a worker through the function
the screen gives; a refusal (a locked confidential event, a bad rule) keeps the form open with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from gmassist.domain.agenda_view import kind_label, match_names, read_day, read_rule, read_time
from gmassist.errors import GmassistError, InvalidInput
from gmassist.i18n import _, language
from gmassist.tui.modals.agenda_base import AgendaModal

if TYPE_CHECKING:
    from gmassist.services.agenda import EventDraft

KINDS = ("meeting", "visit", "inspection", "travel", "focus", "personal")

Checker = Callable[["EventDraft"], Sequence[str]]
"""Returns the conflicts of a draft, one line each (called in a worker)."""
Saver = Callable[["EventDraft"], str]
"""Saves a draft (in a worker); returns what to announce; raises GmassistError to refuse."""


def form_row(label: str, *fields: Widget) -> Horizontal:
    """A labelled line of the form."""
    return Horizontal(Label(label, classes="form-label"), *fields, classes="form-row")


class EventForm(AgendaModal[str]):
    """Dismisses the announcement once saved (None on Escape: nothing saved)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", _("Save"), id="agenda-form.save", tooltip=_("Save the event")),
    ]

    def __init__(
        self,
        heading: str,
        draft: EventDraft,
        *,
        people: Sequence[tuple[str, str, str]],
        now: datetime,
        save: Saver,
        check: Checker,
        rule_editable: bool = True,
        masked: bool = False,
    ) -> None:
        super().__init__()
        self.heading = heading
        self.draft = draft
        """The values the form starts from."""
        self.people = list(people)
        """(id, name, job title) of everyone who can attend."""
        self.now = now
        self.save = save
        self.check = check
        self.rule_editable = rule_editable
        """False for "this one" of a series: an override has no rule of its own."""
        self.masked = masked
        self._generation = 0

    # --- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        from gmassist.domain.agenda import zone

        d = self.draft
        start = d.start.astimezone(zone(d.start_tz))
        end = d.end.astimezone(zone(d.end_tz))
        if d.all_day:
            end = end - timedelta(days=1)
        names = {pid: name for pid, name, _title in self.people}
        attendees = ", ".join(names.get(pid, "") for pid in d.attendee_ids if pid in names)
        zones = sorted({d.start_tz, d.end_tz, "Asia/Shanghai", "Asia/Hong_Kong", "Europe/Berlin", "UTC"})
        with VerticalScroll(classes="agenda-box -wide"):
            yield Label(self.heading, classes="agenda-title")
            if self.masked:
                yield Static(_("This event is confidential and locked: unlock it (ctrl+o) to change it."))
            yield form_row(_("Title"), Input(d.title, id="ev-title"))
            yield form_row(
                _("Kind"),
                Select([(kind_label(k), k) for k in KINDS], value=d.kind, allow_blank=False, id="ev-kind"),
                Checkbox(_("All day"), d.all_day, id="ev-allday"),
                Checkbox(_("Confidential"), d.confidential, id="ev-confidential"),
            )
            yield form_row(
                _("Starts"),
                Input(f"{start:%Y-%m-%d}", classes="narrow", id="ev-start-date"),
                Input(f"{start:%H:%M}", classes="narrow", id="ev-start-time"),
                Input(d.start_tz, classes="zone", id="ev-start-tz", suggester=SuggestFromList(zones)),
            )
            yield form_row(
                _("Ends"),
                Input(f"{end:%Y-%m-%d}", classes="narrow", id="ev-end-date"),
                Input(f"{end:%H:%M}", classes="narrow", id="ev-end-time"),
                Input(d.end_tz, classes="zone", id="ev-end-tz", suggester=SuggestFromList(zones)),
            )
            yield form_row(_("Location"), Input(d.location, id="ev-location"))
            yield form_row(
                _("Attendees"),
                Input(
                    attendees,
                    placeholder=_("names, separated by commas"),
                    id="ev-attendees",
                    suggester=SuggestFromList([name for _pid, name, _title in self.people]),
                ),
            )
            yield form_row(
                _("Repeat"),
                Input(
                    d.rrule or "",
                    placeholder=_("每周一, every other friday, FREQ=MONTHLY;BYMONTHDAY=1…"),
                    id="ev-rrule",
                    disabled=not self.rule_editable,
                ),
            )
            yield form_row(
                _("Reminders"),
                Input(d.reminders, placeholder=_("minutes before, e.g. 15,60"), id="ev-reminders"),
            )
            yield form_row(_("Notes"), TextArea(d.notes, id="ev-notes"))
            yield Static("", id="ev-status", classes="agenda-hint")
            yield Static("", id="ev-conflicts", classes="agenda-warning")
            yield Static("", id="ev-error", classes="agenda-error")
            with Horizontal(classes="form-row"):
                yield Button(_("Save"), variant="primary", id="ev-save")
                yield Button(_("Cancel"), id="ev-cancel")

    def on_mount(self) -> None:
        self.query_one("#ev-title", Input).focus()
        self._changed()

    # --- reading the fields --------------------------------------------------------------------------

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def read(self) -> EventDraft:
        """The draft the fields describe; InvalidInput naming the first field that cannot be read."""
        from gmassist.domain.agenda import all_day_span, zone
        from gmassist.services.agenda import EventDraft

        title = self._value("#ev-title").strip()
        if not title:
            raise InvalidInput(_("An event needs a title."), field="title")
        start_tz = self._value("#ev-start-tz").strip()
        end_tz = self._value("#ev-end-tz").strip() or start_tz
        start_zone, end_zone = zone(start_tz), zone(end_tz)
        start_day = read_day(self._value("#ev-start-date"), self.now)
        end_day = read_day(self._value("#ev-end-date") or self._value("#ev-start-date"), self.now)
        all_day = self.query_one("#ev-allday", Checkbox).value
        if all_day:
            if end_day < start_day:
                raise InvalidInput(_("The event ends before it starts."), field="end")
            start, end = all_day_span(start_day, end_day, start_tz)
        else:
            start = datetime.combine(start_day, read_time(self._value("#ev-start-time")), tzinfo=start_zone)
            end_time: time = read_time(self._value("#ev-end-time"))
            end = datetime.combine(end_day, end_time, tzinfo=end_zone)
        ids, unknown = match_names(self.people, self._value("#ev-attendees"))
        if unknown:
            raise InvalidInput(
                _("Not in the people list (or not one person): {names}").format(names=", ".join(unknown)),
                field="attendees",
            )
        kind = self.query_one("#ev-kind", Select).value
        rrule = read_rule(self._value("#ev-rrule"), self.now) if self.rule_editable else None
        draft = EventDraft(
            title=title,
            start=start,
            end=end,
            kind=str(kind),
            start_tz=start_tz,
            end_tz=end_tz,
            all_day=all_day,
            location=self._value("#ev-location"),
            notes=self.query_one("#ev-notes", TextArea).text,
            confidential=self.query_one("#ev-confidential", Checkbox).value,
            rrule=rrule,
            reminders=self._value("#ev-reminders"),
            attendee_ids=tuple(ids),
        )
        return draft.validate()

    # --- live feedback ------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _field_changed(self) -> None:
        self._changed()

    def _changed(self) -> None:
        from gmassist.domain.quickadd import describe_rrule

        status = self.query_one("#ev-status", Static)
        error = self.query_one("#ev-error", Static)
        self._generation += 1
        try:
            draft = self.read()
        except GmassistError as exc:
            error.update(escape(str(exc)))
            status.update("")
            return
        error.update("")
        notes = []
        if draft.rrule:
            notes.append(_("repeats {rule}").format(rule=describe_rrule(draft.rrule, language())))
        if draft.start_tz != draft.end_tz and not draft.all_day:
            minutes = int((draft.end - draft.start).total_seconds() // 60)
            notes.append(_("lasts {h}h{m:02d}m across time zones").format(h=minutes // 60, m=minutes % 60))
        status.update(escape(" · ".join(notes)))
        self._check(draft, self._generation)

    @work(thread=True, group="agenda-form-check")
    def _check(self, draft: EventDraft, generation: int) -> None:
        try:
            lines = list(self.check(draft))
        except GmassistError as exc:
            lines = [str(exc)]
        self.app.call_from_thread(self._show_conflicts, lines, generation)

    def _show_conflicts(self, lines: list[str], generation: int) -> None:
        if generation == self._generation and self.is_attached:
            self.query_one("#ev-conflicts", Static).update(escape("\n".join(lines)))

    # --- saving -------------------------------------------------------------------------------------

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#ev-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#ev-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        """Read the fields and save them in a worker."""
        try:
            draft = self.read()
        except GmassistError as exc:
            self.query_one("#ev-error", Static).update(escape(str(exc)))
            return
        self.query_one("#ev-save", Button).disabled = True
        self.query_one("#ev-error", Static).update(_("Saving…"))
        self._save(draft)

    @work(thread=True, group="agenda-form-save")
    def _save(self, draft: EventDraft) -> None:
        try:
            message = self.save(draft)
        except GmassistError as exc:
            self.app.call_from_thread(self._refused, str(exc))
            return
        self.app.call_from_thread(self.dismiss, message)

    def _refused(self, message: str) -> None:
        self.query_one("#ev-save", Button).disabled = False
        self.query_one("#ev-error", Static).update(escape(message))
