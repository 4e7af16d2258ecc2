"""收文 search: the inbox list for one search box text, counted and read a page at a time, and saved views.

Documents that are not confidential are found in SQL: words through the trigram FTS5 index of
store.fts (terms of one or two characters through the trigrams that begin with them), filters on the
document's columns. The document table is read through `ix_document_list`, which holds every column the
list filters on, so neither a count nor a filter reads the rows (which hold the extracted text, so a
scan of them reads the text of the whole inbox). Confidential documents are never indexed: their text is
opened and matched in memory, only while unlocked, and forgotten as soon as a search finds the store
locked.

Called from worker threads and the command line, never from the event loop.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel import select as orm_select

from gmassist.domain.inbox import SearchQuery, State
from gmassist.errors import InvalidInput
from gmassist.i18n import _
from gmassist.store import fts
from gmassist.store.base import PerStore
from gmassist.store.models import Department, Document, SavedView, Tag, Tagging, not_confidential, table_of
from gmassist.store.queries import ReadAs, Window
from gmassist.store.store import Store

DOCUMENT_KIND = "document"
"""`Link`/`Tagging` kind of a document."""

_DOC = table_of(Document)
_TAG = table_of(Tag)
_TAGGING = table_of(Tagging)
_DEPT = table_of(Department)

LIST_COLUMNS: tuple[str, ...] = (
    "received",
    "number",
    "title",
    "doc_type",
    "state",
    "state_since",
    "holder",
    "urgency",
    "security_level",
    "reply_by",
    "version",
    "department_id",
)
"""Document columns the list reads (never the extracted text)."""


# --- search -----------------------------------------------------------------------------------------------


class _ConfidentialTexts:
    """The searchable text of confidential documents, opened in memory while unlocked, and forgotten
    as soon as a search finds the store locked. Never written anywhere."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, tuple[datetime, str, str]] = {}
        """id -> (updated, folded text of every searchable field and tag, folded sender)."""

    def matching(self, store: Store, terms: Sequence[str], senders: Sequence[str]) -> list[str]:
        with self.lock:
            if not store.confidential_unlocked:
                self.entries.clear()
                return []
            self._refresh(store)
            folded_terms = [fold(t) for t in terms]
            folded_senders = [fold(s) for s in senders]
            return [
                doc_id
                for doc_id, (_updated, text, sender) in self.entries.items()
                if all(t in text for t in folded_terms)
                and (not folded_senders or any(s in sender for s in folded_senders))
            ]

    def _refresh(self, store: Store) -> None:
        with store.engine.connect() as connection:
            current: dict[str, datetime] = dict(
                connection.execute(
                    select(_DOC.c.id, _DOC.c.updated).where(_DOC.c.confidential.is_(True))
                ).all()
            )
            for doc_id in set(self.entries) - set(current):
                del self.entries[doc_id]
            stale = [
                doc_id
                for doc_id, updated in current.items()
                if self.entries.get(doc_id, (None,))[0] != updated
            ]
            for start in range(0, len(stale), 500):
                batch = stale[start : start + 500]
                rows = (
                    connection.execute(
                        select(_DOC.c.id, _DOC.c.updated, *(_DOC.c[c] for c in fts.COLUMNS)).where(
                            _DOC.c.id.in_(batch)
                        )
                    )
                    .mappings()
                    .all()
                )
                tag_rows = connection.execute(
                    select(_TAGGING.c.item_id, _TAG.c.name)
                    .join(_TAG, _TAG.c.id == _TAGGING.c.tag_id)
                    .where(_TAGGING.c.item_kind == DOCUMENT_KIND, _TAGGING.c.item_id.in_(batch))
                ).all()
                tags: dict[str, list[str]] = {}
                for item_id, name in tag_rows:
                    tags.setdefault(item_id, []).append(name)
                for row in rows:
                    values = store.reveal_row(
                        _DOC.name, {"id": row["id"], **{c: row[c] for c in fts.COLUMNS}}
                    )
                    text = "\n".join([*(str(values[c] or "") for c in fts.COLUMNS), *tags.get(row["id"], [])])
                    self.entries[row["id"]] = (
                        row["updated"],
                        fold(text),
                        fold(str(values["sender"] or "")),
                    )


_CONFIDENTIAL_TEXTS: PerStore[_ConfidentialTexts] = PerStore(_ConfidentialTexts)


def forget_confidential_texts(store: Store) -> None:
    """Drop the opened confidential texts now (the app calls it on lock; searches do it when locked)."""
    texts = _CONFIDENTIAL_TEXTS.peek(store)
    if texts is not None:
        with texts.lock:
            texts.entries.clear()


def fold(text: str) -> str:
    """Text as the in-memory search compares it: NFKC (full-width letters and digits as half-width) and
    case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def _term_condition(term: str, connection: Any) -> ColumnElement[bool]:
    """A non-confidential document whose text or tags contain `term`, answered by the trigram index:
    a term of 3+ characters is one phrase; a shorter one is every trigram of the index that begins with
    it (each value is indexed with a sentinel after it, so that finds every occurrence)."""
    if len(term) >= fts.MIN_TRIGRAM_CHARS:
        expression = fts.phrase(term)
    else:
        expression = " OR ".join(fts.phrase(trigram) for trigram in fts.short_terms(connection, term))
    text_found: ColumnElement[bool] = false()
    if expression:
        text_found = _LISTED.c.id.in_(
            select(fts.map_table.c.doc_id).where(
                fts.map_table.c.fts_rowid.in_(
                    select(fts.fts_table.c.rowid).where(
                        fts.fts_table.c[fts.FTS_TABLE].op("MATCH")(expression)
                    )
                )
            )
        )
    tagged = _LISTED.c.id.in_(
        select(_TAGGING.c.item_id)
        .join(_TAG, _TAG.c.id == _TAGGING.c.tag_id)
        .where(_TAGGING.c.item_kind == DOCUMENT_KIND, _TAG.c.name.contains(term, autoescape=True))
    )
    return or_(text_found, tagged)


def _tag_condition(name: str) -> ColumnElement[bool]:
    return _LISTED.c.id.in_(
        select(_TAGGING.c.item_id)
        .join(_TAG, _TAG.c.id == _TAGGING.c.tag_id)
        .where(_TAGGING.c.item_kind == DOCUMENT_KIND, func.lower(_TAG.c.name) == name.lower())
    )


def _department_condition(name: str) -> ColumnElement[bool]:
    named = select(_DEPT.c.id).where(not_confidential(_DEPT), _DEPT.c.name.contains(name, autoescape=True))
    return or_(
        _LISTED.c.department_id == name,
        _LISTED.c.holder == name,
        _LISTED.c.department_id.in_(named),
        _LISTED.c.holder.in_(named),
        _LISTED.c.holder.contains(name, autoescape=True),
    )


LIST_INDEX = "ix_document_list"
"""The index the list reads through (received first, then every column it filters on, then the id)."""


_LISTED = ReadAs(_DOC, f"INDEXED BY {LIST_INDEX}")
"""The document table for the list's queries, read through the list index: filters and counts are then
answered from the index, and only the rows of the page shown are read (a document row holds the extracted
text, often kilobytes, so a scan of the rows reads the text of the whole inbox)."""


def latest_versions() -> ColumnElement[bool]:
    """Only the latest version of each draft (older versions stay reachable from the document)."""
    newer = aliased(_DOC)
    return ~exists().where(newer.c.parent_id == _LISTED.c.id)


@dataclass
class DocumentSearch:
    """The inbox list for one search: counts and pages of documents, newest received first.

    The conditions are built on the first call, in the caller's thread (a worker's): confidential
    documents are matched in memory there, while unlocked."""

    store: Store
    query: SearchQuery = field(default_factory=SearchQuery)
    zone: tzinfo | None = None
    """The zone the query's dates are in."""
    include_archived: bool = False
    """Show archived documents when the query names no state and has no words."""
    _where: list[ColumnElement[bool]] | None = None
    _window: Window | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The SQL conditions of the query (built once)."""
        if self._where is not None:
            return self._where
        query = self.query
        where: list[ColumnElement[bool]] = [latest_versions()]
        if query.states:
            where.append(_LISTED.c.state.in_([s.value for s in query.states]))
        elif not self.include_archived and not query.terms:
            where.append(_LISTED.c.state != State.ARCHIVED.value)
        if query.doc_types:
            where.append(_LISTED.c.doc_type.in_([t.value for t in query.doc_types]))
        if query.levels:
            where.append(_LISTED.c.security_level.in_([level.value for level in query.levels]))
        if query.urgencies:
            where.append(_LISTED.c.urgency.in_([u.value for u in query.urgencies]))
        where.extend(_tag_condition(tag) for tag in query.tags)
        if query.departments:
            where.append(or_(*(_department_condition(d) for d in query.departments)))
        zone = self.zone or self.store.clock.now().tzinfo
        assert zone is not None
        start, end = query.received_bounds(zone)
        if start is not None:
            where.append(_LISTED.c.received >= start)
        if end is not None:
            where.append(_LISTED.c.received < end)
        if query.terms or query.senders:
            plain: list[ColumnElement[bool]] = [not_confidential(_LISTED)]
            with self.store.engine.connect() as connection:
                plain.extend(_term_condition(term, connection) for term in query.terms)
            if query.senders:
                plain.append(or_(*(_LISTED.c.sender.contains(s, autoescape=True) for s in query.senders)))
            found = _CONFIDENTIAL_TEXTS.of(self.store).matching(self.store, query.terms, query.senders)
            where.append(or_(and_(*plain), _LISTED.c.id.in_(found)) if found else and_(*plain))
        self._where = where
        return where

    def window(self) -> Window:
        """The list as a store window (built once, with the conditions)."""
        if self._window is None:
            order = [_LISTED.c.received.desc()]
            self._window = Window(
                self.store, Document, LIST_COLUMNS, order, self.conditions(), source=_LISTED
            )
        return self._window

    def count(self) -> int:
        """How many documents match."""
        return self.window().count()

    def fetch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """Documents offset..offset+limit (list columns only), sealed values opened or masked."""
        return self.window().fetch(offset, limit)

    def index_of(self, document_id: str) -> int | None:
        """Where the document is in the list now, or None when it is not in it."""
        return self.window().index_of(document_id)


def search(
    store: Store, text: str = "", *, limit: int = 1000, zone: tzinfo | None = None
) -> list[dict[str, Any]]:
    """The documents the search box text finds (SearchSyntaxError when it cannot be read), newest first."""
    return DocumentSearch(store, SearchQuery.parse(text), zone).fetch(0, limit)


# --- saved views ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewItem:
    """A saved search."""

    id: str
    name: str
    query: str


def list_views(store: Store, area: str = "inbox") -> list[ViewItem]:
    """The saved views of an area, in order."""
    table = table_of(SavedView)
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(table.c.id, table.c.name, table.c.query)
            .where(table.c.area == area)
            .order_by(table.c.position, table.c.name)
        ).all()
    return [ViewItem(row.id, row.name, row.query) for row in rows]


def save_view(store: Store, name: str, query: str, area: str = "inbox") -> str:
    """Keep a search under a name (an existing view of that name is replaced); returns its id."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("a saved view needs a name"), "name")
    SearchQuery.parse(query)  # refuse what the box could not read
    with store.action("inbox.view.save") as session:
        existing = session.exec(
            orm_select(SavedView).where(col(SavedView.area) == area, col(SavedView.name) == name)
        ).first()
        if existing is not None:
            existing.query = query
            return existing.id
        count = len(session.exec(orm_select(col(SavedView.id)).where(col(SavedView.area) == area)).all())
        now = session.info["now"]
        view = SavedView(area=area, name=name, query=query, position=count, created=now, updated=now)
        session.add(view)
        return view.id


def delete_view(store: Store, view_id: str) -> None:
    """Forget a saved view."""
    with store.action("inbox.view.delete") as session:
        view = session.get(SavedView, view_id)
        if view is not None:
            session.delete(view)
