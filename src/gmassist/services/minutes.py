"""会议纪要: a meeting's minutes, its resolutions as follow-ups, and the matters arising at its next sitting.

Minutes are a document (type `minutes`, filed as archived) linked from the meeting by a `minutes` link and
dated by the occurrence they record (`received` = the occurrence's original start), so each sitting of a
recurring meeting has its own. Each resolution is a follow-up whose source is the meeting (the series, for
a recurring one) and which the minutes link to (`resolution`). The next sitting's "matters arising" are
the meeting's follow-ups from earlier sittings that are still with their owners.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from gmassist.domain.followups import CLOSED, Status, status_label
from gmassist.errors import InvalidInput
from gmassist.i18n import _
from gmassist.services import followups as fu

if TYPE_CHECKING:
    from gmassist.config import FollowupSettings
    from gmassist.domain.agenda import Occurrence
    from gmassist.store.models import Event
    from gmassist.store.store import Store

_NEAR = timedelta(days=2)
"""Slack around a window when loading single events and overrides (long events, zone shifts)."""


@dataclass(frozen=True)
class Meeting:
    """One sitting of a meeting: a single event, or one occurrence of a series."""

    event_id: str
    """The single event or the series: the source of its resolutions."""
    occurrence: datetime
    """The original start of this sitting (UTC): which sitting of a series it is."""
    start: datetime
    """When it starts (UTC; an override may have moved it)."""
    title: str
    """Its title, or the masked sign while a confidential meeting is locked."""
    confidential: bool
    recurring: bool
    location: str = ""


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _events_near(store: Store, start: datetime, end: datetime) -> list[Event]:
    """Series, and single events or overrides near [start, end): what `agenda.expand` needs there."""
    from sqlalchemy import and_, or_, select

    from gmassist.store.models import Event, table_of

    table = table_of(Event)
    query = select(Event).where(
        or_(
            table.c.rrule.is_not(None),
            and_(table.c.start < end + _NEAR, table.c.end > start - _NEAR),
            and_(table.c.recurrence_id >= start - _NEAR, table.c.recurrence_id < end + _NEAR),
        )
    )
    with store.read() as session:
        return list(session.execute(query).scalars())


def _meeting(store: Store, occurrence: Occurrence, rows: dict[str, Event]) -> Meeting:
    row = rows[occurrence.event_id]
    return Meeting(
        event_id=occurrence.series_id or occurrence.event_id,
        occurrence=_utc(occurrence.original_start),
        start=_utc(occurrence.start),
        title=store.display(row, "title"),
        confidential=occurrence.confidential,
        recurring=occurrence.series_id is not None,
        location=store.display(row, "location"),
    )


def meetings(store: Store, now: datetime, days_back: int = 30, days_ahead: int = 7) -> list[Meeting]:
    """Meetings from `days_back` days ago to `days_ahead` days ahead, the latest first."""
    from gmassist.domain import agenda

    start, end = now - timedelta(days=days_back), now + timedelta(days=days_ahead)
    rows = _events_near(store, start, end)
    by_id = {row.id: row for row in rows}
    found = agenda.expand(rows, start, end, on_error=lambda _event, _error: None)
    return [
        _meeting(store, occurrence, by_id)
        for occurrence in sorted(found, key=lambda o: o.start, reverse=True)
        if occurrence.kind == "meeting"
    ]


def find_meeting(store: Store, event_id: str, occurrence: datetime | None, now: datetime) -> Meeting:
    """The sitting of event `event_id` that started at `occurrence` (its original start); without one, a
    series' latest sitting that has begun (else its next). InvalidInput when there is no such meeting."""
    from gmassist.domain import agenda
    from gmassist.store.models import Event

    with store.read() as session:
        row = session.get(Event, event_id)
    if row is None:
        raise InvalidInput(_("That meeting no longer exists"), "event")
    if row.series_id and row.recurrence_id is not None:  # an override: its series holds the resolutions
        event_id, occurrence = row.series_id, occurrence or row.recurrence_id
    if occurrence is not None:
        around = occurrence
        lo, hi = around - timedelta(days=1), around + timedelta(days=1)
    else:
        lo, hi = now - timedelta(days=400), now + timedelta(days=400)
    rows = _events_near(store, lo, hi)
    by_id = {r.id: r for r in rows}
    found = [
        o
        for o in agenda.expand(rows, lo, hi, on_error=lambda _event, _error: None)
        if (o.series_id or o.event_id) == event_id
    ]
    if occurrence is not None:
        found = [o for o in found if _utc(o.original_start) == _utc(occurrence)]
    else:
        begun = [o for o in found if o.start <= now]
        found = [max(begun, key=lambda o: o.start)] if begun else sorted(found, key=lambda o: o.start)
    if not found:
        raise InvalidInput(_("That meeting has no sitting then"), "event")
    return _meeting(store, found[0], by_id)


# --- minutes and resolutions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """A follow-up decided at a meeting, as the minutes show it."""

    id: str
    title: str
    status: str
    owner: str
    due: Any
    decided: datetime
    """When it was written down."""

    @property
    def status_text(self) -> str:
        """The status in words."""
        return status_label(self.status)


@dataclass(frozen=True)
class Minutes:
    """What the minutes editor shows for one sitting."""

    meeting: Meeting
    minutes_id: str | None
    """The minutes document (None until saved)."""
    text: str
    resolutions: tuple[Resolution, ...]
    """Decided at this sitting, in the order of the minutes' lines."""
    matters_arising: tuple[Resolution, ...]
    """Decided at earlier sittings of the same meeting and still with their owners."""

    def summary(self) -> str:
        """ "3 resolutions: 1 open, 2 done" in the user's language."""
        return resolution_summary([r.status for r in self.resolutions])


def resolution_summary(statuses: list[str]) -> str:
    """How many resolutions and in which statuses, in one line."""
    if not statuses:
        return _("No resolutions yet")
    counts = Counter(statuses)
    parts = ", ".join(f"{n} {status_label(s)}" for s, n in sorted(counts.items(), key=lambda i: _order(i[0])))
    return _("{n} resolutions: {parts}").format(n=len(statuses), parts=parts)


def _order(status: str) -> int:
    order = [s.value for s in Status]
    return order.index(status) if status in order else len(order)


def _minutes_row(store: Store, meeting: Meeting) -> Any:
    """The minutes document of this sitting, or None."""
    from sqlalchemy import select

    from gmassist.store.models import Document, Link, table_of

    link = table_of(Link)
    with store.read() as session:
        ids = select(link.c.b_id).where(
            link.c.a_kind == "event",
            link.c.a_id == meeting.event_id,
            link.c.b_kind == "document",
            link.c.relation == "minutes",
        )
        docs = session.execute(select(Document).where(table_of(Document).c.id.in_(ids))).scalars()
        for doc in docs:
            if _utc(doc.received) == meeting.occurrence:
                return doc
    return None


def _resolutions(store: Store, directory: fu.Directory, where: Any) -> list[Resolution]:
    from sqlalchemy import select

    from gmassist.store.models import FollowUp, table_of

    table = table_of(FollowUp)
    with store.read() as session:
        rows = session.execute(select(FollowUp).where(*where).order_by(table.c.created, table.c.id)).scalars()
        return [
            Resolution(
                row.id,
                store.display(row, "title"),
                row.status,
                directory.person_name(row.owner_id),
                row.due,
                row.created,
            )
            for row in rows
        ]


def load_minutes(store: Store, meeting: Meeting, directory: fu.Directory) -> Minutes:
    """The minutes of this sitting (empty when not written yet), its resolutions and the matters arising."""
    from sqlalchemy import select

    from gmassist.store.models import FollowUp, Link, table_of

    doc = _minutes_row(store, meeting)
    if doc is not None and store.is_damaged(doc):
        raise InvalidInput(_("These minutes are damaged and cannot be opened"), "minutes")
    if meeting.confidential and not store.confidential_unlocked:
        store.confidential_key()  # Locked, with the reason
    table, link = table_of(FollowUp), table_of(Link)
    decided_here: list[Resolution] = []
    if doc is not None:
        linked = select(link.c.b_id).where(
            link.c.a_kind == "document",
            link.c.a_id == doc.id,
            link.c.relation == "resolution",
        )
        decided_here = _resolutions(store, directory, [table.c.id.in_(linked)])
        text = doc.body_text or ""
        decided_here.sort(key=lambda r: (r.title not in text, text.find(r.title), r.decided))
    here = {r.id for r in decided_here}
    earlier = _resolutions(
        store,
        directory,
        [
            table.c.source_kind == "meeting",
            table.c.source_id == meeting.event_id,
            table.c.status.not_in([s.value for s in CLOSED]),
            table.c.created < meeting.start,
        ],
    )
    return Minutes(
        meeting,
        doc.id if doc is not None else None,
        doc.body_text if doc is not None else "",
        tuple(decided_here),
        tuple(r for r in earlier if r.id not in here),
    )


def save_minutes(store: Store, meeting: Meeting, text: str) -> str:
    """Write (or rewrite) the minutes of this sitting; returns the minutes document's id."""
    from gmassist.store.models import Document, Link

    now = store.clock.now()
    existing = _minutes_row(store, meeting)
    with store.action("minutes.save") as session:
        if existing is not None:
            stored = session.get(Document, existing.id)
            if stored is None:
                raise InvalidInput(_("These minutes no longer exist"), "minutes")
            stored.body_text = text
            return str(stored.id)
        day = meeting.occurrence.astimezone(now.tzinfo).date().isoformat()
        doc = Document(
            created=now,
            updated=now,
            title=_("Minutes: {meeting} ({day})").format(meeting=meeting.title, day=day),
            doc_type="minutes",
            received=meeting.occurrence,
            state="archived",
            state_since=now,
            holder="archive",
            security_level="confidential" if meeting.confidential else "internal",
            body_text=text,
            confidential=meeting.confidential,
        )
        session.add(doc)
        session.add(
            Link(
                created=now,
                updated=now,
                a_kind="event",
                a_id=meeting.event_id,
                b_kind="document",
                b_id=doc.id,
                relation="minutes",
            )
        )
        return str(doc.id)


_MARKER = re.compile(
    r"^\s*(?:[-*•·]|\d+[.)、．]|[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、)\s*"
)
"""A list marker at the start of a line of minutes (-, 1., 1), （一）, 一、): not part of the resolution."""


def resolution_line(line: str) -> str:
    """A line of the minutes without its list marker."""
    return _MARKER.sub("", line, count=1).strip()


def plan_resolution(
    store: Store, minutes: Minutes, line: str, directory: fu.Directory, now: datetime
) -> fu.QuickPlan:
    """Read a line of the minutes as a resolution (`@owner 周五前 what`); InvalidInput when it is empty,
    cannot be read, or is already a follow-up of this sitting."""
    text = resolution_line(line)
    if not text:
        raise InvalidInput(_("The line is empty: put the cursor on a resolution"), "line")
    plan = fu.plan_quick_add(directory, text, now)
    title = plan.parsed.title.strip()
    if any(r.title == title for r in minutes.resolutions):
        raise InvalidInput(_("“{title}” is already a follow-up of this meeting").format(title=title), "line")
    return plan


def add_resolution(
    store: Store,
    minutes: Minutes,
    plan: fu.QuickPlan,
    settings: FollowupSettings,
    *,
    owner: fu.PersonInfo | None = None,
    add_new_owner: bool = False,
) -> fu.Saved:
    """Save a planned resolution as a follow-up of the meeting, linked from these (saved) minutes."""
    if minutes.minutes_id is None:
        raise InvalidInput(_("Save the minutes first"), "minutes")
    return fu.save_quick_add(
        store,
        plan,
        settings,
        owner=owner,
        add_new_owner=add_new_owner,
        source_kind="meeting",
        source_id=minutes.meeting.event_id,
        requested_by=minutes.meeting.title,
        confidential=minutes.meeting.confidential,
        links=[("document", minutes.minutes_id, "resolution")],
    )


def meeting_status(store: Store, event_id: str) -> dict[str, int]:
    """How many of a meeting's resolutions (all its sittings) are in each status: for the agenda."""
    from sqlalchemy import func, select

    from gmassist.store.models import FollowUp, table_of

    table = table_of(FollowUp)
    query = (
        select(table.c.status, func.count())
        .where(table.c.source_kind == "meeting", table.c.source_id == event_id)
        .group_by(table.c.status)
    )
    with store.engine.connect() as connection:
        return {status: int(n) for status, n in connection.execute(query).all()}
