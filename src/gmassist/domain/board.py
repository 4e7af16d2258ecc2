"""项目看板: the project board's rules, free of storage and UI.

A board (a special project, a corporate event, a crisis) has columns of cards. This module decides
where a card may move (WIP limits, the blocked guard) and returns just the columns a move touched, so
the UI redraws and the store rewrites only those; it names cards by short ids (P3-17); it judges a
board's health; it lays out a board from a template relative to an event date; it places cards on a
week timeline; and it exports a board as Markdown for `gmassist board export` and the weekly brief.

Time is always passed in (`today`); nothing reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import NamedTuple, Protocol

from gmassist.errors import InvalidInput
from gmassist.i18n import N_, _

# --- errors ---------------------------------------------------------------------------------------


class BoardError(InvalidInput, ValueError):
    """A board operation that was refused; `code` is a stable word for programs, the message is for people."""

    def __init__(self, message: str, code: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.code = code
        """A stable word for why (`wip_limit`, `blocked`, `unknown_card`, `unknown_column`, `bad_short_id`)."""

    @property
    def reason(self) -> str:
        """The translated explanation (the message)."""
        return str(self)


class WipLimitReached(BoardError):
    """A card was moved into a column that already holds its WIP limit of cards."""

    def __init__(self, message: str, column_id: str, limit: int) -> None:
        super().__init__(message, "wip_limit", field="column_id")
        self.column_id = column_id
        """The full column."""
        self.limit = limit
        """Its WIP limit."""


class Blocked(BoardError):
    """A card was moved into a done column while the card blocking it is not done."""

    def __init__(self, message: str, card_id: str, blocker_id: str, blocker_short_id: str) -> None:
        super().__init__(message, "blocked", field="column_id")
        self.card_id = card_id
        """The card that was moved."""
        self.blocker_id = blocker_id
        """The card it waits for."""
        self.blocker_short_id = blocker_short_id
        """That card's short id (P3-12), as named in the message."""


# --- what the store's rows look like to this module --------------------------------------------------


class CardLike(Protocol):
    """The fields of a card this module reads (store.models.Card has them all)."""

    @property
    def id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def column_id(self) -> str: ...
    @property
    def position(self) -> int: ...
    @property
    def owner_id(self) -> str | None: ...
    @property
    def due(self) -> date | None: ...
    @property
    def blocked_by(self) -> str | None: ...
    @property
    def milestone(self) -> bool: ...
    @property
    def archived(self) -> bool: ...


class ColumnLike(Protocol):
    """The fields of a column this module reads (store.models.BoardColumn)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def position(self) -> int: ...
    @property
    def wip_limit(self) -> int | None: ...
    @property
    def is_done(self) -> bool: ...


class BoardLike(Protocol):
    """The fields of a board this module reads (store.models.Board)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def event_date(self) -> date | None: ...


class LogEntryLike(Protocol):
    """An entry of a crisis board's log (store.models.BoardLog)."""

    @property
    def at(self) -> datetime: ...
    @property
    def text(self) -> str: ...


# --- moving cards -----------------------------------------------------------------------------------


class ColumnState(NamedTuple):
    """A column as a move sees it. A plain tuple (column_id, card_ids, wip_limit, is_done) works too."""

    column_id: str
    """The column's id."""
    card_ids: Sequence[str]
    """Its (non-archived) cards, top first."""
    wip_limit: int | None = None
    """At most this many cards (None or 0: no limit)."""
    is_done: bool = False
    """Cards here are done."""
    name: str = ""
    """The column's name, for messages."""


class Blocker(NamedTuple):
    """The card that the moved card is blocked by."""

    card_id: str
    """Its id (the moved card's `blocked_by`)."""
    short_id: str
    """Its short id, named in the refusal."""
    done: bool | None = None
    """Whether it is done; None to look it up in the columns given to the move (a blocker on none of them,
    archived or deleted, no longer blocks)."""


@dataclass(frozen=True)
class Placement:
    """Where a card stands after a move: the store writes one of these per changed card."""

    card_id: str
    """The card."""
    column_id: str
    """Its column."""
    position: int
    """Its index in the column, 0 at the top."""


@dataclass(frozen=True)
class Move:
    """The result of a move: only what it touched, so the UI redraws and the store writes just that."""

    card_id: str
    """The card that moved."""
    from_column: str
    """The column it left (equal to `to_column` for a reorder)."""
    to_column: str
    """The column it is in now."""
    position: int
    """Its index there."""
    columns: tuple[ColumnState, ...]
    """The touched columns after the move: the source first, then the target (one entry for a reorder)."""
    updates: tuple[Placement, ...]
    """The cards whose column or position changed, the moved card first; empty when nothing moved."""

    @property
    def changed(self) -> bool:
        """Whether anything moved at all."""
        return bool(self.updates)


def _column_label(column: ColumnState) -> str:
    """A column's name for messages, or its id when it has none."""
    return column.name or column.column_id


def _placements(before: Sequence[str], after: Sequence[str], column_id: str, moved: str) -> list[Placement]:
    """Placements of the cards of `after` (except `moved`) whose index differs from `before`."""
    old = {card: index for index, card in enumerate(before)}
    return [
        Placement(card, column_id, index)
        for index, card in enumerate(after)
        if card != moved and old.get(card) != index
    ]


def move_card(
    columns: Sequence[ColumnState | tuple[str, Sequence[str], int | None, bool]],
    card_id: str,
    to_column: str,
    position: int | None = None,
    *,
    blocked_by: Blocker | None = None,
    override_wip: bool = False,
) -> Move:
    """Move `card_id` to index `position` of `to_column` (None: the bottom), or refuse.

    `position` counts in the target column without the card and is clamped to it. Moving into another
    column that already holds `wip_limit` cards raises WipLimitReached unless `override_wip` (the user
    confirmed). Moving a card into a done column from a column that is not done, while the card it is
    `blocked_by` is not done, raises Blocked, naming the blocker by its short id. A reorder inside a
    column checks neither: the count does not change and the card is already where it is.
    """
    states = [ColumnState(*column) for column in columns]
    source = next((c for c in states if card_id in c.card_ids), None)
    if source is None:
        raise BoardError(
            _("Card {card} is not on this board").format(card=card_id), "unknown_card", "card_id"
        )
    target = next((c for c in states if c.column_id == to_column), None)
    if target is None:
        raise BoardError(
            _("Column {column} is not on this board").format(column=to_column), "unknown_column", "column_id"
        )
    remaining = [card for card in target.card_ids if card != card_id]
    index = len(remaining) if position is None else min(max(position, 0), len(remaining))
    new_target = [*remaining[:index], card_id, *remaining[index:]]

    if source.column_id == target.column_id:
        updates = (
            [Placement(card_id, to_column, index)] if list(source.card_ids).index(card_id) != index else []
        )
        if updates:
            updates += _placements(source.card_ids, new_target, to_column, card_id)
        return Move(
            card_id,
            to_column,
            to_column,
            index,
            (target._replace(card_ids=tuple(new_target)),),
            tuple(updates),
        )

    limit = target.wip_limit
    if limit and len(target.card_ids) >= limit and not override_wip:
        raise WipLimitReached(
            _("{column} is at its WIP limit of {limit} cards").format(
                column=_column_label(target), limit=limit
            ),
            target.column_id,
            limit,
        )
    if target.is_done and not source.is_done and blocked_by is not None and blocked_by.card_id != card_id:
        done = blocked_by.done
        if done is None:
            holder = next((c for c in states if blocked_by.card_id in c.card_ids), None)
            done = holder is None or holder.is_done
        if not done:
            raise Blocked(
                _("Blocked by {blocker}, which is not done yet").format(blocker=blocked_by.short_id),
                card_id,
                blocked_by.card_id,
                blocked_by.short_id,
            )

    new_source = [card for card in source.card_ids if card != card_id]
    updates = [
        Placement(card_id, to_column, index),
        *_placements(source.card_ids, new_source, source.column_id, card_id),
        *_placements(target.card_ids, new_target, to_column, card_id),
    ]
    touched = (source._replace(card_ids=tuple(new_source)), target._replace(card_ids=tuple(new_target)))
    return Move(card_id, source.column_id, to_column, index, touched, tuple(updates))


def reorder(card_ids: Sequence[str], card_id: str, delta: int) -> tuple[str, ...]:
    """The column's order after moving `card_id` by `delta` places (negative: up), stopping at the ends."""
    order = list(card_ids)
    if card_id not in order:
        raise BoardError(
            _("Card {card} is not in this column").format(card=card_id), "unknown_card", "card_id"
        )
    old = order.index(card_id)
    order.pop(old)
    order.insert(min(max(old + delta, 0), len(order)), card_id)
    return tuple(order)


def adjacent_column(columns: Sequence[ColumnState], column_id: str, step: int) -> str | None:
    """The id of the column `step` places to the right (negative: left) of `column_id`, or None past an
    edge: what "move card right/left" aims at."""
    ids = [column.column_id for column in columns]
    index = ids.index(column_id) + step
    return ids[index] if 0 <= index < len(ids) else None


def column_states(columns: Iterable[ColumnLike], cards: Iterable[CardLike]) -> list[ColumnState]:
    """ColumnStates from store rows: columns by position, each with its non-archived cards by position."""
    ordered = sorted(columns, key=lambda c: (c.position, c.name))
    by_column: dict[str, list[CardLike]] = {c.id: [] for c in ordered}
    for card in cards:
        if not card.archived and card.column_id in by_column:
            by_column[card.column_id].append(card)
    return [
        ColumnState(
            c.id,
            tuple(card.id for card in sorted(by_column[c.id], key=lambda k: (k.position, k.seq))),
            c.wip_limit,
            c.is_done,
            c.name,
        )
        for c in ordered
    ]


# --- short ids --------------------------------------------------------------------------------------

_SHORT_ID = re.compile(r"#?(?P<code>\S+?)\s*[-\uff0d\u2010\u2013]\s*(?P<seq>\d+)")


def normalise_code(code: str) -> str:
    """A board code as stored and shown: trimmed and upper case (codes are case-insensitive, p3 is P3)."""
    return code.strip().upper()


def short_id(board_code: str, seq: int) -> str:
    """The short id people use for a card: the board's code and the card's number, 'P3-17'."""
    code = normalise_code(board_code)
    if not code or any(ch.isspace() for ch in code) or seq < 1:
        raise BoardError(
            _("'{code}' and {seq} do not make a card id").format(code=board_code, seq=seq), "bad_short_id"
        )
    return f"{code}-{seq}"


def parse_short_id(text: str) -> tuple[str, int]:
    """(code, seq) from a typed short id: 'P3-17', 'p3-17', '#P3-17', 'P3 - 17', 'P3－17' (full-width)."""
    match = _SHORT_ID.fullmatch(text.strip())
    if match is None or int(match["seq"]) < 1:
        raise BoardError(_("'{text}' is not a card id like P3-17").format(text=text), "bad_short_id")
    return normalise_code(match["code"]), int(match["seq"])


# --- board health and progress ---------------------------------------------------------------------


class Health(StrEnum):
    """A board's traffic light."""

    GREEN = "green"
    """On track."""
    AMBER = "amber"
    """Something is late or about to be."""
    RED = "red"
    """Seriously late."""


HEALTH_LABELS: dict[Health, str] = {
    Health.GREEN: N_("green"),
    Health.AMBER: N_("amber"),
    Health.RED: N_("red"),
}
"""English source of each health's label."""

RED_DAYS_OVERDUE = 7
"""A card overdue by more than this many days makes the board red."""
RED_OVERDUE_PERCENT = 20
"""More than this percentage of the board's cards overdue makes it red (integer: 20% exactly is not red,
without floating-point doubt)."""
AMBER_DUE_WITHIN_DAYS = 2
"""A card not done and due within this many days (today included) makes the board amber."""


@dataclass(frozen=True)
class BoardSummary:
    """A board's health and progress, as shown in its header, the board list and the export."""

    status: Health
    """The traffic light shown."""
    set_by_hand: bool
    """Whether `status` was set by the user rather than computed."""
    total: int
    """Cards not archived."""
    done: int
    """Of those, cards in a done column."""
    overdue: int
    """Cards not done and past their due date."""
    due_soon: int
    """Cards not done and due within AMBER_DUE_WITHIN_DAYS days."""
    worst_days_overdue: int
    """Days overdue of the latest card (0 when none is overdue)."""

    @property
    def progress(self) -> float:
        """Done cards over all cards not archived, 0.0 for an empty board."""
        return self.done / self.total if self.total else 0.0


def summarize(
    setting: str, cards: Iterable[CardLike], done_columns: Collection[str], today: date
) -> BoardSummary:
    """Count a board's cards and decide its traffic light.

    `setting` is the board's `status` field: green, amber or red is shown as set; auto (or anything else)
    is computed from the cards that are not archived and not in a `done_columns` column:
    red if a card is overdue by more than RED_DAYS_OVERDUE (7) days or more than RED_OVERDUE_PERCENT (20%)
    of all the board's cards are overdue; amber if any card is overdue or due within
    AMBER_DUE_WITHIN_DAYS (2) days; green otherwise. Due today counts as due soon, not overdue.
    """
    total = done = overdue = due_soon = worst = 0
    for card in cards:
        if card.archived:
            continue
        total += 1
        if card.column_id in done_columns:
            done += 1
            continue
        if card.due is None:
            continue
        late = (today - card.due).days
        if late > 0:
            overdue += 1
            worst = max(worst, late)
        elif -late <= AMBER_DUE_WITHIN_DAYS:
            due_soon += 1
    if setting in (Health.GREEN, Health.AMBER, Health.RED):
        return BoardSummary(Health(setting), True, total, done, overdue, due_soon, worst)
    if worst > RED_DAYS_OVERDUE or overdue * 100 > total * RED_OVERDUE_PERCENT:
        status = Health.RED
    elif overdue or due_soon:
        status = Health.AMBER
    else:
        status = Health.GREEN
    return BoardSummary(status, False, total, done, overdue, due_soon, worst)


def board_status(
    setting: str, cards: Iterable[CardLike], done_columns: Collection[str], today: date
) -> Health:
    """The traffic light of a board whose `status` field is `setting` (see `summarize` for the rule)."""
    return summarize(setting, cards, done_columns, today).status


def progress(cards: Iterable[CardLike], done_columns: Collection[str]) -> float:
    """Done cards over all cards not archived (0.0 for an empty board)."""
    live = [card for card in cards if not card.archived]
    return sum(card.column_id in done_columns for card in live) / len(live) if live else 0.0


# --- templates ---------------------------------------------------------------------------------------


class Bilingual(NamedTuple):
    """A text written in both languages (templates are not translated through gettext: a board is
    created in the language the user picks, whatever the program's language)."""

    en: str
    zh: str

    def pick(self, lang: str) -> str:
        """The text in `lang` ('zh...' gives Chinese, anything else English)."""
        return self.zh if lang.lower().startswith("zh") else self.en


@dataclass(frozen=True)
class TemplateStep:
    """A checklist item of a template card."""

    text: Bilingual
    """What to do."""
    offset_days: int
    """Due this many days from the event date (negative: before)."""


@dataclass(frozen=True)
class TemplateCard:
    """A card of a template."""

    title: Bilingual
    """The card's title."""
    offset_days: int
    """Due this many days from the event date T (negative: before; 0: on the day)."""
    milestone: bool = False
    """A milestone: shown on the timeline and in "next milestones"."""
    checklist: tuple[TemplateStep, ...] = ()
    """Its checklist."""


@dataclass(frozen=True)
class TemplateColumn:
    """A column of a template."""

    name: Bilingual
    wip_limit: int | None = None
    is_done: bool = False


@dataclass(frozen=True)
class BoardTemplate:
    """A board laid out relative to an event date T."""

    key: str
    """Its stable name (annual_meeting...)."""
    name: Bilingual
    """What the user picks from."""
    kind: str
    """The board kind it creates: project, event or crisis."""
    columns: tuple[TemplateColumn, ...]
    """Columns, left to right; template cards start in the first."""
    cards: tuple[TemplateCard, ...]
    """The cards."""
    log: bool = False
    """Whether the board keeps a timestamped log (a crisis)."""
    contact_roles: tuple[Bilingual, ...] = ()
    """Roles of the contact list to fill in (a crisis)."""


_STANDARD_COLUMNS = (
    TemplateColumn(Bilingual("To do", "待办")),
    TemplateColumn(Bilingual("Doing", "进行中"), wip_limit=5),
    TemplateColumn(Bilingual("Waiting", "等待")),
    TemplateColumn(Bilingual("Done", "完成"), is_done=True),
)


def _card(
    en: str, zh: str, offset: int, milestone: bool = False, checklist: tuple[tuple[str, str, int], ...] = ()
) -> TemplateCard:
    """A template card, written compactly."""
    steps = tuple(TemplateStep(Bilingual(s_en, s_zh), s_offset) for s_en, s_zh, s_offset in checklist)
    return TemplateCard(Bilingual(en, zh), offset, milestone, steps)


ANNUAL_MEETING = BoardTemplate(
    key="annual_meeting",
    name=Bilingual("Annual meeting", "年会"),
    kind="event",
    columns=_STANDARD_COLUMNS,
    cards=(
        _card("Budget and theme agreed", "确定预算与主题", -90),
        _card(
            "Venue booked",
            "预订场地",
            -60,
            True,
            (
                ("Compare three venues", "比较三个场地", -75),
                ("Sign the contract and pay the deposit", "签约并支付定金", -60),
            ),
        ),
        _card(
            "Programme draft",
            "节目初稿",
            -45,
            checklist=(("Collect acts from departments", "征集各部门节目", -50),),
        ),
        _card(
            "Invitations sent",
            "发出邀请",
            -30,
            True,
            (("Guest list approved", "嘉宾名单审定", -35), ("Invitations printed", "请柬制作", -32)),
        ),
        _card("Awards and gifts ordered", "奖项与礼品采购", -21),
        _card("Programme final", "节目单定稿", -14, True),
        _card("Seating and logistics confirmed", "座次与后勤确认", -7),
        _card("General manager's speech final", "总经理致辞定稿", -3),
        _card("Rehearsal", "彩排", -1, True),
        _card("Annual meeting day", "年会当天", 0, True),
        _card("Wrap-up and reimbursements", "总结与报销", 7),
    ),
)
"""年会: venue booked T-60, invitations sent T-30, programme final T-14, rehearsal T-1."""

CLIENT_EVENT = BoardTemplate(
    key="client_event",
    name=Bilingual("Client event", "客户活动"),
    kind="event",
    columns=_STANDARD_COLUMNS,
    cards=(
        _card("Guest list agreed", "确定邀请名单", -30),
        _card("Venue and catering booked", "预订场地与餐饮", -21, True),
        _card("Invitations sent", "发出邀请", -14, True),
        _card(
            "Agenda and materials ready",
            "议程与资料准备",
            -7,
            checklist=(("Gifts for guests", "嘉宾礼品", -10), ("Name cards and signage", "桌卡与指示牌", -5)),
        ),
        _card("Attendance confirmed", "确认出席", -3),
        _card("On-site check", "现场检查", -1),
        _card("Event day", "活动当天", 0, True),
        _card("Thank-you notes and follow-ups", "致谢与后续跟进", 3),
    ),
)
"""客户活动: from the guest list (T-30) to the thank-you notes (T+3)."""

PROJECT_LAUNCH = BoardTemplate(
    key="project_launch",
    name=Bilingual("New project launch", "新项目启动"),
    kind="project",
    columns=_STANDARD_COLUMNS,
    cards=(
        _card("Project charter drafted", "项目章程起草", -21),
        _card("Team and owners named", "确定团队与责任人", -14, True),
        _card("Budget approved", "预算审批", -10),
        _card("Kick-off meeting scheduled", "安排启动会", -7),
        _card("Kick-off materials ready", "启动会材料准备", -2),
        _card("Kick-off meeting", "项目启动会", 0, True),
        _card("First progress review", "首次进度检查", 7, True),
        _card("First month report", "首月报告", 30),
    ),
)
"""新项目启动: T is the kick-off meeting."""

CRISIS_RESPONSE = BoardTemplate(
    key="crisis",
    name=Bilingual("Crisis response", "危机应对"),
    kind="crisis",
    columns=(
        TemplateColumn(Bilingual("New", "新情况")),
        TemplateColumn(Bilingual("Acting", "处理中")),
        TemplateColumn(Bilingual("Waiting for reply", "等待回复")),
        TemplateColumn(Bilingual("Resolved", "已解决"), is_done=True),
    ),
    cards=(
        _card(
            "Crisis team convened",
            "成立应急小组",
            0,
            True,
            (("Name a spokesperson", "指定发言人", 0), ("Fill in the contact list", "完善联络名单", 0)),
        ),
        _card("Facts established", "核实事实", 0),
        _card("Holding statement issued", "发布初步声明", 0, True),
        _card("Staff briefed", "内部通报", 1),
        _card("Regulators and key clients informed", "通报监管部门与重要客户", 1),
        _card("Full statement and Q&A", "正式声明与问答口径", 2),
        _card("Situation review", "形势评估", 7),
        _card("Post-crisis review", "复盘总结", 14, True),
    ),
    log=True,
    contact_roles=(
        Bilingual("Spokesperson", "发言人"),
        Bilingual("Legal counsel", "法务"),
        Bilingual("PR agency", "公关公司"),
        Bilingual("Regulator contact", "监管联络人"),
        Bilingual("Key clients", "重要客户"),
        Bilingual("Media", "媒体"),
    ),
)
"""危机应对: T is the day the crisis broke; the board keeps a timestamped log and a contact list."""

TEMPLATES: dict[str, BoardTemplate] = {
    t.key: t for t in (ANNUAL_MEETING, CLIENT_EVENT, PROJECT_LAUNCH, CRISIS_RESPONSE)
}
"""The templates by key, in the order they are offered."""


@dataclass(frozen=True)
class PlannedColumn:
    """A column to create."""

    name: str
    position: int
    wip_limit: int | None
    is_done: bool


@dataclass(frozen=True)
class PlannedChecklistItem:
    """A checklist item to create."""

    text: str
    due: date
    position: int


@dataclass(frozen=True)
class PlannedCard:
    """A card to create, in the column with index `column`."""

    title: str
    due: date
    column: int
    """Index into BoardPlan.columns."""
    position: int
    milestone: bool
    checklist: tuple[PlannedChecklistItem, ...]


@dataclass(frozen=True)
class Milestone:
    """A dated milestone: on the timeline and in "next milestones"."""

    title: str
    day: date
    done: bool = False


@dataclass(frozen=True)
class BoardPlan:
    """A board laid out from a template, ready for the store to create."""

    name: str
    kind: str
    event_date: date
    start: date
    """The earliest due date (or the event date)."""
    end: date
    """The latest due date (or the event date)."""
    columns: tuple[PlannedColumn, ...]
    cards: tuple[PlannedCard, ...]
    """Cards by due date, all in the first column."""
    milestones: tuple[Milestone, ...]
    """The milestone cards as milestones, by date."""
    log: bool
    """Whether the board keeps a timestamped log."""
    contact_roles: tuple[str, ...]
    """Roles of the contact list to fill in."""


def _workday(day: date, event_date: date) -> date:
    """`day`, or the Friday before when it falls on a weekend; the event day itself never moves."""
    if day == event_date or day.weekday() < 5:
        return day
    return day - timedelta(days=day.weekday() - 4)


def instantiate(
    template: BoardTemplate | str, event_date: date, lang: str, weekdays_only: bool = False
) -> BoardPlan:
    """Lay out `template` (or its key) for an event on `event_date`, with texts in `lang`.

    Each card and checklist item is due at the event date plus its offset. With `weekdays_only` a due
    date falling on a weekend moves to the Friday before (earlier, never later: a deadline moved later
    could miss the event); the event day itself stays.
    """
    tpl = TEMPLATES[template] if isinstance(template, str) else template

    def due(offset: int) -> date:
        day = event_date + timedelta(days=offset)
        return _workday(day, event_date) if weekdays_only else day

    columns = tuple(
        PlannedColumn(c.name.pick(lang), index, c.wip_limit, c.is_done) for index, c in enumerate(tpl.columns)
    )
    ordered = sorted(enumerate(tpl.cards), key=lambda pair: (pair[1].offset_days, pair[0]))
    cards = tuple(
        PlannedCard(
            title=card.title.pick(lang),
            due=due(card.offset_days),
            column=0,
            position=position,
            milestone=card.milestone,
            checklist=tuple(
                PlannedChecklistItem(step.text.pick(lang), due(step.offset_days), index)
                for index, step in enumerate(card.checklist)
            ),
        )
        for position, (_index, card) in enumerate(ordered)
    )
    milestones = tuple(Milestone(card.title, card.due) for card in cards if card.milestone)
    days = [event_date, *(card.due for card in cards)]
    return BoardPlan(
        name=tpl.name.pick(lang),
        kind=tpl.kind,
        event_date=event_date,
        start=min(days),
        end=max(days),
        columns=columns,
        cards=cards,
        milestones=milestones,
        log=tpl.log,
        contact_roles=tuple(role.pick(lang) for role in tpl.contact_roles),
    )


# --- timeline ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    """One bar of the week timeline."""

    label: str
    """What is shown: 'P3-17 Venue booked' for a card, the title for a milestone."""
    week: int
    """The week it falls in, 0 for the week starting at `start`."""
    overdue: bool
    """Not done and past due."""
    due: date
    """Its date."""
    milestone: bool
    """A milestone (a milestone card or one of the milestones given)."""
    card_id: str | None = None
    """The card, for opening it from the timeline (None for a milestone given on its own)."""


def timeline(
    cards: Iterable[CardLike],
    milestones: Iterable[Milestone],
    start: date,
    weeks: int,
    today: date,
    *,
    done_columns: Collection[str] = frozenset(),
    board_code: str = "",
) -> list[TimelineRow]:
    """Rows of the timeline of `weeks` weeks from `start`: each dated, non-archived card and each
    milestone in that window, by date. Cards without a due date, or outside the window, are left out
    (the overdue count in the board header still shows the ones before it)."""
    end = start + timedelta(weeks=weeks)
    rows: list[TimelineRow] = []
    for card in cards:
        if card.archived or card.due is None or not start <= card.due < end:
            continue
        done = card.column_id in done_columns
        label = f"{short_id(board_code, card.seq)} {card.title}" if board_code else card.title
        week = (card.due - start).days // 7
        rows.append(
            TimelineRow(label, week, not done and card.due < today, card.due, card.milestone, card.id)
        )
    for milestone in milestones:
        if start <= milestone.day < end:
            week = (milestone.day - start).days // 7
            overdue = not milestone.done and milestone.day < today
            rows.append(TimelineRow(milestone.title, week, overdue, milestone.day, True))
    rows.sort(key=lambda row: (row.due, not row.milestone, row.label))
    return rows


# --- Markdown export ---------------------------------------------------------------------------------

_EXPORT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "heading": "# {name} ({code})",
        "status": "- Status: {status} ({how})",
        "auto": "auto",
        "set": "set by hand",
        "progress": "- Progress: {done} of {total} cards done ({percent})",
        "late": "- Overdue: {overdue}; due within {days} days: {soon}",
        "event_date": "- Event date: {day}",
        "header": "| Card | Title | Column | Owner | Due | Blocked by |",
        "overdue_days": "{day} ({days} d overdue)",
        "milestones": "## Next milestones",
        "milestone_overdue": " (overdue)",
        "no_cards": "No cards.",
        "log": "## Log",
        "green": "green",
        "amber": "amber",
        "red": "red",
    },
    "zh": {
        "heading": "# {name}（{code}）",
        "status": "- 状态：{status}（{how}）",
        "auto": "自动",
        "set": "手动设定",
        "progress": "- 进度：{total} 张卡片已完成 {done} 张（{percent}）",
        "late": "- 逾期：{overdue}；{days} 天内到期：{soon}",
        "event_date": "- 活动日期：{day}",
        "header": "| 卡片 | 标题 | 列 | 责任人 | 截止 | 受阻于 |",
        "overdue_days": "{day}（逾期{days}天）",
        "milestones": "## 近期里程碑",
        "milestone_overdue": "（已逾期）",
        "no_cards": "暂无卡片。",
        "log": "## 日志",
        "green": "绿",
        "amber": "黄",
        "red": "红",
    },
}
"""The export's words in both languages: the export is written in the language asked for (a weekly brief
in Chinese from an English session), so it does not go through gettext."""

NEXT_MILESTONES = 5
"""How many milestones the export lists."""


def _cell(text: str) -> str:
    """`text` made safe for a Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def board_markdown(
    board: BoardLike,
    columns: Iterable[ColumnLike],
    cards: Iterable[CardLike],
    today: date,
    lang: str,
    *,
    owners: Mapping[str, str] | None = None,
    log: Iterable[LogEntryLike] = (),
    zone: tzinfo | None = None,
) -> str:
    """The board as Markdown: a heading, status, progress, one table of cards (column, owner, due,
    blocked by) in board order, the next milestones and, for a crisis, the log.

    `owners` maps owner ids to names (an unknown id is left blank rather than showing a UUID); log times
    are shown in `zone`. Nothing is padded to align: widths of Chinese text differ between renderers, and
    Markdown does not need it, so the output is safe with any mix of scripts.
    """
    words = _EXPORT_WORDS["zh" if lang.lower().startswith("zh") else "en"]
    names = owners or {}
    ordered_columns = sorted(columns, key=lambda c: (c.position, c.name))
    column_index = {c.id: index for index, c in enumerate(ordered_columns)}
    column_name = {c.id: c.name for c in ordered_columns}
    done_columns = {c.id for c in ordered_columns if c.is_done}
    live = [card for card in cards if not card.archived]
    live.sort(key=lambda k: (column_index.get(k.column_id, len(column_index)), k.position, k.seq))
    by_id = {card.id: card for card in live}
    summary = summarize(board.status, live, done_columns, today)

    def sid(card: CardLike) -> str:
        return short_id(board.code, card.seq)

    lines = [
        words["heading"].format(name=_cell(board.name), code=normalise_code(board.code)),
        "",
        words["status"].format(
            status=words[summary.status.value], how=words["set" if summary.set_by_hand else "auto"]
        ),
        words["progress"].format(done=summary.done, total=summary.total, percent=f"{summary.progress:.0%}"),
        words["late"].format(overdue=summary.overdue, days=AMBER_DUE_WITHIN_DAYS, soon=summary.due_soon),
    ]
    if board.event_date is not None:
        lines.append(words["event_date"].format(day=board.event_date.isoformat()))
    lines.append("")
    if live:
        lines += [words["header"], "| --- | --- | --- | --- | --- | --- |"]
        for card in live:
            done = card.column_id in done_columns
            due = ""
            if card.due is not None:
                due = card.due.isoformat()
                if not done and card.due < today:
                    due = words["overdue_days"].format(day=due, days=(today - card.due).days)
            blocker = by_id.get(card.blocked_by or "")
            blocked = sid(blocker) if blocker is not None and blocker.column_id not in done_columns else ""
            row = [
                sid(card),
                _cell(card.title),
                _cell(column_name.get(card.column_id, "?")),
                _cell(names.get(card.owner_id or "", "")),
                due,
                blocked,
            ]
            lines.append("| " + " | ".join(row) + " |")
    else:
        lines.append(words["no_cards"])

    upcoming = sorted(
        (
            card
            for card in live
            if card.milestone and card.due is not None and card.column_id not in done_columns
        ),
        key=lambda k: (k.due, k.seq),
    )[:NEXT_MILESTONES]
    if upcoming:
        lines += ["", words["milestones"], ""]
        for card in upcoming:
            assert card.due is not None
            late = words["milestone_overdue"] if card.due < today else ""
            lines.append(f"- {card.due.isoformat()} {sid(card)} {_cell(card.title)}{late}")

    entries = sorted(log, key=lambda entry: entry.at)
    if entries:
        lines += ["", words["log"], ""]
        for entry in entries:
            at = entry.at.astimezone(zone) if zone is not None else entry.at
            lines.append(f"- {at:%Y-%m-%d %H:%M} {_cell(entry.text)}")
    return "\n".join(lines) + "\n"
