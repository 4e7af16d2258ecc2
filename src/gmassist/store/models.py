"""SQLModel tables for every module. Ids are stable UUID strings; every datetime is tz-aware.

Each table that holds what a person types names those text fields in `__sealed__`: when the row is
confidential they are stored sealed (see store.crypto.seal) and never in the clear, not even in the
encrypted database.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def new_id() -> str:
    """A fresh stable id."""
    return str(uuid.uuid4())


class Item(SQLModel):
    """Columns every user-visible record has."""

    id: str = Field(default_factory=new_id, primary_key=True)
    """Stable UUID, kept across export and import."""
    created: datetime
    """When the record was made."""
    updated: datetime
    """When the record was last changed."""
    confidential: bool = Field(default=False, index=True)
    """保密: text fields sealed under the confidential key, masked until unlocked, left out of exports."""

    __sealed__: ClassVar[tuple[str, ...]] = ()
    __kind__: ClassVar[str] = ""


# --- people and organisations -----------------------------------------------------------------------


class Organisation(Item, table=True):
    """A company, agency or other body that sends documents or meets the manager."""

    __tablename__ = "organisation"
    __sealed__ = ("name", "notes")
    __kind__ = "organisation"
    name: str
    kind: str = "company"
    """company, government, partner, supplier, customer, other."""
    notes: str = ""


class Department(Item, table=True):
    """A department of the company (sales, R&D, HR...) or of another organisation."""

    __tablename__ = "department"
    __sealed__ = ("name", "notes")
    __kind__ = "department"
    name: str
    organisation_id: str | None = Field(default=None, foreign_key="organisation.id")
    head_id: str | None = None
    """The person heading it (person.id)."""
    notes: str = ""


class Person(Item, table=True):
    """Someone the assistant deals with: attendees, owners of follow-ups, senders of documents."""

    __tablename__ = "person"
    __sealed__ = ("name", "email", "phone", "title", "notes")
    __kind__ = "person"
    name: str
    title: str = ""
    """Job title (销售经理)."""
    email: str = ""
    phone: str = ""
    organisation_id: str | None = Field(default=None, foreign_key="organisation.id")
    department_id: str | None = Field(default=None, foreign_key="department.id")
    notes: str = ""


class Tag(Item, table=True):
    """A label that any item can carry."""

    __tablename__ = "tag"
    __sealed__ = ()
    __kind__ = "tag"
    name: str = Field(unique=True)
    colour: str = ""


class Tagging(SQLModel, table=True):
    """A tag on an item of any kind."""

    __tablename__ = "tagging"
    tag_id: str = Field(foreign_key="tag.id", primary_key=True)
    item_kind: str = Field(primary_key=True)
    item_id: str = Field(primary_key=True, index=True)


class Link(Item, table=True):
    """A link between any two items (an event's papers, a document's follow-ups, a card's meeting)."""

    __tablename__ = "link"
    __table_args__ = (Index("ix_link_a", "a_kind", "a_id"), Index("ix_link_b", "b_kind", "b_id"))
    __kind__ = "link"
    a_kind: str
    a_id: str
    b_kind: str
    b_id: str
    relation: str = "related"
    """related, prepares, source, resolution, contact, attendee..."""


# --- agenda -------------------------------------------------------------------------------------------


class Event(Item, table=True):
    """日程项: a meeting, visit, inspection, travel, focus block or personal appointment; maybe a series."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_start", "start"), Index("ix_event_series", "series_id"))
    __sealed__ = ("title", "location", "notes")
    __kind__ = "event"
    title: str
    kind: str = "meeting"
    """meeting, visit, inspection, travel, focus, personal."""
    start: datetime
    start_tz: str = "Asia/Shanghai"
    """IANA zone of the start (a flight leaves Beijing...)."""
    end: datetime
    end_tz: str = "Asia/Shanghai"
    """...and lands in Frankfurt."""
    all_day: bool = False
    location: str = ""
    notes: str = ""
    rrule: str | None = None
    """RFC 5545 RRULE value of a series (without 'RRULE:')."""
    exdates: str = ""
    """Excluded occurrence starts of a series, ISO datetimes separated by commas."""
    series_id: str | None = None
    """For an override of one occurrence: the series it replaces an occurrence of."""
    recurrence_id: datetime | None = None
    """For an override: the original start of the occurrence it replaces."""
    reminders: str = ""
    """Minutes before the start, separated by commas (e.g. '15,60')."""
    uid: str | None = Field(default=None, index=True)
    """iCalendar UID (import updates by UID)."""
    sequence: int = 0


class EventAttendee(SQLModel, table=True):
    """A person attending an event."""

    __tablename__ = "event_attendee"
    event_id: str = Field(foreign_key="event.id", primary_key=True)
    person_id: str = Field(foreign_key="person.id", primary_key=True, index=True)


class PrepItem(Item, table=True):
    """会前准备: one preparation item of a meeting, due a set time before its start."""

    __tablename__ = "prep_item"
    __sealed__ = ("label",)
    __kind__ = "prep_item"
    event_id: str = Field(foreign_key="event.id", index=True)
    label: str
    offset_minutes: int = 0
    """Due this many minutes before the event starts (1440 = a day before)."""
    done: bool = False
    position: int = 0
    document_id: str | None = None


class TripItem(Item, table=True):
    """A part of a trip: a flight, hotel, visa or local contact, grouped under a travel event."""

    __tablename__ = "trip_item"
    __sealed__ = ("title", "details")
    __kind__ = "trip_item"
    event_id: str = Field(foreign_key="event.id", index=True)
    kind: str = "flight"
    """flight, train, hotel, visa, contact, car, other."""
    title: str
    start: datetime | None = None
    end: datetime | None = None
    zone: str = ""
    details: str = ""


# --- file inbox -------------------------------------------------------------------------------------


class Document(Item, table=True):
    """文件: a report, contract, letter or e-mail taken in, routed and archived; or a draft."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_state", "state"),
        Index("ix_document_received", "received"),
        Index("ix_document_parent", "parent_id"),
        # The inbox list filters and counts from this index alone, never reading the rows (which hold
        # the extracted text); see services.inbox.DocumentSearch.
        Index(
            "ix_document_list",
            *("received", "state", "confidential", "doc_type", "security_level", "urgency", "holder"),
            *("department_id", "id"),
        ),
    )
    __sealed__ = ("title", "number", "sender", "recipients", "notes", "body_text", "file_name")
    __kind__ = "document"
    title: str
    number: str = ""
    """文号."""
    doc_type: str = "other"
    """report, contract, letter, email, minutes, notice, other."""
    sender: str = ""
    recipients: str = ""
    department_id: str | None = None
    received: datetime
    reply_by: date | None = None
    security_level: str = "internal"
    """密级: public, internal, confidential, secret (the last two are confidential)."""
    urgency: str = "normal"
    """紧急程度: normal, urgent, very_urgent."""
    state: str = "received"
    """Routing state; see domain.inbox."""
    state_since: datetime
    holder: str = ""
    """Who holds it now (assistant, manager, a department)."""
    notes: str = ""
    body_text: str = ""
    """Text taken out of the file, for search."""
    file_name: str = ""
    mime: str = ""
    size: int = 0
    content_hash: str = Field(default="", index=True)
    """Keyed hash of the content, to tell duplicates."""
    parent_id: str | None = None
    """A draft's earlier version."""
    version: int = 1
    rule_id: str | None = None
    overrides: str = ""
    """Fields the assistant set by hand (classification rules leave them alone)."""


class InboxRule(Item, table=True):
    """A classification rule of the inbox (domain.inbox.Rule): when its pattern matches a document's sender,
    title or text, it sets a type, tags, a department or an urgency. Checked in `position` order."""

    __tablename__ = "inbox_rule"
    __kind__ = "inbox_rule"
    name: str
    """What the assistant called it ("Contracts by title")."""
    target_field: str = "any"
    """Which text it looks at: sender, title, content or any."""
    match_kind: str = "contains"
    """contains, regex or exact."""
    pattern: str
    """The text or regular expression to look for."""
    case_insensitive: bool = True
    set_type: str | None = None
    """The document type it sets (a DocType code)."""
    set_tags: str = ""
    """Tags it adds, separated by commas."""
    set_department: str | None = None
    """The department (its id) it sets."""
    set_urgency: str | None = None
    """The urgency it sets (an Urgency code)."""
    enabled: bool = True
    position: int = 0
    """Order among the rules: the first rule to set a value wins."""


class SavedView(Item, table=True):
    """A search kept under a name (the inbox's saved views)."""

    __tablename__ = "saved_view"
    __kind__ = "saved_view"
    area: str = "inbox"
    """Which screen it belongs to."""
    name: str
    query: str
    """The search box's text (domain.inbox.SearchQuery)."""
    position: int = 0


class RoutingStep(Item, table=True):
    """One step of a document's routing: who moved it, when, from which state to which, and why."""

    __tablename__ = "routing_step"
    __sealed__ = ("comment",)
    __kind__ = "routing_step"
    document_id: str = Field(foreign_key="document.id", index=True)
    from_state: str
    to_state: str
    actor: str
    at: datetime
    holder: str = ""
    comment: str = ""


class Attachment(Item, table=True):
    """A stored file's bytes, kept in chunks (streamed in and out, memory stays bounded)."""

    __tablename__ = "attachment"
    __sealed__ = ("name",)
    __kind__ = "attachment"
    document_id: str = Field(foreign_key="document.id", index=True)
    name: str
    mime: str = ""
    size: int = 0
    chunks: int = 0


class AttachmentChunk(SQLModel, table=True):
    """One chunk of an attachment (sealed a second time when the document is confidential)."""

    __tablename__ = "attachment_chunk"
    attachment_id: str = Field(foreign_key="attachment.id", primary_key=True)
    seq: int = Field(primary_key=True)
    data: bytes


# --- follow-ups -------------------------------------------------------------------------------------

FOLLOWUP_DUE_LAST = "coalesce(due, '9999-12-31')"
"""The due date with "no due date" last: the follow-up list's order, indexed with priority. A query must
write the expression exactly so (services.followups.due_last) for SQLite to use the index."""


class FollowUp(Item, table=True):
    """督办事项: an instruction or resolution passed to an owner, tracked until done."""

    __tablename__ = "followup"
    __table_args__ = (
        Index("ix_followup_due", "due"),
        Index("ix_followup_status", "status"),
        Index("ix_followup_due_last", text(FOLLOWUP_DUE_LAST), "priority"),
        UniqueConstraint("series_id", "instance_date", name="uq_followup_instance"),
    )
    __sealed__ = ("title", "notes", "requested_by")
    __kind__ = "followup"
    title: str
    source_kind: str = "instruction"
    """meeting, instruction, conversation, other."""
    source_id: str | None = None
    owner_id: str | None = Field(default=None, foreign_key="person.id", index=True)
    department_id: str | None = Field(default=None, foreign_key="department.id", index=True)
    requested_by: str = ""
    due: date | None = None
    next_check_in: date | None = None
    priority: int = 2
    """1 high, 2 normal, 3 low."""
    status: str = "open"
    """open, in_progress, waiting, blocked, done, verified, cancelled."""
    notes: str = ""
    done_at: datetime | None = None
    rrule: str | None = None
    """A recurring follow-up's rule (the template row)."""
    series_id: str | None = None
    """An instance's template."""
    instance_date: date | None = None
    """An instance's date within its series (unique per series)."""


class CheckIn(Item, table=True):
    """跟进: one check-in on a follow-up: what was learnt and when to look again. Append-only."""

    __tablename__ = "check_in"
    __table_args__ = (Index("ix_check_in_followup_at", "followup_id", "at"),)
    """(followup_id, at) covers "the latest check-in of these follow-ups", which the list asks per page."""
    __sealed__ = ("note",)
    __kind__ = "check_in"
    followup_id: str = Field(foreign_key="followup.id")
    at: datetime
    note: str = ""
    next_check_in: date | None = None
    kind: str = "check_in"
    """check_in, nudge, status."""
    status_to: str = ""


# --- project boards ----------------------------------------------------------------------------------


class Board(Item, table=True):
    """项目看板: a special project, corporate event or crisis."""

    __tablename__ = "board"
    __sealed__ = ("name", "notes")
    __kind__ = "board"
    code: str = Field(unique=True)
    """Short code for card ids (P3 -> P3-17)."""
    name: str
    kind: str = "project"
    """project, event, crisis."""
    owner_id: str | None = None
    start: date | None = None
    end: date | None = None
    event_date: date | None = None
    status: str = "auto"
    """green, amber, red, or auto (computed from overdue cards)."""
    archived: bool = False
    notes: str = ""
    next_seq: int = 1


class BoardColumn(Item, table=True):
    """A column of a board (To do / Doing / Waiting / Done)."""

    __tablename__ = "board_column"
    __sealed__ = ()
    __kind__ = "board_column"
    board_id: str = Field(foreign_key="board.id", index=True)
    name: str
    position: int = 0
    wip_limit: int | None = None
    is_done: bool = False


class Card(Item, table=True):
    """卡片: a card on a board."""

    __tablename__ = "card"
    __table_args__ = (Index("ix_card_column", "column_id", "position"),)
    __sealed__ = ("title", "notes", "labels")
    __kind__ = "card"
    board_id: str = Field(foreign_key="board.id", index=True)
    column_id: str = Field(foreign_key="board_column.id")
    seq: int
    position: int = 0
    title: str
    owner_id: str | None = None
    due: date | None = None
    labels: str = ""
    notes: str = ""
    blocked_by: str | None = None
    milestone: bool = False
    archived: bool = False


class ChecklistItem(Item, table=True):
    """One item of a card's checklist, with its own due date."""

    __tablename__ = "checklist_item"
    __sealed__ = ("text",)
    __kind__ = "checklist_item"
    card_id: str = Field(foreign_key="card.id", index=True)
    text: str
    due: date | None = None
    done: bool = False
    position: int = 0


class BoardLog(Item, table=True):
    """A timestamped entry in a crisis board's log."""

    __tablename__ = "board_log"
    __sealed__ = ("text",)
    __kind__ = "board_log"
    board_id: str = Field(foreign_key="board.id", index=True)
    at: datetime
    text: str


class BoardContact(Item, table=True):
    """One line of a crisis board's contact list: a role (spokesperson, legal counsel...) and who fills it."""

    __tablename__ = "board_contact"
    __sealed__ = ("role", "name", "phone", "notes")
    __kind__ = "board_contact"
    board_id: str = Field(foreign_key="board.id", index=True)
    role: str
    """The role on the crisis team (发言人, 法务...)."""
    name: str = ""
    """Who fills it (empty until known)."""
    phone: str = ""
    """How to reach them at any hour."""
    notes: str = ""
    person_id: str | None = None
    """The person, when they are in the store (person.id)."""
    position: int = 0
    """Order in the list."""


# --- the Today triage --------------------------------------------------------------------------------


class TriageMark(SQLModel, table=True):
    """An item handled on the Today screen without changing the item itself: seen, snoozed or delegated.

    It hides the item from Today until `until` (None: for good). Holds keys and dates only, no text.
    """

    __tablename__ = "triage_mark"
    item_key: str = Field(primary_key=True)
    """The Today row's key (kind:id, or kind:id:occurrence for an event occurrence)."""
    action: str
    """done, snooze, delegate, block, archive."""
    until: date | None = None
    """Hidden until this day (exclusive: it shows again on this day); None hides it for good."""
    at: datetime
    """When it was handled."""


# --- the change log ----------------------------------------------------------------------------------


class Change(SQLModel, table=True):
    """One row changed by a user action: append-only; the rows of one action share `action_id`.

    `before` and `after` hold the stored column values as JSON (sealed values stay sealed), so undo can
    put a row back exactly.
    """

    __tablename__ = "change"
    seq: int | None = Field(default=None, primary_key=True)
    action_id: str = Field(index=True)
    at: datetime
    actor: str
    label: str
    """What the action was (event.create, card.move, undo...)."""
    table_name: str
    row_id: str
    op: str
    """insert, update, delete, or 'action' for an action's header row."""
    before: str = ""
    after: str = ""
    undoes: str | None = Field(default=None, index=True)
    """For an undo: the action it undid."""


class Meta(SQLModel, table=True):
    """Key/value facts about the store (schema version, store id)."""

    __tablename__ = "meta"
    key: str = Field(primary_key=True)
    value: str


ITEM_TABLES: tuple[type[Item], ...] = (
    Organisation,
    Department,
    Person,
    Tag,
    Link,
    Event,
    PrepItem,
    TripItem,
    Document,
    RoutingStep,
    Attachment,
    FollowUp,
    CheckIn,
    Board,
    BoardColumn,
    Card,
    ChecklistItem,
    BoardLog,
    BoardContact,
    InboxRule,
    SavedView,
)
"""Tables of items, in an order that respects foreign keys (parents first)."""

ALL_TABLES: tuple[type[SQLModel], ...] = (
    *ITEM_TABLES[:6],
    EventAttendee,
    *ITEM_TABLES[6:11],
    AttachmentChunk,
    *ITEM_TABLES[11:],
    Tagging,
    TriageMark,
    Change,
    Meta,
)
"""Every table, parents first."""

BY_NAME: dict[str, type[SQLModel]] = {t.__tablename__: t for t in ALL_TABLES}  # type: ignore[misc]
"""Table classes by table name."""


def table_of(model: type[SQLModel] | SQLModel) -> Any:
    """The SQLAlchemy Table of a table model class or row."""
    return model.__table__  # type: ignore[union-attr]


def not_confidential(table: Any) -> Any:
    """The condition "this row is not confidential", written `confidential IS NOT 1` on purpose.

    Nearly every row matches, so reading the table (or an index that gives the order wanted) is the fast
    way; but SQLite, having no statistics, takes any index for a selective one and walked the index on
    `confidential` row by row for `confidential IS 0`: 7 ms instead of 1 for a page of 20k follow-ups.
    It cannot use an index for IS NOT.
    """
    return table.c.confidential.is_not(True)


def table_name(model: type[SQLModel] | SQLModel) -> str:
    """The table name of a table model class or row."""
    return str(table_of(model).name)
