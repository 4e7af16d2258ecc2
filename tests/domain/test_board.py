"""Tests of the project board's rules (gmassist.domain.board), at frozen dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gmassist.domain.board import (
    ANNUAL_MEETING,
    TEMPLATES,
    Blocked,
    Blocker,
    BoardError,
    ColumnState,
    Health,
    Milestone,
    Placement,
    WipLimitReached,
    adjacent_column,
    board_markdown,
    board_status,
    column_states,
    instantiate,
    move_card,
    parse_short_id,
    progress,
    reorder,
    short_id,
    summarize,
    timeline,
)
from gmassist.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 25)
"""A Wednesday."""


def days(n: int) -> date:
    """TODAY shifted by `n` days."""
    return TODAY + timedelta(days=n)


@dataclass(frozen=True)
class Card:
    """A card with the table's attribute names."""

    id: str
    seq: int
    title: str = "card"
    column_id: str = "todo"
    position: int = 0
    owner_id: str | None = None
    due: date | None = None
    blocked_by: str | None = None
    milestone: bool = False
    archived: bool = False


@dataclass(frozen=True)
class Column:
    """A column with the table's attribute names."""

    id: str
    name: str
    position: int
    wip_limit: int | None = None
    is_done: bool = False


@dataclass(frozen=True)
class Board:
    """A board with the table's attribute names."""

    code: str
    name: str
    kind: str = "project"
    status: str = "auto"
    event_date: date | None = None


@dataclass(frozen=True)
class LogEntry:
    """A crisis log entry with the table's attribute names."""

    at: datetime
    text: str


def board_columns() -> list[ColumnState]:
    """To do (a, b, c), Doing (d, e; WIP 3), Done (f)."""
    return [
        ColumnState("todo", ("a", "b", "c"), None, False, "To do"),
        ColumnState("doing", ("d", "e"), 3, False, "Doing"),
        ColumnState("done", ("f",), None, True, "Done"),
    ]


# --- moves -------------------------------------------------------------------------------------------


def test_move_to_another_column_returns_only_the_two_columns() -> None:
    move = move_card(board_columns(), "b", "doing", 1)
    assert (move.card_id, move.from_column, move.to_column, move.position) == ("b", "todo", "doing", 1)
    assert move.columns == (
        ColumnState("todo", ("a", "c"), None, False, "To do"),
        ColumnState("doing", ("d", "b", "e"), 3, False, "Doing"),
    )
    assert move.updates == (
        Placement("b", "doing", 1),
        Placement("c", "todo", 1),
        Placement("e", "doing", 2),
    )
    assert move.changed


def test_move_to_the_bottom_by_default_and_positions_are_clamped() -> None:
    assert move_card(board_columns(), "a", "doing").columns[1].card_ids == ("d", "e", "a")
    assert move_card(board_columns(), "a", "doing", 99).columns[1].card_ids == ("d", "e", "a")
    assert move_card(board_columns(), "a", "doing", -5).columns[1].card_ids == ("a", "d", "e")


def test_move_within_a_column_is_a_reorder() -> None:
    move = move_card(board_columns(), "a", "todo", 2)
    assert move.columns == (ColumnState("todo", ("b", "c", "a"), None, False, "To do"),)
    assert move.updates == (Placement("a", "todo", 2), Placement("b", "todo", 0), Placement("c", "todo", 1))


def test_a_move_to_where_the_card_is_changes_nothing() -> None:
    move = move_card(board_columns(), "b", "todo", 1)
    assert not move.changed
    assert move.columns[0].card_ids == ("a", "b", "c")


def test_plain_tuples_work_as_columns() -> None:
    columns = [("todo", ["a"], None, False), ("done", [], None, True)]
    move = move_card(columns, "a", "done", 0)
    assert [c.card_ids for c in move.columns] == [(), ("a",)]


def test_wip_limit_refuses_a_move_into_a_full_column() -> None:
    columns = board_columns()
    columns[1] = columns[1]._replace(card_ids=("d", "e", "g"))
    with pytest.raises(WipLimitReached) as caught:
        move_card(columns, "a", "doing", 0)
    error = caught.value
    assert (error.code, error.column_id, error.limit) == ("wip_limit", "doing", 3)
    assert error.reason == "Doing is at its WIP limit of 3 cards"
    assert isinstance(error, ValueError) and isinstance(error, InvalidInput)


def test_wip_limit_can_be_overridden_and_allows_reorders() -> None:
    columns = board_columns()
    columns[1] = columns[1]._replace(card_ids=("d", "e", "g"))
    assert move_card(columns, "a", "doing", 0, override_wip=True).columns[1].card_ids == ("a", "d", "e", "g")
    assert move_card(columns, "g", "doing", 0).columns[0].card_ids == ("g", "d", "e")
    columns[1] = columns[1]._replace(card_ids=("d", "e"))
    assert move_card(columns, "a", "doing").columns[1].card_ids == ("d", "e", "a")


def test_a_wip_limit_of_zero_means_no_limit() -> None:
    columns = [ColumnState("todo", ("a",)), ColumnState("doing", ("x", "y"), 0)]
    assert move_card(columns, "a", "doing").columns[1].card_ids == ("x", "y", "a")


def test_blocked_card_cannot_be_done_before_its_blocker() -> None:
    with pytest.raises(Blocked) as caught:
        move_card(board_columns(), "e", "done", blocked_by=Blocker("d", "P3-12"))
    error = caught.value
    assert error.code == "blocked"
    assert (error.card_id, error.blocker_id, error.blocker_short_id) == ("e", "d", "P3-12")
    assert error.reason == "Blocked by P3-12, which is not done yet"
    assert isinstance(error, ValueError)


def test_blocked_card_may_move_anywhere_but_done() -> None:
    move = move_card(board_columns(), "e", "todo", 0, blocked_by=Blocker("d", "P3-12"))
    assert move.columns[1].card_ids == ("e", "a", "b", "c")


def test_a_done_blocker_no_longer_blocks() -> None:
    move = move_card(board_columns(), "e", "done", blocked_by=Blocker("f", "P3-6"))
    assert move.columns[1].card_ids == ("f", "e")


def test_a_blocker_off_the_board_no_longer_blocks_unless_said_so() -> None:
    assert move_card(board_columns(), "e", "done", blocked_by=Blocker("gone", "P3-9")).changed
    with pytest.raises(Blocked):
        move_card(board_columns(), "e", "done", blocked_by=Blocker("gone", "P9-1", done=False))
    assert move_card(board_columns(), "e", "done", blocked_by=Blocker("d", "P3-4", done=True)).changed


def test_moving_between_done_columns_is_not_guarded() -> None:
    columns = [*board_columns(), ColumnState("archive", (), None, True, "Shipped")]
    move = move_card(columns, "f", "archive", blocked_by=Blocker("a", "P3-1"))
    assert move.columns[1].card_ids == ("f",)


def test_wip_is_checked_before_the_blocked_guard() -> None:
    columns = [ColumnState("todo", ("a", "b")), ColumnState("done", ("c",), 1, True)]
    with pytest.raises(WipLimitReached):
        move_card(columns, "a", "done", blocked_by=Blocker("b", "P1-2"))


def test_unknown_card_or_column() -> None:
    with pytest.raises(BoardError) as caught:
        move_card(board_columns(), "zzz", "done")
    assert caught.value.code == "unknown_card"
    with pytest.raises(BoardError) as caught:
        move_card(board_columns(), "a", "nowhere")
    assert caught.value.code == "unknown_column"


@pytest.mark.parametrize(
    ("card", "delta", "expected"),
    [
        ("b", -1, ("b", "a", "c", "d")),
        ("b", 1, ("a", "c", "b", "d")),
        ("b", 2, ("a", "c", "d", "b")),
        ("b", 10, ("a", "c", "d", "b")),
        ("a", -1, ("a", "b", "c", "d")),
        ("d", 1, ("a", "b", "c", "d")),
        ("c", 0, ("a", "b", "c", "d")),
        ("d", -3, ("d", "a", "b", "c")),
    ],
)
def test_reorder(card: str, delta: int, expected: tuple[str, ...]) -> None:
    assert reorder(["a", "b", "c", "d"], card, delta) == expected


def test_reorder_unknown_card() -> None:
    with pytest.raises(BoardError):
        reorder(["a"], "b", 1)


@given(
    order=st.lists(st.integers(0, 50), min_size=1, max_size=12, unique=True).map(
        lambda xs: [str(x) for x in xs]
    ),
    pick=st.integers(0, 11),
    delta=st.integers(-15, 15),
)
def test_reorder_keeps_every_card_once(order: list[str], pick: int, delta: int) -> None:
    card = order[pick % len(order)]
    result = reorder(order, card, delta)
    assert sorted(result) == sorted(order)
    assert result.index(card) == min(max(order.index(card) + delta, 0), len(order) - 1)


def test_adjacent_column() -> None:
    columns = board_columns()
    assert adjacent_column(columns, "todo", 1) == "doing"
    assert adjacent_column(columns, "doing", -1) == "todo"
    assert adjacent_column(columns, "done", 1) is None
    assert adjacent_column(columns, "todo", -1) is None


def test_column_states_from_rows() -> None:
    columns = [Column("c2", "Done", 1, is_done=True), Column("c1", "To do", 0, wip_limit=4)]
    cards = [
        Card("x", 1, column_id="c1", position=1),
        Card("y", 2, column_id="c1", position=0),
        Card("z", 3, column_id="c1", position=2, archived=True),
        Card("w", 4, column_id="c2"),
    ]
    assert column_states(columns, cards) == [
        ColumnState("c1", ("y", "x"), 4, False, "To do"),
        ColumnState("c2", ("w",), None, True, "Done"),
    ]


# --- short ids ---------------------------------------------------------------------------------------


def test_short_ids() -> None:
    assert short_id("P3", 17) == "P3-17"
    assert short_id("p3", 17) == "P3-17"
    assert parse_short_id("P3-17") == ("P3", 17)
    assert parse_short_id(" p3-17 ") == ("P3", 17)
    assert parse_short_id("#P3-17") == ("P3", 17)
    assert parse_short_id("P3 - 17") == ("P3", 17)
    assert parse_short_id("P3－17") == ("P3", 17)
    assert parse_short_id("NY-2027-5") == ("NY-2027", 5)
    assert parse_short_id("年会-3") == ("年会", 3)


@pytest.mark.parametrize("text", ["", "P3", "P3-", "-17", "P3-x", "P3-0", "P 3-1"])
def test_bad_short_ids(text: str) -> None:
    with pytest.raises(BoardError) as caught:
        parse_short_id(text)
    assert caught.value.code == "bad_short_id"


@pytest.mark.parametrize(("code", "seq"), [("", 1), ("P 3", 1), ("P3", 0)])
def test_bad_short_id_parts(code: str, seq: int) -> None:
    with pytest.raises(BoardError):
        short_id(code, seq)


@given(
    code=st.text(
        alphabet=st.characters(categories=("Lu", "Nd", "Lo"), include_characters="-_"), min_size=1, max_size=8
    ),
    seq=st.integers(1, 10**6),
)
def test_short_id_round_trip(code: str, seq: int) -> None:
    code = code.upper()
    assert parse_short_id(short_id(code, seq)) == (code.strip().upper(), seq)


# --- health and progress -----------------------------------------------------------------------------

DONE = frozenset({"done"})


def open_cards(n: int) -> list[Card]:
    """n cards in To do without due dates."""
    return [Card(f"o{i}", 100 + i) for i in range(n)]


def test_green_when_nothing_is_late_or_close() -> None:
    cards = [*open_cards(3), Card("x", 1, due=days(3))]
    assert board_status("auto", cards, DONE, TODAY) == Health.GREEN


@pytest.mark.parametrize("due_in", [0, 1, 2])
def test_amber_when_due_within_two_days(due_in: int) -> None:
    assert board_status("auto", [*open_cards(9), Card("x", 1, due=days(due_in))], DONE, TODAY) == Health.AMBER


def test_amber_when_one_card_is_overdue_by_up_to_seven_days() -> None:
    cards = [*open_cards(9), Card("x", 1, due=days(-7))]
    summary = summarize("auto", cards, DONE, TODAY)
    assert (summary.status, summary.overdue, summary.worst_days_overdue) == (Health.AMBER, 1, 7)


def test_red_when_a_card_is_overdue_by_more_than_seven_days() -> None:
    assert board_status("auto", [*open_cards(9), Card("x", 1, due=days(-8))], DONE, TODAY) == Health.RED


def test_red_when_more_than_a_fifth_is_overdue() -> None:
    late = [Card("x", 1, due=days(-1)), Card("y", 2, due=days(-1))]
    assert board_status("auto", [*open_cards(8), *late], DONE, TODAY) == Health.AMBER  # exactly 20%
    assert board_status("auto", [*open_cards(7), *late], DONE, TODAY) == Health.RED  # 22%


def test_done_and_archived_cards_are_never_late() -> None:
    cards = [
        *open_cards(2),
        Card("x", 1, due=days(-30), column_id="done"),
        Card("y", 2, due=days(-30), archived=True),
        Card("z", 3, due=days(1), column_id="done"),
    ]
    summary = summarize("auto", cards, DONE, TODAY)
    assert (summary.status, summary.total, summary.done, summary.overdue, summary.due_soon) == (
        Health.GREEN,
        4,
        2,
        0,
        0,
    )
    assert summary.progress == 0.5
    assert progress(cards, DONE) == 0.5


def test_a_status_set_by_hand_wins() -> None:
    summary = summarize("green", [Card("x", 1, due=days(-30))], DONE, TODAY)
    assert (summary.status, summary.set_by_hand, summary.overdue) == (Health.GREEN, True, 1)
    assert board_status("red", [], DONE, TODAY) == Health.RED


def test_empty_board() -> None:
    summary = summarize("auto", [], DONE, TODAY)
    assert (summary.status, summary.progress) == (Health.GREEN, 0.0)
    assert progress([], DONE) == 0.0


# --- templates -------------------------------------------------------------------------------------

EVENT_DAY = date(2027, 1, 22)
"""A Friday, T of the template tests."""


def test_annual_meeting_due_dates() -> None:
    plan = instantiate("annual_meeting", EVENT_DAY, "en")
    due = {card.title: card.due for card in plan.cards}
    assert due["Venue booked"] == date(2026, 11, 23)  # T-60
    assert due["Invitations sent"] == date(2026, 12, 23)  # T-30
    assert due["Programme final"] == date(2027, 1, 8)  # T-14
    assert due["Rehearsal"] == date(2027, 1, 21)  # T-1
    assert due["Annual meeting day"] == EVENT_DAY
    assert [c.due for c in plan.cards] == sorted(c.due for c in plan.cards)
    assert [c.position for c in plan.cards] == list(range(len(plan.cards)))
    assert {c.column for c in plan.cards} == {0}
    assert (plan.start, plan.end, plan.event_date) == (date(2026, 10, 24), date(2027, 1, 29), EVENT_DAY)
    venue = next(c for c in plan.cards if c.title == "Venue booked")
    assert [(i.text, i.due) for i in venue.checklist] == [
        ("Compare three venues", date(2026, 11, 8)),
        ("Sign the contract and pay the deposit", date(2026, 11, 23)),
    ]


def test_annual_meeting_in_chinese() -> None:
    plan = instantiate(ANNUAL_MEETING, EVENT_DAY, "zh")
    assert plan.name == "年会"
    assert [c.name for c in plan.columns] == ["待办", "进行中", "等待", "完成"]
    assert [c.is_done for c in plan.columns] == [False, False, False, True]
    assert [(m.title, m.day) for m in plan.milestones] == [
        ("预订场地", date(2026, 11, 23)),
        ("发出邀请", date(2026, 12, 23)),
        ("节目单定稿", date(2027, 1, 8)),
        ("彩排", date(2027, 1, 21)),
        ("年会当天", EVENT_DAY),
    ]
    assert not plan.log and plan.contact_roles == ()


def test_weekdays_only_moves_weekend_deadlines_to_the_friday_before() -> None:
    saturday_event = date(2027, 1, 23)
    plan = instantiate("annual_meeting", saturday_event, "en", weekdays_only=True)
    due = {card.title: card.due for card in plan.cards}
    assert due["Annual meeting day"] == saturday_event  # the event day never moves
    assert due["Venue booked"] == date(2026, 11, 24)  # T-60 is a Tuesday: unchanged
    assert due["Programme final"] == date(2027, 1, 8)  # T-14 is a Saturday: Friday before
    assert due["Wrap-up and reimbursements"] == date(2027, 1, 29)  # T+7 Saturday: Friday before
    assert all(c.due.weekday() < 5 for c in plan.cards if c.due != saturday_event)


def test_crisis_board_has_a_log_and_a_contact_list() -> None:
    plan = instantiate("crisis", TODAY, "zh")
    assert plan.kind == "crisis" and plan.log
    assert plan.contact_roles == ("发言人", "法务", "公关公司", "监管联络人", "重要客户", "媒体")
    assert plan.cards[0].title == "成立应急小组" and plan.cards[0].due == TODAY
    assert plan.columns[-1].is_done and plan.columns[-1].name == "已解决"
    assert plan.start == TODAY and plan.end == days(14)


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_every_template_is_complete_in_both_languages(key: str) -> None:
    en, zh = instantiate(key, EVENT_DAY, "en"), instantiate(key, EVENT_DAY, "zh")
    assert len(en.cards) == len(zh.cards) > 0
    assert [c.due for c in en.cards] == [c.due for c in zh.cards]
    assert all(c.title and c.title.isascii() for c in en.cards)
    assert all(c.title and not c.title.isascii() for c in zh.cards)
    assert sum(c.is_done for c in en.columns) == 1
    assert any(c.milestone for c in en.cards)


# --- timeline ----------------------------------------------------------------------------------------


def test_timeline() -> None:
    start = date(2026, 11, 23)  # a Monday
    cards = [
        Card("a", 1, "Venue", due=days(-1)),  # week 0, overdue
        Card("b", 2, "Invitations", due=days(7), milestone=True),  # week 1
        Card("c", 3, "Done early", due=days(-2), column_id="done"),  # week 0, done: not overdue
        Card("d", 4, "No date"),
        Card("e", 5, "Too late", due=start + timedelta(weeks=4)),  # outside the window
        Card("f", 6, "Archived", due=days(1), archived=True),
        Card("g", 7, "Before", due=start - timedelta(days=1)),  # before the window
    ]
    milestones = [Milestone("Event day", days(20)), Milestone("Kick-off", days(-1), done=True)]
    rows = timeline(cards, milestones, start, 4, TODAY, done_columns=DONE, board_code="p3")
    assert [(r.label, r.week, r.overdue, r.milestone, r.card_id) for r in rows] == [
        ("P3-3 Done early", 0, False, False, "c"),
        ("Kick-off", 0, False, True, None),
        ("P3-1 Venue", 0, True, False, "a"),
        ("P3-2 Invitations", 1, False, True, "b"),
        ("Event day", 3, False, True, None),
    ]
    assert timeline(cards[:1], [], start, 4, TODAY)[0].label == "Venue"


# --- Markdown export ---------------------------------------------------------------------------------

COLUMNS_EN = [
    Column("c3", "Done", 2, is_done=True),
    Column("c1", "To do", 0),
    Column("c2", "Doing", 1, wip_limit=3),
]
OWNERS = {"p1": "王芳", "p2": "Li Wei"}


def sample_cards(titles: list[str]) -> list[Card]:
    """The export's sample: 5 live cards (one overdue by 7 days, one due in 2 days, one done), 1 archived."""
    return [
        Card("k1", 1, titles[0], "c3", 0, "p1", date(2026, 10, 19), milestone=True),
        Card("k2", 2, titles[1], "c2", 0, "p2", date(2026, 11, 18), milestone=True),
        Card("k3", 3, titles[2], "c1", 0, None, date(2026, 12, 4), blocked_by="k2", milestone=True),
        Card("k4", 4, titles[3], "c1", 1, "p9", date(2026, 11, 27), blocked_by="k1"),
        Card("k5", 5, titles[4], "c1", 2, None, date(2026, 11, 1), archived=True),
        Card("k6", 6, titles[5], "c1", 3, None, date(2026, 12, 17), milestone=True),
    ]


EXPECTED_EN = """\
# Annual meeting 2026 (P3)

- Status: amber (auto)
- Progress: 1 of 5 cards done (20%)
- Overdue: 1; due within 2 days: 1
- Event date: 2026-12-18

| Card | Title | Column | Owner | Due | Blocked by |
| --- | --- | --- | --- | --- | --- |
| P3-3 | Programme final \\| v2 | To do |  | 2026-12-04 | P3-2 |
| P3-4 | Gifts ordered | To do |  | 2026-11-27 |  |
| P3-6 | Rehearsal | To do |  | 2026-12-17 |  |
| P3-2 | Invitations sent | Doing | Li Wei | 2026-11-18 (7 d overdue) |  |
| P3-1 | Venue booked | Done | 王芳 | 2026-10-19 |  |

## Next milestones

- 2026-11-18 P3-2 Invitations sent (overdue)
- 2026-12-04 P3-3 Programme final \\| v2
- 2026-12-17 P3-6 Rehearsal
"""

EXPECTED_ZH = """\
# 2026年会（P3）

- 状态：黄（自动）
- 进度：5 张卡片已完成 1 张（20%）
- 逾期：1；2 天内到期：1
- 活动日期：2026-12-18

| 卡片 | 标题 | 列 | 责任人 | 截止 | 受阻于 |
| --- | --- | --- | --- | --- | --- |
| P3-3 | 节目单定稿 | 待办 |  | 2026-12-04 | P3-2 |
| P3-4 | 奖品采购 | 待办 |  | 2026-11-27 |  |
| P3-6 | 彩排 | 待办 |  | 2026-12-17 |  |
| P3-2 | 发出邀请 | 进行中 | Li Wei | 2026-11-18（逾期7天） |  |
| P3-1 | 预订场地 | 完成 | 王芳 | 2026-10-19 |  |

## 近期里程碑

- 2026-11-18 P3-2 发出邀请（已逾期）
- 2026-12-04 P3-3 节目单定稿
- 2026-12-17 P3-6 彩排
"""


def test_board_markdown_in_english() -> None:
    board = Board("p3", "Annual meeting 2026", kind="event", event_date=date(2026, 12, 18))
    titles = ["Venue booked", "Invitations sent", "Programme final | v2", "Gifts ordered", "Old", "Rehearsal"]
    text = board_markdown(board, COLUMNS_EN, sample_cards(titles), TODAY, "en", owners=OWNERS)
    assert text == EXPECTED_EN


def test_board_markdown_in_chinese() -> None:
    board = Board("P3", "2026年会", kind="event", event_date=date(2026, 12, 18))
    columns = [Column("c1", "待办", 0), Column("c2", "进行中", 1), Column("c3", "完成", 2, is_done=True)]
    titles = ["预订场地", "发出邀请", "节目单定稿", "奖品采购", "旧卡片", "彩排"]
    text = board_markdown(board, columns, sample_cards(titles), TODAY, "zh_CN", owners=OWNERS)
    assert text == EXPECTED_ZH


def test_board_markdown_is_a_real_table() -> None:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(EXPECTED_ZH)
    assert html.count("<tr>") == 6  # the header and five cards
    assert "<td>节目单定稿</td>" in html


def test_crisis_board_markdown_with_log_and_a_status_set_by_hand() -> None:
    board = Board("c1", "Factory fire", kind="crisis", status="red")
    log = [
        LogEntry(datetime(2026, 11, 25, 2, 30, tzinfo=UTC), "Statement | approved by the GM"),
        LogEntry(datetime(2026, 11, 24, 23, 5, tzinfo=UTC), "Crisis team convened"),
    ]
    text = board_markdown(board, [Column("n", "New", 0)], [], TODAY, "en", log=log, zone=SHANGHAI)
    assert text == (
        "# Factory fire (C1)\n"
        "\n"
        "- Status: red (set by hand)\n"
        "- Progress: 0 of 0 cards done (0%)\n"
        "- Overdue: 0; due within 2 days: 0\n"
        "\n"
        "No cards.\n"
        "\n"
        "## Log\n"
        "\n"
        "- 2026-11-25 07:05 Crisis team convened\n"
        "- 2026-11-25 10:30 Statement \\| approved by the GM\n"
    )
