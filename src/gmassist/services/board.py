"""Project boards (项目看板): the use cases the board screen and `gmassist board` share.

The rules (where a card may move, WIP limits, the blocked guard, short ids, health, templates, the
timeline and the Markdown export) are gmassist.domain.board's; this module reads the rows those rules
need and writes what they decide. Reads are light Core selects, so a board of 500 cards loads in a few
milliseconds; every change is one store action (`store.action(label)`), logged, so `store.undo()`
reverts it whole. Nothing here imports Textual: the screen runs these functions in thread workers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, cast, func, or_, select
from sqlmodel import col
from sqlmodel import select as orm_select

from gmassist.domain import board as rules
from gmassist.domain.agenda_view import week_start
from gmassist.domain.board import (
    Blocker,
    BoardError,
    BoardSummary,
    ColumnState,
    Move,
    normalise_code,
    parse_short_id,
    short_id,
)
from gmassist.errors import InvalidInput
from gmassist.i18n import N_, _
from gmassist.i18n import language as current_language
from gmassist.store.models import (
    Board,
    BoardColumn,
    BoardContact,
    BoardLog,
    Card,
    ChecklistItem,
    Document,
    Event,
    FollowUp,
    Item,
    Link,
    Person,
    not_confidential,
    table_of,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from gmassist.clock import Clock
    from gmassist.domain.quickadd import QuickAdd
    from gmassist.store.store import Store

KINDS = ("project", "event", "crisis")
"""The kinds of board: a special project, a corporate event, a crisis."""
KIND_LABELS = {"project": N_("project"), "event": N_("event"), "crisis": N_("crisis")}
"""English source of each kind's label (translate with `_` where shown)."""
STATUSES = ("auto", "green", "amber", "red")
"""A board's status setting: computed from its cards (auto) or set by hand."""
LINK_KINDS = ("event", "document", "followup")
"""What a card can link to: agenda events, documents of the inbox, follow-ups."""
DEFAULT_COLUMNS = rules.PROJECT_LAUNCH.columns
"""The standard columns of a new board (To do, Doing with a WIP limit of 5, Waiting, Done), as in every
template but the crisis one."""
_LINK_MODELS: dict[str, type[Item]] = {"event": Event, "document": Document, "followup": FollowUp}
_LABEL_SPLIT = re.compile(r"[,，、;；]+")
_CRISIS_OPENED = {"en": "Crisis board opened", "zh": "危机应对看板建立"}
"""The first entry of a crisis board's log, in the board's language (data, not interface text)."""


# --- what the screen and the commands see ---------------------------------------------------------


@dataclass(frozen=True)
class BoardInfo:
    """A board as shown: texts revealed, or masked while confidential items are locked."""

    id: str
    code: str
    """Upper-case code used in short ids (P3 in P3-17)."""
    name: str
    kind: str
    """project, event or crisis."""
    status: str
    """The status setting: auto, green, amber or red."""
    owner_id: str | None
    owner_name: str
    start: date | None
    end: date | None
    event_date: date | None
    archived: bool
    confidential: bool
    notes: str = ""
    damaged: bool = False
    """A sealed value failed to open."""

    @property
    def label(self) -> str:
        """'P3 Annual meeting': how boards are named in messages."""
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class ColumnInfo:
    """A column of a board (satisfies domain.board.ColumnLike)."""

    id: str
    name: str
    position: int
    wip_limit: int | None
    is_done: bool


@dataclass(frozen=True)
class CardInfo:
    """A card as the board draws it (satisfies domain.board.CardLike)."""

    id: str
    seq: int
    short_id: str
    """P3-17."""
    title: str
    column_id: str
    position: int
    owner_id: str | None
    owner_name: str
    due: date | None
    labels: tuple[str, ...]
    blocked_by: str | None
    """The card this one waits for (its id)."""
    blocker_short_id: str
    """That card's short id while it is on the board and not archived, else empty."""
    milestone: bool
    archived: bool
    checklist_done: int
    checklist_total: int
    confidential: bool
    damaged: bool = False


@dataclass(frozen=True)
class LogEntry:
    """An entry of a crisis board's log (satisfies domain.board.LogEntryLike)."""

    id: str
    at: datetime
    text: str


@dataclass(frozen=True)
class ContactInfo:
    """A line of a crisis board's contact list."""

    id: str
    role: str
    name: str
    phone: str
    position: int


@dataclass(frozen=True)
class BoardSnapshot:
    """Everything the board screen draws for one board, read in one go."""

    board: BoardInfo
    columns: tuple[ColumnInfo, ...]
    """By position."""
    cards: tuple[CardInfo, ...]
    """The cards not archived, in board order (column, then position)."""
    log: tuple[LogEntry, ...] = ()
    """A crisis board's log, oldest first."""
    contacts: tuple[ContactInfo, ...] = ()
    """A crisis board's contact list."""

    @property
    def done_columns(self) -> frozenset[str]:
        """Ids of the done columns."""
        return frozenset(c.id for c in self.columns if c.is_done)

    def column_states(self) -> list[rules.ColumnState]:
        """The columns as the domain's moves see them."""
        return rules.column_states(self.columns, self.cards)

    def summary(self, today: date) -> BoardSummary:
        """Health and progress."""
        return rules.summarize(self.board.status, self.cards, self.done_columns, today)


@dataclass(frozen=True)
class BoardOverview:
    """One line of the list of boards."""

    board: BoardInfo
    summary: BoardSummary
    next_milestone: tuple[date, str] | None
    """The next milestone not done: its date and short id and title."""


@dataclass(frozen=True)
class ChecklistInfo:
    """One checklist item."""

    id: str
    text: str
    due: date | None
    done: bool
    position: int


@dataclass(frozen=True)
class LinkInfo:
    """A link from a card to an event, document or follow-up."""

    id: str
    kind: str
    """event, document or followup."""
    target_id: str
    title: str
    when: str
    """The target's date, ISO, or empty."""


@dataclass(frozen=True)
class CardDetail:
    """A card with its notes, checklist and links, for the card window."""

    card: CardInfo
    board: BoardInfo
    notes: str
    checklist: tuple[ChecklistInfo, ...]
    links: tuple[LinkInfo, ...]
    blocker_title: str
    """'P3-12 Budget agreed' when blocked, else empty."""


@dataclass(frozen=True)
class CardRef:
    """What creating a card gives back: enough to name it."""

    id: str
    short_id: str
    """P3-18."""
    title: str
    board_id: str
    board_name: str
    due: date | None = None
    owner_id: str | None = None

    def __str__(self) -> str:
        """The line `gmassist add` prints: 'Card P3-18 added to 年会 2027: Book the venue (due 2026-12-10)'."""
        line = _("Card {card} added to {board}: {title}").format(
            card=self.short_id, board=self.board_name, title=self.title
        )
        if self.due is not None:
            line += " " + _("(due {day})").format(day=self.due.isoformat())
        return line


@dataclass(frozen=True)
class CardForm:
    """A card as typed in the card window (owner by name, blocker by short id)."""

    title: str
    owner: str = ""
    """A person's name; empty for none. An unknown name adds the person."""
    due: date | None = None
    labels: tuple[str, ...] = ()
    notes: str = ""
    blocked_by: str = ""
    """A short id on the same board (P3-12, or just 12); empty for none."""
    milestone: bool = False


@dataclass(frozen=True)
class BoardForm:
    """A board as typed in the board window."""

    name: str
    code: str = ""
    """Empty: the next free P-number."""
    kind: str = "project"
    owner: str = ""
    start: date | None = None
    end: date | None = None
    event_date: date | None = None
    status: str = "auto"


@dataclass(frozen=True)
class ColumnForm:
    """A column as edited: an existing one (id) or a new one (id None)."""

    name: str
    wip_limit: int | None = None
    is_done: bool = False
    id: str | None = None


@dataclass(frozen=True)
class ContactForm:
    """A line of the contact list as edited."""

    role: str
    name: str = ""
    phone: str = ""
    id: str | None = None


@dataclass(frozen=True)
class LinkTarget:
    """Something a card can be linked to, found by its title."""

    kind: str
    id: str
    title: str
    when: str


@dataclass
class CardFilter:
    """Which cards the board shows; empty fields do not filter."""

    owner: str = ""
    """Part of the owner's name (case-insensitive)."""
    label: str = ""
    """A label (case-insensitive, exact)."""
    overdue: bool = False
    """Only cards not done and past due."""
    this_week: bool = False
    """Only cards due this week (from Monday, or from Sunday: config agenda.week_starts)."""
    text: str = ""
    """Part of the title or short id."""

    @property
    def active(self) -> bool:
        """Whether anything is filtered out."""
        return bool(self.owner or self.label or self.overdue or self.this_week or self.text)

    def describe(self) -> str:
        """The filter in a few words, for the board's header."""
        parts = []
        if self.owner:
            parts.append(_("owner {name}").format(name=self.owner))
        if self.label:
            parts.append(_("label {label}").format(label=self.label))
        if self.overdue:
            parts.append(_("overdue"))
        if self.this_week:
            parts.append(_("due this week"))
        if self.text:
            parts.append(f"“{self.text}”")
        return ", ".join(parts)

    def matches(
        self, card: CardInfo, done_columns: Iterable[str], today: date, starts_monday: bool = True
    ) -> bool:
        """Whether `card` passes the filter on `today` (weeks start on Monday, or on Sunday)."""
        if self.owner and self.owner.casefold() not in card.owner_name.casefold():
            return False
        if self.label and self.label.casefold() not in {label.casefold() for label in card.labels}:
            return False
        if self.text:
            needle = self.text.casefold()
            if needle not in card.title.casefold() and needle not in card.short_id.casefold():
                return False
        if self.overdue and (card.due is None or card.due >= today or card.column_id in done_columns):
            return False
        if self.this_week:
            first = week_start(today, starts_monday)
            if card.due is None or not first <= card.due < first + timedelta(days=7):
                return False
        return True


# --- small helpers -------------------------------------------------------------------------------------


def parse_labels(text: str) -> tuple[str, ...]:
    """Labels typed as 'vendor, VIP' (commas, Chinese commas or semicolons), trimmed, without repeats."""
    seen: dict[str, str] = {}
    for part in _LABEL_SPLIT.split(text):
        label = part.strip().lstrip("#")
        if label and label.casefold() not in seen:
            seen[label.casefold()] = label
    return tuple(seen.values())


def _revealed(store: Store, table: str, row: Any) -> tuple[dict[str, Any], bool]:
    """A row as a dict with sealed values opened (or masked), and whether one was damaged."""
    values = dict(row._mapping)
    if values.get("confidential"):
        values = store.reveal_row(table, values)
        return values, (table, values["id"]) in store.damaged_items
    return values, False


def _person_names(store: Store, session: Any, ids: Iterable[str | None]) -> dict[str, str]:
    """Names of the given people, revealed or masked."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    person = table_of(Person)
    rows = session.execute(
        select(person.c.id, person.c.name, person.c.confidential).where(person.c.id.in_(wanted))
    ).all()
    return {row.id: _revealed(store, "person", row)[0]["name"] for row in rows}


def _board_info(store: Store, session: Any, row: Any, owners: Mapping[str, str] | None = None) -> BoardInfo:
    values, damaged = _revealed(store, "board", row)
    names = owners if owners is not None else _person_names(store, session, [values["owner_id"]])
    return BoardInfo(
        id=values["id"],
        code=normalise_code(values["code"]),
        name=values["name"],
        kind=values["kind"],
        status=values["status"],
        owner_id=values["owner_id"],
        owner_name=names.get(values["owner_id"] or "", ""),
        start=values["start"],
        end=values["end"],
        event_date=values["event_date"],
        archived=bool(values["archived"]),
        confidential=bool(values["confidential"]),
        notes=values.get("notes") or "",
        damaged=damaged,
    )


def _board_row(session: Any, board_id: str) -> Any:
    board = table_of(Board)
    row = session.execute(select(board).where(board.c.id == board_id)).first()
    if row is None:
        raise InvalidInput(_("That board no longer exists."), field="board")
    return row


def _columns(session: Any, board_id: str) -> list[ColumnInfo]:
    column = table_of(BoardColumn)
    rows = session.execute(
        select(column.c.id, column.c.name, column.c.position, column.c.wip_limit, column.c.is_done).where(
            column.c.board_id == board_id
        )
    ).all()
    columns = [ColumnInfo(r.id, r.name, r.position, r.wip_limit, bool(r.is_done)) for r in rows]
    columns.sort(key=lambda c: (c.position, c.name))
    return columns


def _placement_rows(session: Any, board_id: str) -> list[Any]:
    """Every card of a board with the fields a move reads (no text: moves work while locked too)."""
    card = table_of(Card)
    return list(
        session.execute(
            select(
                card.c.id, card.c.seq, card.c.column_id, card.c.position, card.c.blocked_by, card.c.archived
            ).where(card.c.board_id == board_id)
        ).all()
    )


def _card_board(session: Any, card_id: str) -> tuple[Any, Any]:
    """(card row, board row) of a card; InvalidInput when it is gone."""
    card = table_of(Card)
    row = session.execute(select(card).where(card.c.id == card_id)).first()
    if row is None:
        raise InvalidInput(_("That card no longer exists."), field="card")
    return row, _board_row(session, row.board_id)


def _natural(code: str) -> tuple[str, int, str]:
    """Sort key of a board code: P2 before P10."""
    match = re.fullmatch(r"(\D*)(\d+)(.*)", code)
    return (match[1], int(match[2]), match[3]) if match else (code, 0, "")


# --- reading ---------------------------------------------------------------------------------------------


def list_boards(store: Store, today: date, *, include_archived: bool = False) -> list[BoardOverview]:
    """Every board with its health and progress, by code (P2 before P10); archived ones only when asked."""
    board, column, card = table_of(Board), table_of(BoardColumn), table_of(Card)
    with store.read() as session:
        query = select(board)
        if not include_archived:
            query = query.where(board.c.archived.is_(False))
        board_rows = session.execute(query).all()
        owners = _person_names(store, session, [row.owner_id for row in board_rows])
        done = {
            row.id for row in session.execute(select(column.c.id).where(column.c.is_done.is_(True))).all()
        }
        cards_by_board: dict[str, list[Any]] = {}
        card_rows = session.execute(
            select(
                card.c.id,
                card.c.board_id,
                card.c.seq,
                card.c.title,
                card.c.column_id,
                card.c.position,
                card.c.owner_id,
                card.c.due,
                card.c.blocked_by,
                card.c.milestone,
                card.c.archived,
                card.c.confidential,
            ).where(card.c.archived.is_(False))
        ).all()
        for row in card_rows:
            cards_by_board.setdefault(row.board_id, []).append(row)
        out = []
        for row in board_rows:
            info = _board_info(store, session, row, owners)
            cards = cards_by_board.get(info.id, [])
            summary = rules.summarize(info.status, cards, done, today)
            upcoming = sorted(
                (c for c in cards if c.milestone and c.due is not None and c.column_id not in done),
                key=lambda c: (c.due, c.seq),
            )
            milestone = None
            if upcoming:
                first, _damaged = _revealed(store, "card", upcoming[0])
                milestone = (first["due"], f"{short_id(info.code, first['seq'])} {first['title']}")
            out.append(BoardOverview(info, summary, milestone))
    out.sort(key=lambda o: (o.board.archived, _natural(o.board.code)))
    return out


def all_boards(store: Store) -> list[BoardInfo]:
    """Every board, archived ones too, by code."""
    board = table_of(Board)
    with store.read() as session:
        rows = session.execute(select(board)).all()
        owners = _person_names(store, session, [row.owner_id for row in rows])
        boards = [_board_info(store, session, row, owners) for row in rows]
    return sorted(boards, key=lambda b: (b.archived, _natural(b.code)))


def find_board(store: Store, text: str) -> BoardInfo:
    """The board named by `text`: its code (P3, case-insensitive, '#' allowed), its exact name, or the one
    board whose name contains it. InvalidInput naming the boards when none or several match."""
    needle = text.strip().lstrip("#").strip()
    boards = all_boards(store)
    if not needle:
        raise InvalidInput(_("Which board? Boards: {boards}").format(boards=_names(boards)), field="board")
    by_code = [b for b in boards if b.code == normalise_code(needle)]
    if by_code:
        return by_code[0]
    folded = needle.casefold()
    live = [b for b in boards if not b.archived]
    for candidates in (
        [b for b in live if b.name.casefold() == folded],
        [b for b in boards if b.name.casefold() == folded],
        [b for b in live if folded in b.name.casefold()],
    ):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise InvalidInput(
                _("'{text}' matches several boards: {boards}").format(text=text, boards=_names(candidates)),
                field="board",
            )
    raise InvalidInput(
        _("No board matches '{text}'. Boards: {boards}").format(text=text, boards=_names(live) or "—"),
        field="board",
    )


def _names(boards: Sequence[BoardInfo]) -> str:
    return ", ".join(b.label for b in boards)


def load_board(store: Store, board_id: str) -> BoardSnapshot:
    """One board with its columns, live cards (owner names, checklist counts), log and contacts."""
    card, item = table_of(Card), table_of(ChecklistItem)
    with store.read() as session:
        board_row = _board_row(session, board_id)
        columns = _columns(session, board_id)
        rows = session.execute(
            select(
                card.c.id,
                card.c.seq,
                card.c.title,
                card.c.column_id,
                card.c.position,
                card.c.owner_id,
                card.c.due,
                card.c.labels,
                card.c.blocked_by,
                card.c.milestone,
                card.c.archived,
                card.c.confidential,
            ).where(card.c.board_id == board_id, card.c.archived.is_(False))
        ).all()
        counts = {
            r.card_id: (int(r.done or 0), int(r.total))
            for r in session.execute(
                select(
                    item.c.card_id,
                    func.count().label("total"),
                    func.sum(cast(item.c.done, Integer)).label("done"),
                )
                .where(item.c.card_id.in_(select(card.c.id).where(card.c.board_id == board_id)))
                .group_by(item.c.card_id)
            ).all()
        }
        owners = _person_names(store, session, [r.owner_id for r in rows] + [board_row.owner_id])
        info = _board_info(store, session, board_row, owners)
        seqs = {r.id: r.seq for r in rows}
        column_index = {c.id: i for i, c in enumerate(columns)}
        cards = []
        for row in rows:
            values, damaged = _revealed(store, "card", row)
            blocker = values["blocked_by"]
            done, total = counts.get(values["id"], (0, 0))
            blocker_short = short_id(info.code, seqs[blocker]) if blocker in seqs else ""
            cards.append(_card_info(values, info.code, owners, blocker_short, (done, total), damaged))
        cards.sort(key=lambda c: (column_index.get(c.column_id, len(columns)), c.position, c.seq))
        log: tuple[LogEntry, ...] = ()
        contacts: tuple[ContactInfo, ...] = ()
        if info.kind == "crisis":
            log_table, contact = table_of(BoardLog), table_of(BoardContact)
            log = tuple(
                LogEntry(v["id"], v["at"], v["text"])
                for v in (
                    _revealed(store, "board_log", r)[0]
                    for r in session.execute(
                        select(log_table).where(log_table.c.board_id == board_id).order_by(log_table.c.at)
                    ).all()
                )
            )
            contacts = tuple(
                ContactInfo(v["id"], v["role"], v["name"], v["phone"], v["position"])
                for v in (
                    _revealed(store, "board_contact", r)[0]
                    for r in session.execute(
                        select(contact)
                        .where(contact.c.board_id == board_id)
                        .order_by(contact.c.position, contact.c.id)
                    ).all()
                )
            )
    return BoardSnapshot(info, tuple(columns), tuple(cards), log, contacts)


def card_detail(store: Store, card_id: str) -> CardDetail:
    """A card with its notes, checklist, links and blocker, for the card window."""
    item, link = table_of(ChecklistItem), table_of(Link)
    with store.read() as session:
        card_row, board_row = _card_board(session, card_id)
        board = _board_info(store, session, board_row)
        values, damaged = _revealed(store, "card", card_row)
        owners = _person_names(store, session, [values["owner_id"]])
        blocker_title = ""
        blocker_short = ""
        if values["blocked_by"]:
            blocker = session.execute(
                select(table_of(Card)).where(table_of(Card).c.id == values["blocked_by"])
            ).first()
            if blocker is not None and not blocker.archived:
                blocker_values, _damaged = _revealed(store, "card", blocker)
                blocker_short = short_id(board.code, blocker_values["seq"])
                blocker_title = f"{blocker_short} {blocker_values['title']}"
        checklist = tuple(
            ChecklistInfo(v["id"], v["text"], v["due"], bool(v["done"]), v["position"])
            for v in (
                _revealed(store, "checklist_item", r)[0]
                for r in session.execute(
                    select(item).where(item.c.card_id == card_id).order_by(item.c.position, item.c.id)
                ).all()
            )
        )
        links = []
        for row in session.execute(
            select(link).where(
                or_(
                    (link.c.a_kind == "card") & (link.c.a_id == card_id),
                    (link.c.b_kind == "card") & (link.c.b_id == card_id),
                )
            )
        ).all():
            kind, target = (row.b_kind, row.b_id) if row.a_id == card_id else (row.a_kind, row.a_id)
            title, when = _target_title(store, session, kind, target)
            links.append(LinkInfo(row.id, kind, target, title, when))
        ticked = (sum(c.done for c in checklist), len(checklist))
        info = _card_info(values, board.code, owners, blocker_short, ticked, damaged)
    return CardDetail(info, board, values["notes"] or "", checklist, tuple(links), blocker_title)


def _card_info(
    values: Mapping[str, Any],
    code: str,
    owners: Mapping[str, str],
    blocker_short: str,
    checklist: tuple[int, int],
    damaged: bool,
) -> CardInfo:
    """A card row (sealed values already opened) as the screen and the card window show it."""
    return CardInfo(
        id=values["id"],
        seq=values["seq"],
        short_id=short_id(code, values["seq"]),
        title=values["title"],
        column_id=values["column_id"],
        position=values["position"],
        owner_id=values["owner_id"],
        owner_name=owners.get(values["owner_id"] or "", ""),
        due=values["due"],
        labels=parse_labels(values["labels"] or ""),
        blocked_by=values["blocked_by"],
        blocker_short_id=blocker_short,
        milestone=bool(values["milestone"]),
        archived=bool(values["archived"]),
        checklist_done=checklist[0],
        checklist_total=checklist[1],
        confidential=bool(values["confidential"]),
        damaged=damaged,
    )


def _target_title(store: Store, session: Any, kind: str, target_id: str) -> tuple[str, str]:
    """Title and date of a linked item (a card of another board shows its title too)."""
    model: type[Item] | None = _LINK_MODELS.get(kind) or (Card if kind == "card" else None)
    if model is None:
        return target_id, ""
    table = table_of(model)
    row = session.execute(select(table).where(table.c.id == target_id)).first()
    if row is None:
        return _("(deleted)"), ""
    values, _damaged = _revealed(store, table.name, row)
    return str(values.get("title", "")), _when(values)


def _when(values: Mapping[str, Any]) -> str:
    """The date that best places a linked item: an event's start, a document's reply-by, a due date."""
    for name in ("start", "reply_by", "due", "received"):
        value = values.get(name)
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
    return ""


def find_link_targets(store: Store, text: str, limit: int = 30) -> list[LinkTarget]:
    """Events, documents and follow-ups whose title contains `text` (confidential ones only by their
    revealed title, so only while unlocked; they are matched in memory, never by LIKE on sealed text)."""
    needle = text.strip()
    out: list[LinkTarget] = []
    with store.read() as session:
        for kind, model in _LINK_MODELS.items():
            table = table_of(model)
            query = select(table).where(not_confidential(table))
            if needle:
                query = query.where(table.c.title.contains(needle))
            order = {"event": table.c.get("start"), "document": table.c.get("received")}.get(kind)
            if order is not None:
                query = query.order_by(order.desc())
            for row in session.execute(query.limit(limit)).all():
                values = dict(row._mapping)
                out.append(LinkTarget(kind, values["id"], values["title"], _when(values)))
            if store.confidential_unlocked:
                for row in session.execute(select(table).where(table.c.confidential.is_(True))).all():
                    values, damaged = _revealed(store, table.name, row)
                    if not damaged and needle.casefold() in str(values["title"]).casefold():
                        out.append(LinkTarget(kind, values["id"], values["title"], _when(values)))
    return out


# --- people -----------------------------------------------------------------------------------------------


def person_names(store: Store) -> list[str]:
    """Names of everyone in the store (for suggestions), masked ones left out."""
    person = table_of(Person)
    with store.read() as session:
        rows = session.execute(select(person.c.id, person.c.name, person.c.confidential)).all()
        names = []
        for row in rows:
            values, damaged = _revealed(store, "person", row)
            if not damaged and not (row.confidential and not store.confidential_unlocked):
                names.append(str(values["name"]))
    return sorted(set(names))


def resolve_person(store: Store, session: Session, name: str) -> str | None:
    """The id of the person called `name` (case-insensitive; else the one whose name starts with it).

    Empty: None. Unknown: the person is added (owners are typed as they are spoken). Several people
    fitting the name: InvalidInput naming them.
    """
    name = " ".join(name.split()).lstrip("@")
    if not name:
        return None
    person = table_of(Person)
    people = [
        _revealed(store, "person", row)[0]
        for row in session.execute(select(person.c.id, person.c.name, person.c.confidential)).all()
    ]
    folded = name.casefold()
    for candidates in (
        [p for p in people if str(p["name"]).casefold() == folded],
        [p for p in people if str(p["name"]).casefold().startswith(folded)],
    ):
        if len(candidates) == 1:
            return str(candidates[0]["id"])
        if len(candidates) > 1:
            raise InvalidInput(
                _("'{name}' could be {people}").format(
                    name=name, people=", ".join(sorted(str(p["name"]) for p in candidates))
                ),
                field="owner",
            )
    now = session.info["now"]
    new = Person(created=now, updated=now, name=name)
    session.add(new)
    return new.id


def _owner(store: Store, session: Any, current: str | None, typed: str) -> str | None:
    """The owner after an edit: unchanged when the name shown was left as it was (even a masked one)."""
    if current and _person_names(store, session, [current]).get(current, "") == typed.strip():
        return current
    return resolve_person(store, session, typed)


# --- boards ------------------------------------------------------------------------------------------------


def _next_code(session: Any) -> str:
    """P1, P2...: one more than the highest P-number in use."""
    codes = [row[0] for row in session.execute(select(table_of(Board).c.code)).all()]
    numbers = [int(m[1]) for c in codes if (m := re.fullmatch(r"P(\d+)", normalise_code(c)))]
    return f"P{max(numbers, default=0) + 1}"


def _check_code(session: Any, code: str, board_id: str | None = None) -> str:
    """The code as stored, after checking that it makes short ids and is free."""
    code = normalise_code(code)
    short_id(code, 1)  # raises BoardError for an empty code or one with spaces
    board = table_of(Board)
    taken = session.execute(
        select(board.c.id).where(func.upper(board.c.code) == code, board.c.id != (board_id or ""))
    ).first()
    if taken is not None:
        raise InvalidInput(_("The code {code} is taken by another board").format(code=code), field="code")
    return code


def _check_board_form(form: BoardForm) -> None:
    if not form.name.strip():
        raise InvalidInput(_("A board needs a name"), field="name")
    if form.kind not in KINDS:
        raise InvalidInput(
            _("A board's kind is one of: {kinds}").format(kinds=", ".join(KINDS)), field="kind"
        )
    if form.status not in STATUSES:
        raise InvalidInput(
            _("A board's status is one of: {statuses}").format(statuses=", ".join(STATUSES)), field="status"
        )
    if form.start and form.end and form.end < form.start:
        raise InvalidInput(_("The end date is before the start date"), field="end")


def create_board(
    store: Store, form: BoardForm, *, lang: str | None = None, confidential: bool = False
) -> BoardInfo:
    """A new board with the standard columns (To do, Doing, Waiting, Done) in `lang`."""
    _check_board_form(form)
    lang = lang or current_language()
    with store.action("board.create") as session:
        now = session.info["now"]
        code = _check_code(session, form.code) if form.code.strip() else _next_code(session)
        new = Board(
            created=now,
            updated=now,
            code=code,
            name=form.name.strip(),
            kind=form.kind,
            owner_id=resolve_person(store, session, form.owner),
            start=form.start,
            end=form.end,
            event_date=form.event_date,
            status=form.status,
            confidential=confidential,
        )
        session.add(new)
        for position, column in enumerate(DEFAULT_COLUMNS):
            session.add(
                BoardColumn(
                    created=now,
                    updated=now,
                    board_id=new.id,
                    name=column.name.pick(lang),
                    position=position,
                    wip_limit=column.wip_limit,
                    is_done=column.is_done,
                    confidential=confidential,
                )
            )
        board_id = new.id
    return _info(store, board_id)


def create_board_from_template(
    store: Store,
    template: str,
    event_date: date,
    *,
    name: str = "",
    code: str = "",
    owner: str = "",
    lang: str | None = None,
    weekdays_only: bool = False,
    clock: Clock | None = None,
    confidential: bool = False,
) -> BoardInfo:
    """A board laid out from a template (annual_meeting, client_event, project_launch, crisis): its
    columns, and its cards and checklist items due relative to `event_date`. A crisis board starts its
    log (at `clock`'s now, else the store's) and its contact list with the template's roles."""
    if template not in rules.TEMPLATES:
        raise InvalidInput(
            _("No template '{name}'; templates: {names}").format(
                name=template, names=", ".join(rules.TEMPLATES)
            ),
            field="template",
        )
    lang = lang or current_language()
    plan = rules.instantiate(template, event_date, lang, weekdays_only)
    with store.action("board.create") as session:
        now = session.info["now"]
        board_code = _check_code(session, code) if code.strip() else _next_code(session)
        new = Board(
            created=now,
            updated=now,
            code=board_code,
            name=name.strip() or f"{plan.name} {event_date.isoformat()}",
            kind=plan.kind,
            owner_id=resolve_person(store, session, owner),
            start=plan.start,
            end=plan.end,
            event_date=event_date,
            confidential=confidential,
            next_seq=len(plan.cards) + 1,
        )
        session.add(new)
        column_ids = []
        for column in plan.columns:
            row = BoardColumn(
                created=now,
                updated=now,
                board_id=new.id,
                name=column.name,
                position=column.position,
                wip_limit=column.wip_limit,
                is_done=column.is_done,
                confidential=confidential,
            )
            session.add(row)
            column_ids.append(row.id)
        for seq, planned in enumerate(plan.cards, start=1):
            card = Card(
                created=now,
                updated=now,
                board_id=new.id,
                column_id=column_ids[planned.column],
                seq=seq,
                position=planned.position,
                title=planned.title,
                due=planned.due,
                milestone=planned.milestone,
                confidential=confidential,
            )
            session.add(card)
            for step in planned.checklist:
                session.add(
                    ChecklistItem(
                        created=now,
                        updated=now,
                        card_id=card.id,
                        text=step.text,
                        due=step.due,
                        position=step.position,
                        confidential=confidential,
                    )
                )
        if plan.log:
            now = (clock or store.clock).now()
            session.add(
                BoardLog(
                    created=now,
                    updated=now,
                    board_id=new.id,
                    at=now,
                    text=_CRISIS_OPENED["zh" if lang.startswith("zh") else "en"],
                    confidential=confidential,
                )
            )
        for position, role in enumerate(plan.contact_roles):
            session.add(
                BoardContact(
                    created=now,
                    updated=now,
                    board_id=new.id,
                    role=role,
                    position=position,
                    confidential=confidential,
                )
            )
        board_id = new.id
    return _info(store, board_id)


def _info(store: Store, board_id: str) -> BoardInfo:
    with store.read() as session:
        return _board_info(store, session, _board_row(session, board_id))


def update_board(store: Store, board_id: str, form: BoardForm) -> BoardInfo:
    """Change a board's name, code, kind, owner, dates or status (a new code renames every short id)."""
    _check_board_form(form)
    with store.action("board.edit") as session:
        row = session.get(Board, board_id)
        if row is None:
            raise InvalidInput(_("That board no longer exists."), field="board")
        if form.code.strip() and normalise_code(form.code) != normalise_code(row.code):
            row.code = _check_code(session, form.code, board_id)
        row.name = form.name.strip()
        row.kind = form.kind
        row.owner_id = _owner(store, session, row.owner_id, form.owner)
        row.start, row.end, row.event_date = form.start, form.end, form.event_date
        row.status = form.status
    return _info(store, board_id)


def set_board_status(store: Store, board_id: str, status: str) -> None:
    """Set the traffic light by hand (green, amber, red) or give it back to the cards (auto)."""
    if status not in STATUSES:
        raise InvalidInput(
            _("A board's status is one of: {statuses}").format(statuses=", ".join(STATUSES)), field="status"
        )
    with store.action("board.status") as session:
        row = session.get(Board, board_id)
        if row is None:
            raise InvalidInput(_("That board no longer exists."), field="board")
        row.status = status


def archive_board(store: Store, board_id: str, archived: bool = True) -> None:
    """Archive a board (or bring it back); its cards stay as they are."""
    with store.action("board.archive") as session:
        row = session.get(Board, board_id)
        if row is None:
            raise InvalidInput(_("That board no longer exists."), field="board")
        row.archived = archived


def save_columns(store: Store, board_id: str, forms: Sequence[ColumnForm]) -> None:
    """Rename, re-limit, reorder, add and remove columns in one action.

    A column that still holds cards cannot be removed (move them first); archived cards of a removed
    column go to the first column. A WIP limit of 0 means none.
    """
    if not forms:
        raise InvalidInput(_("A board needs at least one column"), field="columns")
    for form in forms:
        if not form.name.strip():
            raise InvalidInput(_("Every column needs a name"), field="columns")
        if form.wip_limit is not None and form.wip_limit < 0:
            raise InvalidInput(_("A WIP limit cannot be negative"), field="columns")
    with store.action("board.columns") as session:
        now = session.info["now"]
        board = session.get(Board, board_id)
        if board is None:
            raise InvalidInput(_("That board no longer exists."), field="board")
        existing = {
            c.id: c
            for c in session.exec(orm_select(BoardColumn).where(BoardColumn.board_id == board_id)).all()
        }
        kept = {form.id for form in forms if form.id}
        rows: list[BoardColumn] = []
        for position, form in enumerate(forms):
            limit = form.wip_limit or None
            if form.id and form.id in existing:
                row = existing[form.id]
                row.name, row.wip_limit, row.is_done, row.position = (
                    form.name.strip(),
                    limit,
                    form.is_done,
                    position,
                )
            else:
                row = BoardColumn(
                    created=now,
                    updated=now,
                    board_id=board_id,
                    name=form.name.strip(),
                    position=position,
                    wip_limit=limit,
                    is_done=form.is_done,
                    confidential=board.confidential,
                )
                session.add(row)
            rows.append(row)
        removed = [c for c_id, c in existing.items() if c_id not in kept]
        if removed:
            card = table_of(Card)
            for column in removed:
                live = session.execute(
                    select(func.count())
                    .select_from(card)
                    .where(card.c.column_id == column.id, card.c.archived.is_(False))
                ).scalar_one()
                if live:
                    raise InvalidInput(
                        _("{column} still holds {n} cards; move them first").format(
                            column=column.name, n=live
                        ),
                        field="columns",
                    )
            session.flush()  # the new columns exist before archived cards move into them
            first = rows[0].id
            for column in removed:
                for stale in session.exec(orm_select(Card).where(Card.column_id == column.id)).all():
                    stale.column_id = first
                session.flush()
                session.delete(column)


# --- cards -------------------------------------------------------------------------------------------------


def _states(session: Any, board_id: str) -> tuple[list[ColumnInfo], list[Any], list[ColumnState]]:
    columns = _columns(session, board_id)
    rows = _placement_rows(session, board_id)
    return columns, rows, rules.column_states(columns, rows)


def order_keys(card_ids: Sequence[str], stored: Mapping[str, int], moved: str) -> list[int]:
    """Positions for a column in the order `card_ids`, changing as few stored ones as possible.

    A card's stored position is an order key (the column is sorted by it), not its index: so the cards a
    move does not pass keep theirs. `stored` holds the keys of the cards already in this column; `moved`
    is the card that moved (new to the column, or reordered in it). A card arriving at the bottom or top
    takes the next key past the end; one arriving between two cards takes a free key between them, else
    the cards after it move up one; a card reordered in its column swaps keys with the cards it passed.
    Keys that are not strictly increasing (ties, old data) are renumbered 0, 1, 2... in full.
    """
    others = [card for card in card_ids if card != moved]
    keys = [stored.get(card) for card in others]
    known = [key for key in keys if key is not None]
    if len(known) != len(keys) or any(b <= a for a, b in pairwise(known)):
        return list(range(len(card_ids)))
    if moved not in card_ids:
        return known
    new_index = list(card_ids).index(moved)
    if moved in stored:
        # reordered: the cards between its old and new place keep the same set of keys, rotated
        old_order = sorted(card_ids, key=lambda card: stored[card])
        old_index = old_order.index(moved)
        low, high = sorted((old_index, new_index))
        pool = sorted(stored[card] for card in old_order[low : high + 1])
        result = [stored[card] for card in card_ids]
        result[low : high + 1] = pool
        return result
    before = known[new_index - 1] if new_index > 0 else None
    after = known[new_index] if new_index < len(known) else None
    if after is None:
        key = before + 1 if before is not None else 0
    elif before is None:
        key = after - 1
    elif after - before >= 2:
        key = before + (after - before) // 2
    else:  # no free key between them: the cards after it move up as far as needed
        key = before + 1
        for index in range(new_index, len(known)):
            previous = key if index == new_index else known[index - 1]
            known[index] = max(known[index], previous + 1)
    return [*known[:new_index], key, *known[new_index:]]


def _write_order(
    session: Any, touched: Sequence[ColumnState], rows: Sequence[Any], moved: str
) -> dict[str, int]:
    """Store the order of the columns a move touched (the domain's Move.columns) with as few writes as
    order_keys allows: a card moved to the bottom of another column is one row, however long the columns.
    Returns the key of every card in the touched columns."""
    stored = {row.id: (row.column_id, row.position) for row in rows}
    keys: dict[str, int] = {}
    wanted: dict[str, tuple[str, int]] = {}
    for state in touched:
        current = {
            card: stored[card][1]
            for card in state.card_ids
            if card in stored and stored[card][0] == state.column_id
        }
        for card, key in zip(state.card_ids, order_keys(state.card_ids, current, moved), strict=True):
            keys[card] = key
            if card in stored and stored[card] != (state.column_id, key):
                wanted[card] = (state.column_id, key)
    if wanted:
        for card in session.exec(orm_select(Card).where(col(Card.id).in_(list(wanted)))).all():
            card.column_id, card.position = wanted[card.id]
    return keys


def _blocker(code: str, row: Any, rows: Sequence[Any]) -> Blocker | None:
    if not row.blocked_by:
        return None
    blocker = next((r for r in rows if r.id == row.blocked_by), None)
    return Blocker(row.blocked_by, short_id(code, blocker.seq) if blocker is not None else "?")


def move_card(
    store: Store, card_id: str, to_column: str, position: int | None = None, *, override_wip: bool = False
) -> Move:
    """Move a card to index `position` of `to_column` (None: the bottom), as one action ("card.move").

    The domain decides (WipLimitReached, Blocked, both BoardErrors with the reason), against the board as
    stored now; only the cards whose place changed are written.
    """
    with store.action("card.move") as session:
        card_row, board_row = _card_board(session, card_id)
        _cols, rows, states = _states(session, card_row.board_id)
        row = next(r for r in rows if r.id == card_id)
        move = rules.move_card(
            states,
            card_id,
            to_column,
            position,
            blocked_by=_blocker(board_row.code, row, rows),
            override_wip=override_wip,
        )
        _write_order(session, move.columns, rows, card_id)
    return move


def reorder_card(store: Store, card_id: str, delta: int) -> Move:
    """Move a card up (negative) or down `delta` places in its column, stopping at the ends."""
    with store.action("card.reorder") as session:
        card_row, _board = _card_board(session, card_id)
        _cols, rows, states = _states(session, card_row.board_id)
        column = next(s for s in states if card_id in s.card_ids)
        index = rules.reorder(column.card_ids, card_id, delta).index(card_id)
        move = rules.move_card(states, card_id, column.column_id, index)
        _write_order(session, move.columns, rows, card_id)
    return move


def _resolve_blocker(session: Any, board_row: Any, card_id: str | None, text: str) -> str | None:
    """The id of the card named by `text` (P3-12 or 12) on the same board; None for empty text."""
    text = text.strip()
    if not text:
        return None
    code = normalise_code(board_row.code)
    if text.isdigit():
        seq = int(text)
    else:
        other_code, seq = parse_short_id(text)
        if other_code != code:
            raise InvalidInput(
                _("{card} is on another board; a card can only wait for a card of its own board").format(
                    card=text.strip()
                ),
                field="blocked_by",
            )
    card = table_of(Card)
    rows = {
        r.id: r
        for r in session.execute(
            select(card.c.id, card.c.seq, card.c.blocked_by).where(card.c.board_id == board_row.id)
        ).all()
    }
    target = next((r for r in rows.values() if r.seq == seq), None)
    if target is None:
        raise InvalidInput(
            _("There is no card {card} on this board").format(card=short_id(code, seq)), field="blocked_by"
        )
    if target.id == card_id:
        raise InvalidInput(_("A card cannot wait for itself"), field="blocked_by")
    seen = set()
    step: Any = target
    while step is not None and step.blocked_by and step.id not in seen:
        seen.add(step.id)
        if step.blocked_by == card_id:
            raise InvalidInput(
                _("{card} already waits for this card: that would block both for ever").format(
                    card=short_id(code, seq)
                ),
                field="blocked_by",
            )
        step = rows.get(step.blocked_by)
    return str(target.id)


def _check_card_form(form: CardForm) -> None:
    if not form.title.strip():
        raise InvalidInput(_("A card needs a title"), field="title")


def create_card(
    store: Store,
    board_id: str,
    form: CardForm,
    *,
    column_id: str | None = None,
    position: int | None = None,
    checklist: Sequence[tuple[str, date | None]] = (),
) -> CardRef:
    """A new card at `position` of `column_id` (default: the bottom of the first column that is not done),
    refused when that column is at its WIP limit. It takes the board's next number (P3-18) and, on a
    confidential board, is confidential too."""
    _check_card_form(form)
    with store.action("card.create") as session:
        now = session.info["now"]
        board = session.get(Board, board_id)
        if board is None:
            raise InvalidInput(_("That board no longer exists."), field="board")
        columns, rows, states = _states(session, board_id)
        if not columns:
            raise InvalidInput(_("This board has no columns"), field="column")
        if column_id is None:
            column_id = next((c.id for c in columns if not c.is_done), columns[0].id)
        # A new card "moves in" from outside the board, so the domain's WIP rule decides.
        arriving = ColumnState("", ("",))
        move = rules.move_card([arriving, *states], "", column_id, position)
        keys = _write_order(session, move.columns[1:], rows, "")  # may move the cards after it up
        seq = board.next_seq
        board.next_seq = seq + 1
        new = Card(
            created=now,
            updated=now,
            board_id=board_id,
            column_id=column_id,
            seq=seq,
            position=keys[""],
            title=form.title.strip(),
            owner_id=resolve_person(store, session, form.owner),
            due=form.due,
            labels=", ".join(form.labels),
            notes=form.notes,
            milestone=form.milestone,
            confidential=board.confidential,
        )
        new.blocked_by = _resolve_blocker(session, board, new.id, form.blocked_by)
        session.add(new)
        for index, (text, due) in enumerate(checklist):
            session.add(
                ChecklistItem(
                    created=now,
                    updated=now,
                    card_id=new.id,
                    text=text,
                    due=due,
                    position=index,
                    confidential=board.confidential,
                )
            )
        ref = CardRef(
            new.id, short_id(board.code, seq), new.title, board_id, board.name, new.due, new.owner_id
        )
    return ref


def update_card(store: Store, card_id: str, form: CardForm) -> None:
    """Change a card's title, owner, due date, labels, notes, blocker or milestone flag."""
    _check_card_form(form)
    with store.action("card.edit") as session:
        card = session.get(Card, card_id)
        if card is None:
            raise InvalidInput(_("That card no longer exists."), field="card")
        board = _board_row(session, card.board_id)
        card.title = form.title.strip()
        card.owner_id = _owner(store, session, card.owner_id, form.owner)
        card.due = form.due
        card.labels = ", ".join(form.labels)
        card.notes = form.notes
        card.milestone = form.milestone
        card.blocked_by = _resolve_blocker(session, board, card_id, form.blocked_by)


def archive_card(store: Store, card_id: str) -> None:
    """Archive a card ("card.archive"): it leaves the board, its count and its progress; undo brings it back."""
    with store.action("card.archive") as session:
        card = session.get(Card, card_id)
        if card is None:
            raise InvalidInput(_("That card no longer exists."), field="card")
        card.archived = True


def tick_item(store: Store, item_id: str, done: bool | None = None) -> bool:
    """Tick a checklist item (or untick it; None toggles). Returns whether it is done now."""
    with store.action("checklist.tick") as session:
        item = session.get(ChecklistItem, item_id)
        if item is None:
            raise InvalidInput(_("That checklist item no longer exists."), field="checklist")
        item.done = (not item.done) if done is None else done
        return item.done


def tick_next_item(store: Store, card_id: str) -> ChecklistInfo | None:
    """Tick the card's next open checklist item (earliest due first, then in order); None when all are done."""
    with store.action("checklist.tick") as session:
        items = session.exec(
            orm_select(ChecklistItem).where(
                ChecklistItem.card_id == card_id, col(ChecklistItem.done).is_(False)
            )
        ).all()
        if not items:
            return None
        item = min(items, key=lambda i: (i.due is None, i.due or date.max, i.position, i.id))
        item.done = True
        return ChecklistInfo(item.id, store.display(item, "text"), item.due, True, item.position)


def add_checklist_item(store: Store, card_id: str, text: str, due: date | None = None) -> None:
    """Add an item at the end of a card's checklist."""
    if not text.strip():
        raise InvalidInput(_("A checklist item needs some text"), field="checklist")
    with store.action("checklist.add") as session:
        now = session.info["now"]
        card = session.get(Card, card_id)
        if card is None:
            raise InvalidInput(_("That card no longer exists."), field="card")
        item = table_of(ChecklistItem)
        last = session.execute(
            select(func.max(item.c.position)).where(item.c.card_id == card_id)
        ).scalar_one()
        session.add(
            ChecklistItem(
                created=now,
                updated=now,
                card_id=card_id,
                text=text.strip(),
                due=due,
                position=(last + 1) if last is not None else 0,
                confidential=card.confidential,
            )
        )


def remove_checklist_item(store: Store, item_id: str) -> None:
    """Delete a checklist item."""
    with store.action("checklist.remove") as session:
        item = session.get(ChecklistItem, item_id)
        if item is not None:
            session.delete(item)


def link_card(store: Store, card_id: str, kind: str, target_id: str) -> None:
    """Link a card to an event, a document or a follow-up (once)."""
    if kind not in LINK_KINDS:
        raise InvalidInput(_("A card links to: {kinds}").format(kinds=", ".join(LINK_KINDS)), field="link")
    link = table_of(Link)
    with store.action("card.link") as session:
        now = session.info["now"]
        if session.get(Card, card_id) is None:
            raise InvalidInput(_("That card no longer exists."), field="card")
        if session.get(_LINK_MODELS[kind], target_id) is None:
            raise InvalidInput(_("That item no longer exists."), field="link")
        exists = session.execute(
            select(link.c.id).where(
                link.c.a_kind == "card",
                link.c.a_id == card_id,
                link.c.b_kind == kind,
                link.c.b_id == target_id,
            )
        ).first()
        if exists is None:
            session.add(
                Link(created=now, updated=now, a_kind="card", a_id=card_id, b_kind=kind, b_id=target_id)
            )


def unlink(store: Store, link_id: str) -> None:
    """Remove a link."""
    with store.action("card.unlink") as session:
        row = session.get(Link, link_id)
        if row is not None:
            session.delete(row)


def create_card_from_quickadd(store: Store, quickadd: QuickAdd, clock: Clock | None = None) -> CardRef:
    """The card a quick-add line describes (`#board title @owner due`), on the board named after '#'.

    `quickadd.board` is a board's code or name (see find_board: InvalidInput naming the boards when it
    fits none or several); an archived board is refused. The card goes to the bottom of the board's first
    column that is not done, with the line's title, owner (a new name adds the person) and due date; its
    `str()` is the line to print. The parse already resolved relative dates with the caller's clock, and
    the store stamps the change with its own, so `clock` is not read (any third argument is accepted).
    """
    if quickadd.kind != "card" or not quickadd.board:
        raise InvalidInput(_("A card needs a board: start the line with #board"), field="board")
    board = find_board(store, quickadd.board)
    if board.archived:
        raise InvalidInput(_("{board} is archived").format(board=board.label), field="board")
    return create_card(
        store, board.id, CardForm(title=quickadd.title, owner=quickadd.owner or "", due=quickadd.due)
    )


# --- crisis log and contacts --------------------------------------------------------------------------------


def add_log_entry(store: Store, board_id: str, text: str, at: datetime) -> None:
    """Add a timestamped entry to a board's log (a crisis board keeps one)."""
    if not text.strip():
        raise InvalidInput(_("A log entry needs some text"), field="log")
    if at.tzinfo is None:
        raise InvalidInput("log times must be tz-aware", field="at")
    with store.action("board.log") as session:
        now = session.info["now"]
        board = session.get(Board, board_id)
        if board is None:
            raise InvalidInput(_("That board no longer exists."), field="board")
        session.add(
            BoardLog(
                created=now,
                updated=now,
                board_id=board_id,
                at=at,
                text=text.strip(),
                confidential=board.confidential,
            )
        )


def save_contacts(store: Store, board_id: str, forms: Sequence[ContactForm]) -> None:
    """Replace a crisis board's contact list: edited lines are updated, new ones added, missing removed;
    a line with neither role nor name is dropped."""
    with store.action("board.contacts") as session:
        now = session.info["now"]
        board = session.get(Board, board_id)
        if board is None:
            raise InvalidInput(_("That board no longer exists."), field="board")
        existing = {
            c.id: c
            for c in session.exec(orm_select(BoardContact).where(BoardContact.board_id == board_id)).all()
        }
        kept = set()
        position = 0
        for form in forms:
            if not (form.role.strip() or form.name.strip()):
                continue
            role, name, phone = form.role.strip(), form.name.strip(), form.phone.strip()
            if form.id and form.id in existing:
                row = existing[form.id]
                kept.add(form.id)
                if (row.role, row.name, row.phone, row.position) != (role, name, phone, position):
                    row.role, row.name, row.phone, row.position = role, name, phone, position
            else:
                session.add(
                    BoardContact(
                        created=now,
                        updated=now,
                        board_id=board_id,
                        role=role,
                        name=name,
                        phone=phone,
                        position=position,
                        confidential=board.confidential,
                    )
                )
            position += 1
        for contact_id, row in existing.items():
            if contact_id not in kept:
                session.delete(row)


# --- export ---------------------------------------------------------------------------------------------------


def board_markdown(store: Store, board_id: str, today: date, lang: str, zone: tzinfo | None = None) -> str:
    """The board as Markdown (domain.board.board_markdown): for `gmassist board export` and the weekly brief."""
    snapshot = load_board(store, board_id)
    owners = {c.owner_id: c.owner_name for c in snapshot.cards if c.owner_id}
    return rules.board_markdown(
        snapshot.board,
        snapshot.columns,
        snapshot.cards,
        today,
        lang,
        owners=owners,
        log=snapshot.log,
        zone=zone,
    )


def timeline_rows(
    snapshot: BoardSnapshot, today: date, weeks: int | None = None, starts_monday: bool = True
) -> tuple[date, int, list[rules.TimelineRow]]:
    """(first day, number of weeks, rows) of a board's timeline: from the week of its start (or of its
    earliest due card, or today) to the week of its end (at least 4 and at most 52 weeks), each week from
    Monday or from Sunday; the event date is a milestone unless a milestone card falls on it."""
    days = [c.due for c in snapshot.cards if c.due is not None]
    board = snapshot.board
    first = min([d for d in (board.start, *days) if d] or [today])
    last = max([d for d in (board.end, board.event_date, *days) if d] or [today])
    start = week_start(first, starts_monday)
    if weeks is None:
        weeks = min(max((last - start).days // 7 + 1, 4), 52)
    milestones = []
    if board.event_date and not any(c.milestone and c.due == board.event_date for c in snapshot.cards):
        milestones.append(rules.Milestone(_("Event date"), board.event_date))
    rows = rules.timeline(
        snapshot.cards,
        milestones,
        start,
        weeks,
        today,
        done_columns=snapshot.done_columns,
        board_code=board.code,
    )
    return start, weeks, rows


__all__ = [
    "DEFAULT_COLUMNS",
    "KINDS",
    "KIND_LABELS",
    "LINK_KINDS",
    "STATUSES",
    "BoardError",
    "BoardForm",
    "BoardInfo",
    "BoardOverview",
    "BoardSnapshot",
    "CardDetail",
    "CardFilter",
    "CardForm",
    "CardInfo",
    "CardRef",
    "ChecklistInfo",
    "ColumnForm",
    "ColumnInfo",
    "ContactForm",
    "ContactInfo",
    "LinkInfo",
    "LinkTarget",
    "LogEntry",
    "add_checklist_item",
    "add_log_entry",
    "all_boards",
    "archive_board",
    "archive_card",
    "board_markdown",
    "card_detail",
    "create_board",
    "create_board_from_template",
    "create_card",
    "create_card_from_quickadd",
    "find_board",
    "find_link_targets",
    "link_card",
    "list_boards",
    "load_board",
    "move_card",
    "order_keys",
    "person_names",
    "reorder_card",
    "resolve_person",
    "save_columns",
    "save_contacts",
    "set_board_status",
    "tick_item",
    "tick_next_item",
    "timeline_rows",
    "unlink",
    "update_board",
    "update_card",
    "week_start",
]
