"""The agenda list view: the coming days' occurrences in the app's one list widget (`VirtualList`).

Rows are made from a page of occurrences already in memory (`build_rows`, in the screen's worker), so the
list's source only slices a list. The date is written on the first row of each day, with the holiday or
调休 mark; conflicts (⚠), open preparation and other zones are noted on the right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

from gmassist.domain.agenda import Occurrence
from gmassist.domain.agenda import zone as zone_named
from gmassist.domain.agenda_view import kind_label, weekday_name
from gmassist.i18n import _
from gmassist.tui.widgets.agenda_grid import day_mark
from gmassist.tui.widgets.virtual_list import Column, Row, VirtualList

if TYPE_CHECKING:
    from gmassist.services.agenda import Page


def occurrence_key(o: Occurrence) -> str:
    """A row key for an occurrence (its identity across edits)."""
    series, original = o.key
    return f"{series}|{original.isoformat()}"


def list_columns() -> list[Column]:
    """The agenda list's columns (title is the third, like every list of the app)."""
    return [
        Column("date", _("Date"), 16),
        Column("time", _("Time"), 13),
        Column("title", _("Title")),
        Column("location", _("Location"), 16),
        Column("notes", _("Notes"), 22),
    ]


@dataclass(frozen=True)
class ListData:
    """The rows of the list and the occurrence behind each row key."""

    rows: tuple[Row, ...]
    by_key: dict[str, Occurrence]


def build_rows(page: Page, first: date, zone: tzinfo, app_zone_name: str, language: str) -> ListData:
    """One row per occurrence from `first` on, by start (pure; runs in a worker thread)."""
    rows: list[Row] = []
    by_key: dict[str, Occurrence] = {}
    last_day: date | None = None
    for o in sorted(page.occurrences, key=lambda o: (o.start, o.end, o.event_id)):
        if o.all_day:
            own = zone_named(o.start_tz)
            start_day = o.start.astimezone(own).date()
            end_day = (o.end - timedelta(seconds=1)).astimezone(own).date()
        else:
            start_day = o.start.astimezone(zone).date()
            end_day = (o.end - timedelta(seconds=1)).astimezone(zone).date() if o.end > o.start else start_day
        day = max(start_day, first)
        date_text = ""
        if day != last_day:
            mark, _banner, _holiday, _adjusted = day_mark(day, language)
            date_text = f"{day:%m-%d} {weekday_name(day)}" + (f" {mark}" if mark else "")
            last_day = day
        if o.all_day:
            when = _("all day") if end_day == start_day else f"→ {end_day:%m-%d}"
        else:
            start, end = o.start.astimezone(zone), o.end.astimezone(zone)
            when = f"{start:%H:%M}–{end:%H:%M}" if end_day == start_day else f"{start:%H:%M}→{end:%m-%d}"
        conflicted = o.key in page.conflicted
        notes = [_("⚠ conflict")] if conflicted else []
        if o.kind != "meeting":
            notes.append(kind_label(o.kind))
        done, total = page.prep.get(o.event_id, (0, 0))
        if total and done < total:
            notes.append(_("prep {done}/{total}").format(done=done, total=total))
        if o.series_id:
            notes.append("↻")
        if not o.all_day and o.end_tz != app_zone_name:
            arrive = o.end.astimezone(zone_named(o.end_tz))
            notes.append(f"{arrive:%H:%M} {o.end_tz.rsplit('/', 1)[-1]}")
        row = page.row(o)
        key = occurrence_key(o)
        by_key[key] = o
        rows.append(
            Row(
                key=key,
                cells=(
                    date_text,
                    when,
                    o.title,
                    row.location if row is not None else "",
                    " ".join(notes),
                ),
                style="dim"
                if o.confidential and o.title.startswith("🔒")
                else ("bold" if conflicted else ""),
            )
        )
    return ListData(tuple(rows), by_key)


@dataclass
class ListSource:
    """A KeyedRowSource over rows already built."""

    data: ListData

    def count(self) -> int:
        """How many rows."""
        return len(self.data.rows)

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        """A slice."""
        return self.data.rows[offset : offset + limit]

    def index_of(self, key: str) -> int | None:
        """Where the row with `key` is now."""
        for index, row in enumerate(self.data.rows):
            if row.key == key:
                return index
        return None


class AgendaList(VirtualList):
    """The list view's VirtualList; `g` goes to a date here too (the list's own "first row" stays on Home)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "g",
            "screen.goto",
            _("Go to date"),
            show=False,
            id="agenda.goto",
            tooltip=_("Jump to a date (明天, 下周一, 2026-12-01…)"),
        ),
    ]

    def occurrence_at_cursor(self, data: ListData | None) -> Occurrence | None:
        """The occurrence of the highlighted row."""
        key = self.cursor_key
        if key is None or data is None:
            return None
        return data.by_key.get(key)


def when_text(o: Occurrence, zone: tzinfo) -> str:
    """'11-25 Wed 09:00–10:00' of an occurrence in `zone` (all-day ones by their own dates)."""
    if o.all_day:
        own = zone_named(o.start_tz)
        first = o.start.astimezone(own).date()
        last = (o.end - timedelta(seconds=1)).astimezone(own).date()
        text = f"{first:%m-%d} {weekday_name(first)}"
        return text + (f" – {last:%m-%d} {weekday_name(last)}" if last != first else f" {_('all day')}")
    start, end = o.start.astimezone(zone), o.end.astimezone(zone)
    tail = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m-%d %H:%M}"
    return f"{start:%m-%d} {weekday_name(start.date())} {start:%H:%M}–{tail}"
