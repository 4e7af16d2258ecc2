"""One event opened: when (in its own zones), where, who, the series it belongs to, its conflicts, its
preparation checklist (会前准备, each item due a set time before this occurrence, maybe pointing at an inbox
document), the parts of a trip with the local time at the destination, and its links.

Keys here change the preparation, the trip and the links at once (each an undoable action); e and x
close the window and let the agenda screen edit or delete the event (asking which occurrences first).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from gmassist.domain.agenda import Occurrence, zone
from gmassist.domain.agenda_view import kind_label, read_duration
from gmassist.errors import GmassistError
from gmassist.i18n import _, language
from gmassist.tui.modals.agenda_base import AgendaModal
from gmassist.tui.modals.agenda_pick import LINK_LABELS, TRIP_LABELS, LineModal, PickModal, TripForm, TripPart
from gmassist.tui.widgets.agenda_list import when_text

if TYPE_CHECKING:
    from gmassist.services.agenda import EventDetail, Policy
    from gmassist.store.store import Store

PREP_LABELS = {
    "Agenda": _("Agenda"),
    "Background papers": _("Background papers"),
    "Materials": _("Materials"),
    "Car and route": _("Car and route"),
}
"""The default checklist's labels as shown (stored in English)."""


def offset_text(minutes: int) -> str:
    """'3 days before', '2 hours before'."""
    if minutes and minutes % 1440 == 0:
        return _("{n} d before").format(n=minutes // 1440)
    if minutes and minutes % 60 == 0:
        return _("{n} h before").format(n=minutes // 60)
    return _("{n} min before").format(n=minutes)


class EventDetailModal(AgendaModal[str]):
    """Dismisses "edit" or "delete" for the screen to carry out, or None when closed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "answer('edit')", _("Edit"), id="agenda-detail.edit", tooltip=_("Change this event")),
        Binding(
            "x", "answer('delete')", _("Delete"), id="agenda-detail.delete", tooltip=_("Delete this event")
        ),
        Binding(
            "space",
            "tick",
            _("Tick"),
            id="agenda-detail.tick",
            tooltip=_("Tick or untick the preparation item"),
        ),
        Binding("p", "add_prep", _("Add item"), id="agenda-detail.prep", tooltip=_("Add a preparation item")),
        Binding(
            "P",
            "template",
            _("Checklist"),
            id="agenda-detail.template",
            tooltip=_("Add the standard checklist"),
        ),
        Binding(
            "d",
            "attach",
            _("Document"),
            id="agenda-detail.document",
            tooltip=_("Point the preparation item at an inbox document"),
        ),
        Binding(
            "t",
            "trip",
            _("Trip part"),
            id="agenda-detail.trip",
            tooltip=_("Add a flight, hotel, visa or contact"),
        ),
        Binding(
            "l", "link", _("Link"), id="agenda-detail.link", tooltip=_("Link a document, follow-up or card")
        ),
    ]

    def __init__(
        self, store: Store, occurrence: Occurrence, rules: Policy, now: Callable[[], datetime]
    ) -> None:
        super().__init__()
        self.store = store
        self.occurrence = occurrence
        self.rules = rules
        self.now = now
        self.detail: EventDetail | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="agenda-box -wide"):
            yield Label(escape(self.occurrence.title), id="detail-title", classes="agenda-title")
            yield Static(_("Loading…"), id="detail-body")
            yield Static("", id="detail-conflicts", classes="agenda-warning")
            yield Label("", id="detail-prep-heading", classes="agenda-section")
            yield OptionList(id="detail-prep")
            yield Static("", id="detail-trip")
            yield Static("", id="detail-links")
            yield Static(
                _(
                    "e edit · x delete · space tick · p add item · d document · t trip part · l link · Esc close"
                ),
                classes="agenda-hint",
            )

    def on_mount(self) -> None:
        self.reload()

    # --- loading ------------------------------------------------------------------------------------

    @work(thread=True, group="agenda-detail")
    def reload(self) -> None:
        """Load the event, its checklist, trip and links, and its conflicts."""
        from gmassist.services import agenda as service

        try:
            detail = service.load_event(self.store, self.occurrence.event_id)
            margin = timedelta(days=2)
            near = service.occurrences(
                self.store, self.occurrence.start - margin, self.occurrence.end + margin
            )
            conflicts = service.conflicts_with(near, self.occurrence, self.rules)
        except GmassistError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, detail, conflicts)

    def _failed(self, message: str) -> None:
        self.query_one("#detail-body", Static).update(escape(message))

    def _show(self, detail: EventDetail, conflicts: list[Any]) -> None:
        from gmassist.domain.quickadd import describe_rrule

        self.detail = detail
        o = self.occurrence
        here = self.rules.zone
        lines = []
        title = detail.title + (" 🔒" if detail.confidential else "")
        self.query_one("#detail-title", Label).update(escape(f"{title}  ({kind_label(detail.kind)})"))
        lines.append(f"[b]{_('When')}[/b]  {escape(when_text(o, here))}  [dim]{self.rules.zone_name}[/dim]")
        if not o.all_day and (o.start_tz != self.rules.zone_name or o.end_tz != self.rules.zone_name):
            departs = o.start.astimezone(zone(o.start_tz))
            arrives = o.end.astimezone(zone(o.end_tz))
            lines.append(
                f"[b]{_('Local')}[/b]  {departs:%m-%d %H:%M} {o.start_tz} → {arrives:%m-%d %H:%M} {o.end_tz}"
            )
        rule = detail.rrule or detail.series_rule
        if rule:
            text = describe_rrule(rule, language())
            what = _("one occurrence of a series") if o.series_id and not detail.rrule else _("repeats")
            lines.append(f"[b]{_('Repeat')}[/b]  {escape(what)}: {escape(text)}")
        if detail.location:
            lines.append(f"[b]{_('Where')}[/b]  {escape(detail.location)}")
        if detail.attendees:
            names = ", ".join(name for _pid, name in detail.attendees)
            lines.append(f"[b]{_('Attendees')}[/b]  {escape(names)}")
        if detail.reminders:
            lines.append(
                f"[b]{_('Reminders')}[/b]  " + _("{minutes} min before").format(minutes=detail.reminders)
            )
        if detail.notes:
            lines.append(f"[b]{_('Notes')}[/b]  {escape(detail.notes)}")
        self.query_one("#detail-body", Static).update("\n".join(lines))
        clashes = []
        for conflict in conflicts:
            other = conflict.a if conflict.b.key == o.key else conflict.b
            if conflict.kind == "overlap":
                how = _("overlaps {n} min").format(n=conflict.overlap_minutes)
            else:
                how = _("only {n} min apart").format(n=conflict.gap_minutes)
            clashes.append(f"⚠ {escape(other.title)} · {escape(when_text(other, here))} · {how}")
        self.query_one("#detail-conflicts", Static).update("\n".join(clashes))
        self._show_prep(detail)
        self._show_trip(detail)
        links = [f"• {LINK_LABELS.get(link.kind, link.kind)}: {escape(link.title)}" for link in detail.links]
        self.query_one("#detail-links", Static).update(
            (f"[b]{_('Links')}[/b]\n" + "\n".join(links)) if links else ""
        )

    def _show_prep(self, detail: EventDetail) -> None:
        from gmassist.domain.agenda import prep_due

        heading = self.query_one("#detail-prep-heading", Label)
        options = self.query_one("#detail-prep", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        if not detail.prep:
            heading.update(_("Preparation: none (P adds the standard checklist, p one item)"))
            return
        done = sum(1 for p in detail.prep if p.done)
        heading.update(_("Preparation {done}/{total}").format(done=done, total=len(detail.prep)))
        now = self.now()
        for item in detail.prep:
            due = prep_due(
                self.occurrence.start, timedelta(minutes=item.offset_minutes), self.occurrence.start_tz
            )
            late = not item.done and due <= now
            mark = "☑" if item.done else "☐"
            label = PREP_LABELS.get(item.label, item.label)
            text = f"{mark} {escape(label)}  [dim]{offset_text(item.offset_minutes)} · {due.astimezone(self.rules.zone):%m-%d %H:%M}[/dim]"
            if late:
                text += f"  [b red]{_('overdue')}[/b red]"
            if item.document_title:
                text += f"  📄 {escape(item.document_title)}"
            options.add_option(Option(text, id=item.id))
        if highlighted is not None and highlighted < options.option_count:
            options.highlighted = highlighted
        elif options.option_count:
            options.highlighted = 0

    def _show_trip(self, detail: EventDetail) -> None:
        from gmassist.domain.agenda import format_flight

        if detail.kind != "travel" and not detail.trip:
            self.query_one("#detail-trip", Static).update("")
            return
        lines = [f"[b]{_('Trip')}[/b]"]
        destination = detail.end_tz if detail.end_tz != self.rules.zone_name else None
        if destination is None:
            destination = next(
                (part.zone for part in detail.trip if part.zone and part.zone != self.rules.zone_name), None
            )
        if destination:
            local = self.now().astimezone(zone(destination))
            lines.append(
                _("Local time in {place}: {time} (UTC{offset})").format(
                    place=destination.rsplit("/", 1)[-1].replace("_", " "),
                    time=f"{local:%m-%d %H:%M}",
                    offset=_offset(local.utcoffset()),
                )
            )
        if not self.occurrence.all_day and detail.start_tz != detail.end_tz:
            lines.append(
                "✈ " + format_flight(cast(Any, self.occurrence))
            )  # it has the times format_flight reads
        for part in detail.trip:
            when = ""
            if part.start is not None:
                part_zone: tzinfo = zone(part.zone) if part.zone else self.rules.zone
                when = f"{part.start.astimezone(part_zone):%m-%d %H:%M}"
                if part.end is not None:
                    when += f"–{part.end.astimezone(part_zone):%m-%d %H:%M}"
                when += f" {part.zone or self.rules.zone_name}"
            lines.append(
                f"• {TRIP_LABELS.get(part.kind, part.kind)}: {escape(part.title)}"
                + (f"  [dim]{when}[/dim]" if when else "")
                + (f"  {escape(part.details)}" if part.details else "")
            )
        if not detail.trip:
            lines.append(_("No flights, hotel or contacts yet: t adds one."))
        self.query_one("#detail-trip", Static).update("\n".join(lines))

    # --- actions ------------------------------------------------------------------------------------

    def action_answer(self, what: str) -> None:
        """Close and let the screen edit or delete."""
        self.dismiss(what)

    def _selected_prep(self) -> str | None:
        options = self.query_one("#detail-prep", OptionList)
        if options.highlighted is None or not options.option_count:
            return None
        return options.get_option_at_index(options.highlighted).id

    def action_tick(self) -> None:
        """Tick or untick the highlighted preparation item."""
        item_id = self._selected_prep()
        if item_id is None or self.detail is None:
            return
        item = next(p for p in self.detail.prep if p.id == item_id)
        self._run(lambda service: service.set_prep_done(self.store, item_id, not item.done))

    @on(OptionList.OptionSelected, "#detail-prep")
    def _prep_selected(self) -> None:
        self.action_tick()

    def action_add_prep(self) -> None:
        """Add one item: its label, then how long before the meeting ("议程 3d", "车辆 2h")."""

        def added(text: str | None) -> None:
            if not text:
                return
            label, minutes = text, 60 * 24
            head, _sep, tail = text.rpartition(" ")
            if head:
                try:
                    minutes = int(_days_or_duration(tail).total_seconds() // 60)
                    label = head
                except GmassistError:
                    pass
            if self.detail is not None:
                event_id = self.detail.id
                self._run(lambda service: service.add_prep_item(self.store, event_id, label, minutes))

        self.app.push_screen(
            LineModal(
                _("Add a preparation item"),
                _("发言稿 2d, Briefing notes 1d, 车辆 2h"),
                _("The label, then how long before the meeting it is due (default one day)."),
            ),
            added,
        )

    def action_template(self) -> None:
        """Add the standard checklist (agenda, papers, materials, car)."""
        if self.detail is not None:
            event_id = self.detail.id
            self._run(lambda service: service.apply_prep_template(self.store, event_id))

    def action_attach(self) -> None:
        """Point the highlighted preparation item at an inbox document."""
        item_id = self._selected_prep()
        if item_id is None:
            self.notify(_("Choose a preparation item first."), severity="warning")
            return

        def picked(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                self._run(lambda service: service.set_prep_document(self.store, item_id, choice[1]))

        self.app.push_screen(PickModal(_("Attach a document"), self._finder, kinds=("document",)), picked)

    def action_link(self) -> None:
        """Link the event to a document, follow-up or card."""
        if self.detail is None:
            return
        event_id = self.detail.id

        def picked(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                self._run(lambda service: service.add_link(self.store, event_id, choice[0], choice[1]))

        self.app.push_screen(PickModal(_("Link to…"), self._finder), picked)

    def action_trip(self) -> None:
        """Add a flight, hotel, visa, contact... to the trip."""
        if self.detail is None:
            return
        event_id = self.detail.id

        def added(part: TripPart | None) -> None:
            if part is not None:
                self._run(
                    lambda service: service.add_trip_item(
                        self.store,
                        event_id,
                        part.kind,
                        part.title,
                        part.start,
                        part.end,
                        part.zone,
                        part.details,
                    )
                )

        self.app.push_screen(TripForm(self.now(), self.detail.end_tz), added)

    def _finder(self, kind: str, text: str) -> list[tuple[str, str]]:
        from gmassist.services import agenda as service

        return service.find_items(self.store, kind, text)

    @work(thread=True, group="agenda-detail-write")
    def _run(self, change: Callable[[Any], object]) -> None:
        from gmassist.services import agenda as service

        try:
            change(service)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.reload)


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta(0)).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _days_or_duration(text: str) -> timedelta:
    """'3d' / '3天' as days, else a length ('2h', '90m')."""
    cleaned = text.strip().lower()
    for suffix in ("d", "天", "days", "day"):
        if cleaned.endswith(suffix) and cleaned[: -len(suffix)].isdigit():
            return timedelta(days=int(cleaned[: -len(suffix)]))
    return read_duration(cleaned)
