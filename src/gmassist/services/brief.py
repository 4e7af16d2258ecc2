"""周报: gathering the weekly brief from the store, remembering its numbers, and the use cases the command
line and the TUI share (`make`, `brief_for_app`).

Nothing is loaded whole. Events come from `services.agenda.occurrences` (the agenda's own loader and
cache: series expanded, overrides and EXDATEs applied), boards from `services.board.list_boards`; the
rest are SQLAlchemy Core selects filtered in SQL on indexed columns (followup.due and status,
document.state, the link indexes), reading only the follow-ups finished this week, overdue or due next
week, and the documents waiting for the manager. The rules (conflicts, overdue and escalation, the
scorecard, board health, whose move a document waits on) are the domain's; this module feeds them rows.

Confidential rows are counted but never opened unless confidential items are included, whatever the
lock state (the TUI may be unlocked while it makes a brief without them). Names of confidential people
and departments are then shown as 🔒.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
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
from gmassist.services import agenda as agenda_service
from gmassist.store.models import (
    Card,
    Department,
    Document,
    Event,
    FollowUp,
    Link,
    Meta,
    Person,
    not_confidential,
    table_of,
)
from gmassist.store.store import Store

MASKED = "🔒"
"""Shown for the name of a confidential person or department when confidential items are left out."""
META_PREFIX = "brief:"
"""Meta keys of remembered briefs: "brief:2026-W48"."""
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


_NOT_READ = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _FollowUpRow:
    """A follow-up row as the follow-up rules read it (satisfies domain.followups.FollowUpLike)."""

    id: str
    title: str
    status: str
    due: date | None
    done_at: datetime | None
    owner_id: str | None
    department_id: str | None
    priority: int
    confidential: bool
    next_check_in: date | None = None
    """Not read: the brief judges no check-ins (and staleness), which are all these two are for."""
    created: datetime = _NOT_READ
    """Not read, as above (reading it costs a third of the time of the follow-up queries)."""


_FOLLOWUP_COLUMNS = tuple(
    f.name for f in dataclasses.fields(_FollowUpRow) if f.name not in ("next_check_in", "created")
)
"""The follow-up columns read, in _FollowUpRow's order (rows are built by position: it is faster)."""


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


def _touches(start: datetime, end: datetime, lo: datetime, hi: datetime) -> bool:
    """Whether [start, end) touches [lo, hi); a zero-length event counts at its instant."""
    if end > start:
        return start < hi and end > lo
    return lo <= start < hi


# --- the agenda ------------------------------------------------------------------------------------------

_Texts = Mapping[str, tuple[str, str]]
"""(title, location) of event rows by id."""


def _occurrences(
    store: Store, start: datetime, end: datetime
) -> tuple[list[agenda_rules.Occurrence], _Texts]:
    """Every occurrence in [start, end) (services.agenda: series expanded, overrides and EXDATEs applied,
    confidential ones too) and the title and location of the rows behind them."""
    occurrences = agenda_service.occurrences(store, start, end)
    rows = agenda_service.rows_for(store, occurrences)
    return occurrences, {key: (row.title, row.location) for key, row in rows.items()}


def _entry(
    occurrence: agenda_rules.Occurrence,
    texts: _Texts,
    zone: tzinfo,
    conflicted: set[tuple[str, datetime]],
) -> AgendaEntry:
    title, location = texts.get(occurrence.event_id, (occurrence.title, ""))
    return AgendaEntry(
        start=occurrence.start.astimezone(zone),
        end=occurrence.end.astimezone(zone),
        all_day=occurrence.all_day,
        title=title,
        kind=occurrence.kind,
        location=location,
        confidential=occurrence.confidential,
        conflict=occurrence.key in conflicted,
    )


def _agenda(
    period: _Period,
    occurrences: Sequence[agenda_rules.Occurrence],
    texts: _Texts,
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
            if reader.hides("event", occurrence.event_id, occurrence.confidential):
                hidden.add(occurrence.event_id)
                continue
            entries.append(_entry(occurrence, texts, period.zone, conflicted))
        days.append(AgendaDay(day, tuple(entries)))
    return tuple(days), len(hidden)


def _conflicts(
    conflicts: Sequence[agenda_rules.Conflict], texts: _Texts, reader: _Reader, zone: tzinfo, limit: int
) -> Shown[ConflictEntry]:
    shown: list[ConflictEntry] = []
    hidden: set[str] = set()
    for conflict in conflicts:
        secret = [
            o.event_id for o in (conflict.a, conflict.b) if reader.hides("event", o.event_id, o.confidential)
        ]
        if secret:
            hidden.update(secret)
            continue
        minutes = conflict.overlap_minutes if conflict.kind == "overlap" else conflict.gap_minutes
        first, second = (_entry(o, texts, zone, set()) for o in (conflict.a, conflict.b))
        shown.append(ConflictEntry(first, second, conflict.kind, minutes))
    return _limited(shown, limit, len(hidden))


# --- meetings and their resolutions ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    """A resolution of a meeting (the single event or the series), with what places it on one sitting."""

    source: str
    """The meeting's event id: the single event or the series (an override's resolutions are its series')."""
    sitting: datetime | None
    """The original start (UTC) of the sitting whose minutes link it, when they do."""
    made: datetime
    """When it became a resolution (the follow-up or the link was made)."""
    sort_key: tuple[Any, ...]
    resolution: Resolution | None
    """None when it is confidential and left out."""


_DOCUMENT_COLUMNS = ("id", "title", "number", "state", "received", "confidential")


def _linked(store: Store, kind: str, ids: Sequence[str], relation: str) -> list[dict[str, Any]]:
    """Links of `relation` with an item of `kind` among `ids` on either side, as (mine, other_kind,
    other_id, created) dicts; by the link indexes."""
    link = table_of(Link)
    out: list[dict[str, Any]] = []
    for chunk in _chunks(ids):
        for mine, other in (("a", "b"), ("b", "a")):
            query = select(
                link.c[f"{mine}_id"].label("mine"),
                link.c[f"{other}_kind"].label("other_kind"),
                link.c[f"{other}_id"].label("other_id"),
                link.c.created,
            ).where(
                link.c[f"{mine}_kind"] == kind, link.c[f"{mine}_id"].in_(chunk), link.c.relation == relation
            )
            out += _read(store, query)
    return out


def _by_id(
    store: Store, model: type[FollowUp] | type[Document], ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    table = table_of(model)
    names = _FOLLOWUP_COLUMNS if model is FollowUp else _DOCUMENT_COLUMNS
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        query = select(*(table.c[name] for name in names)).where(table.c.id.in_(chunk))
        found.update((row["id"], row) for row in _read(store, query))
    return found


def _resolutions(store: Store, reader: _Reader, sources: Sequence[str]) -> list[_Candidate]:
    """The resolutions of the meetings `sources` (event ids): follow-ups whose source they are
    (source_kind "meeting"), items linked to them as "resolution", and items their minutes (会议纪要,
    linked as "minutes", dated by the sitting they record) link as "resolution"."""
    fu = table_of(FollowUp)
    found: list[tuple[str, datetime | None, datetime, str, str]] = []
    """(source, sitting, made, kind, id)."""
    for chunk in _chunks(sources):
        query = select(fu.c.id, fu.c.source_id, fu.c.created).where(
            fu.c.source_kind == "meeting", fu.c.source_id.in_(chunk), fu.c.rrule.is_(None)
        )
        found += [
            (row["source_id"], None, row["created"], "followup", row["id"]) for row in _read(store, query)
        ]
    for row in _linked(store, Event.__kind__, sources, "resolution"):
        found.append((row["mine"], None, row["created"], row["other_kind"], row["other_id"]))
    minutes = [
        row for row in _linked(store, Event.__kind__, sources, "minutes") if row["other_kind"] == "document"
    ]
    minutes_docs = _by_id(store, Document, (row["other_id"] for row in minutes))
    sitting_of = {
        row["other_id"]: (row["mine"], minutes_docs[row["other_id"]]["received"].astimezone(UTC))
        for row in minutes
        if row["other_id"] in minutes_docs
    }
    for row in _linked(store, Document.__kind__, sorted(sitting_of), "resolution"):
        source, sitting = sitting_of[row["mine"]]
        found.append((source, sitting, row["created"], row["other_kind"], row["other_id"]))

    followups = _by_id(store, FollowUp, (i for _s, _t, _m, kind, i in found if kind == "followup"))
    documents = _by_id(store, Document, (i for _s, _t, _m, kind, i in found if kind == "document"))
    owners = reader.names(Person, (row["owner_id"] for row in followups.values()))
    placed: dict[tuple[str, str, str], _Candidate] = {}
    for source, sitting, made, kind, item_id in sorted(found, key=lambda f: (f[1] is None, f[2], f[3], f[4])):
        item = followups.get(item_id) if kind == "followup" else documents.get(item_id)
        if item is None or (source, kind, item_id) in placed:
            continue  # a link to something else, or to nothing; or already placed by its minutes
        values = reader.shown(kind, item)
        resolution = None
        if values is not None and kind == "followup":
            resolution = Resolution(
                "followup",
                str(values["title"]),
                str(values["status"]),
                owners.get(values["owner_id"] or "", ""),
                values["due"],
                bool(values["confidential"]),
            )
        elif values is not None:
            resolution = Resolution(
                "document",
                str(values["title"]),
                str(values["state"]),
                str(values["number"] or ""),
                confidential=bool(values["confidential"]),
            )
        sort_key = (item.get("due") or date.max, made, kind, item_id)
        placed[(source, kind, item_id)] = _Candidate(source, sitting, made, sort_key, resolution)
    return list(placed.values())


def _meetings(
    period: _Period,
    occurrences: Sequence[agenda_rules.Occurrence],
    texts: _Texts,
    store: Store,
    reader: _Reader,
    limit: int,
) -> tuple[Shown[Meeting], int]:
    """The week's meetings (and any other event of the week with resolutions), with their resolutions,
    and how many meetings there were (confidential ones too).

    A sitting of a series gets the resolutions its minutes link; a resolution of the series that no
    minutes place goes to the sitting it was made at or after, before the next one."""
    week = [o for o in occurrences if period.week_start <= o.start < period.next_start]
    candidates = _resolutions(store, reader, sorted({o.series_id or o.event_id for o in week}))
    by_source: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        by_source.setdefault(candidate.source, []).append(candidate)
    starts: dict[str, list[datetime]] = {}
    for occurrence in occurrences:
        starts.setdefault(occurrence.series_id or occurrence.event_id, []).append(occurrence.start)

    meetings: list[Meeting] = []
    hidden: set[str] = set()
    count = 0
    for occurrence in week:
        source = occurrence.series_id or occurrence.event_id
        mine = by_source.get(source, [])
        if occurrence.series_id is not None:
            following = [start for start in starts[source] if start > occurrence.start]
            until = min(following) if following else datetime.max.replace(tzinfo=UTC)
            sitting = occurrence.original_start.astimezone(UTC)
            mine = [
                c
                for c in mine
                if (c.sitting == sitting if c.sitting is not None else occurrence.start <= c.made < until)
            ]
        if occurrence.kind != "meeting" and not mine:
            continue
        count += 1
        if reader.hides("event", occurrence.event_id, occurrence.confidential):
            hidden.add(occurrence.event_id)
            continue
        mine = sorted(mine, key=lambda c: c.sort_key)
        shown = tuple(c.resolution for c in mine if c.resolution is not None)
        entry = _entry(occurrence, texts, period.zone, set())
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
    return _limited(meetings, limit, len(hidden)), count


# --- follow-ups --------------------------------------------------------------------------------------------


def _followup_rows(
    store: Store, period: _Period
) -> tuple[list[_FollowUpRow], list[_FollowUpRow], list[_FollowUpRow]]:
    """(finished in the week up to the as-of day, unfinished and due before the as-of day, unfinished and
    due next week), by SQL on the status and due indexes; series templates (rows with a rule) are left
    out: nothing is due on them."""
    table = table_of(FollowUp)
    columns = [table.c[name] for name in _FOLLOWUP_COLUMNS]
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
        query = query.where(not_confidential(table))
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

    occurrences, texts = _occurrences(store, period.week_start, period.next_end)
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
    agenda, agenda_hidden = _agenda(period, next_week, texts, reader, conflicted)
    meetings, meeting_count = _meetings(period, occurrences, texts, store, reader, max_rows)
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
        zone=agenda_service.zone_name_of(zone),
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
        conflicts=_conflicts(conflicts, texts, reader, zone, max_rows),
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
