"""iCalendar use cases: import a .ics file into the store, export the agenda as one (commands and TUI share them).

Import is one transaction and one undoable action ("ics.import" in the change log): either every event of
the file is written or none is. It matches by (UID, RECURRENCE-ID), so importing the same file again updates
what changed and adds nothing; an event whose SEQUENCE is lower than the stored one is left alone (the
store holds a newer version). Rows are written with SQLAlchemy Core `insert()`/`update()` executemany, not
ORM objects (ten times faster on large files, see FACTS.md), so this module does what the session hooks
would: seals the text of confidential rows and writes the change log itself.

What is kept from a file: see `gmassist.domain.ics`. Attendees whose e-mail belongs to a Person in the store
are linked to the event; the others are written into the notes (people are never created silently).
Confidential rows stay confidential on re-import even when the file says CLASS:PUBLIC.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from gmassist.clock import Clock
from gmassist.domain import agenda
from gmassist.domain.ics import Attendee, IcsCalendar, IcsError, IcsEvent, build_ics, iana_zone, parse_ics
from gmassist.errors import InvalidInput, StoreReadOnly
from gmassist.i18n import _
from gmassist.store import crypto
from gmassist.store.models import Change, Event, EventAttendee, Person, new_id, table_of
from gmassist.store.store import Store

LABEL = "ics.import"
"""The change-log label of an import (what undo names)."""

_CHUNK = 500
"""Ids per IN (...) query."""

_FAR_PAST = datetime(1900, 1, 1, tzinfo=UTC)
_FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)

_COMPARED = (
    "title",
    "kind",
    "start",
    "end",
    "start_tz",
    "end_tz",
    "all_day",
    "location",
    "notes",
    "rrule",
    "exdates",
    "series_id",
    "recurrence_id",
    "reminders",
    "uid",
    "sequence",
    "confidential",
)
"""The columns an import writes (and compares, to leave unchanged rows alone)."""


# --- reading files and the local zone ------------------------------------------------------------------------


def local_zone_name(clock: Clock) -> str:
    """The IANA name of the local zone: the clock's zone, else TZ, else /etc/timezone or /etc/localtime, else UTC.

    Floating times and all-day events of imported files are placed in it.
    """
    key = getattr(clock.now().tzinfo, "key", None)
    if isinstance(key, str) and iana_zone(key) is not None:
        return key
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name and "/" in name and iana_zone(name) is not None:
            return name
    return "UTC"


def read_calendar(path: Path, local_zone: str) -> IcsCalendar:
    """Read and parse a .ics file; InvalidInput naming the file (and the line) when it cannot be."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InvalidInput(_("no such file: {path}").format(path=path)) from exc
    except OSError as exc:
        raise InvalidInput(_("cannot read {path}: {error}").format(path=path, error=exc.strerror)) from exc
    try:
        return parse_ics(data, local_zone)
    except IcsError as exc:
        raise IcsError(exc.line, exc.why, source=path.name) from exc


# --- import -----------------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did, for the one line the command prints and the TUI's notification."""

    created: int = 0
    """Events added."""
    updated: int = 0
    """Events that were in the store (same UID and RECURRENCE-ID) and changed."""
    unchanged: int = 0
    """Events already in the store exactly as in the file."""
    older: int = 0
    """Events left alone because the store holds a later SEQUENCE."""
    linked: int = 0
    """Attendee links added to people already in the store."""
    name: str = ""
    """The calendar's name (X-WR-CALNAME)."""
    warnings: list[str] = field(default_factory=list)
    """What the file held that was not imported, one line each."""

    def summary(self) -> str:
        """One translated line."""
        text = _("{created} new, {updated} updated, {unchanged} unchanged").format(
            created=self.created, updated=self.updated, unchanged=self.unchanged
        )
        if self.older:
            text += _("; {n} left alone (the store has a newer version)").format(n=self.older)
        if self.linked:
            text += _("; {n} attendee link(s) to known people").format(n=self.linked)
        return text


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for index in range(0, len(values), _CHUNK):
        yield values[index : index + _CHUNK]


def _own_id(uid: str) -> str | None:
    """The store id inside a UID that an export made up for a row without one ("<id>@gmassist")."""
    return uid[: -len("@gmassist")] if uid.endswith("@gmassist") else None


def _existing(
    connection: Connection, calendar: IcsCalendar
) -> dict[tuple[str, datetime | None], dict[str, Any]]:
    """Stored rows the file's events match, by (UID, RECURRENCE-ID)."""
    table = table_of(Event)
    uids = sorted({e.uid for e in calendar.events})
    found: dict[tuple[str, datetime | None], dict[str, Any]] = {}
    for chunk in _chunks(uids):
        for row in connection.execute(select(table).where(table.c.uid.in_(chunk))).mappings():
            found.setdefault((row["uid"], _utc(row["recurrence_id"])), dict(row))
    own = {own_id: uid for uid in uids if (own_id := _own_id(uid))}
    for chunk in _chunks(sorted(own)):
        query = select(table).where(
            table.c.uid.is_(None), table.c.id.in_(chunk) | table.c.series_id.in_(chunk)
        )
        for row in connection.execute(query).mappings():
            uid = own[row["series_id"] or row["id"]]
            found.setdefault((uid, _utc(row["recurrence_id"])), dict(row))
    return found


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _people(store: Store, connection: Connection, emails: set[str]) -> dict[str, str]:
    """e-mail (lower case) -> person id, for the people in the store with one of `emails`.

    Confidential people count only while the confidential key is unlocked (their address is sealed).
    """
    if not emails:
        return {}
    table = table_of(Person)
    out: dict[str, str] = {}
    for row in connection.execute(select(table.c.id, table.c.email, table.c.confidential)).mappings():
        email = row["email"]
        if row["confidential"]:
            if not store.confidential_unlocked:
                continue
            email = store.reveal("person", "email", row["id"], email)
        key = (email or "").strip().lower()
        if key in emails:
            out.setdefault(key, row["id"])
    return out


def confidential_needed(store: Store, calendar: IcsCalendar) -> int:
    """How many events of the file need the confidential key to be imported (0: none).

    Private/confidential events in the file need it, and so do events that update a confidential row.
    """
    count = sum(1 for e in calendar.events if e.confidential)
    with store.engine.connect() as connection:
        count += sum(
            1
            for key, row in _existing(connection, calendar).items()
            if row["confidential"] and not any(e.key == key and e.confidential for e in calendar.events)
        )
    return count


def _notes(event: IcsEvent, people: dict[str, str]) -> str:
    """The event's notes, with the attendees not known as people written in."""
    unknown = [a for a in event.attendees if a.email not in people or not a.email]
    organizer = [a.label() for a in unknown if a.organizer]
    attendees = [a.label() for a in unknown if not a.organizer]
    lines = []
    if organizer:
        lines.append(_("Organizer: {who}").format(who=", ".join(organizer)))
    if attendees:
        lines.append(_("Attendees: {who}").format(who=", ".join(attendees)))
    if not lines:
        return event.notes
    return (event.notes + "\n\n" if event.notes else "") + "\n".join(lines)


def _seal(store: Store, row_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a confidential row's values: its text fields sealed to this row."""
    key = store.confidential_key()
    sealed = dict(values)
    for column in Event.__sealed__:
        value = sealed.get(column)
        if isinstance(value, str) and value and not crypto.is_sealed(value):
            sealed[column] = crypto.seal(key, "event", column, row_id, value)
    return sealed


def _plain(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    """A stored row with its sealed text opened (the key must be unlocked for confidential rows)."""
    if not row["confidential"]:
        return row
    store.confidential_key()
    return store.reveal_row("event", row)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old.astimezone(UTC) == new.astimezone(UTC)
    return bool(old == new)


def _change(
    action: str,
    now: datetime,
    actor: str,
    table: Any,
    row_id: str,
    op: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    """A change-log row, as store.Store's session hooks write them (sealed values stay sealed)."""

    def dump(values: dict[str, Any] | None) -> str:
        if values is None:
            return ""
        # codec.row_to_json's form, without its per-column type dispatch: event and link rows hold only
        # text, numbers, booleans and aware datetimes (a third of an import's time went here).
        plain = {name: values.get(name) for name in table.columns.keys()}  # noqa: SIM118
        for name, value in plain.items():
            if isinstance(value, datetime):
                plain[name] = value.astimezone(UTC).isoformat()
        return json.dumps(plain, ensure_ascii=False, sort_keys=True)

    return {
        "action_id": action,
        "at": now,
        "actor": actor,
        "label": LABEL,
        "table_name": table.name,
        "row_id": row_id,
        "op": op,
        "before": dump(before),
        "after": dump(after),
        "undoes": None,
    }


def import_calendar(store: Store, calendar: IcsCalendar) -> ImportReport:
    """Write the file's events into the store as one transaction; returns what was done.

    New events are inserted, known ones (same UID and RECURRENCE-ID) updated when they changed, overrides
    pointed at their series. Raises Locked when a confidential event needs the key and it is locked
    (check `confidential_needed` first); StoreReadOnly on a damaged store.
    """
    if store.damage:
        raise StoreReadOnly(_("the store is damaged and open read-only; run `gmassist doctor`"))
    report = ImportReport(name=calendar.name, warnings=list(calendar.warnings))
    events_table, links_table, log = table_of(Event), table_of(EventAttendee), table_of(Change)
    now = store.clock.now().astimezone(UTC)
    action = new_id()
    emails = {a.email for e in calendar.events for a in e.attendees if a.email}
    with store.engine.begin() as connection:
        existing = _existing(connection, calendar)
        people = _people(store, connection, emails)
        series_ids: dict[str, str] = {}
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        wanted_links: dict[str, set[str]] = {}
        for event in calendar.events:
            row = existing.get(event.key)
            row_id = row["id"] if row is not None else new_id()
            if event.recurrence_id is None:
                series_ids[event.uid] = row_id
            values: dict[str, Any] = {
                "title": event.title,
                "kind": event.kind or (row["kind"] if row is not None else "meeting"),
                "start": event.start,
                "end": event.end,
                "start_tz": event.start_tz,
                "end_tz": event.end_tz,
                "all_day": event.all_day,
                "location": event.location,
                "notes": _notes(event, people),
                "rrule": event.rrule,
                "exdates": event.exdates,
                "series_id": None,
                "recurrence_id": event.recurrence_id,
                "reminders": event.reminders,
                "uid": event.uid,
                "sequence": event.sequence,
                "confidential": event.confidential or bool(row is not None and row["confidential"]),
            }
            if event.recurrence_id is not None:
                values["series_id"] = series_ids.get(event.uid) or (
                    existing[(event.uid, None)]["id"] if (event.uid, None) in existing else None
                )
            people_here = {people[a.email] for a in event.attendees if a.email in people}
            if people_here:
                wanted_links[row_id] = people_here
            if row is None:
                stored = {"id": row_id, "created": now, "updated": now, **values}
                if stored["confidential"]:
                    stored = _seal(store, row_id, stored)
                inserts.append(stored)
                changes.append(
                    _change(action, now, store.actor, events_table, row_id, "insert", None, stored)
                )
                report.created += 1
                continue
            if row["uid"] is None:
                values["uid"] = (
                    None  # matched by the "<id>@gmassist" UID an export made up: keep it as it was
                )
            if event.sequence < (row["sequence"] or 0):
                report.older += 1
                continue
            plain = _plain(store, row)
            if all(_same(plain[name], values[name]) for name in _COMPARED):
                report.unchanged += 1
                continue
            stored = {**values, "updated": now}
            before = row
            if stored["confidential"]:
                stored = _seal(store, row_id, stored)
                if not row["confidential"]:  # marked confidential by this file: no plain text left behind
                    before = _seal(store, row_id, row)
                    _scrub_history(store, connection, row_id)
            updates.append({"row_id": row_id, **stored})
            changes.append(
                _change(action, now, store.actor, events_table, row_id, "update", before, {**row, **stored})
            )
            report.updated += 1
        if inserts:
            connection.execute(insert(events_table), inserts)
        if updates:
            statement = update(events_table).where(events_table.c.id == bindparam("row_id"))
            connection.execute(statement, updates)
        links = _new_links(connection, wanted_links)
        if links:
            connection.execute(insert(links_table), links)
            for link in links:
                row_id = f"{link['event_id']}|{link['person_id']}"
                changes.append(_change(action, now, store.actor, links_table, row_id, "insert", None, link))
        report.linked = len(links)
        if changes:
            connection.execute(insert(log), changes)
    return report


def _scrub_history(store: Store, connection: Connection, row_id: str) -> None:
    """An event that turns confidential: seal its text in the change log's earlier entries too (as the
    store's session hooks do when an item is marked confidential)."""
    log = table_of(Change)
    entries = connection.execute(
        select(log.c.seq, log.c.before, log.c.after).where(
            log.c.table_name == "event", log.c.row_id == row_id
        )
    ).all()
    for seq, before, after in entries:
        fixed = {}
        for name, raw in (("before", before), ("after", after)):
            if raw:
                values = _seal(store, row_id, json.loads(raw))
                fixed[name] = json.dumps(values, ensure_ascii=False, sort_keys=True)
        if fixed:
            connection.execute(update(log).where(log.c.seq == seq).values(**fixed))


def _new_links(connection: Connection, wanted: dict[str, set[str]]) -> list[dict[str, str]]:
    """The attendee links in `wanted` (event id -> person ids) that are not stored yet. Links are only
    added: someone added to a meeting here stays when the organizer's file is imported again."""
    if not wanted:
        return []
    table = table_of(EventAttendee)
    have: set[tuple[str, str]] = set()
    for chunk in _chunks(sorted(wanted)):
        query = select(table.c.event_id, table.c.person_id).where(table.c.event_id.in_(chunk))
        have.update((row.event_id, row.person_id) for row in connection.execute(query))
    return [
        {"event_id": event_id, "person_id": person_id}
        for event_id, people in wanted.items()
        for person_id in sorted(people)
        if (event_id, person_id) not in have
    ]


# --- export -----------------------------------------------------------------------------------------------------


@dataclass
class IcsExport:
    """An export: the file's bytes and what went into it."""

    data: bytes
    events: int
    """Events (rows: series count once, overrides once each) written."""
    left_out: int
    """Confidential (or damaged) rows left out."""


def day_bounds(
    first: date | None, last: date | None, zone_name: str
) -> tuple[datetime | None, datetime | None]:
    """[local midnight of `first`, local midnight after `last`) in UTC: the window of --from/--to."""
    tz = agenda.zone(zone_name)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)

    return (
        midnight(first) if first else None,
        midnight(last + timedelta(days=1)) if last else None,
    )


def _record(row: dict[str, Any], attendees: Sequence[Attendee]) -> IcsEvent:
    return IcsEvent(
        id=row["id"],
        uid=row["uid"] or "",
        title=row["title"],
        kind=row["kind"],
        start=row["start"].astimezone(UTC),
        end=row["end"].astimezone(UTC),
        start_tz=row["start_tz"],
        end_tz=row["end_tz"],
        all_day=bool(row["all_day"]),
        rrule=row["rrule"],
        exdates=row["exdates"] or "",
        series_id=row["series_id"],
        recurrence_id=_utc(row["recurrence_id"]),
        location=row["location"] or "",
        notes=row["notes"] or "",
        confidential=bool(row["confidential"]),
        sequence=row["sequence"] or 0,
        reminders=row["reminders"] or "",
        attendees=tuple(attendees),
    )


def _attendees(store: Store, connection: Connection, include_confidential: bool) -> dict[str, list[Attendee]]:
    """event id -> its linked people with an e-mail (confidential people only when they are included)."""
    links, people = table_of(EventAttendee), table_of(Person)
    query = select(links.c.event_id, people.c.id, people.c.name, people.c.email, people.c.confidential).join(
        people, people.c.id == links.c.person_id
    )
    out: dict[str, list[Attendee]] = {}
    for row in connection.execute(query).mappings():
        name, email = row["name"], row["email"]
        if row["confidential"]:
            if not include_confidential:
                continue
            name = store.reveal("person", "name", row["id"], name)
            email = store.reveal("person", "email", row["id"], email)
            if ("person", row["id"]) in store.damaged_items:
                continue
        if email:
            out.setdefault(row["event_id"], []).append(Attendee(name, email.strip().lower()))
    return out


def _touches(event: IcsEvent, lo: datetime, hi: datetime) -> bool:
    if event.end > event.start:
        return event.start < hi and event.end > lo
    return lo <= event.start < hi


def _series_touches(series: IcsEvent, lo: datetime, hi: datetime, open_ended: bool) -> bool:
    """Whether a series has an occurrence in [lo, hi); `open_ended`: no --to was given."""
    if series.start >= hi:
        return False
    rule = agenda.parse_rule(series.rrule or "")
    if open_ended and rule.count is None and rule.until is None:
        return True  # it never ends
    return bool(agenda.expand([series], lo, hi))


def _in_window(records: list[IcsEvent], start: datetime | None, end: datetime | None) -> list[IcsEvent]:
    """The series with an occurrence in [start, end), their overrides, and the single events in it."""
    if start is None and end is None:
        return records
    lo, hi = start or _FAR_PAST, end or _FAR_FUTURE
    kept: set[str] = set()
    for record in records:
        if record.recurrence_id is not None:
            continue
        if record.rrule:
            if _series_touches(record, lo, hi, end is None):
                kept.add(record.id)
        elif _touches(record, lo, hi):
            kept.add(record.id)
    series = {r.id for r in records if r.recurrence_id is None}
    return [
        r
        for r in records
        if r.id in kept
        or (r.recurrence_id is not None and r.series_id in kept)
        or (r.recurrence_id is not None and r.series_id not in series and _touches(r, lo, hi))
    ]


def export_calendar(
    store: Store,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    include_confidential: bool = False,
    name: str = "",
) -> IcsExport:
    """The agenda (or the events touching [start, end)) as an iCalendar file.

    Confidential events, and the overrides of confidential series, are left out (and counted) unless
    `include_confidential`, which needs the confidential key unlocked (Locked otherwise).
    """
    if include_confidential:
        store.confidential_key()
    table = table_of(Event)
    with store.engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(select(table)).mappings()]
        attendees = _attendees(store, connection, include_confidential)
    left_out = 0
    records: list[IcsEvent] = []
    dropped: set[str] = set()
    for row in rows:
        if row["confidential"]:
            if not include_confidential:
                left_out += 1
                dropped.add(row["id"])
                continue
            row = store.reveal_row("event", row)
            if ("event", row["id"]) in store.damaged_items:
                left_out += 1
                dropped.add(row["id"])
                continue
        records.append(_record(row, attendees.get(row["id"], ())))
    by_id = {r.id: r for r in records}
    kept_records = []
    for record in records:
        if record.series_id in dropped:
            left_out += 1
            continue
        master = by_id.get(record.series_id or "")
        if record.recurrence_id is not None and master is not None and not record.uid:
            record.uid = master.uid or f"{master.id}@gmassist"
        kept_records.append(record)
    chosen = _in_window(kept_records, start, end)
    data = build_ics(chosen, now=store.clock.now(), name=name)
    return IcsExport(data=data, events=len(chosen), left_out=left_out)
