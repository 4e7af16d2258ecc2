"""日程 use cases: reading the agenda for a window, editing events and series, conflicts, free slots,
preparation, trips, reminders and quick add. Shared by the agenda screen, the Today screen, the weekly
brief and the command line; no Textual here (tests/test_architecture.py).

Reading. `occurrences(store, start, end)` loads the rows that may touch the window (single events,
overrides, and every series) with plain SQL, reveals confidential text (or masks it while locked) and
expands them with `domain.agenda.expand`. Windows are cached per store and per *data version* (the
change log's last sequence number, the number of events and the lock state), so paging through weeks
does not touch the database again: a request is widened to an aligned span of twelve weeks, and later
requests inside a span are cut from it. Any write (here, by undo, by another process) changes the
version and so drops the cache on the next read.

Writing. Each function is one user action (`store.action`), so `ctrl+z` undoes it whole. Editing or
deleting an occurrence of a series takes a scope: "this" (an override, or an EXDATE), "following" (the
series is split with `domain.agenda.split_series`: earlier occurrences keep exactly their times) or
"all".
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import and_, func, or_, select
from sqlmodel import select as orm_select

from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.domain import agenda as dom
from gmassist.domain.agenda import Conflict, Occurrence, Slot
from gmassist.domain.agenda_view import (
    Reminder,
    conflict_flags,
    due_reminders,
    format_reminders,
    kind_label,
    match_names,
    move_rule,
    parse_reminders,
    weekday_name,
)
from gmassist.errors import InvalidInput, Locked
from gmassist.i18n import _
from gmassist.services.agenda_read import (
    _ROW_COLUMNS,
    EventRow,
    Page,
    Policy,
    _chunks,
    _window,
    invalidate,
    occurrences,
    page,
    policy,
    prep_counts,
    remembered,
    rows_for,
    select_rows,
    skipped_rows,
    zone_name_of,
)
from gmassist.store.models import (
    Card,
    Document,
    Event,
    EventAttendee,
    FollowUp,
    Link,
    Person,
    PrepItem,
    TripItem,
    not_confidential,
    table_of,
)

if TYPE_CHECKING:
    from gmassist.domain.quickadd import QuickAdd
    from gmassist.store.store import Store

KINDS: tuple[str, ...] = ("meeting", "visit", "inspection", "travel", "focus", "personal")
"""Every event kind, in the order the edit form offers them."""
PREP_KINDS = frozenset({"meeting", "visit", "inspection"})
"""Kinds that get the 会前准备 checklist when created."""
TRIP_KINDS: tuple[str, ...] = ("flight", "train", "hotel", "visa", "contact", "car", "other")
"""Kinds of the parts of a trip (TripItem.kind)."""
LINK_KINDS: tuple[str, ...] = ("document", "followup", "card")
"""What an event can be linked to."""

Scope = Literal["this", "following", "all"]
"""Which occurrences of a series an edit or a delete touches."""

_REMINDER_LEAD = timedelta(days=7)
"""The longest reminder (parse_reminders caps it at a week)."""


# --- details of one event ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrepView:
    """One preparation item as shown: label, when it is due, done or not, the linked document."""

    id: str
    label: str
    offset_minutes: int
    done: bool
    position: int
    document_id: str | None
    document_title: str = ""
    due: datetime | None = None
    """Due time (UTC) for the occurrence it was computed for."""


@dataclass(frozen=True)
class TripView:
    """One part of a trip: a flight, a hotel, a visa, a local contact."""

    id: str
    kind: str
    title: str
    start: datetime | None
    end: datetime | None
    zone: str
    details: str


@dataclass(frozen=True)
class LinkView:
    """A link from the event to a document, follow-up or card, with the other item's title."""

    id: str
    kind: str
    target_id: str
    relation: str
    title: str


@dataclass(frozen=True)
class EventDetail:
    """Everything about one event row, text revealed or masked, for the detail and edit dialogs."""

    id: str
    title: str
    kind: str
    start: datetime
    end: datetime
    start_tz: str
    end_tz: str
    all_day: bool
    location: str
    notes: str
    confidential: bool
    rrule: str | None
    exdates: str
    series_id: str | None
    recurrence_id: datetime | None
    reminders: str
    attendees: tuple[tuple[str, str], ...]
    """(person id, name) of each attendee."""
    prep: tuple[PrepView, ...]
    trip: tuple[TripView, ...]
    links: tuple[LinkView, ...]
    masked: bool
    """Confidential and locked: the text is masked and the event cannot be edited until unlocked."""
    series_rule: str | None = None
    """For an override: its series' rule (to describe it)."""

    @property
    def is_series(self) -> bool:
        """A row with a rule."""
        return bool(self.rrule)


def load_event(store: Store, event_id: str) -> EventDetail:
    """The event row `event_id` with its attendees, preparation, trip parts and links."""
    attendee, prep_table, trip_table = table_of(EventAttendee), table_of(PrepItem), table_of(TripItem)
    link_table, person_table, doc_table = table_of(Link), table_of(Person), table_of(Document)
    with store.read() as session:
        event = session.get(Event, event_id)
        if event is None:
            raise InvalidInput(_("That event no longer exists."), field="event")
        masked = event.confidential and not store.confidential_unlocked
        people = session.exec(
            orm_select(Person)
            .join(attendee, attendee.c.person_id == person_table.c.id)
            .where(attendee.c.event_id == event_id)
        ).all()
        prep = session.exec(
            orm_select(PrepItem).where(prep_table.c.event_id == event_id).order_by(prep_table.c.position)
        ).all()
        trip = session.exec(
            orm_select(TripItem).where(trip_table.c.event_id == event_id).order_by(trip_table.c.start)
        ).all()
        links = session.exec(
            orm_select(Link).where(
                or_(
                    and_(link_table.c.a_kind == "event", link_table.c.a_id == event_id),
                    and_(link_table.c.b_kind == "event", link_table.c.b_id == event_id),
                )
            )
        ).all()
        wanted = [p.document_id for p in prep if p.document_id]
        documents = {
            doc.id: doc
            for doc in (
                session.exec(orm_select(Document).where(doc_table.c.id.in_(wanted))).all() if wanted else []
            )
        }
        series_rule = None
        if event.series_id:
            series = session.get(Event, event.series_id)
            series_rule = series.rrule if series is not None else None
        link_views = []
        for link in links:
            if link.a_kind == "event" and link.a_id == event_id:
                kind, target = link.b_kind, link.b_id
            else:
                kind, target = link.a_kind, link.a_id
            link_views.append(
                LinkView(link.id, kind, target, link.relation, _linked_title(store, session, kind, target))
            )
        return EventDetail(
            id=event.id,
            title=store.display(event, "title"),
            kind=event.kind,
            start=event.start,
            end=event.end,
            start_tz=event.start_tz,
            end_tz=event.end_tz,
            all_day=event.all_day,
            location=store.display(event, "location"),
            notes=store.display(event, "notes"),
            confidential=event.confidential,
            rrule=event.rrule,
            exdates=event.exdates,
            series_id=event.series_id,
            recurrence_id=event.recurrence_id,
            reminders=event.reminders,
            attendees=tuple((p.id, store.display(p, "name")) for p in people),
            prep=tuple(
                PrepView(
                    p.id,
                    store.display(p, "label"),
                    p.offset_minutes,
                    p.done,
                    p.position,
                    p.document_id,
                    store.display(documents[p.document_id], "title") if p.document_id in documents else "",
                    dom.prep_due(event.start, timedelta(minutes=p.offset_minutes), event.start_tz),
                )
                for p in prep
            ),
            trip=tuple(
                TripView(
                    t.id,
                    t.kind,
                    store.display(t, "title"),
                    t.start,
                    t.end,
                    t.zone,
                    store.display(t, "details"),
                )
                for t in trip
            ),
            links=tuple(link_views),
            masked=masked,
            series_rule=series_rule,
        )


def _linked_title(store: Store, session: Any, kind: str, target: str) -> str:
    model = {"document": Document, "followup": FollowUp, "card": Card, "event": Event}.get(kind)
    if model is None:
        return target
    item = session.get(model, target)
    if item is None:
        return _("(removed)")
    return store.display(item, "title")


# --- drafts and validation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventDraft:
    """What the edit form (or quick add, or booking a slot) wants an event to be."""

    title: str
    start: datetime
    """Aware; for an all-day event local midnight of the first day in `start_tz`."""
    end: datetime
    """Aware; for an all-day event local midnight after the last day."""
    kind: str = "meeting"
    start_tz: str = "Asia/Shanghai"
    end_tz: str = "Asia/Shanghai"
    all_day: bool = False
    location: str = ""
    notes: str = ""
    confidential: bool = False
    rrule: str | None = None
    reminders: str = ""
    attendee_ids: tuple[str, ...] = ()

    def validate(self) -> EventDraft:
        """The draft with its rule and reminders normalised; InvalidInput naming the first bad field."""
        if not self.title.strip():
            raise InvalidInput(_("An event needs a title."), field="title")
        if self.kind not in KINDS:
            raise InvalidInput(_("Unknown kind of event: {kind}").format(kind=self.kind), field="kind")
        for value, what in ((self.start, "start"), (self.end, "end")):
            if value.tzinfo is None or value.utcoffset() is None:
                raise InvalidInput(_("A time without a time zone cannot be saved."), field=what)
        dom.zone(self.start_tz)
        dom.zone(self.end_tz)
        if self.end < self.start:
            raise InvalidInput(_("The event ends before it starts."), field="end")
        rule = (self.rrule or "").strip()
        if rule.upper().startswith("RRULE:"):
            rule = rule[6:]
        if rule:
            rule = dom.format_rule(dom.parse_rule(rule))
        reminders = format_reminders(parse_reminders(self.reminders))
        start, end = self.start, self.end
        if self.all_day:
            tz = dom.zone(self.start_tz)
            first = start.astimezone(tz).date()
            last = max(first, (end - timedelta(microseconds=1)).astimezone(tz).date())
            start, end = dom.all_day_span(first, last, self.start_tz)
        return EventDraft(
            title=self.title.strip(),
            start=start.astimezone(UTC),
            end=end.astimezone(UTC),
            kind=self.kind,
            start_tz=self.start_tz,
            end_tz=self.end_tz if not self.all_day else self.start_tz,
            all_day=self.all_day,
            location=self.location.strip(),
            notes=self.notes,
            confidential=self.confidential,
            rrule=rule or None,
            reminders=reminders,
            attendee_ids=tuple(dict.fromkeys(self.attendee_ids)),
        )

    def row(self, event_id: str = "draft") -> EventRow:
        """The draft as a row, to expand and check for conflicts before it is saved."""
        return EventRow(
            id=event_id,
            title=self.title,
            kind=self.kind,
            start=self.start,
            end=self.end,
            start_tz=self.start_tz,
            end_tz=self.end_tz,
            all_day=self.all_day,
            rrule=self.rrule,
            exdates="",
            series_id=None,
            recurrence_id=None,
            confidential=self.confidential,
            location=self.location,
            reminders=self.reminders,
        )


def draft_of(detail: EventDetail, occurrence: Occurrence | None = None) -> EventDraft:
    """A draft holding an event as it is (the times of `occurrence` when one of a series is edited)."""
    start, end = detail.start, detail.end
    if occurrence is not None:
        start, end = occurrence.start, occurrence.end
    return EventDraft(
        title=detail.title,
        start=start,
        end=end,
        kind=detail.kind,
        start_tz=detail.start_tz,
        end_tz=detail.end_tz,
        all_day=detail.all_day,
        location=detail.location,
        notes=detail.notes,
        confidential=detail.confidential,
        rrule=detail.rrule if occurrence is None or not occurrence.is_override else detail.series_rule,
        reminders=detail.reminders,
        attendee_ids=tuple(person for person, _name in detail.attendees),
    )


def _fields(draft: EventDraft) -> dict[str, Any]:
    return {
        "title": draft.title,
        "kind": draft.kind,
        "start": draft.start,
        "end": draft.end,
        "start_tz": draft.start_tz,
        "end_tz": draft.end_tz,
        "all_day": draft.all_day,
        "location": draft.location,
        "notes": draft.notes,
        "confidential": draft.confidential,
        "reminders": draft.reminders,
    }


def _need_key(store: Store, *confidential: bool) -> None:
    """Writing confidential text needs the confidential key: say so plainly before anything is written."""
    if any(confidential) and not store.confidential_unlocked:
        raise Locked(_("Confidential events are locked; unlock them first (ctrl+o)."))


# --- writing ------------------------------------------------------------------------------------------------


def create_event(store: Store, draft: EventDraft, *, prep: bool | None = None) -> str:
    """Save a new event (or series) with its attendees; meetings get the preparation checklist.

    `prep` None: a checklist for single meetings, visits and inspections. Returns the new id.
    """
    draft = draft.validate()
    _need_key(store, draft.confidential)
    with store.action("agenda.create") as session:
        event = Event(**_fields(draft), rrule=draft.rrule, exdates="")
        session.add(event)
        session.flush()
        _set_attendees(session, event.id, draft.attendee_ids)
        if prep if prep is not None else (draft.kind in PREP_KINDS and not draft.rrule):
            _add_template(session, event.id, draft.confidential)
        return event.id


def _add_template(session: Any, event_id: str, confidential: bool) -> None:
    now = session.info["now"]
    for position, step in enumerate(dom.DEFAULT_PREP_STEPS):
        session.add(
            PrepItem(
                created=now,
                updated=now,
                event_id=event_id,
                label=step.label,
                offset_minutes=step.offset_minutes,
                position=position,
                confidential=confidential,
            )
        )


def _set_attendees(session: Any, event_id: str, person_ids: Sequence[str]) -> None:
    table = table_of(EventAttendee)
    current = {
        row.person_id: row
        for row in session.exec(orm_select(EventAttendee).where(table.c.event_id == event_id)).all()
    }
    wanted = list(dict.fromkeys(person_ids))
    for person_id, row in current.items():
        if person_id not in wanted:
            session.delete(row)
    for person_id in wanted:
        if person_id not in current:
            session.add(EventAttendee(event_id=event_id, person_id=person_id))
    session.flush()


def _local_shift(tz: tzinfo, old: datetime, new: datetime) -> timedelta:
    """How far an occurrence moved in wall time of its zone (a week later at the same local hour is 7 days)."""
    return new.astimezone(tz).replace(tzinfo=None) - old.astimezone(tz).replace(tzinfo=None)


def _shifted(moment: datetime, tz: tzinfo, delta: timedelta) -> datetime:
    """`moment` moved by `delta` in wall time of `tz` (so a move keeps its local hour across DST)."""
    if not delta:
        return moment
    local = moment.astimezone(tz).replace(tzinfo=None) + delta
    return local.replace(tzinfo=tz).astimezone(UTC)


def _shift_exdates(exdates: str, tz: tzinfo, delta: timedelta) -> str:
    if not delta or not exdates:
        return exdates
    out = []
    for token in (t.strip() for t in exdates.split(",")):
        if not token:
            continue
        if len(token) == 10 and "T" not in token:
            moved = date.fromisoformat(token) + timedelta(days=delta.days)
            out.append(moved.isoformat())
            continue
        value = datetime.fromisoformat(token.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        out.append(_shifted(value, tz, delta).isoformat())
    return ",".join(out)


def _overrides(session: Any, series_id: str) -> list[Event]:
    table = table_of(Event)
    return list(session.exec(orm_select(Event).where(table.c.series_id == series_id)).all())


def update_event(store: Store, target: Occurrence, draft: EventDraft, scope: Scope = "all") -> str:
    """Change the event behind `target` to `draft`; for a series occurrence only within `scope`.

    * a single event: the row is updated (a rule in the draft makes it a series);
    * "this": an override row replaces just this occurrence (an existing override is updated);
    * "following": the series is split here; the new series starting at this occurrence gets the draft
      (moving this occurrence moves the later ones the same way); earlier occurrences are untouched;
    * "all": the series gets the draft; moving this occurrence moves every one of them.

    Returns the id of the row that now holds the edited occurrence.
    """
    draft = draft.validate()
    with store.action("agenda.edit") as session:
        if target.series_id is None:
            event = _get(session, target.event_id)
            _need_key(store, event.confidential, draft.confidential)
            _apply(event, draft)
            event.rrule = draft.rrule
            if not draft.rrule:
                event.exdates = ""
            session.flush()
            _set_attendees(session, event.id, draft.attendee_ids)
            return event.id
        series = _get(session, target.series_id)
        _need_key(store, series.confidential, draft.confidential)
        if scope == "this":
            return _edit_this(session, series, target, draft)
        if scope == "following":
            overrides = _overrides(session, series.id)
            split = dom.split_series(series, target.original_start, overrides)
            if split.truncated_rule is not None:
                return _edit_following(session, series, target, draft, split)
        return _edit_all(session, series, target, draft)


def _get(session: Any, event_id: str) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise InvalidInput(_("That event no longer exists."), field="event")
    return event


def _apply(event: Event, draft: EventDraft) -> None:
    changed = False
    for name, value in _fields(draft).items():
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed = True
    if changed:
        event.sequence += 1  # iCalendar SEQUENCE: an exported copy is seen as newer


def _same_rule(a: str | None, b: str | None) -> bool:
    """Whether two RRULE values mean the same (written alike once parsed)."""
    if not a or not b:
        return not a and not b
    try:
        return dom.format_rule(dom.parse_rule(a)) == dom.format_rule(dom.parse_rule(b))
    except dom.RuleError:
        return a == b


def _edit_this(session: Any, series: Event, target: Occurrence, draft: EventDraft) -> str:
    if target.is_override:
        override = _get(session, target.event_id)
        _apply(override, draft)
        session.flush()
        _set_attendees(session, override.id, draft.attendee_ids)
        return override.id
    plan = dom.override_for(
        series, target.original_start, start=draft.start, end=draft.end, title=draft.title, kind=draft.kind
    )
    fields = plan.as_fields() | _fields(draft)
    override = Event(**fields)
    override.series_id = series.id
    override.recurrence_id = plan.recurrence_id
    override.rrule = None
    session.add(override)
    session.flush()
    _set_attendees(session, override.id, draft.attendee_ids)
    return override.id


def _edit_following(
    session: Any, series: Event, target: Occurrence, draft: EventDraft, split: dom.SeriesSplit
) -> str:
    tz = dom.zone(series.start_tz)
    delta = _local_shift(tz, target.start, draft.start)
    rule = draft.rrule if draft.rrule and not _same_rule(draft.rrule, series.rrule) else split.new_rule
    if rule == split.new_rule:
        rule = move_rule(
            rule,
            target.original_start.astimezone(tz),
            _shifted(target.original_start, tz, delta).astimezone(tz),
        )
    new_start = _shifted(split.new_start, tz, delta)
    fields = _fields(draft) | {"start": new_start, "end": new_start + (draft.end - draft.start)}
    series.rrule = split.truncated_rule
    series.exdates = split.truncated_exdates
    successor = Event(**fields, rrule=rule, exdates=_shift_exdates(split.new_exdates, tz, delta))
    session.add(successor)
    session.flush()
    for override in _overrides(session, series.id):
        if override.id in split.moved_override_ids:
            override.series_id = successor.id
            if override.recurrence_id is not None:
                override.recurrence_id = _shifted(override.recurrence_id, tz, delta)
    session.flush()
    _set_attendees(session, successor.id, draft.attendee_ids)
    return successor.id


def _edit_all(session: Any, series: Event, target: Occurrence, draft: EventDraft) -> str:
    tz = dom.zone(series.start_tz)
    delta = _local_shift(tz, target.start, draft.start)
    old_rule = series.rrule or ""
    new_start = _shifted(series.start, tz, delta)
    _apply(series, draft)
    series.start = new_start
    series.end = new_start + (draft.end - draft.start)
    if not draft.rrule:
        # Repetition removed: the series becomes this one event.
        series.start, series.end = draft.start, draft.end
        series.rrule = None
        series.exdates = ""
        for override in _overrides(session, series.id):
            _delete_with_dependents(session, override)
    else:
        if not _same_rule(draft.rrule, old_rule):
            series.rrule = draft.rrule
        elif delta:
            series.rrule = move_rule(
                old_rule,
                target.original_start.astimezone(tz),
                _shifted(target.original_start, tz, delta).astimezone(tz),
            )
        series.exdates = _shift_exdates(series.exdates, tz, delta)
        if delta:
            for override in _overrides(session, series.id):
                if override.recurrence_id is not None:
                    override.recurrence_id = _shifted(override.recurrence_id, tz, delta)
    session.flush()
    _set_attendees(session, series.id, draft.attendee_ids)
    return series.id


def move_occurrence(store: Store, target: Occurrence, new_start: datetime, scope: Scope = "this") -> str:
    """Move one occurrence (or a single event) to `new_start`, keeping its length and everything else."""
    detail = load_event(store, target.event_id)
    if detail.masked:
        _need_key(store, True)
    draft = draft_of(detail, target)
    delta = new_start - target.start
    moved = EventDraft(**{**draft.__dict__, "start": draft.start + delta, "end": draft.end + delta})
    return update_event(store, target, moved, scope)


def delete_event(store: Store, target: Occurrence, scope: Scope = "all") -> str:
    """Delete a single event, or occurrences of a series within `scope`; undoable as one action.

    Returns a short label of what was done, for the notification.
    """
    with store.action("agenda.delete") as session:
        if target.series_id is None:
            _delete_with_dependents(session, _get(session, target.event_id))
            return "event"
        series = _get(session, target.series_id)
        if scope == "this":
            original = target.original_start
            if target.is_override:
                _delete_with_dependents(session, _get(session, target.event_id))
                session.flush()
            if dom.is_occurrence(series, original):
                series.exdates = dom.exclude(series, original)
            return "this"
        if scope == "following":
            overrides = _overrides(session, series.id)
            split = dom.split_series(series, target.original_start, overrides)
            if split.truncated_rule is not None:
                for override in overrides:
                    if override.id in split.moved_override_ids:
                        _delete_with_dependents(session, override)
                series.rrule = split.truncated_rule
                series.exdates = split.truncated_exdates
                return "following"
        for override in _overrides(session, series.id):
            _delete_with_dependents(session, override)
        _delete_with_dependents(session, series)
        return "all"


def _delete_with_dependents(session: Any, event: Event) -> None:
    """Delete an event row after its attendees, preparation, trip parts and links (flushed in that order,
    so undo puts the event back before what points at it)."""
    for model, column in ((EventAttendee, "event_id"), (PrepItem, "event_id"), (TripItem, "event_id")):
        table = table_of(model)
        for row in session.exec(orm_select(model).where(table.c[column] == event.id)).all():
            session.delete(row)
    links = table_of(Link)
    for link in session.exec(
        orm_select(Link).where(
            or_(
                and_(links.c.a_kind == "event", links.c.a_id == event.id),
                and_(links.c.b_kind == "event", links.c.b_id == event.id),
            )
        )
    ).all():
        session.delete(link)
    session.flush()
    session.delete(event)
    session.flush()


# --- preparation, trips, links ---------------------------------------------------------------------------


def set_prep_done(store: Store, item_id: str, done: bool) -> None:
    """Tick or untick one preparation item."""
    with store.action("agenda.prep") as session:
        item = session.get(PrepItem, item_id)
        if item is None:
            raise InvalidInput(_("That preparation item no longer exists."))
        item.done = done


def set_prep_document(store: Store, item_id: str, document_id: str | None) -> None:
    """Point a preparation item at an inbox document (None: at none)."""
    with store.action("agenda.prep") as session:
        item = session.get(PrepItem, item_id)
        if item is None:
            raise InvalidInput(_("That preparation item no longer exists."))
        item.document_id = document_id


def add_prep_item(
    store: Store, event_id: str, label: str, offset_minutes: int, document_id: str | None = None
) -> str:
    """Add an item to an event's checklist, due `offset_minutes` before it, maybe pointing at a document."""
    if not label.strip():
        raise InvalidInput(_("A preparation item needs a label."), field="label")
    with store.action("agenda.prep") as session:
        event = _get(session, event_id)
        _need_key(store, event.confidential)
        table = table_of(PrepItem)
        last = session.exec(
            orm_select(func.max(table.c.position)).where(table.c.event_id == event_id)
        ).first()
        item = PrepItem(
            created=session.info["now"],
            updated=session.info["now"],
            event_id=event_id,
            label=label.strip(),
            offset_minutes=max(0, offset_minutes),
            position=(last or 0) + 1,
            document_id=document_id,
            confidential=event.confidential,
        )
        session.add(item)
        return item.id


def apply_prep_template(store: Store, event_id: str) -> None:
    """Give an event the default checklist (agenda, papers, materials, car) if it has none."""
    with store.action("agenda.prep") as session:
        event = _get(session, event_id)
        _need_key(store, event.confidential)
        table = table_of(PrepItem)
        if session.exec(
            orm_select(func.count()).select_from(table).where(table.c.event_id == event_id)
        ).first():
            return
        _add_template(session, event_id, event.confidential)


def add_trip_item(
    store: Store,
    event_id: str,
    kind: str,
    title: str,
    start: datetime | None = None,
    end: datetime | None = None,
    zone: str = "",
    details: str = "",
) -> str:
    """Add a flight, hotel, visa, contact... to a travel event."""
    if kind not in TRIP_KINDS:
        raise InvalidInput(_("Unknown part of a trip: {kind}").format(kind=kind), field="kind")
    if not title.strip():
        raise InvalidInput(_("A part of a trip needs a title."), field="title")
    if zone:
        dom.zone(zone)
    with store.action("agenda.trip") as session:
        event = _get(session, event_id)
        _need_key(store, event.confidential)
        item = TripItem(
            created=session.info["now"],
            updated=session.info["now"],
            event_id=event_id,
            kind=kind,
            title=title.strip(),
            start=start,
            end=end,
            zone=zone,
            details=details,
            confidential=event.confidential,
        )
        session.add(item)
        return item.id


def remove_trip_item(store: Store, item_id: str) -> None:
    """Remove one part of a trip."""
    with store.action("agenda.trip") as session:
        item = session.get(TripItem, item_id)
        if item is not None:
            session.delete(item)


def add_link(store: Store, event_id: str, kind: str, target_id: str, relation: str = "related") -> str:
    """Link an event to a document, follow-up or card."""
    if kind not in LINK_KINDS:
        raise InvalidInput(_("An event can be linked to a document, a follow-up or a card."), field="kind")
    with store.action("agenda.link") as session:
        _get(session, event_id)
        link = Link(
            created=session.info["now"],
            updated=session.info["now"],
            a_kind="event",
            a_id=event_id,
            b_kind=kind,
            b_id=target_id,
            relation=relation,
        )
        session.add(link)
        return link.id


def remove_link(store: Store, link_id: str) -> None:
    """Remove one link."""
    with store.action("agenda.link") as session:
        link = session.get(Link, link_id)
        if link is not None:
            session.delete(link)


def find_items(store: Store, kind: str, text: str, limit: int = 20) -> list[tuple[str, str]]:
    """(id, title) of documents, follow-ups or cards whose title (or document number) contains `text`.

    Confidential items are searched only while unlocked (their text is sealed).
    """
    models: dict[str, type[Document | FollowUp | Card]] = {
        "document": Document,
        "followup": FollowUp,
        "card": Card,
    }
    model = models[kind]
    table = table_of(model)
    needle = text.strip()
    columns = [table.c.title] + ([table.c.number] if model is Document else [])
    query: Any = orm_select(model).where(not_confidential(table))
    if needle:
        query = query.where(or_(*(c.contains(needle, autoescape=True) for c in columns)))
    out: list[tuple[str, str]] = []
    with store.read() as session:
        for item in session.exec(query.limit(limit)).all():
            out.append((item.id, store.display(item, "title")))
        if store.confidential_unlocked and len(out) < limit:
            for item in session.exec(orm_select(model).where(table.c.confidential.is_(True))).all():
                if needle.lower() in store.display(item, "title").lower():
                    out.append((item.id, store.display(item, "title")))
    return out[:limit]


# --- people -------------------------------------------------------------------------------------------------


def people(store: Store) -> list[tuple[str, str, str]]:
    """(id, name, job title) of every person whose name can be read (confidential ones only while unlocked)."""
    with store.read() as session:
        rows = session.exec(orm_select(Person)).all()
        out = [
            (p.id, store.display(p, "name"), store.display(p, "title"))
            for p in rows
            if not p.confidential or store.confidential_unlocked
        ]
    return sorted(out, key=lambda row: row[1])


def match_people(store: Store, names: str) -> tuple[list[str], list[str]]:
    """Person ids for comma-separated names (see `agenda_view.match_names`), and the parts that matched
    nobody or several people, for the form to point at."""
    return match_names(people(store), names)


def people_in(store: Store, text: str) -> list[str]:
    """Ids of the people named (or, uniquely, titled) in a quick-add title: 与财务总监讨论 -> the CFO."""
    found = []
    everyone = people(store)
    for pid, name, _title in everyone:
        if len(name) >= 2 and name in text:
            found.append(pid)
    for pid, _name, title in everyone:
        unique = sum(1 for _p, _n, other in everyone if other == title) == 1
        if len(title) >= 3 and title in text and pid not in found and unique:
            found.append(pid)
    return found


# --- conflicts and free slots -------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictScan:
    """The conflicts of a stretch of time: which occurrences are in one, and (on demand) with what."""

    start: datetime
    end: datetime
    window: tuple[Occurrence, ...]
    """Occurrences of the stretch and a margin, by start (the pairs are looked for among them)."""
    flagged: tuple[Occurrence, ...]
    """Occurrences in a conflict, by start (the list the screen shows)."""
    rules: Policy

    @cached_property
    def _starts(self) -> list[datetime]:
        """`window`'s starts, to find an occurrence's neighbours by bisection (worked out when first asked)."""
        return [o.start for o in self.window]

    @cached_property
    def _longest(self) -> timedelta:
        """The longest busy occurrence: how far back a neighbour can start."""
        return max((o.end - o.start for o in self.window if o.busy), default=timedelta(0))

    def conflicts_of(self, occurrence: Occurrence) -> list[Conflict]:
        """The conflicts `occurrence` takes part in (the pairs, computed only for those looked at)."""
        reach = max(self.rules.buffer, self.rules.travel_buffer, timedelta(0))
        low = bisect.bisect_left(self._starts, occurrence.start - self._longest - reach)
        high = bisect.bisect_right(self._starts, occurrence.end + reach)
        return conflicts_with(self.window[low:high], occurrence, self.rules)


def conflicts_with(busy: Sequence[Occurrence], occurrence: Occurrence, rules: Policy) -> list[Conflict]:
    """The pairs of `find_conflicts` that include `occurrence`, from the busy occurrences near it."""
    reach = max(rules.buffer, rules.travel_buffer, timedelta(0))
    near = [
        o for o in busy if o.start < occurrence.end + reach and o.end + reach > occurrence.start and o.busy
    ]
    pairs = dom.find_conflicts(near, rules.buffer, rules.travel_buffer)
    return [c for c in pairs if occurrence.key in (c.a.key, c.b.key)]


def scan_conflicts(store: Store, start: datetime, end: datetime, rules: Policy) -> ConflictScan:
    """Every occurrence of [start, end) in a conflict (overlap or too tight a gap), recurring ones included.

    Cached per data version, so the list and its flags come back at once until something changes.
    """
    return remembered(store, ("scan", start, end, rules), lambda: _scan(store, start, end, rules))


def _scan(store: Store, start: datetime, end: datetime, rules: Policy) -> ConflictScan:
    margin = max(rules.buffer, rules.travel_buffer, timedelta(0)) + timedelta(days=1)
    found = _window(store, start - margin, end + margin)
    flags = conflict_flags(found, rules.buffer, rules.travel_buffer)
    # One pass (a year holds tens of thousands), in UTC as the occurrences are: datetimes of two zones
    # compare only through a utcoffset() call each.
    low, high = start.astimezone(UTC), end.astimezone(UTC)
    flagged = tuple(
        o
        for o, flag in zip(found, flags, strict=True)
        if flag and o.start < high and (o.end > low or (o.end == o.start and o.start >= low))
    )
    return ConflictScan(start, end, tuple(found), flagged, rules)


def check_draft(
    store: Store,
    draft: EventDraft,
    rules: Policy,
    *,
    editing: Occurrence | None = None,
    scope: Scope = "all",
    horizon: timedelta = timedelta(weeks=8),
) -> list[Conflict]:
    """冲突 while typing: the conflicts the event in the form would have (a series over its first `horizon`).

    While editing, what the edit replaces is left out: the event's old version; for "this" the occurrence
    it overrides; for "following" the series from that occurrence on; for "all" the whole series.
    """
    draft = draft.validate()
    row = draft.row("draft")
    replaced: Callable[[Occurrence], bool] = lambda _o: False  # noqa: E731
    if editing is not None and editing.series_id is None:
        row = draft.row(editing.event_id)
    elif editing is not None and scope == "this":
        series_id, original = editing.series_id, editing.original_start
        row = replace(
            draft.row(editing.event_id if editing.is_override else "draft"),
            rrule=None,
            series_id=series_id,
            recurrence_id=original,
        )
    elif editing is not None:
        series_id, cut = editing.series_id, editing.original_start
        if scope == "following":
            replaced = lambda o: o.series_id == series_id and o.original_start >= cut  # noqa: E731
        else:
            replaced = lambda o: o.series_id == series_id  # noqa: E731
    window_end = draft.start + horizon if draft.rrule and row.rrule else draft.end + timedelta(days=1)
    candidates = dom.expand([row], draft.start - timedelta(days=1), window_end)
    if not candidates:
        return []
    reach = max(rules.buffer, rules.travel_buffer, timedelta(0)) + timedelta(days=1)
    existing = [
        o
        for o in occurrences(store, candidates[0].start - reach, candidates[-1].end + reach)
        if not replaced(o)
    ]
    return dom.check_new(candidates, existing, rules.buffer, rules.travel_buffer)


def nearest_free(
    store: Store, target: Occurrence, rules: Policy, now: datetime, limit: int = 3
) -> list[Slot]:
    """The free times nearest to `target` (to move it out of a conflict), within a week of it."""
    search = timedelta(days=7)
    busy = occurrences(
        store, target.start - search - timedelta(days=1), target.end + search + timedelta(days=1)
    )
    work = rules.working_time()
    return dom.nearest_slots(
        target,
        busy,
        rules.hours,
        rules.zone_name,
        rules.buffer,
        travel_buffer=rules.travel_buffer,
        is_workday=work.is_workday,
        search=search,
        not_before=now,
        limit=limit,
    )


def find_free_slots(
    store: Store,
    duration: timedelta,
    start: datetime,
    end: datetime,
    rules: Policy,
    *,
    attendee_ids: Sequence[str] = (),
    manager: bool = True,
    kind: str = "meeting",
    limit: int = 20,
) -> list[Slot]:
    """空闲时段: ranked free times of `duration` in [start, end), in working hours on working days, with the
    buffers kept. Busy: the manager's whole agenda (when `manager`) and every event of the attendees."""
    if duration <= timedelta(0):
        raise InvalidInput(_("A meeting needs a length."), field="duration")
    if end <= start:
        raise InvalidInput(_("The search ends before it starts."), field="end")
    found = occurrences(store, start - timedelta(days=1), end + timedelta(days=1))
    if manager:
        busy: list[Occurrence] = found
    else:
        attending = _attended(store, attendee_ids)
        busy = [o for o in found if o.event_id in attending or (o.series_id or "") in attending]
    work = rules.working_time()
    return dom.free_slots(
        busy,
        duration,
        start,
        end,
        rules.hours,
        rules.zone_name,
        rules.buffer,
        travel_buffer=rules.travel_buffer,
        is_workday=work.is_workday,
        kind=kind,
        limit=limit,
    )


def _attended(store: Store, person_ids: Sequence[str]) -> set[str]:
    if not person_ids:
        return set()
    table = table_of(EventAttendee)
    with store.engine.connect() as connection:
        rows = connection.execute(select(table.c.event_id).where(table.c.person_id.in_(list(person_ids))))
        return {row[0] for row in rows}


def book_slot(
    store: Store,
    slot: Slot,
    title: str,
    rules: Policy,
    *,
    kind: str = "meeting",
    attendee_ids: Sequence[str] = (),
    location: str = "",
) -> str:
    """Book a free slot as a new event (with its checklist when it is a meeting)."""
    return create_event(
        store,
        EventDraft(
            title=title,
            start=slot.start,
            end=slot.end,
            kind=kind,
            start_tz=rules.zone_name,
            end_tz=rules.zone_name,
            location=location,
            attendee_ids=tuple(attendee_ids),
        ),
    )


# --- preparation due soon ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrepNeed:
    """A meeting in the next 48 hours whose preparation is not done."""

    occurrence: Occurrence
    items: tuple[PrepView, ...]
    """Its checklist, due times counted back from this occurrence's start."""

    @property
    def open_items(self) -> tuple[PrepView, ...]:
        """The items not done yet."""
        return tuple(item for item in self.items if not item.done)

    @property
    def next_due(self) -> datetime | None:
        """When the earliest open item is (or was) due."""
        dues = [item.due for item in self.open_items if item.due is not None]
        return min(dues) if dues else None


def meetings_needing_prep(
    store: Store, now: datetime, horizon: timedelta = timedelta(hours=48)
) -> list[PrepNeed]:
    """会前准备 due: meetings starting in the next `horizon` (48 hours) with an item not done, soonest first.

    The Today screen shows these. Items' due times are counted back from each meeting's start, in whole
    local days in the event's zone (see `domain.agenda.prep_due`).
    """
    found = [o for o in occurrences(store, now, now + horizon) if o.start >= now]
    if not found:
        return []
    ids = sorted({o.event_id for o in found})
    table = table_of(PrepItem)
    items: dict[str, list[PrepItem]] = {}
    with store.read() as session:
        for chunk in _chunks(ids, 500):
            for item in session.exec(
                orm_select(PrepItem).where(table.c.event_id.in_(chunk)).order_by(table.c.position)
            ).all():
                items.setdefault(item.event_id, []).append(item)
        out = []
        for o in found:
            checklist = items.get(o.event_id, [])
            if not dom.prep_flag(o.start, checklist, now, horizon):
                continue
            views = tuple(
                PrepView(
                    p.id,
                    store.display(p, "label"),
                    p.offset_minutes,
                    p.done,
                    p.position,
                    p.document_id,
                    due=dom.prep_due(o.start, timedelta(minutes=p.offset_minutes), o.start_tz),
                )
                for p in checklist
            )
            out.append(PrepNeed(o, views))
    return out


# --- reminders ----------------------------------------------------------------------------------------------


def reminders_between(
    store: Store, since: datetime, until: datetime, *, cache: bool = True
) -> list[Reminder]:
    """The reminders ringing in [since, until), soonest first (each exactly once over adjacent windows)."""
    if until <= since:
        return []
    found = occurrences(store, since, until + _REMINDER_LEAD, cache=cache)
    rows = rows_for(store, found)
    items = []
    for o in found:
        row = rows.get(o.event_id)
        if row is None or not row.reminders:
            continue
        try:
            minutes = parse_reminders(row.reminders)
        except InvalidInput:
            continue
        items.append((o, minutes))
    return due_reminders(items, since, until)


# --- search ---------------------------------------------------------------------------------------------


def search_events(store: Store, text: str, limit: int = 200) -> list[EventRow]:
    """Events whose title, place or notes contain `text` (ASCII case ignored), nearest to today first.

    Confidential events are searched only while unlocked (their text is sealed in the database).
    """
    needle = text.strip()
    if not needle:
        return []
    table = table_of(Event)
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    found = select_rows(
        store,
        "confidential = 0 AND ("
        + " OR ".join(f"{name} LIKE ? ESCAPE '\\'" for name in ("title", "location", "notes"))
        + ")",
        (pattern,) * 3,
    )
    # SQLite's LIKE ignores the case of ASCII letters already.
    if store.confidential_unlocked:
        with store.read() as session:
            for event in session.exec(orm_select(Event).where(table.c.confidential.is_(True))).all():
                text_fields = " ".join(store.display(event, name) for name in ("title", "location", "notes"))
                if needle.lower() in text_fields.lower():
                    found.append(
                        EventRow(
                            **{
                                name: getattr(event, name)
                                for name in _ROW_COLUMNS
                                if name not in ("title", "location")
                            },
                            title=store.display(event, "title"),
                            location=store.display(event, "location"),
                        )
                    )
    now = store.clock.now()
    found.sort(key=lambda row: abs((row.start - now).total_seconds()))
    return found[:limit]


# --- quick add --------------------------------------------------------------------------------------------


def draft_from_quickadd(store: Store, quickadd: QuickAdd, clock: Clock | None = None) -> EventDraft:
    """The event a quick-add line describes (InvalidInput when the line is not an event)."""
    q = quickadd
    if q.kind != "event" or q.start is None or q.end is None:
        raise InvalidInput(
            _("This line is not an event: give it a day or a time (e.g. 周五下午3点, tomorrow 9am)."),
            field="quickadd",
        )
    zone = q.start.tzinfo or (clock or store.clock).now().tzinfo
    name = zone_name_of(zone)
    start, end = q.start, q.end
    if q.all_day:
        start, end = dom.all_day_span(q.start.date(), (q.end - timedelta(days=1)).date(), name)
    return EventDraft(
        title=q.title,
        start=start,
        end=end,
        kind=q.event_kind or "meeting",
        start_tz=name,
        end_tz=name,
        all_day=q.all_day,
        location=q.location or "",
        rrule=q.rrule,
        attendee_ids=tuple(people_in(store, q.title)),
    )


@dataclass(frozen=True)
class SavedEvent:
    """An event just saved from a quick-add line; `str()` of it is the one line to print."""

    id: str
    draft: EventDraft
    """What was saved (times in UTC)."""
    attendees: tuple[str, ...]
    """Names of the people found in the title and added as attendees."""
    conflicts: tuple[Conflict, ...]
    """What it conflicts with (it is saved anyway: the assistant decides)."""
    zone: tzinfo

    def __str__(self) -> str:
        draft = self.draft
        start, end = draft.start.astimezone(self.zone), draft.end.astimezone(self.zone)
        if draft.all_day:
            last = (end - timedelta(days=1)).date()
            when = f"{start:%Y-%m-%d}" + (f" – {last:%Y-%m-%d}" if last != start.date() else "")
        else:
            when = f"{weekday_name(start.date())} {start:%Y-%m-%d %H:%M}–{end:%H:%M}"
        parts = [when, draft.title]
        if draft.location:
            parts.append(f"@{draft.location}")
        if draft.rrule:
            from gmassist.domain.quickadd import describe_rrule
            from gmassist.i18n import language

            parts.append(describe_rrule(draft.rrule, language()))
        if self.attendees:
            parts.append(_("with {names}").format(names=", ".join(self.attendees)))
        line = _("Event saved: {details}").format(details=" · ".join(parts))
        for conflict in self.conflicts[:3]:
            other = conflict.a if conflict.b.event_id == self.id else conflict.b
            line += "\n" + _("⚠ conflicts with {title} {start}–{end}").format(
                title=other.title,
                start=other.start.astimezone(self.zone).strftime("%m-%d %H:%M"),
                end=other.end.astimezone(self.zone).strftime("%H:%M"),
            )
        return line


def create_from_quickadd(
    store: Store, quickadd: QuickAdd, clock: Clock | Settings | None = None
) -> SavedEvent:
    """Save the event a parsed quick-add line describes; returns it (`str()` is the line to print).

    `gmassist add "..."` and the agenda's quick add come here for kind 'event'. People named (or uniquely
    titled) in the title become attendees; meetings get the preparation checklist; conflicts under the
    config's buffers are reported with it, not refused. The third argument is the clock (the zone of new
    events) or the Settings (then the store's clock is used and the config's buffers). Raises
    InvalidInput when the line is not an event, before anything is written.
    """
    settings = clock if isinstance(clock, Settings) else None
    real_clock: Clock = store.clock if clock is None or isinstance(clock, Settings) else clock
    draft = draft_from_quickadd(store, quickadd, real_clock).validate()
    zone = real_clock.now().tzinfo or UTC
    rules = policy(settings or Settings(), zone)
    event_id = create_event(store, draft)
    saved = replace(draft.row(event_id), exdates="")
    candidates = dom.expand([saved], draft.start - timedelta(days=1), draft.start + timedelta(weeks=8))
    existing = occurrences(store, draft.start - timedelta(days=2), draft.start + timedelta(weeks=8, days=2))
    conflicts = dom.check_new(candidates, existing, rules.buffer, rules.travel_buffer)
    names = dict((pid, name) for pid, name, _title in people(store))
    return SavedEvent(
        id=event_id,
        draft=draft,
        attendees=tuple(names.get(pid, "") for pid in draft.attendee_ids),
        conflicts=tuple(conflicts),
        zone=zone,
    )


def describe_slot(slot: Slot, zone: tzinfo) -> str:
    """'Thu 11-26 14:00–15:00' in `zone` (digits and weekday, for lists)."""
    start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
    return f"{weekday_name(start.date())} {start:%m-%d %H:%M}–{end:%H:%M}"


__all__ = [
    "KINDS",
    "ConflictScan",
    "EventDetail",
    "EventDraft",
    "EventRow",
    "Page",
    "Policy",
    "PrepNeed",
    "Scope",
    "add_link",
    "add_prep_item",
    "add_trip_item",
    "apply_prep_template",
    "book_slot",
    "check_draft",
    "create_event",
    "create_from_quickadd",
    "delete_event",
    "find_free_slots",
    "invalidate",
    "kind_label",
    "load_event",
    "meetings_needing_prep",
    "move_occurrence",
    "nearest_free",
    "occurrences",
    "page",
    "policy",
    "prep_counts",
    "reminders_between",
    "rows_for",
    "scan_conflicts",
    "search_events",
    "set_prep_document",
    "skipped_rows",
    "update_event",
    "weekday_name",
    "zone_name_of",
]
