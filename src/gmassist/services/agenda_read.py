"""Reading the agenda: event rows, the cache of expanded windows, the policy (zone, hours, buffers) and a
page of a view. Plain SQL through `fetch`, so that both the full `Store` and the light
`gmassist.store.reader.Reader` (for `gmassist agenda`, where start-up time is most of the run) read through
it (a `Source` is either); nothing here imports SQLAlchemy. `gmassist.services.agenda` builds on it and
offers all of it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gmassist.config import Settings
from gmassist.domain import agenda as dom
from gmassist.domain import holidays
from gmassist.domain.agenda import Occurrence
from gmassist.domain.agenda_view import conflicted
from gmassist.store.base import PerStore
from gmassist.store.base import StoreBase as Source

_T = TypeVar("_T")

SPAN = timedelta(weeks=4)
"""Cached windows are whole blocks of four weeks, one block of margin on each side."""
_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
"""A Monday: blocks are counted from it."""
_SLACK = timedelta(days=2)
"""All-day rows are stored at local midnights; a day of slack on each side catches every zone."""
_LONG_WINDOW = timedelta(weeks=9)
"""Windows longer than this (conflict scans, reports) are cached apart from the paging windows."""


# --- rows -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRow:
    """The columns of one Event row the agenda shows, sealed text revealed or masked (an `EventLike`)."""

    id: str
    title: str
    kind: str
    start: datetime
    end: datetime
    start_tz: str
    end_tz: str
    all_day: bool
    rrule: str | None
    exdates: str
    series_id: str | None
    recurrence_id: datetime | None
    confidential: bool
    location: str = ""
    """Where (masked like the title)."""
    reminders: str = ""
    """Minutes before the start, '15,60'."""


_ROW_COLUMNS = tuple(column.name for column in fields(EventRow))
"""The event columns the agenda reads, in EventRow's order."""


_SELECT = "SELECT " + ", ".join(f'"{name}"' for name in _ROW_COLUMNS) + " FROM event WHERE "


def stored_moment(moment: datetime) -> str:
    """A datetime as the store keeps it (UTC, as text), for comparing with stored ones in SQL."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _row(store: Source, data: dict[str, Any]) -> EventRow:
    """An EventRow from stored values: times made aware, flags made booleans, sealed text revealed."""
    confidential = bool(data["confidential"])
    if confidential:
        for name in ("title", "location"):
            data[name] = store.reveal("event", name, data["id"], data[name])
    return EventRow(
        **{
            **data,
            "start": _moment(data["start"]),
            "end": _moment(data["end"]),
            "recurrence_id": _moment(data["recurrence_id"]),
            "all_day": bool(data["all_day"]),
            "confidential": confidential,
        }
    )


def select_rows(store: Source, where: str, parameters: Sequence[Any] = ()) -> list[EventRow]:
    """The agenda's rows of the events matching the SQL condition `where` (with ? parameters)."""
    return [_row(store, data) for data in store.fetch(_SELECT + where, parameters)]


def _load(store: Source, start: datetime, end: datetime) -> list[EventRow]:
    """The rows that may touch [start, end): singles and overrides overlapping it (with slack for all-day
    rows), overrides whose original time is in it, and every series starting before its end."""
    lo, hi = stored_moment(start - _SLACK), stored_moment(end + _SLACK)
    return select_rows(
        store,
        '(rrule IS NULL AND start < ? AND "end" > ?)'
        " OR (rrule IS NULL AND series_id IS NOT NULL AND recurrence_id >= ? AND recurrence_id < ?)"
        " OR (rrule IS NOT NULL AND start < ?)",
        (hi, lo, lo, hi, hi),
    )


# --- the cache --------------------------------------------------------------------------------------------


@dataclass
class _StoreCache:
    """Per store: the expanded windows of the current data version and the rows they came from."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    version: Hashable = None
    pages: dom.OccurrenceCache = field(default_factory=lambda: dom.OccurrenceCache(max_windows=8))
    """Twelve-week windows for paging through days, weeks and months."""
    long: dom.OccurrenceCache = field(default_factory=lambda: dom.OccurrenceCache(max_windows=4))
    """Longer windows (the 52-week conflict scan), kept apart so paging never cuts from a year."""
    spans: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    """Windows expanded in this version, per cache ("pages", "long")."""
    rows: dict[str, EventRow] = field(default_factory=dict)
    """Every row loaded in this version, by id."""
    errors: dict[str, str] = field(default_factory=dict)
    """Rows skipped because their rule, EXDATE or zone cannot be read: id -> reason."""
    memo: dict[Hashable, Any] = field(default_factory=dict)
    """Derived results of this version (pages, conflict scans), by their arguments."""


_CACHES: PerStore[_StoreCache] = PerStore(_StoreCache)


def _cache_of(store: Source) -> _StoreCache:
    return _CACHES.of(store)


def invalidate(store: Source) -> None:
    """Forget every cached window of `store` (a writer that bypasses the change log calls this)."""
    cache = _cache_of(store)
    with cache.lock:
        cache.version = None
        _reset(cache)


def _reset(cache: _StoreCache) -> None:
    cache.pages.invalidate()
    cache.long.invalidate()
    cache.spans.clear()
    cache.rows.clear()
    cache.errors.clear()
    cache.memo.clear()


def _aligned(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """[start, end) widened to whole four-week blocks plus one block on each side."""
    first = (start - _EPOCH) // SPAN
    last = -((_EPOCH - end) // SPAN)
    return _EPOCH + (first - 1) * SPAN, _EPOCH + (last + 1) * SPAN


def _fresh(store: Source, cache: _StoreCache) -> Hashable:
    version = store.data_version()
    if version != cache.version:
        cache.version = version
        _reset(cache)
    return version


def _window(store: Source, start: datetime, end: datetime, *, widen: bool = True) -> list[Occurrence]:
    """The occurrences of [start, end), cut from the cached span holding it (expanded first if none does)."""
    if not widen:
        return _one_look(store, start, end)[0]
    cache = _cache_of(store)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    with cache.lock:
        version = _fresh(store, cache)
        name = "long" if end - start > _LONG_WINDOW else "pages"
        target = cache.long if name == "long" else cache.pages
        spans = cache.spans.setdefault(name, [])

        def load(window_start: datetime, window_end: datetime) -> list[EventRow]:
            rows = _load(store, window_start, window_end)
            cache.rows.update((row.id, row) for row in rows)
            return rows

        def skipped(row: Any, error: dom.RuleError) -> None:
            cache.errors[row.id] = str(error)

        span = next(((s, e) for s, e in spans if s <= start and end <= e), None)
        if span is None:
            span = _aligned(start, end)
            target.get(span[0], span[1], version, load, on_error=skipped)
            spans.append(span)
            del spans[: -target.max_windows]  # the cache keeps no more than this many either
        return target.get(start, end, version, load, on_error=skipped)


def _one_look(store: Source, start: datetime, end: datetime) -> tuple[list[Occurrence], dict[str, EventRow]]:
    """One look (a command line run): the occurrences of [start, end) and their rows, from this window
    alone and remembered nowhere (expanding and caching the twelve-week span would be wasted)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    rows = _load(store, start, end)
    return dom.expand(rows, start, end, on_error=lambda _row, _error: None), {row.id: row for row in rows}


def remembered(store: Source, key: Hashable, compute: Callable[[], _T]) -> _T:
    """`compute()`, remembered under `key` until the data changes (pages, conflict scans). A result the
    data changed under while it was computed is returned but not kept."""
    cache = _cache_of(store)
    with cache.lock:
        version = _fresh(store, cache)
        if key in cache.memo:
            return cast(_T, cache.memo[key])
    result = compute()
    with cache.lock:
        if cache.version == version:
            cache.memo[key] = result
    return result


def occurrences(store: Source, start: datetime, end: datetime, *, cache: bool = True) -> list[Occurrence]:
    """Every occurrence overlapping [start, end) (aware datetimes), sorted by start.

    Series, their overrides and EXDATEs, and single events, expanded per the event's zone; cached per
    window and data version (see the module docstring). Confidential titles are masked while locked.
    Rows that cannot be read are skipped (see `skipped_rows`). `cache=False` reads just this window and
    remembers nothing (a one-shot command).
    """
    return _window(store, start, end, widen=cache)


def rows_for(store: Source, items: Iterable[Occurrence]) -> dict[str, EventRow]:
    """The rows (location, reminders...) behind occurrences returned by `occurrences`."""
    cache = _cache_of(store)
    with cache.lock:
        found = {o.event_id: cache.rows.get(o.event_id) for o in items}
    missing = [event_id for event_id, row in found.items() if row is None]
    if missing:
        for chunk in _chunks(missing, 500):
            for row in select_rows(store, f"id IN ({', '.join('?' * len(chunk))})", chunk):
                found[row.id] = row
    return {key: row for key, row in found.items() if row is not None}


def skipped_rows(store: Source) -> dict[str, str]:
    """Rows left out of the agenda because they cannot be read (id -> reason), for a warning."""
    cache = _cache_of(store)
    with cache.lock:
        return dict(cache.errors)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


# --- policy: working hours, buffers, zone --------------------------------------------------------------


def zone_name_of(zone: tzinfo | None) -> str:
    """The IANA name of `zone` (the app's zone), for storing with new events.

    A ZoneInfo knows its name; otherwise (dateutil's local zone) TZ or /etc/localtime tells, and UTC is
    the last resort, never a guess by offset.
    """
    key = getattr(zone, "key", None)
    if isinstance(key, str) and key:
        return key
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = Path("/etc/localtime").resolve()
        if "zoneinfo" in target.parts:
            candidates.append("/".join(target.parts[target.parts.index("zoneinfo") + 1 :]))
    except OSError:
        pass
    for name in candidates:
        if name:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return name
    return "UTC"


@dataclass(frozen=True)
class Policy:
    """How the agenda judges time: the app's zone, working hours and the buffers, from config [agenda]."""

    zone_name: str = "Asia/Shanghai"
    hours: tuple[time, time] = (time(9), time(18))
    buffer: timedelta = timedelta(minutes=10)
    travel_buffer: timedelta = timedelta(minutes=60)
    starts_monday: bool = True

    @property
    def zone(self) -> tzinfo:
        """The zone itself."""
        return dom.zone(self.zone_name)

    def working_time(self) -> dom.WorkingTime:
        """Working hours on working days: Chinese holidays off, 调休 weekends on (weekdays for uncovered years)."""
        return dom.WorkingTime(self.hours, self.zone_name, is_workday=holidays.is_workday)

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is worked (holidays and 调休 included)."""
        return self.working_time().works_on(day)


def policy(settings: Settings, zone: tzinfo | str | None) -> Policy:
    """The Policy of `settings` in the app's zone."""
    agenda = settings.agenda
    begin, finish = agenda.working_hours.split("-")
    hours = (time.fromisoformat(begin.zfill(5)), time.fromisoformat(finish.zfill(5)))
    return Policy(
        zone_name=zone if isinstance(zone, str) else zone_name_of(zone),
        hours=hours,
        buffer=timedelta(minutes=agenda.buffer_minutes),
        travel_buffer=timedelta(minutes=agenda.travel_buffer_minutes),
        starts_monday=agenda.week_starts == "monday",
    )


# --- a page of the agenda for the screen -------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """What one view of the agenda shows: its occurrences, their rows, which conflict, how prepared."""

    start: datetime
    end: datetime
    occurrences: tuple[Occurrence, ...]
    rows: Mapping[str, EventRow]
    conflicted: frozenset[tuple[str, datetime]]
    """Keys of the occurrences in a conflict (with anything, also just outside the page)."""
    prep: Mapping[str, tuple[int, int]]
    """Event id -> (items done, items) of events with a preparation checklist."""
    version: Hashable = None

    def row(self, occurrence: Occurrence) -> EventRow | None:
        """The row behind an occurrence."""
        return self.rows.get(occurrence.event_id)


def page(store: Source, start: datetime, end: datetime, rules: Policy, *, cache: bool = True) -> Page:
    """The occurrences of [start, end) with conflict flags and preparation counts, for a view.

    Remembered per data version (`cache`), so a page the screen warmed before it was asked for (the next
    week) comes back at once."""
    if cache:
        return remembered(store, ("page", start, end, rules), lambda: _page(store, start, end, rules, True))
    return _page(store, start, end, rules, False)


def _page(store: Source, start: datetime, end: datetime, rules: Policy, cache: bool) -> Page:
    margin = max(rules.travel_buffer, rules.buffer, timedelta(0)) + timedelta(days=1)
    if cache:
        around = occurrences(store, start - margin, end + margin)
        version = _cache_of(store).version
    else:
        around, loaded = _one_look(store, start - margin, end + margin)
        version = None
    inside = tuple(o for o in around if _touches(o, start, end))
    flags = conflicted(around, rules.buffer, rules.travel_buffer)
    return Page(
        start=start,
        end=end,
        occurrences=inside,
        rows=rows_for(store, inside) if cache else {o.event_id: loaded[o.event_id] for o in inside},
        conflicted=frozenset(flags),
        prep=prep_counts(store, {o.event_id for o in inside}),
        version=version,
    )


def _touches(o: Occurrence, start: datetime, end: datetime) -> bool:
    if o.end > o.start:
        return o.start < end and o.end > start
    return start <= o.start < end


def prep_counts(store: Source, event_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """(done, total) preparation items per event that has any."""
    ids = sorted(event_ids)
    out: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(ids, 500):
        marks = ", ".join("?" * len(chunk))
        sql = (
            "SELECT event_id, count(*) AS total, sum(done) AS done FROM prep_item"
            f" WHERE event_id IN ({marks}) GROUP BY event_id"
        )
        for found in store.fetch(sql, chunk):
            out[found["event_id"]] = (int(found["done"] or 0), int(found["total"]))
    return out
