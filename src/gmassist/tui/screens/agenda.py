"""日程 Agenda (key 2): day and week time grids, a month grid and the list of the coming days.

h/l page back and forth, t comes back to today, d/w/m/a switch views, g goes to a date, Enter opens an
event, n adds one with the form, i (or +) with one line of quick add, e edits, x deletes (ctrl+z undoes),
/ searches, f finds free slots, c lists the conflicts of the coming year, z shows the times in another
zone (the zones of the trips on screen).

The screen stays thin: a worker asks `services.agenda.page` for the occurrences of what is shown (cached
per window, so paging does not touch the disk again), lays them out (`build_grid`, `build_month`,
`build_rows`) and hands the result to the widgets, which only draw. Every change goes through a service
function in a worker, as one undoable action; the page is then loaded again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import ContentSwitcher, Static

from gmassist.domain.agenda import Occurrence, Slot
from gmassist.domain.agenda_view import (
    AGENDA_DAYS,
    SLOTS_PER_DAY,
    View,
    days_bounds,
    period,
    shift,
    weekday_name,
)
from gmassist.errors import GmassistError
from gmassist.i18n import _, language
from gmassist.tui.screens.records import ListScreen
from gmassist.tui.widgets.agenda_grid import GridData, TimeGrid, build_grid, slot_time
from gmassist.tui.widgets.agenda_list import (
    AgendaList,
    ListData,
    ListSource,
    build_rows,
    list_columns,
    occurrence_key,
    when_text,
)
from gmassist.tui.widgets.agenda_month import MonthData, MonthGrid, build_month
from gmassist.tui.widgets.footer import QuietFooter
from gmassist.tui.widgets.status import StatusLine
from gmassist.tui.widgets.virtual_list import VirtualList

if TYPE_CHECKING:
    from gmassist.domain.agenda import Conflict
    from gmassist.domain.quickadd import QuickAdd
    from gmassist.services.agenda import ConflictScan, EventDetail, EventDraft, Page, Policy, Scope
    from gmassist.tui.modals.agenda_conflicts import ConflictMove
    from gmassist.tui.modals.agenda_slots import SlotQuery

CONFLICT_WEEKS = 52
"""How far ahead the conflict list looks."""
VIEW_WIDGETS = {
    View.DAY: "agenda-grid",
    View.WEEK: "agenda-grid",
    View.MONTH: "agenda-month",
    View.AGENDA: "records",
}


def conflict_lines(
    conflicts: Sequence[Conflict], zone: tzinfo, mine: Callable[[Occurrence], bool], limit: int = 4
) -> list[str]:
    """One line per conflict of an event being typed (`mine` tells its occurrences): what it clashes
    with, when, and how."""
    lines = []
    for conflict in conflicts[:limit]:
        other = conflict.b if mine(conflict.a) else conflict.a
        if conflict.kind == "overlap":
            how = _("overlaps {n} min").format(n=conflict.overlap_minutes)
        else:
            how = _("only {n} min between").format(n=conflict.gap_minutes)
        lines.append(f"⚠ {other.title} · {when_text(other, zone)} · {how}")
    if len(conflicts) > limit:
        lines.append(_("… and {n} more").format(n=len(conflicts) - limit))
    return lines


class AgendaScreen(ListScreen):
    """The agenda: views, keys and the dialogs that change events."""

    heading = _("Agenda")
    area = _("agenda")
    CSS_PATH = Path(__file__).parent / "agenda.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "h", "previous", _("Previous"), id="agenda.previous", tooltip=_("The previous day, week or month")
        ),
        Binding("l", "next", _("Next"), id="agenda.next", tooltip=_("The next day, week or month")),
        Binding("t", "today", _("Today"), id="agenda.today", tooltip=_("Back to today")),
        Binding("d", "view('day')", _("Day"), id="agenda.day", tooltip=_("One day as a time grid")),
        Binding("w", "view('week')", _("Week"), id="agenda.week", tooltip=_("The week as a time grid")),
        Binding("m", "view('month')", _("Month"), id="agenda.month", tooltip=_("The month grid")),
        Binding("a", "view('agenda')", _("List"), id="agenda.list", tooltip=_("The coming days as a list")),
        Binding(
            "g", "goto", _("Go to"), id="agenda.goto", tooltip=_("Jump to a date (明天, 下周一, 2026-12-01…)")
        ),
        Binding("n", "new", _("New"), id="agenda.new", tooltip=_("Add an event with the form")),
        Binding(
            "i,plus",
            "quick_add",
            _("Quick add"),
            id="agenda.quick_add",
            tooltip=_("Add an event from one line (周五下午3点 …)"),
        ),
        Binding("e", "edit", _("Edit"), id="agenda.edit", tooltip=_("Change the selected event")),
        Binding(
            "x",
            "delete",
            _("Delete"),
            id="agenda.delete",
            tooltip=_("Delete the selected event (ctrl+z undoes)"),
        ),
        Binding(
            "slash",
            "search",
            _("Search"),
            id="agenda.search",
            tooltip=_("Find events by title, place or notes"),
        ),
        Binding(
            "f", "free_slots", _("Free slots"), id="agenda.free", tooltip=_("Find a free time and book it")
        ),
        Binding(
            "c",
            "conflicts",
            _("Conflicts"),
            id="agenda.conflicts",
            tooltip=_("Conflicts of the coming weeks"),
        ),
        Binding("z", "zone", _("Time zone"), id="agenda.zone", tooltip=_("Show the times in a trip's zone")),
        Binding(
            "o",
            "open",
            _("Open"),
            show=False,
            id="agenda.open_selected",
            tooltip=_("Open the selected event"),
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = View.WEEK
        """The view shown."""
        self.shown_day: date | None = None
        """The day the view is built around (today at first)."""
        self.display_zone: tzinfo | None = None
        """The zone times are drawn in (the app's, or a trip's after z)."""
        self.page_data: Page | None = None
        self.list_data: ListData | None = None
        self.grid_data: GridData | None = None
        self.month_data: MonthData | None = None
        self.prep_due = 0
        """Meetings in the next 48 hours whose preparation is not done."""
        self._rules: Policy | None = None
        self._generation = 0
        self._layouts: OrderedDict[Hashable, tuple[GridData | None, MonthData | None]] = OrderedDict()
        self._layouts_lock = threading.Lock()  # page workers and their warm-ups run side by side
        self._pending_select: tuple[str, datetime] | None = None
        """(event id, start) to select once the page holding it has loaded (after a search)."""
        self._pending_edge: int | None = None
        self._cursor_to_now = False
        """Put the grid's cursor on the current time after the next load (t)."""
        self._grid_ready = False
        self._can_act: bool | None = None
        """Whether edit, delete and open were enabled when the footer was last built."""
        self._list_version: object = None
        """The data version the list's rows were built from."""
        self._prep_key: Hashable = None
        """The data version and minute `prep_due` was counted at."""
        self._list_select: str | None = None
        """A row key to put the list's cursor on once its rows have arrived."""
        """Where to put the grid's cursor after paging past an edge (-1: last day, 1: first day)."""

    # --- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self.heading, id="agenda-heading", classes="screen-heading")
        with ContentSwitcher(initial="agenda-grid", id="agenda-views"):
            yield TimeGrid(id="agenda-grid")
            yield MonthGrid(id="agenda-month")
            records = AgendaList(list_columns(), id="records")
            records.empty_text = (
                _("Opening the store…") if self.gm.store is None else _("Nothing on the agenda.")
            )
            yield records
        yield Static("", id="agenda-info")
        yield StatusLine()
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one(TimeGrid).focus()
        self.refresh_records()

    # --- state helpers ------------------------------------------------------------------------------

    @property
    def rules(self) -> Policy:
        """Working hours, buffers and the app's zone, from the config."""
        if self._rules is None:
            from gmassist.services.agenda import policy

            self._rules = policy(self.gm.settings, self.gm.zone)
        return self._rules

    @property
    def zone(self) -> tzinfo:
        """The zone times are drawn in."""
        if self.display_zone is None:
            self.display_zone = self.rules.zone
        return self.display_zone

    def now(self) -> datetime:
        """The app's clock."""
        return self.gm.clock.now()

    def today(self) -> date:
        """Today in the displayed zone."""
        return self.now().astimezone(self.zone).date()

    def selected(self) -> Occurrence | None:
        """The event the keys act on: under the grid's cursor, or the list's highlighted row."""
        if self.view in (View.DAY, View.WEEK):
            return self.query_one(TimeGrid).selected
        if self.view is View.AGENDA:
            return self.query_one(AgendaList).occurrence_at_cursor(self.list_data)
        return None

    def _update_bindings(self) -> None:
        """Grey out edit, delete and open when nothing is selected; the footer is rebuilt only when that
        changes (rebuilding it on every cursor move would cost more than drawing the grid)."""
        can_act = self.selected() is not None
        if can_act != self._can_act:
            self._can_act = can_act
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Edit, delete and open need a selected event; nothing works until the store is open."""
        if self.gm.store is None and action not in ("view",):
            return False
        if action in ("edit", "delete", "open"):
            return True if self.selected() is not None else None
        return True

    # --- loading ------------------------------------------------------------------------------------

    def refresh_records(self) -> None:
        """Load what the view shows (after a change, an unlock, a lock or an undo)."""
        if self.gm.store is None:
            return
        if self.shown_day is None:
            self.shown_day = self.today()
        self._generation += 1
        self._load(self._generation, self.view, self.shown_day, self.zone)

    @work(thread=True, group="agenda-page")
    def _load(self, generation: int, view: View, anchor: date, zone: tzinfo) -> None:
        """Worker: the page's occurrences, laid out for the view and the list; then warm the neighbours."""
        from gmassist.services import agenda as service

        store = self.gm.store
        if store is None:
            return
        rules = self.rules
        now = self.now()
        list_start, list_end = days_bounds(anchor, AGENDA_DAYS, zone)
        try:
            page = service.page(store, *self._page_span(view, anchor, zone), rules)
            # Paging changes neither of these: worked out again only when the data (or the minute) does.
            prep_key = (page.version, now.replace(second=0, microsecond=0))
            prep_due = self.prep_due
            if prep_key != self._prep_key:
                prep_due = len(service.meetings_needing_prep(store, now))
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        lang = language()
        grid, month = self._layout(page, view, anchor, zone, now, lang)
        rows = None
        if self._list_needs(view, page):
            listed = replace(
                page,
                occurrences=tuple(o for o in page.occurrences if o.end > list_start and o.start < list_end),
            )
            rows = build_rows(listed, anchor, zone, rules.zone_name, lang)
        self.app.call_from_thread(self._loaded, generation, page, grid, month, rows, (prep_key, prep_due))
        # Then warm the neighbours, once the page is on screen: beside the paint (one GIL) it would slow it.
        painted = threading.Event()
        self.app.call_from_thread(self.call_after_refresh, painted.set)
        painted.wait(1.0)
        for step in (1, -1):
            if generation != self._generation:
                return  # paged on meanwhile: that page's worker warms its own neighbours
            other = shift(view, anchor, step)
            try:
                self._layout(
                    service.page(store, *self._page_span(view, other, zone), rules),
                    view,
                    other,
                    zone,
                    now,
                    lang,
                )
            except GmassistError:
                return

    def _layout(
        self, page: Page, view: View, anchor: date, zone: tzinfo, now: datetime, lang: str
    ) -> tuple[GridData | None, MonthData | None]:
        """The grid or month of `page` as `view` shows it from `anchor`; remembered (a few, per data version
        and minute), so paging to a neighbour the worker warmed draws at once."""
        rules = self.rules
        key = (page.version, view, anchor, zone, now.replace(second=0, microsecond=0), lang, rules)
        with self._layouts_lock:
            found = self._layouts.get(key)
        if found is not None:
            return found
        first, days = period(view, anchor, rules.starts_monday)
        grid = (
            build_grid(page, first, days, zone, rules, now, lang) if view in (View.DAY, View.WEEK) else None
        )
        month = (
            build_month(page, first, anchor.replace(day=1), zone, rules, now, lang)
            if view is View.MONTH
            else None
        )
        with self._layouts_lock:
            self._layouts[key] = (grid, month)
            while len(self._layouts) > 6:
                self._layouts.popitem(last=False)  # the oldest
        return grid, month

    def _page_span(self, view: View, anchor: date, zone: tzinfo) -> tuple[datetime, datetime]:
        """What a page reads: the view's days and the list's, which runs on from the anchor (the worker
        warms its neighbours' spans, so paging never waits for an expansion)."""
        first, days = period(view, anchor, self.rules.starts_monday)
        start, end = days_bounds(first, days, zone)
        list_start, list_end = days_bounds(anchor, AGENDA_DAYS, zone)
        return min(start, list_start), max(end, list_end)

    def _loaded(
        self,
        generation: int,
        page: Page,
        grid: GridData | None,
        month: MonthData | None,
        rows: ListData | None,
        prep: tuple[Hashable, int],
    ) -> None:
        if generation != self._generation:
            return
        pending = self._pending_select
        first_grid = not self._grid_ready
        if grid is not None:
            time_grid = self.query_one(TimeGrid)
            first_slot = None
            if first_grid or self._cursor_to_now:
                self._cursor_to_now = False
                self._put_cursor_at_now(time_grid, grid)
            if self._pending_edge is not None:
                time_grid.cursor_day = len(grid.columns) - 1 if self._pending_edge < 0 else 0
                self._pending_edge = None
            time_grid.set_data(grid, first_slot)
            self._grid_ready = True
            if pending is not None:
                found = self._find(grid.order, pending)
                if found is not None:
                    time_grid.select(found)
        self.page_data, self.grid_data, self.month_data = page, grid, month
        self._prep_key, self.prep_due = prep
        if month is not None:
            self.query_one(MonthGrid).set_data(month, self.shown_day)
        # The list is kept current even behind a grid (other parts of the app read it), but paging a grid
        # does not reload it: each reload rebuilds the footer, which costs more than the grid itself.
        if rows is not None and self._list_needs(self.view, page):
            self.list_data = rows
            self._list_version = page.version
            records = self.query_one(AgendaList)
            records.empty_text = _("Nothing on the agenda.")
            source = records.source
            if isinstance(source, ListSource):
                source.data = rows
                records.reload()
            else:
                records.set_source(ListSource(rows))
            if pending is not None:
                found = self._find(tuple(rows.by_key.values()), pending)
                self._list_select = occurrence_key(found) if found is not None else None
        self._pending_select = None
        self._show_heading()
        self._show_info()
        self._update_bindings()

    def _list_needs(self, view: View, page: Page) -> bool:
        """Whether the list must be rebuilt for `page` (also read by the loading worker: the list's data
        only ever moves to newer versions, so a stale answer there only builds rows that are not used)."""
        return view is View.AGENDA or self._list_version != page.version or self.list_data is None

    def _put_cursor_at_now(self, time_grid: TimeGrid, grid: GridData) -> None:
        """The grid's cursor on today's column at the current half hour (when today is shown)."""
        local = self.now().astimezone(self.zone)
        for index, column in enumerate(grid.columns):
            if column.day == local.date():
                time_grid.cursor_day = index
                time_grid.cursor_slot = min(SLOTS_PER_DAY - 1, local.hour * 2 + local.minute // 30)

    @staticmethod
    def _find(items: Sequence[Occurrence], wanted: tuple[str, datetime]) -> Occurrence | None:
        event_id, start = wanted
        for o in items:
            if event_id in (o.event_id, o.series_id) and o.start >= start - timedelta(minutes=1):
                return o
        return None

    def _show_heading(self) -> None:
        if self.shown_day is None:
            return
        first, days = period(self.view, self.shown_day, self.rules.starts_monday)
        last = first + timedelta(days=days - 1)
        if self.view is View.DAY:
            span = f"{first:%Y-%m-%d} {weekday_name(first)}"
        elif self.view is View.WEEK:
            span = _("week {n}").format(n=first.isocalendar()[1]) + f" · {first:%Y-%m-%d} – {last:%m-%d}"
        elif self.view is View.MONTH:
            span = f"{self.shown_day:%Y-%m}"
        else:
            span = f"{self.shown_day:%Y-%m-%d} – {(self.shown_day + timedelta(days=AGENDA_DAYS - 1)):%m-%d}"
        parts = [self.heading, span, self._zone_name()]
        page = self.page_data
        if page is not None:
            start, end = days_bounds(first, days, self.zone)
            flagged = sum(
                1 for o in page.occurrences if o.key in page.conflicted and o.start < end and o.end > start
            )
            if flagged:
                parts.append(_("⚠ {n} in conflict").format(n=flagged))
        if self.prep_due:
            parts.append(_("📋 {n} meetings need preparation").format(n=self.prep_due))
        self.query_one("#agenda-heading", Static).update(escape("  ·  ".join(parts)))

    def _zone_name(self) -> str:
        zone = self.zone
        return str(getattr(zone, "key", None) or self.rules.zone_name)

    def _show_info(self) -> None:
        info = self.query_one("#agenda-info", Static)
        o = self.selected()
        page = self.page_data
        if o is None or page is None:
            if self.view in (View.DAY, View.WEEK) and self.grid_data is not None:
                grid = self.query_one(TimeGrid)
                moment = grid.cursor_time()
                info.update(
                    escape(_("{time} is free · n adds an event here").format(time=f"{moment:%m-%d %H:%M}"))
                )
            else:
                info.update("")
            info.remove_class("-conflict")
            return
        row = page.row(o)
        parts = [when_text(o, self.zone), o.title]
        if row is not None and row.location:
            parts.append(f"@{row.location}")
        done, total = page.prep.get(o.event_id, (0, 0))
        if total:
            parts.append(_("preparation {done}/{total}").format(done=done, total=total))
        if o.series_id:
            parts.append("↻")
        conflicted = o.key in page.conflicted
        if conflicted:
            parts.append(_("⚠ conflict (Enter shows it, c lists all)"))
        info.set_class(conflicted, "-conflict")
        info.update(escape(" · ".join(parts)))

    # --- widget messages ----------------------------------------------------------------------------

    @on(TimeGrid.Changed)
    def _grid_changed(self) -> None:
        self._show_info()
        self._update_bindings()

    @on(VirtualList.Loaded, "#records")
    def _list_loaded(self) -> None:
        key, self._list_select = self._list_select, None
        if key is None or self.list_data is None:
            return
        for index, row in enumerate(self.list_data.rows):
            if row.key == key:
                self.query_one(AgendaList).cursor_index = index

    @on(VirtualList.Highlighted, "#records")
    def _list_highlighted(self) -> None:
        self._show_info()
        self._update_bindings()

    @on(TimeGrid.Activated)
    def _grid_activated(self, event: TimeGrid.Activated) -> None:
        if event.occurrence is not None:
            self._open(event.occurrence)
        else:
            self._new_at(slot_time(event.day, event.slot, self.zone))

    @on(TimeGrid.Edge)
    def _grid_edge(self, event: TimeGrid.Edge) -> None:
        if self.shown_day is None:
            return
        self.shown_day = self.shown_day + timedelta(
            days=event.direction if self.view is View.DAY else 7 * event.direction
        )
        self._pending_edge = event.direction if self.view is View.WEEK else None
        self.refresh_records()

    @on(MonthGrid.Activated)
    def _month_activated(self, event: MonthGrid.Activated) -> None:
        self.shown_day = event.day
        self.action_view("day")

    @on(MonthGrid.Edge)
    def _month_edge(self, event: MonthGrid.Edge) -> None:
        self.shown_day = event.day
        self.refresh_records()

    @on(VirtualList.Selected, "#records")
    def _list_selected(self, event: VirtualList.Selected) -> None:
        if self.list_data is not None:
            found = self.list_data.by_key.get(event.key)
            if found is not None:
                self._open(found)

    # --- navigation ---------------------------------------------------------------------------------

    def action_previous(self) -> None:
        """Page back."""
        self._page(-1)

    def action_next(self) -> None:
        """Page forward."""
        self._page(1)

    def _page(self, step: int) -> None:
        if self.shown_day is None:
            return
        self.shown_day = shift(self.view, self.shown_day, step)
        self.refresh_records()

    def action_today(self) -> None:
        """Back to today, the cursor on the current half hour."""
        self.shown_day = self.today()
        self._cursor_to_now = True
        self.refresh_records()

    def action_view(self, name: str) -> None:
        """Switch to the day, week, month or list view."""
        view = View(name)
        if view is View.MONTH and self.view is not View.MONTH:
            month = self.query_one(MonthGrid)
            month.cursor = 0
        if (
            self.view in (View.DAY, View.WEEK)
            and view in (View.DAY, View.WEEK)
            and self.grid_data is not None
        ):
            grid = self.query_one(TimeGrid)
            self.shown_day = grid.cursor_date()
            grid.cursor_day = (
                0
                if view is View.DAY
                else (self.shown_day - period(view, self.shown_day, self.rules.starts_monday)[0]).days
            )
        self.view = view
        widget_id = VIEW_WIDGETS[view]
        self.query_one("#agenda-views", ContentSwitcher).current = widget_id
        self.query_one(f"#{widget_id}").focus()
        self.refresh_records()

    def action_goto(self) -> None:
        """Ask for a date and show it."""
        from gmassist.tui.modals.agenda_goto import GotoModal

        def chosen(day: date | None) -> None:
            if day is not None:
                self.shown_day = day
                if self.view is View.WEEK:
                    grid = self.query_one(TimeGrid)
                    grid.cursor_day = (day - period(View.WEEK, day, self.rules.starts_monday)[0]).days
                self.refresh_records()

        self.app.push_screen(GotoModal(self.now(), self.rules.starts_monday), chosen)

    def action_zone(self) -> None:
        """Show the times in the next zone: the app's, then those of the trips on screen."""
        from gmassist.domain.agenda import zone as zone_named

        names = [self.rules.zone_name]
        for o in self.page_data.occurrences if self.page_data is not None else ():
            for name in (o.start_tz, o.end_tz):
                if name not in names and (o.kind == "travel" or o.start_tz != o.end_tz):
                    names.append(name)
        current = self._zone_name()
        following = names[(names.index(current) + 1) % len(names)] if current in names else names[0]
        self.display_zone = zone_named(following)
        self.notify(_("Times shown in {zone}").format(zone=following))
        self.refresh_records()

    # --- opening, adding, editing, deleting ------------------------------------------------------------

    def action_open(self) -> None:
        """Open the selected event."""
        o = self.selected()
        if o is not None:
            self._open(o)

    def _open(self, occurrence: Occurrence) -> None:
        from gmassist.tui.modals.agenda_detail import EventDetailModal

        store = self.gm.store
        if store is None:
            return

        def answered(what: str | None) -> None:
            if what == "edit":
                self._edit(occurrence)
            elif what == "delete":
                self._delete(occurrence)
            else:
                self.refresh_records()

        self.app.push_screen(EventDetailModal(store, occurrence, self.rules, self.now), answered)

    def action_new(self) -> None:
        """A new event at the cursor's time (or 09:00 of the day shown)."""
        if self.view in (View.DAY, View.WEEK) and self.grid_data is not None:
            self._new_at(self.query_one(TimeGrid).cursor_time())
            return
        day = self.query_one(MonthGrid).cursor_day if self.view is View.MONTH else self.shown_day
        day = day or self.today()
        self._new_at(datetime.combine(day, self.rules.hours[0], tzinfo=self.zone))

    def _new_at(self, start: datetime) -> None:
        from gmassist.services.agenda import EventDraft

        name = self.rules.zone_name
        draft = EventDraft(title="", start=start, end=start + timedelta(hours=1), start_tz=name, end_tz=name)
        self._with_people(lambda people: self._open_form(_("New event"), draft, people, None, "all", False))

    def action_edit(self) -> None:
        """Edit the selected event (asking which occurrences, for a series)."""
        o = self.selected()
        if o is not None:
            self._edit(o)

    def _edit(self, occurrence: Occurrence) -> None:
        def go(scope: str | None) -> None:
            if scope is not None:
                self._load_for_edit(occurrence, scope)

        self._ask_scope(occurrence, _("Change which occurrences?"), go)

    def _ask_scope(self, occurrence: Occurrence, question: str, then: Callable[[str | None], None]) -> None:
        from gmassist.tui.modals.agenda_scope import ScopeModal

        if occurrence.series_id is None:
            then("all")
            return
        what = f"{occurrence.title} · {when_text(occurrence, self.zone)}"
        self.app.push_screen(ScopeModal(question, what), then)

    @work(thread=True, group="agenda-edit-load")
    def _load_for_edit(self, occurrence: Occurrence, scope: str) -> None:
        from gmassist.services import agenda as service

        store = self.gm.store
        if store is None:
            return
        try:
            detail = service.load_event(store, occurrence.event_id)
            people = service.people(store)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._edit_loaded, occurrence, scope, detail, people)

    def _edit_loaded(
        self, occurrence: Occurrence, scope: Scope, detail: EventDetail, people: list[tuple[str, str, str]]
    ) -> None:
        from gmassist.services.agenda import draft_of

        draft = draft_of(detail, occurrence)
        if scope == "this":
            draft = replace(draft, rrule=None)
        titles = {
            "this": _("Edit this occurrence"),
            "following": _("Edit this and following"),
            "all": _("Edit"),
        }
        heading = _("Edit event") if occurrence.series_id is None else titles[scope]
        self._open_form(heading, draft, people, occurrence, scope, detail.masked)

    def _open_form(
        self,
        heading: str,
        draft: EventDraft,
        people: list[tuple[str, str, str]],
        editing: Occurrence | None,
        scope: Scope,
        masked: bool,
    ) -> None:
        from gmassist.tui.modals.agenda_event import EventForm

        store = self.gm.store
        if store is None:
            return

        def save(new: EventDraft) -> str:
            from gmassist.services import agenda as service

            if editing is None:
                service.create_event(store, new)
                return _("Added: {title}").format(title=new.title)
            service.update_event(store, editing, new, scope)
            return _("Saved: {title}").format(title=new.title)

        def check(new: EventDraft) -> list[str]:
            return self._draft_conflicts(new, editing, scope)

        rule_editable = editing is None or editing.series_id is None or scope != "this"
        form = EventForm(
            heading,
            draft,
            people=people,
            now=self.now(),
            save=save,
            check=check,
            rule_editable=rule_editable,
            masked=masked,
        )
        self.app.push_screen(form, self._written)

    def _draft_conflicts(self, draft: EventDraft, editing: Occurrence | None, scope: Scope) -> list[str]:
        """(worker) The conflict lines of a draft and the nearest free times for its first occurrence."""
        from gmassist.services import agenda as service

        store = self.gm.store
        if store is None:
            return []
        conflicts = service.check_draft(store, draft, self.rules, editing=editing, scope=scope)
        if not conflicts:
            return []
        ids = {"draft"}
        if editing is not None and (editing.series_id is None or (editing.is_override and scope == "this")):
            ids.add(editing.event_id)

        def mine(o: Occurrence) -> bool:
            return o.event_id in ids

        lines = conflict_lines(conflicts, self.zone, mine)
        first = conflicts[0]
        moved = first.a if mine(first.a) else first.b
        slots = service.nearest_free(store, moved, self.rules, self.now())
        if slots:
            lines.append(
                _("Nearest free: {times}").format(times=", ".join(self._slot_text(s) for s in slots))
            )
        return lines

    def _slot_text(self, slot: Slot) -> str:
        start = slot.start.astimezone(self.zone)
        return f"{weekday_name(start.date())} {start:%m-%d %H:%M}"

    def _written(self, message: str | None) -> None:
        if message:
            self.notify(message)
        self.refresh_records()

    def action_delete(self) -> None:
        """Delete the selected event (asking which occurrences, for a series); ctrl+z undoes."""
        o = self.selected()
        if o is not None:
            self._delete(o)

    def _delete(self, occurrence: Occurrence) -> None:
        def go(scope: str | None) -> None:
            if scope is None:
                return
            store = self.gm.store
            if store is None:
                return

            def change(service: Any) -> str:
                service.delete_event(store, occurrence, scope)
                return _("Deleted: {title} (ctrl+z undoes)").format(title=occurrence.title)

            self._write(change)

        self._ask_scope(occurrence, _("Delete which occurrences?"), go)

    @work(thread=True, group="agenda-write")
    def _write(self, change: Callable[[Any], str]) -> None:
        """Run one change through the services (one undoable action) and reload."""
        from gmassist.services import agenda as service

        try:
            message = change(service)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._written, message)

    def _with_people(self, then: Callable[[list[tuple[str, str, str]]], None]) -> None:
        """Load the people list in a worker, then call `then` with it."""
        self._load_people(then)

    @work(thread=True, group="agenda-people")
    def _load_people(self, then: Callable[[list[tuple[str, str, str]]], None]) -> None:
        from gmassist.services import agenda as service

        store = self.gm.store
        if store is None:
            return
        try:
            people = service.people(store)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(then, people)

    # --- quick add, search, free slots, conflicts ------------------------------------------------------

    def action_quick_add(self) -> None:
        """One line of Chinese or English becomes an event; the parse is shown before it is saved."""
        from gmassist.tui.modals.agenda_quickadd import QuickAddModal

        store = self.gm.store
        if store is None:
            return

        def save(parsed: QuickAdd) -> str:
            from gmassist.services import agenda as service

            saved = service.create_from_quickadd(store, parsed, self.gm.settings)
            self._pending_select = (saved.id, saved.draft.start)
            return str(saved)  # the saved event, and what it conflicts with

        def check(parsed: QuickAdd) -> list[str]:
            from gmassist.services import agenda as service

            draft = service.draft_from_quickadd(store, parsed, self.gm.clock)
            return self._draft_conflicts(draft, None, "all")

        def saved(message: str | None) -> None:
            if message and self._pending_select is not None:
                day = self._pending_select[1].astimezone(self.zone).date()
                self.shown_day = day
                if self.view is View.WEEK:
                    self.query_one(TimeGrid).cursor_day = (
                        day - period(View.WEEK, day, self.rules.starts_monday)[0]
                    ).days
            self._written(message)

        self.app.push_screen(QuickAddModal(self.now(), save, check), saved)

    def action_search(self) -> None:
        """Find events by words of their title, place or notes."""
        from gmassist.tui.modals.agenda_search import SearchModal

        store = self.gm.store
        if store is None:
            return

        def search(text: str) -> list[Any]:
            from gmassist.services import agenda as service

            return service.search_events(store, text)

        def chosen(row: Any) -> None:
            if row is None:
                return
            start = row.start
            if row.rrule:
                # a series: its next occurrence from today
                start = max(start, datetime.combine(self.today(), datetime.min.time(), tzinfo=self.zone))
            self.shown_day = start.astimezone(self.zone).date()
            self._pending_select = (row.id, start if not row.rrule else start - timedelta(days=1))
            self.refresh_records()

        self.app.push_screen(SearchModal(search, self.zone), chosen)

    def action_free_slots(self) -> None:
        """Find free time for a meeting (people, length, days) and book one with Enter."""
        from gmassist.tui.modals.agenda_slots import FreeSlotsModal

        store = self.gm.store
        if store is None:
            return
        rules = self.rules
        zone = self.zone

        def find(query: SlotQuery) -> list[Slot]:
            from gmassist.services import agenda as service

            start, end = days_bounds(query.first, (query.last - query.first).days + 1, zone)
            start = max(start, self.now())
            return service.find_free_slots(
                store,
                query.duration,
                start,
                end,
                rules,
                attendee_ids=query.attendee_ids,
                manager=query.manager,
            )

        def book(query: SlotQuery, slot: Slot) -> str:
            from gmassist.services import agenda as service

            service.book_slot(store, slot, query.title, rules, attendee_ids=query.attendee_ids)
            self._pending_select = None
            start = slot.start.astimezone(zone)
            return _("Booked: {title} {when}").format(
                title=query.title, when=f"{weekday_name(start.date())} {start:%m-%d %H:%M}"
            )

        first = (
            self.shown_day if self.shown_day is not None and self.shown_day >= self.today() else self.today()
        )

        def show(people: list[tuple[str, str, str]]) -> None:
            self.app.push_screen(FreeSlotsModal(self.now(), people, find, book, first=first), self._written)

        self._with_people(show)

    def action_conflicts(self) -> None:
        """The conflicts of the coming weeks, each with the nearest free times to move it to."""
        from gmassist.tui.modals.agenda_conflicts import ConflictsModal

        store = self.gm.store
        if store is None:
            return
        rules = self.rules
        start, end = days_bounds(self.today(), CONFLICT_WEEKS * 7, self.zone)

        def scan_of() -> ConflictScan:
            from gmassist.services import agenda as service

            return service.scan_conflicts(store, start, end, rules)

        def free_of(o: Occurrence) -> list[Slot]:
            from gmassist.services import agenda as service

            return service.nearest_free(store, o, rules, self.now())

        def chosen(move: ConflictMove | None) -> None:
            if move is None:
                return

            def change(service: Any) -> str:
                service.move_occurrence(store, move.occurrence, move.slot.start, "this")
                return _("Moved: {title} to {when}").format(
                    title=move.occurrence.title, when=self._slot_text(move.slot)
                )

            self._write(change)

        self.app.push_screen(ConflictsModal(scan_of, free_of, self.zone, CONFLICT_WEEKS), chosen)
