"""Today: gather the rows of the morning triage from the four modules and carry out the triage keys.

Every triage action is one store action (one transaction, one undo step), so `u` takes back exactly what
the last key did, the row's triage mark included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, literal, or_, select
from sqlmodel import Session
from sqlmodel import select as orm_select

from gmassist.config import Settings
from gmassist.domain import agenda as agenda_domain
from gmassist.domain import followups as fu
from gmassist.domain import inbox as inbox_domain
from gmassist.domain.agenda_view import kind_label
from gmassist.domain.today import TriageItem, arrange, counts, item_key
from gmassist.errors import InvalidInput
from gmassist.i18n import _
from gmassist.services import agenda
from gmassist.store.models import (
    BoardColumn,
    Card,
    Document,
    Event,
    FollowUp,
    Item,
    Link,
    PrepItem,
    TriageMark,
    table_of,
)
from gmassist.store.store import Store

SECTION_LIMIT = 200
"""Rows fetched per section of follow-ups, documents and cards (the most urgent first); the counts stay
whole. A triage screen of thousands of rows would be read by nobody; handled rows make room."""
CARD_HORIZON = timedelta(days=7)
REMINDER_LEAD = timedelta(minutes=15)
BLOCK_LENGTH = timedelta(hours=1)


def _midnight(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time(0), zone)


def _shown(store: Store, table: str, row: dict[str, Any], column: str) -> str:
    value = row[column]
    return str(store.reveal(table, column, row["id"], value) if row.get("confidential") else value or "")


def marks(store: Store) -> dict[str, date | None]:
    """Every triage mark: row key -> the day it shows again (None: never)."""
    table = table_of(TriageMark)
    with store.engine.connect() as connection:
        return {
            row.item_key: row.until for row in connection.execute(select(table.c.item_key, table.c.until))
        }


def gather(store: Store, settings: Settings, now: datetime) -> list[TriageItem]:
    """Today's rows, not yet filtered by triage marks (see `rows`)."""
    zone = now.tzinfo
    today = now.date()
    start, end = _midnight(today, zone), _midnight(today + timedelta(days=2), zone)
    items: list[TriageItem] = []

    for reminder in agenda.reminders_between(store, start, now + REMINDER_LEAD):
        occurrence = reminder.occurrence
        if occurrence.start < now:
            continue
        items.append(
            TriageItem(
                "reminder",
                "reminder",
                occurrence.event_id,
                item_key("reminder", occurrence.event_id, occurrence.start),
                reminder.at,
                occurrence.title,
                _("{n} min before").format(n=reminder.minutes),
                occurrence.confidential,
            )
        )

    rules = agenda.policy(settings, zone)
    flagged = {o.key for o in agenda.scan_conflicts(store, start, end, rules).flagged}
    for occurrence in agenda.occurrences(store, start, end):
        items.append(
            TriageItem(
                "agenda",
                "event",
                occurrence.event_id,
                item_key("event", occurrence.event_id, occurrence.start),
                occurrence.start,
                occurrence.title,
                kind_label(occurrence.kind),
                occurrence.confidential,
                _("conflict") if occurrence.key in flagged else "",
            )
        )

    for need in agenda.meetings_needing_prep(store, now):
        for prep in need.open_items:
            items.append(
                TriageItem(
                    "prep",
                    "prep",
                    prep.id,
                    item_key("prep", prep.id),
                    prep.due or need.occurrence.start,
                    f"{prep.label} · {need.occurrence.title}",
                    _("before {time}").format(
                        time=need.occurrence.start.astimezone(zone).strftime("%m-%d %H:%M")
                    ),
                    need.occurrence.confidential,
                    _("overdue") if prep.due is not None and prep.due < now else "",
                )
            )

    items += _followups(store, today, settings)
    items += _documents(store, now, settings)
    items += _cards(store, today)
    return items


@dataclass(frozen=True)
class Today:
    """What the Today screen shows: the rows (urgent first, at most SECTION_LIMIT of the long sections) and
    how many rows each section really has left."""

    items: list[TriageItem]
    totals: dict[str, int]

    @property
    def left(self) -> int:
        """How many rows are left to triage in all."""
        return sum(self.totals.values())


def load(store: Store, settings: Settings, now: datetime) -> Today:
    """Today's rows in screen order, without those handled (triage marks), and the sections' totals."""
    items = arrange(gather(store, settings, now), marks(store), now.date())
    totals = counts(items)
    for section, total in _long_totals(store, now, settings).items():
        totals[section] = total
    return Today(items, totals)


def rows(store: Store, settings: Settings, now: datetime) -> list[TriageItem]:
    """Today's rows in screen order, without those handled (triage marks)."""
    return load(store, settings, now).items


def _not_hidden(kind: str, id_column: Any, today: date) -> Any:
    """SQL: the row has no triage mark hiding it today."""
    table = table_of(TriageMark)
    hidden = select(table.c.item_key).where(or_(table.c.until.is_(None), table.c.until > today))
    return (literal(f"{kind}:") + id_column).not_in(hidden)


def _followup_filter(today: date) -> list[Any]:
    table = table_of(FollowUp)
    return [
        table.c.status.in_([status.value for status in fu.ACTIVE]),
        table.c.rrule.is_(None),
        or_(table.c.next_check_in <= today, table.c.due < today),
    ]


def _document_filter(today: date) -> list[Any]:
    table = table_of(Document)
    waiting = sorted(s.value for s in inbox_domain.WAITING_ON_ASSISTANT | inbox_domain.WAITING_ON_MANAGER)
    return [table.c.state.in_(waiting)]


def _card_filter(today: date) -> list[Any]:
    cards, columns = table_of(Card), table_of(BoardColumn)
    done = select(columns.c.id).where(columns.c.is_done.is_(True))
    return [cards.c.archived.is_(False), cards.c.due <= today + CARD_HORIZON, cards.c.column_id.not_in(done)]


LONG_SECTIONS: dict[str, tuple[str, Any, Any]] = {
    "checkin": ("followup", FollowUp, _followup_filter),
    "document": ("document", Document, _document_filter),
    "card": ("card", Card, _card_filter),
}
"""The sections fetched SECTION_LIMIT rows at a time: (row kind, table, filter)."""


def _long_totals(store: Store, now: datetime, settings: Settings) -> dict[str, int]:
    """Whole counts of the long sections: the rows that match (an index-only count) less those a triage
    mark hides (a join from the few marks to the rows by id)."""
    today = now.date()
    marks_table = table_of(TriageMark)
    active = or_(marks_table.c.until.is_(None), marks_table.c.until > today)
    totals = {}
    with store.engine.connect() as connection:
        for section, (kind, model, where) in LONG_SECTIONS.items():
            table = table_of(model)
            matching = connection.execute(
                select(func.count()).select_from(table).where(*where(today))
            ).scalar_one()
            marked_id = func.substr(marks_table.c.item_key, len(kind) + 2)
            hidden = connection.execute(
                select(func.count())
                .select_from(marks_table.join(table, table.c.id == marked_id))
                .where(active, marks_table.c.item_key.like(f"{kind}:%"), *where(today))
            ).scalar_one()
            totals[section] = int(matching) - int(hidden)
    return totals


def _followups(store: Store, today: date, settings: Settings) -> list[TriageItem]:
    table = table_of(FollowUp)
    query = (
        select(table)
        .where(*_followup_filter(today), _not_hidden("followup", table.c.id, today))
        .order_by(table.c.status, table.c.due, table.c.id)
        .limit(SECTION_LIMIT)
    )
    items = []
    with store.engine.connect() as connection:
        for row in connection.execute(query).mappings():
            values = dict(row)
            record: Any = _Record(values)
            level = fu.escalation_level(record, today, settings.followups)
            overdue = fu.is_overdue(record, today)
            items.append(
                TriageItem(
                    "checkin",
                    "followup",
                    values["id"],
                    item_key("followup", values["id"]),
                    values["next_check_in"] or values["due"],
                    _shown(store, "followup", values, "title"),
                    _("due {day}").format(day=values["due"]) if values["due"] else "",
                    values["confidential"],
                    fu.escalation_label(level) if overdue else "",
                )
            )
    return items


class _Record:
    """A row mapping seen through attributes (what the domain's protocols read)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _documents(store: Store, now: datetime, settings: Settings) -> list[TriageItem]:
    table = table_of(Document)
    query = (
        select(table.c.id, table.c.title, table.c.state, table.c.state_since, table.c.confidential)
        .where(*_document_filter(now.date()), _not_hidden("document", table.c.id, now.date()))
        .order_by(table.c.state, table.c.state_since, table.c.id)
        .limit(SECTION_LIMIT)
    )
    items = []
    with store.engine.connect() as connection:
        for row in connection.execute(query).mappings():
            values = dict(row)
            state = inbox_domain.State(values["state"])
            on_manager = state in inbox_domain.WAITING_ON_MANAGER
            stale = inbox_domain.is_waiting_too_long(
                state, values["state_since"], now, settings.inbox.stale_days
            )
            items.append(
                TriageItem(
                    "document",
                    "document",
                    values["id"],
                    item_key("document", values["id"]),
                    values["state_since"],
                    _shown(store, "document", values, "title"),
                    _("waiting on the manager") if on_manager else _("waiting on you"),
                    values["confidential"],
                    _("stale") if stale else "",
                )
            )
    return items


def _cards(store: Store, today: date) -> list[TriageItem]:
    cards = table_of(Card)
    query = (
        select(cards.c.id, cards.c.title, cards.c.due, cards.c.confidential)
        .where(*_card_filter(today), _not_hidden("card", cards.c.id, today))
        .order_by(cards.c.due, cards.c.id)
        .limit(SECTION_LIMIT)
    )
    items = []
    with store.engine.connect() as connection:
        for row in connection.execute(query).mappings():
            values = dict(row)
            items.append(
                TriageItem(
                    "card",
                    "card",
                    values["id"],
                    item_key("card", values["id"]),
                    values["due"],
                    _shown(store, "card", values, "title"),
                    str(values["due"]),
                    values["confidential"],
                    _("overdue") if values["due"] < today else "",
                )
            )
    return items


# --- the triage keys -------------------------------------------------------------------------------------


def _mark(session: Session, item: TriageItem, action: str, until: date | None, now: datetime) -> None:
    existing = session.get(TriageMark, item.key)
    if existing is None:
        session.add(TriageMark(item_key=item.key, action=action, until=until, at=now))
    else:
        existing.action, existing.until, existing.at = action, until, now


def _check(item: TriageItem, action: str) -> None:
    if action not in item.actions:
        raise InvalidInput(_("that key does not apply to this row"))


def done(store: Store, item: TriageItem) -> None:
    """d: a follow-up done, a document closed (or marked handled), a card to its board's done column,
    a preparation item ticked; meetings and reminders are marked handled."""
    _check(item, "done")
    now = store.clock.now()
    with store.action("today.done") as session:
        if item.kind == "followup":
            row = session.get(FollowUp, item.item_id)
            if row is not None:
                row.status = fu.transition(fu.Status(row.status), fu.Status.DONE).value
                row.done_at = now
        elif item.kind == "prep":
            prep = session.get(PrepItem, item.item_id)
            if prep is not None:
                prep.done = True
        elif item.kind == "card":
            _card_to_done(session, item.item_id)
        elif item.kind == "document":
            doc = session.get(Document, item.item_id)
            if doc is not None and inbox_domain.Action.CLOSE.value in inbox_domain.allowed_actions(doc.state):
                step = inbox_domain.transition(
                    doc.state, inbox_domain.Action.CLOSE, actor=store.actor, now=now
                )
                _apply_step(session, doc, step)
        _mark(session, item, "done", None, now)


def _card_to_done(session: Session, card_id: str) -> None:
    """Move a card to its board's done column, unless a card it waits for is not done."""
    card = session.get(Card, card_id)
    if card is None:
        return
    columns = session.exec(orm_select(BoardColumn).where(BoardColumn.board_id == card.board_id)).all()
    done_columns = [column for column in columns if column.is_done]
    if not done_columns:
        raise InvalidInput(_("this board has no done column"))
    if card.blocked_by:
        blocker = session.get(Card, card.blocked_by)
        done_ids = {column.id for column in done_columns}
        if blocker is not None and not blocker.archived and blocker.column_id not in done_ids:
            raise InvalidInput(_("blocked by another card that is not done yet"))
    card.column_id = done_columns[0].id


def _apply_step(session: Session, doc: Document, step: Any) -> None:
    from gmassist.store.models import RoutingStep

    session.add(RoutingStep(document_id=doc.id, **step.routing_step_fields()))
    for name, value in step.document_fields().items():
        setattr(doc, name, value)


def snooze(store: Store, item: TriageItem, until: date) -> None:
    """s: out of Today until `until`; a follow-up's next check-in moves there too."""
    _check(item, "snooze")
    now = store.clock.now()
    if until <= now.date():
        raise InvalidInput(_("snooze to a day after today"), "until")
    with store.action("today.snooze") as session:
        if item.kind == "followup":
            row = session.get(FollowUp, item.item_id)
            if row is not None:
                row.next_check_in = until
        _mark(session, item, "snooze", until, now)


def delegate(store: Store, item: TriageItem, owner_id: str | None, owner_name: str, due: date | None) -> str:
    """f: a new follow-up for `owner` about this row, linked to it; the row leaves Today. Returns its id."""
    _check(item, "delegate")
    now = store.clock.now()
    if not owner_name.strip() and owner_id is None:
        raise InvalidInput(_("name the owner"), "owner")
    with store.action("today.delegate") as session:
        followup = FollowUp(
            created=now,
            updated=now,
            title=item.title,
            source_kind="conversation",
            source_id=item.item_id,
            owner_id=owner_id,
            requested_by=owner_name if owner_id is None else "",
            due=due,
            next_check_in=due,
            confidential=item.confidential,
        )
        session.add(followup)
        session.flush()
        session.add(
            Link(
                created=now,
                updated=now,
                a_kind=_link_kind(item),
                a_id=item.item_id,
                b_kind="followup",
                b_id=followup.id,
                relation="delegated",
            )
        )
        _mark(session, item, "delegate", None, now)
        return followup.id


def _link_kind(item: TriageItem) -> str:
    return {"reminder": "event", "prep": "prep_item"}.get(item.kind, item.kind)


def block_time(store: Store, item: TriageItem, settings: Settings) -> datetime:
    """v: a focus block for this row in the next free working hour (this week); returns its start."""
    _check(item, "block")
    now = store.clock.now()
    rules = agenda.policy(settings, now.tzinfo)
    until = _midnight(now.date() + timedelta(days=8), now.tzinfo)
    busy = [
        o for o in agenda.occurrences(store, now - timedelta(days=1), until + timedelta(days=1)) if o.busy
    ]
    slots = agenda_domain.free_slots(
        busy,
        BLOCK_LENGTH,
        now,
        until,
        working_hours=rules.hours,
        zone_name=rules.zone_name,
        buffer=rules.buffer,
        limit=1,
    )
    if not slots:
        raise InvalidInput(_("no free hour in the working hours of the coming week"))
    start = slots[0].start
    with store.action("today.block") as session:
        event = Event(
            created=now,
            updated=now,
            title=_("Focus: {title}").format(title=item.title),
            kind="focus",
            start=start,
            end=start + BLOCK_LENGTH,
            start_tz=rules.zone_name,
            end_tz=rules.zone_name,
            confidential=item.confidential,
        )
        session.add(event)
        session.flush()
        session.add(
            Link(
                created=now,
                updated=now,
                a_kind="event",
                a_id=event.id,
                b_kind=_link_kind(item),
                b_id=item.item_id,
                relation="time_block",
            )
        )
        _mark(session, item, "block", start.astimezone(now.tzinfo).date() + timedelta(days=1), now)
    return start


def archive(store: Store, item: TriageItem) -> None:
    """a: a card archived, a document archived where its state allows; anything else out of Today for good."""
    _check(item, "archive")
    now = store.clock.now()
    with store.action("today.archive") as session:
        if item.kind == "card":
            card = session.get(Card, item.item_id)
            if card is not None:
                card.archived = True
        elif item.kind == "document":
            doc = session.get(Document, item.item_id)
            if doc is not None and inbox_domain.Action.ARCHIVE.value in inbox_domain.allowed_actions(
                doc.state
            ):
                _apply_step(
                    session,
                    doc,
                    inbox_domain.transition(
                        doc.state, inbox_domain.Action.ARCHIVE, actor=store.actor, now=now
                    ),
                )
        _mark(session, item, "archive", None, now)


MODELS: dict[str, type[Item]] = {
    "event": Event,
    "reminder": Event,
    "prep": PrepItem,
    "followup": FollowUp,
    "document": Document,
    "card": Card,
}


def mark_confidential(store: Store, item: TriageItem) -> None:
    """c: the row's item becomes confidential (sealed under the confidential key; needs it unlocked)."""
    _check(item, "confidential")
    store.confidential_key()
    with store.action("today.confidential") as session:
        row = session.get(MODELS[item.kind], item.item_id)
        if row is None:
            raise InvalidInput(_("this row is gone; reload Today"))
        row.confidential = True
        if isinstance(row, Document) and row.security_level in ("public", "internal"):
            row.security_level = "confidential"
