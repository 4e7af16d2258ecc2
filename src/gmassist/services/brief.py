"""周报: gathering the weekly brief from the store, remembering its numbers, and the use cases the command
line and the TUI share (`make`, `brief_for_app`).

Every read is a SQLAlchemy Core select filtered in SQL on an indexed column (event.start, followup.due
and status, document.state), so a 100k-record store is never loaded whole: only next week's and this
week's events, the follow-ups finished this week, overdue or due next week, and the documents with the
manager are read. The rules (series expansion and conflicts, overdue and escalation, the scorecard,
board health, whose move a document waits on) are the domain's; this module only feeds them rows.

Confidential rows are read but never opened unless confidential items are included: they are then
counted, not shown. Names of confidential people and departments are shown as 🔒 in that case.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, TypeVar

from sqlalchemy import func, select

from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.domain import agenda as agenda_rules
from gmassist.domain import board as board_rules
from gmassist.domain import followups as followup_rules
from gmassist.domain import inbox as inbox_rules
from gmassist.domain.brief import (
    AgendaDay,
    AgendaEntry,
    BoardEntry,
    BriefData,
    ConflictEntry,
    DepartmentRow,
    DocumentEntry,
    FollowUpEntry,
    Meeting,
    MilestoneEntry,
    Numbers,
    PreviousBrief,
    Resolution,
    Shown,
    parse_week,
    render,
    week_of,
)
from gmassist.store.models import Card, Department, Document, Event, FollowUp, Link, Meta, Person, table_of
from gmassist.store.store import Store

MASKED = "🔒"
"""Shown for the name of a confidential person or department when confidential items are left out."""
META_PREFIX = "brief:"
"""Meta keys of remembered briefs: "brief:2026-W48"."""
LOOKBACK_DAYS = 60
"""A single event is looked for from this many days before the window (a trip that began earlier)."""
MILESTONES_SHOWN = 3
"""Next milestones listed per project."""
_IN_CHUNK = 500
"""Ids per SQL IN (...) list, well under SQLite's variable limit."""

_CLOSED = sorted(status.value for status in followup_rules.CLOSED)
_FINISHED = sorted([followup_rules.Status.DONE.value, followup_rules.Status.VERIFIED.value])

T = TypeVar("T")


# --- reading rows ------------------------------------------------------------------------------------------


def _read(store: Store, query: Any) -> list[dict[str, Any]]:
    """Rows of a Core select as dicts (sealed values left as they are)."""
    with store.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def _chunks(ids: Iterable[str]) -> list[list[str]]:
    wanted = sorted(set(ids))
    return [wanted[i : i + _IN_CHUNK] for i in range(0, len(wanted), _IN_CHUNK)]


class _Reader:
    """Reads rows for one brief: opens confidential ones only when they are included, and keeps the
    (table, id) of every confidential item left out, so the brief can say how many there were."""

    def __init__(self, store: Store, include_confidential: bool) -> None:
        self.store = store
        self.include = include_confidential
        self.hidden: set[tuple[str, str]] = set()
        """(table, id) of the confidential items left out of the brief."""

    def hides(self, table: str, row_id: str, confidential: bool) -> bool:
        """Whether the item is confidential and left out (then noted)."""
        if confidential and not self.include:
            self.hidden.add((table, row_id))
            return True
        return False

    def shown(self, table: str, row: Mapping[str, Any]) -> dict[str, Any] | None:
        """The row with sealed values opened, or None when it is confidential and left out (noted)."""
        if not row.get("confidential"):
            return dict(row)
        if not self.include:
            self.hidden.add((table, str(row["id"])))
            return None
        return self.store.reveal_row(table, dict(row))

    def names(self, model: type[Person] | type[Department], ids: Iterable[str | None]) -> dict[str, str]:
        """Names of people or departments by id; 🔒 for a confidential one left out."""
        table = table_of(model)
        names: dict[str, str] = {}
        for chunk in _chunks(i for i in ids if i):
            query = select(table.c.id, table.c.name, table.c.confidential).where(table.c.id.in_(chunk))
            for row in _read(self.store, query):
                values = self.shown(table.name, row)
                names[row["id"]] = MASKED if values is None else str(values["name"])
        return names


# --- weeks and days --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    """The days and instants one brief covers, in the brief's zone."""

    zone: tzinfo
    monday: date
    as_of: date

    def start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone)

    @property
    def week_start(self) -> datetime:
        return self.start_of(self.monday)

    @property
    def next_start(self) -> datetime:
        return self.start_of(self.monday + timedelta(days=7))

    @property
    def next_end(self) -> datetime:
        return self.start_of(self.monday + timedelta(days=14))

    @property
    def next_days(self) -> list[date]:
        return [self.monday + timedelta(days=7 + i) for i in range(7)]


def _zone_name(now: datetime) -> str:
    zone = now.tzinfo
    return str(getattr(zone, "key", None) or now.tzname() or "UTC")


def _touches(start: datetime, end: datetime, lo: datetime, hi: datetime) -> bool:
    """Whether [start, end) touches [lo, hi); a zero-length event counts at its instant."""
    if end > start:
        return start < hi and end > lo
    return lo <= start < hi


# --- the agenda ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _EventRow:
    """An event row as the agenda's rules read it (satisfies domain.agenda.EventLike)."""

    id: str
    title: str
    kind: str
    start: datetime
    end: datetime
    start_tz: str
    end_tz: str
    all_day: bool
    location: str
    rrule: str | None
    exdates: str
    series_id: str | None
    recurrence_id: datetime | None
    confidential: bool


_EVENT_COLUMNS = (
    "id",
    "title",
    "kind",
    "start",
    "end",
    "start_tz",
    "end_tz",
    "all_day",
    "location",
    "rrule",
    "exdates",
    "series_id",
    "recurrence_id",
    "confidential",
)


def _event_rows(store: Store, window_start: datetime, window_end: datetime) -> list[dict[str, Any]]:
    """The rows that may have an occurrence in the window: single events and overrides by the start
    index, every series that began before the window ends, and those series' overrides that moved an
    occurrence out of the window (they still remove the original), by the series index."""
    table = table_of(Event)
    columns = [table.c[name] for name in _EVENT_COLUMNS]
    slack = timedelta(days=2)
    singles = select(*columns).where(
        table.c.start >= window_start - timedelta(days=LOOKBACK_DAYS),
        table.c.start < window_end + slack,
        table.c.rrule.is_(None),
    )
    series = select(*columns).where(table.c.start < window_end + slack, table.c.rrule.is_not(None))
    found: dict[str, dict[str, Any]] = {}
    for query in (singles, series):
        for row in _read(store, query):
            found.setdefault(row["id"], row)
    series_ids = [key for key, row in found.items() if row["rrule"]]
    for chunk in _chunks(series_ids):
        moved = select(*columns).where(
            table.c.series_id.in_(chunk),
            table.c.recurrence_id >= window_start - slack,
            table.c.recurrence_id < window_end + slack,
        )
        for row in _read(store, moved):
            found.setdefault(row["id"], row)
    return [found[key] for key in sorted(found)]


def _occurrences(
    store: Store, reader: _Reader, window_start: datetime, window_end: datetime
) -> tuple[list[agenda_rules.Occurrence], dict[str, dict[str, Any]]]:
    """Every occurrence in the window (confidential ones too, titles sealed unless included) and the
    rows they came from, by id."""
    rows: dict[str, dict[str, Any]] = {}
    events = []
    for raw in _event_rows(store, window_start, window_end):
        values = store.reveal_row("event", raw) if raw["confidential"] and reader.include else raw
        rows[raw["id"]] = values
        events.append(_EventRow(**{name: values[name] for name in _EVENT_COLUMNS}))
    skipped: list[str] = []
    occurrences = agenda_rules.expand(
        events, window_start, window_end, on_error=lambda event, _error: skipped.append(event.id)
    )
    return occurrences, rows


def _entry(
    occurrence: agenda_rules.Occurrence,
    rows: Mapping[str, Mapping[str, Any]],
    zone: tzinfo,
    conflicted: set[tuple[str, datetime]],
) -> AgendaEntry:
    row = rows.get(occurrence.event_id, {})
    return AgendaEntry(
        start=occurrence.start.astimezone(zone),
        end=occurrence.end.astimezone(zone),
        all_day=occurrence.all_day,
        title=str(row.get("title", occurrence.title)),
        kind=occurrence.kind,
        location=str(row.get("location") or ""),
        confidential=occurrence.confidential,
        conflict=occurrence.key in conflicted,
    )


def _agenda(
    period: _Period,
    occurrences: Sequence[agenda_rules.Occurrence],
    rows: Mapping[str, Mapping[str, Any]],
    reader: _Reader,
    conflicted: set[tuple[str, datetime]],
) -> tuple[tuple[AgendaDay, ...], int]:
    days = []
    hidden: set[str] = set()
    for day in period.next_days:
        lo, hi = period.start_of(day), period.start_of(day + timedelta(days=1))
        entries = []
        for occurrence in occurrences:
            if not _touches(occurrence.start, occurrence.end, lo, hi):
                continue
            if occurrence.confidential and not reader.include:
                hidden.add(occurrence.event_id)
                reader.hidden.add(("event", occurrence.event_id))
                continue
            entries.append(_entry(occurrence, rows, period.zone, conflicted))
        days.append(AgendaDay(day, tuple(entries)))
    return tuple(days), len(hidden)


def _conflicts(
    conflicts: Sequence[agenda_rules.Conflict],
    rows: Mapping[str, Mapping[str, Any]],
    reader: _Reader,
    zone: tzinfo,
    limit: int,
) -> Shown[ConflictEntry]:
    shown: list[ConflictEntry] = []
    hidden: set[str] = set()
    for conflict in conflicts:
        secret = [o.event_id for o in (conflict.a, conflict.b) if o.confidential]
        if secret and not reader.include:
            hidden.update(secret)
            reader.hidden.update(("event", event_id) for event_id in secret)
            continue
        minutes = conflict.overlap_minutes if conflict.kind == "overlap" else conflict.gap_minutes
        shown.append(
            ConflictEntry(
                _entry(conflict.a, rows, zone, set()),
                _entry(conflict.b, rows, zone, set()),
                conflict.kind,
                minutes,
            )
        )
    return _limited(shown, limit, len(hidden))


# --- meetings and their resolutions ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    """A resolution of an event, with when it was made (to place a series' resolution on the right
    occurrence)."""

    event_id: str
    made: datetime
    sort_key: tuple[Any, ...]
    resolution: Resolution | None
    """None when it is confidential and left out."""


_FOLLOWUP_COLUMNS = (
    "id",
    "title",
    "status",
    "due",
    "next_check_in",
    "done_at",
    "created",
    "owner_id",
    "department_id",
    "priority",
    "confidential",
    "source_kind",
    "source_id",
)


def _followup_resolution(values: Mapping[str, Any], owners: Mapping[str, str]) -> Resolution:
    return Resolution(
        kind="followup",
        title=str(values["title"]),
        status=str(values["status"]),
        owner=owners.get(values["owner_id"] or "", ""),
        due=values["due"],
        confidential=bool(values["confidential"]),
    )


def _resolutions(store: Store, reader: _Reader, event_ids: Sequence[str]) -> list[_Candidate]:
    """Follow-ups whose source is one of the events (source_kind "meeting"), and follow-ups or documents
    linked to one as its resolution."""
    fu, link, doc = table_of(FollowUp), table_of(Link), table_of(Document)
    rows: list[tuple[str, datetime, str, dict[str, Any]]] = []
    """(event id, when it became a resolution, table, row)."""
    linked: list[tuple[str, datetime, str, str]] = []
    for chunk in _chunks(event_ids):
        query = select(*(fu.c[name] for name in _FOLLOWUP_COLUMNS)).where(
            fu.c.source_kind == "meeting", fu.c.source_id.in_(chunk), fu.c.rrule.is_(None)
        )
        rows += [(row["source_id"], row["created"], "followup", row) for row in _read(store, query)]
        for mine, other in (("a", "b"), ("b", "a")):
            query = select(
                link.c[f"{mine}_id"], link.c[f"{other}_kind"], link.c[f"{other}_id"], link.c.created
            )
            query = query.where(
                link.c[f"{mine}_kind"] == Event.__kind__,
                link.c[f"{mine}_id"].in_(chunk),
                link.c.relation == "resolution",
            )
            for row in _read(store, query):
                linked.append((row[f"{mine}_id"], row["created"], row[f"{other}_kind"], row[f"{other}_id"]))
    targets: dict[str, list[tuple[str, datetime, str]]] = {}
    for event_id, made, kind, target_id in linked:
        targets.setdefault(kind, []).append((event_id, made, target_id))
    for kind, model, columns in (
        ("followup", FollowUp, [fu.c[name] for name in _FOLLOWUP_COLUMNS]),
        ("document", Document, [doc.c.id, doc.c.title, doc.c.number, doc.c.state, doc.c.confidential]),
    ):
        wanted = targets.get(kind, [])
        table = table_of(model)
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(target_id for _e, _m, target_id in wanted):
            found.update(
                (row["id"], row) for row in _read(store, select(*columns).where(table.c.id.in_(chunk)))
            )
        rows += [(event_id, made, kind, found[t]) for event_id, made, t in wanted if t in found]

    owners = reader.names(Person, (row.get("owner_id") for _e, _m, kind, row in rows if kind == "followup"))
    seen: set[tuple[str, str, str]] = set()
    out = []
    for event_id, made, kind, row in rows:
        if (event_id, kind, row["id"]) in seen:
            continue
        seen.add((event_id, kind, row["id"]))
        values = reader.shown(kind, row)
        resolution = None
        if values is not None and kind == "followup":
            resolution = _followup_resolution(values, owners)
        elif values is not None:
            resolution = Resolution(
                "document",
                str(values["title"]),
                str(values["state"]),
                str(values["number"] or ""),
                confidential=bool(values["confidential"]),
            )
        due = row.get("due") or date.max
        out.append(_Candidate(event_id, made, (due, made, kind, row["id"]), resolution))
    return out


def _meetings(
    period: _Period,
    occurrences: Sequence[agenda_rules.Occurrence],
    rows: Mapping[str, Mapping[str, Any]],
    store: Store,
    reader: _Reader,
    limit: int,
) -> tuple[Shown[Meeting], int]:
    """The week's meetings (and any other event of the week with resolutions), with their resolutions,
    and how many meetings there were (confidential ones too).

    A resolution of a series belongs to the occurrence it was made at or after, before the next one."""
    week = [o for o in occurrences if period.week_start <= o.start < period.next_start]
    candidates = _resolutions(store, reader, sorted({o.event_id for o in week}))
    by_event: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        by_event.setdefault(candidate.event_id, []).append(candidate)
    later_starts: dict[str, list[datetime]] = {}
    for occurrence in occurrences:
        later_starts.setdefault(occurrence.event_id, []).append(occurrence.start)

    meetings: list[Meeting] = []
    hidden_meetings: set[str] = set()
    count = 0
    for occurrence in week:
        mine = by_event.get(occurrence.event_id, [])
        if occurrence.series_id is not None and not occurrence.is_override:
            following = [s for s in later_starts[occurrence.event_id] if s > occurrence.start]
            until = min(following) if following else datetime.max.replace(tzinfo=occurrence.start.tzinfo)
            mine = [c for c in mine if occurrence.start <= c.made < until]
        if occurrence.kind != "meeting" and not mine:
            continue
        count += 1
        if occurrence.confidential and not reader.include:
            hidden_meetings.add(occurrence.event_id)
            reader.hidden.add(("event", occurrence.event_id))
            continue
        mine = sorted(mine, key=lambda c: c.sort_key)
        shown = tuple(c.resolution for c in mine if c.resolution is not None)
        entry = _entry(occurrence, rows, period.zone, set())
        meetings.append(
            Meeting(
                start=entry.start,
                end=entry.end,
                all_day=entry.all_day,
                title=entry.title,
                location=entry.location,
                confidential=entry.confidential,
                resolutions=Shown(shown, hidden=len(mine) - len(shown)),
            )
        )
    return _limited(meetings, limit, len(hidden_meetings)), count


# --- follow-ups --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FollowUpRow:
    """A follow-up row as the follow-up rules read it (satisfies domain.followups.FollowUpLike)."""

    id: str
    title: str
    status: str
    due: date | None
    next_check_in: date | None
    done_at: datetime | None
    created: datetime
    owner_id: str | None
    department_id: str | None
    priority: int
    confidential: bool


def _followup_rows(
    store: Store, period: _Period
) -> tuple[list[_FollowUpRow], list[_FollowUpRow], list[_FollowUpRow]]:
    """(finished in the week up to the as-of day, unfinished and due before the as-of day, unfinished and
    due next week), by SQL on the status and due indexes; series templates (rows with a rule) are left
    out: nothing is due on them."""
    table = table_of(FollowUp)
    columns = [table.c[name] for name in _FOLLOWUP_COLUMNS if name not in ("source_kind", "source_id")]
    finished = select(*columns).where(
        table.c.status.in_(_FINISHED),
        table.c.done_at >= period.week_start,
        table.c.done_at < period.start_of(period.as_of + timedelta(days=1)),
        table.c.rrule.is_(None),
    )
    late = select(*columns).where(
        table.c.due < period.as_of, table.c.status.not_in(_CLOSED), table.c.rrule.is_(None)
    )
    coming = select(*columns).where(
        table.c.due >= period.monday + timedelta(days=7),
        table.c.due <= period.monday + timedelta(days=13),
        table.c.status.not_in(_CLOSED),
        table.c.rrule.is_(None),
    )

    def build(query: Any) -> list[_FollowUpRow]:
        with store.engine.connect() as connection:
            return [_FollowUpRow(*row) for row in connection.execute(query).all()]

    return build(finished), build(late), build(coming)


def _department_rows(
    scores: Sequence[followup_rules.DeptScore],
    escalated: Mapping[str | None, int],
    coming: Mapping[str | None, int],
    names: Mapping[str, str],
) -> tuple[list[DepartmentRow], dict[str | None, int]]:
    """The scorecard's departments in its ranking, then those with only coming work by name; and each
    department's place in that order."""
    order: list[str | None] = [score.department for score in scores]
    rest = sorted(
        (dept for dept in coming if dept not in set(order)),
        key=lambda dept: (dept is None, names.get(dept or "", ""), dept or ""),
    )
    by_dept = {score.department: score for score in scores}
    rows = []
    for dept in [*order, *rest]:
        score = by_dept.get(dept)
        rows.append(
            DepartmentRow(
                department=names.get(dept or "", ""),
                done=score.done if score else 0,
                on_time=score.on_time if score else 0,
                late=score.late if score else 0,
                rate=score.rate if score else None,
                overdue=score.overdue if score else 0,
                escalated=escalated.get(dept, 0),
                due_next_week=coming.get(dept, 0),
            )
        )
    return rows, {dept: index for index, dept in enumerate([*order, *rest])}


def _per_department(
    rows: Sequence[_FollowUpRow],
    key: Callable[[_FollowUpRow], tuple[Any, ...]],
    rank: Mapping[str | None, int],
    reader: _Reader,
    entry: Callable[[_FollowUpRow], FollowUpEntry],
    per_department: int,
) -> Shown[FollowUpEntry]:
    """Rows by department (in `rank` order) then `key`; at most `per_department` shown per department."""
    ordered = sorted(rows, key=lambda row: (rank.get(row.department_id, len(rank)), *key(row), row.id))
    shown: list[FollowUpEntry] = []
    counts: dict[str | None, int] = {}
    hidden = more = 0
    for row in ordered:
        if reader.hides("followup", row.id, row.confidential):
            hidden += 1
            continue
        counts[row.department_id] = counts.get(row.department_id, 0) + 1
        if counts[row.department_id] > per_department:
            more += 1
            continue
        shown.append(entry(row))
    return Shown(tuple(shown), hidden=hidden, more=more)


def _limited(items: Sequence[T], limit: int, hidden: int) -> Shown[T]:
    return Shown(tuple(items[:limit]), hidden=hidden, more=max(len(items) - limit, 0))


@dataclass
class _FollowUps:
    """The follow-up parts of the brief and their numbers."""

    departments: tuple[DepartmentRow, ...]
    completed: Shown[FollowUpEntry]
    overdue: Shown[FollowUpEntry]
    due_next_week: Shown[FollowUpEntry]
    escalated: Shown[FollowUpEntry]
    numbers: dict[str, int]


def _followups(
    store: Store, reader: _Reader, period: _Period, settings: Settings, per_department: int, limit: int
) -> _FollowUps:
    as_of = period.as_of
    rules = settings.followups
    finished, late, coming = _followup_rows(store, period)
    overdue = [row for row in late if followup_rules.is_overdue(row, as_of)]
    level = {row.id: followup_rules.escalation_level(row, as_of, rules) for row in overdue}
    escalated = [row for row in overdue if level[row.id] == followup_rules.Escalation.ESCALATED]

    scores = followup_rules.scorecard([*finished, *overdue], period.monday, as_of, period.zone)
    departments = reader.names(
        Department, [*(s.department for s in scores), *(row.department_id for row in coming)]
    )
    escalated_by: dict[str | None, int] = {}
    for row in escalated:
        escalated_by[row.department_id] = escalated_by.get(row.department_id, 0) + 1
    coming_by: dict[str | None, int] = {}
    for row in coming:
        coming_by[row.department_id] = coming_by.get(row.department_id, 0) + 1
    dept_rows, rank = _department_rows(scores, escalated_by, coming_by, departments)

    listed = [*finished, *overdue, *coming]
    owners = reader.names(Person, (row.owner_id for row in listed))

    def entry(row: _FollowUpRow) -> FollowUpEntry:
        title = row.title
        if row.confidential:
            title = str(reader.store.reveal("followup", "title", row.id, title))
        return FollowUpEntry(
            title=title,
            department=departments.get(row.department_id or "", ""),
            owner=owners.get(row.owner_id or "", ""),
            due=row.due,
            status=row.status,
            escalation=int(level.get(row.id, followup_rules.escalation_level(row, as_of, rules))),
            days_overdue=followup_rules.days_overdue(row, as_of),
            done_on=row.done_at.astimezone(period.zone).date() if row.done_at else None,
            confidential=row.confidential,
        )

    def urgency(row: _FollowUpRow) -> tuple[Any, ...]:
        return followup_rules.urgency_key(row, as_of, rules)

    escalated_shown = [row for row in escalated if not reader.hides("followup", row.id, row.confidential)]
    escalated_shown.sort(key=lambda row: (*urgency(row), row.id))
    return _FollowUps(
        departments=tuple(dept_rows),
        completed=_per_department(
            finished, lambda row: (row.done_at or period.week_start,), rank, reader, entry, per_department
        ),
        overdue=_per_department(overdue, urgency, rank, reader, entry, per_department),
        due_next_week=_per_department(
            coming, lambda row: (row.due or date.max, row.priority), rank, reader, entry, per_department
        ),
        escalated=Shown(
            tuple(entry(row) for row in escalated_shown[:limit]),
            hidden=len(escalated) - len(escalated_shown),
            more=max(len(escalated_shown) - limit, 0),
        ),
        numbers={
            "followups_done": len(finished),
            "followups_overdue": len(overdue),
            "followups_escalated": len(escalated),
            "followups_due_next_week": len(coming),
        },
    )


# --- documents -----------------------------------------------------------------------------------------------


def _documents(
    store: Store, reader: _Reader, now: datetime, zone: tzinfo, settings: Settings, limit: int
) -> tuple[Shown[DocumentEntry], int]:
    """Documents waiting on the manager (domain.inbox.WAITING_ON_MANAGER: submitted for his
    instruction), longest-waiting first, and how many there are."""
    table = table_of(Document)
    states = sorted(state.value for state in inbox_rules.WAITING_ON_MANAGER)
    waiting = table.c.state.in_(states)
    with store.engine.connect() as connection:
        total = int(connection.execute(select(func.count()).select_from(table).where(waiting)).scalar_one())
        secret = []
        if not reader.include:
            secret = [
                row.id
                for row in connection.execute(
                    select(table.c.id).where(waiting, table.c.confidential.is_(True))
                )
            ]
    reader.hidden.update(("document", doc_id) for doc_id in secret)
    columns = [
        table.c[name]
        for name in (
            "id",
            "title",
            "number",
            "sender",
            "urgency",
            "state",
            "state_since",
            "reply_by",
            "confidential",
        )
    ]
    query = select(*columns).where(waiting)
    if not reader.include:
        query = query.where(table.c.confidential.is_(False))
    query = query.order_by(table.c.state_since, table.c.id).limit(limit)
    entries = []
    for row in _read(store, query):
        values = reader.shown("document", row)
        assert values is not None
        entries.append(
            DocumentEntry(
                title=str(values["title"]),
                number=str(values["number"] or ""),
                sender=str(values["sender"] or ""),
                urgency=str(values["urgency"]),
                since=row["state_since"].astimezone(zone),
                days_waiting=inbox_rules.time_in_state(row["state_since"], now).days,
                reply_by=row["reply_by"],
                stale=inbox_rules.is_waiting_too_long(
                    row["state"], row["state_since"], now, settings.inbox.stale_days
                ),
                confidential=bool(row["confidential"]),
            )
        )
    more = total - len(secret) - len(entries)
    return Shown(tuple(entries), hidden=len(secret), more=more), total


# --- projects -----------------------------------------------------------------------------------------------


def _milestones(store: Store, reader: _Reader, board_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Milestone cards not archived of the given boards, sealed ones opened only when included."""
    card = table_of(Card)
    found: dict[str, list[dict[str, Any]]] = {}
    columns = [card.c[n] for n in ("id", "board_id", "seq", "title", "column_id", "due", "confidential")]
    for chunk in _chunks(board_ids):
        query = select(*columns).where(
            card.c.board_id.in_(chunk), card.c.milestone.is_(True), card.c.archived.is_(False)
        )
        for row in _read(store, query):
            found.setdefault(row["board_id"], []).append(row)
    return found


def _boards(
    store: Store, reader: _Reader, as_of: date, limit: int
) -> tuple[Shown[BoardEntry], Shown[BoardEntry], dict[str, int]]:
    """Active boards with health, progress and next milestones (services.board.list_boards, with
    domain.board.summarize), the red ones, and their numbers."""
    from gmassist.services.board import list_boards
    from gmassist.store.models import BoardColumn

    overviews = list_boards(store, as_of)
    column = table_of(BoardColumn)
    done_columns = {row["id"] for row in _read(store, select(column.c.id).where(column.c.is_done.is_(True)))}
    milestones = _milestones(store, reader, [o.board.id for o in overviews])
    entries: list[BoardEntry] = []
    red: list[BoardEntry] = []
    hidden = hidden_red = 0
    """Confidential boards, and confidential milestone cards of boards that are shown."""
    for overview in overviews:
        info, summary = overview.board, overview.summary
        is_red = summary.status == board_rules.Health.RED
        if info.confidential and not reader.include:
            reader.hidden.add(("board", info.id))
            hidden += 1
            hidden_red += is_red
            continue
        upcoming = []
        for row in milestones.get(info.id, []):
            if row["column_id"] in done_columns or row["due"] is None:
                continue
            values = reader.shown("card", row)
            if values is None:
                hidden += 1
                continue
            title = f"{board_rules.short_id(info.code, row['seq'])} {values['title']}"
            upcoming.append(
                MilestoneEntry(
                    row["due"], title, overdue=row["due"] < as_of, confidential=bool(row["confidential"])
                )
            )
        if info.event_date is not None and info.event_date >= as_of:
            upcoming.append(MilestoneEntry(info.event_date, "", event_day=True))
        upcoming.sort(key=lambda m: (m.day, m.event_day, m.title))
        entry = BoardEntry(
            code=info.code,
            name=info.name,
            kind=info.kind,
            status=summary.status.value,
            set_by_hand=summary.set_by_hand,
            done=summary.done,
            total=summary.total,
            overdue=summary.overdue,
            milestones=tuple(upcoming[:MILESTONES_SHOWN]),
            confidential=info.confidential,
        )
        entries.append(entry)
        if is_red:
            red.append(entry)
    numbers = {
        "boards_red": sum(o.summary.status == board_rules.Health.RED for o in overviews),
        "boards_active": len(overviews),
    }
    return _limited(entries, limit, hidden), _limited(red, limit, hidden_red), numbers


# --- remembered briefs ---------------------------------------------------------------------------------------


def _meta_key(week: str) -> str:
    return f"{META_PREFIX}{week}"


def previous_brief(store: Store, week: str, zone: tzinfo | None = None) -> PreviousBrief | None:
    """The latest brief remembered for a week before `week`, or None."""
    meta = table_of(Meta)
    query = (
        select(meta.c.key, meta.c.value)
        .where(meta.c.key.like(f"{META_PREFIX}%"), meta.c.key < _meta_key(week))
        .order_by(meta.c.key.desc())
        .limit(10)
    )
    for row in _read(store, query):
        try:
            value = json.loads(row["value"])
            numbers = {str(k): int(v) for k, v in dict(value["numbers"]).items()}
            recorded = datetime.fromisoformat(value["recorded"]) if value.get("recorded") else None
        except (ValueError, TypeError, KeyError):
            continue  # an unreadable row: look further back
        if recorded is not None and zone is not None:
            recorded = recorded.astimezone(zone)
        return PreviousBrief(row["key"].removeprefix(META_PREFIX), numbers, recorded)
    return None


def remember(store: Store, data: BriefData) -> None:
    """Keep the brief's numbers under its week (one undoable action; the same week is overwritten)."""
    value = json.dumps(
        {"week": data.week, "recorded": data.generated.isoformat(), "numbers": data.numbers.as_dict()},
        sort_keys=True,
    )
    with store.action("brief.remember") as session:
        session.merge(Meta(key=_meta_key(data.week), value=value))


# --- the whole brief ------------------------------------------------------------------------------------------


def gather(
    store: Store,
    clock: Clock,
    *,
    week: str | None = None,
    include_confidential: bool = False,
    settings: Settings | None = None,
    max_rows: int = 20,
    per_department: int = 5,
) -> BriefData:
    """Read everything the brief of `week` (default: the clock's ISO week) shows.

    Times are in the clock's zone. Overdue and escalation are judged on the as-of day: today, or the
    week's Sunday when the week is over (statuses are today's). Lists are cut to `max_rows` rows
    (follow-up lists to `per_department` rows per department); the numbers count everything.
    With `include_confidential` the confidential key must be unlocked (Locked otherwise).
    """
    settings = settings or Settings()
    if include_confidential:
        store.confidential_key()  # raises Locked with the reason
    now = clock.now()
    zone = now.tzinfo
    assert zone is not None
    week = week or week_of(now.date())
    monday, sunday = parse_week(week)
    week = week_of(monday)
    period = _Period(zone, monday, min(now.date(), sunday))
    reader = _Reader(store, include_confidential)

    occurrences, rows = _occurrences(store, reader, period.week_start, period.next_end)
    next_week = [o for o in occurrences if _touches(o.start, o.end, period.next_start, period.next_end)]
    conflicts = agenda_rules.find_conflicts(
        next_week,
        buffer=timedelta(minutes=settings.agenda.buffer_minutes),
        travel_buffer=timedelta(minutes=settings.agenda.travel_buffer_minutes),
    )
    conflicted = {
        o.key
        for c in conflicts
        if include_confidential or not (c.a.confidential or c.b.confidential)
        for o in (c.a, c.b)
    }
    agenda, agenda_hidden = _agenda(period, next_week, rows, reader, conflicted)
    meetings, meeting_count = _meetings(period, occurrences, rows, store, reader, max_rows)
    followups = _followups(store, reader, period, settings, per_department, max_rows)
    documents, awaiting = _documents(store, reader, now, zone, settings, max_rows)
    boards, red_boards, board_numbers = _boards(store, reader, period.as_of, max_rows)

    numbers = Numbers(
        meetings=meeting_count,
        events_next_week=len(next_week),
        conflicts_next_week=len(conflicts),
        documents_awaiting=awaiting,
        **followups.numbers,
        **board_numbers,
    )
    return BriefData(
        week=week,
        monday=monday,
        generated=now,
        as_of=period.as_of,
        zone=_zone_name(now),
        numbers=numbers,
        previous=previous_brief(store, week, zone),
        agenda=agenda,
        agenda_hidden=agenda_hidden,
        meetings=meetings,
        departments=followups.departments,
        completed=followups.completed,
        overdue=followups.overdue,
        due_next_week=followups.due_next_week,
        documents=documents,
        boards=boards,
        escalated=followups.escalated,
        red_boards=red_boards,
        conflicts=_conflicts(conflicts, rows, reader, zone, max_rows),
        hidden_total=len(reader.hidden),
    )


def make(
    store: Store,
    clock: Clock,
    lang: str,
    *,
    week: str | None = None,
    include_confidential: bool = False,
    template_text: str | None = None,
    settings: Settings | None = None,
) -> tuple[BriefData, str]:
    """The brief's data and its Markdown in `lang`."""
    data = gather(store, clock, week=week, include_confidential=include_confidential, settings=settings)
    return data, render(data, lang, template_text)


def brief_for_app(
    store: Store,
    clock: Clock,
    lang: str,
    *,
    include_confidential: bool = False,
    template_text: str | None = None,
    settings: Settings | None = None,
) -> str:
    """This week's brief as Markdown, for the TUI (run it in a thread worker: it reads the store).

    Confidential items are only counted unless `include_confidential` (which needs them unlocked).
    Nothing is remembered: the numbers are kept when the brief is exported or marked sent.
    """
    return make(
        store,
        clock,
        lang,
        include_confidential=include_confidential,
        template_text=template_text,
        settings=settings,
    )[1]


__all__ = [
    "MASKED",
    "brief_for_app",
    "gather",
    "make",
    "previous_brief",
    "remember",
]
