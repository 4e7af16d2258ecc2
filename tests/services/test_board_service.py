"""The board use cases against a real encrypted store: moves, reorders, WIP limits, the blocked guard,
archive and undo, templates at a frozen date, quick add, columns, the crisis log and the export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from gmassist.domain import quickadd
from gmassist.domain.board import Blocked, BoardError, WipLimitReached
from gmassist.errors import InvalidInput, Locked
from gmassist.services import board as boards
from gmassist.store.models import BoardContact, BoardLog, Card, ChecklistItem, Person, table_of
from tests.conftest import PASSPHRASE

TODAY = date(2026, 11, 25)
"""The frozen clock's day (a Wednesday)."""


@pytest.fixture
def store(store_factory):
    store, _recovery = store_factory()
    return store


def new_board(store, name: str = "Launch", **fields) -> boards.BoardInfo:
    return boards.create_board(store, boards.BoardForm(name=name, **fields), lang="en")


def add(store, board: boards.BoardInfo, title: str, column: int = 0, **fields) -> boards.CardRef:
    snapshot = boards.load_board(store, board.id)
    form = boards.CardForm(title=title, **fields)
    return boards.create_card(store, board.id, form, column_id=snapshot.columns[column].id)


def stored(store, board_id: str) -> dict[str, list[tuple[str, int]]]:
    """Column name -> [(title, position)] as stored, archived cards left out, by position."""
    snapshot = boards.load_board(store, board_id)
    names = {c.id: c.name for c in snapshot.columns}
    out: dict[str, list[tuple[str, int]]] = {c.name: [] for c in snapshot.columns}
    with store.read() as session:
        rows = session.execute(
            select(table_of(Card)).where(
                table_of(Card).c.board_id == board_id, table_of(Card).c.archived.is_(False)
            )
        ).all()
    for row in sorted(rows, key=lambda r: (r.position, r.seq)):
        out[names[row.column_id]].append((row.title, row.position))
    return out


def titles(store, board_id: str) -> dict[str, list[str]]:
    return {name: [title for title, _ in cards] for name, cards in stored(store, board_id).items()}


def ids(store, board_id: str) -> dict[str, str]:
    return {card.title: card.id for card in boards.load_board(store, board_id).cards}


# --- boards ---------------------------------------------------------------------------------------------


def test_a_new_board_has_the_standard_columns_and_the_next_code(store) -> None:
    first = new_board(store)
    second = new_board(store, "年会", kind="event")
    assert (first.code, second.code) == ("P1", "P2")
    columns = boards.load_board(store, first.id).columns
    assert [(c.name, c.wip_limit, c.is_done) for c in columns] == [
        ("To do", None, False),
        ("Doing", 5, False),
        ("Waiting", None, False),
        ("Done", None, True),
    ]
    zh = boards.create_board(store, boards.BoardForm(name="中文"), lang="zh")
    assert [c.name for c in boards.load_board(store, zh.id).columns] == ["待办", "进行中", "等待", "完成"]


def test_codes_are_checked(store) -> None:
    new_board(store, code="ny27")
    assert boards.find_board(store, "NY27").code == "NY27"
    with pytest.raises(InvalidInput, match="taken"):
        new_board(store, "Other", code="NY27")
    with pytest.raises(BoardError):
        new_board(store, "Spaces", code="N Y")
    with pytest.raises(InvalidInput, match="name"):
        new_board(store, " ")
    with pytest.raises(InvalidInput, match="kind"):
        new_board(store, "Odd", kind="party")


def test_find_board_names_the_boards_when_none_or_several_fit(store) -> None:
    new_board(store, "Annual meeting 2027")
    new_board(store, "Annual report")
    new_board(store, "Crisis: factory fire")
    assert boards.find_board(store, "p3").name == "Crisis: factory fire"
    assert boards.find_board(store, "#P1").name == "Annual meeting 2027"
    assert boards.find_board(store, "annual report").code == "P2"
    assert boards.find_board(store, "fire").code == "P3"
    with pytest.raises(InvalidInput) as several:
        boards.find_board(store, "annual")
    assert "P1 Annual meeting 2027" in str(several.value) and "P2 Annual report" in str(several.value)
    with pytest.raises(InvalidInput) as none:
        boards.find_board(store, "budget")
    assert "No board matches 'budget'" in str(none.value) and "P3 Crisis: factory fire" in str(none.value)


def test_template_due_dates_at_a_frozen_time(store, clock) -> None:
    board = boards.create_board_from_template(
        store, "annual_meeting", date(2027, 1, 20), name="年会 2027", lang="zh", clock=clock
    )
    assert (board.kind, board.event_date, board.start, board.end) == (
        "event",
        date(2027, 1, 20),
        date(2026, 10, 22),
        date(2027, 1, 27),
    )
    snapshot = boards.load_board(store, board.id)
    due = {card.title: card.due for card in snapshot.cards}
    assert due["预订场地"] == date(2026, 11, 21)  # T-60
    assert due["发出邀请"] == date(2026, 12, 21)  # T-30
    assert due["节目单定稿"] == date(2027, 1, 6)  # T-14
    assert due["彩排"] == date(2027, 1, 19)  # T-1
    assert [card.short_id for card in snapshot.cards][:3] == ["P1-1", "P1-2", "P1-3"]
    assert {card.column_id for card in snapshot.cards} == {snapshot.columns[0].id}
    venue = next(card for card in snapshot.cards if card.title == "预订场地")
    assert (venue.milestone, venue.checklist_done, venue.checklist_total) == (True, 0, 2)
    with store.read() as session:
        steps = session.exec(select(ChecklistItem).where(ChecklistItem.card_id == venue.id)).scalars().all()
    assert sorted((s.text, s.due) for s in steps) == [
        ("比较三个场地", date(2026, 11, 6)),
        ("签约并支付定金", date(2026, 11, 21)),
    ]
    # frozen today (2026-11-25): the budget card (T-90) and the venue (T-60) are overdue, by 34 and 4 days
    summary = snapshot.summary(TODAY)
    assert (summary.overdue, summary.worst_days_overdue, summary.status.value) == (2, 34, "red")
    assert boards.create_board_from_template(store, "client_event", date(2027, 1, 20), lang="en").code == "P2"


def test_a_crisis_board_starts_its_log_and_contact_list(store, clock) -> None:
    board = boards.create_board_from_template(
        store, "crisis", TODAY, name="Factory fire", lang="en", clock=clock
    )
    snapshot = boards.load_board(store, board.id)
    assert [entry.text for entry in snapshot.log] == ["Crisis board opened"]
    assert snapshot.log[0].at == clock.now()
    assert [c.role for c in snapshot.contacts][:3] == ["Spokesperson", "Legal counsel", "PR agency"]
    boards.add_log_entry(
        store, board.id, "Holding statement approved by the GM", clock.now() + timedelta(hours=1)
    )
    boards.save_contacts(
        store,
        board.id,
        [
            boards.ContactForm("Spokesperson", "王芳", "138 0000 0000", snapshot.contacts[0].id),
            boards.ContactForm("Insurer", "Ping An", "95511"),
        ],
    )
    again = boards.load_board(store, board.id)
    assert [entry.text for entry in again.log][-1] == "Holding statement approved by the GM"
    assert [(c.role, c.name, c.phone) for c in again.contacts] == [
        ("Spokesperson", "王芳", "138 0000 0000"),
        ("Insurer", "Ping An", "95511"),
    ]
    store.undo()  # the contact list comes back whole
    assert len(boards.load_board(store, board.id).contacts) == 6
    with pytest.raises(InvalidInput):
        boards.add_log_entry(store, board.id, "  ", clock.now())


def test_unknown_template_is_named(store) -> None:
    with pytest.raises(InvalidInput, match="annual_meeting"):
        boards.create_board_from_template(store, "wedding", TODAY)


# --- moves ---------------------------------------------------------------------------------------------


def test_move_stores_the_column_and_positions_and_undo_puts_them_back(store) -> None:
    board = new_board(store)
    for title in "abcd":
        add(store, board, title)
    add(store, board, "x", column=1)
    card = ids(store, board.id)
    doing = boards.load_board(store, board.id).columns[1].id
    move = boards.move_card(store, card["b"], doing, 0)
    assert (move.from_column, move.to_column, move.position) == (
        boards.load_board(store, board.id).columns[0].id,
        doing,
        0,
    )
    # order keys, not indexes: the cards left behind keep theirs; b goes before x
    assert stored(store, board.id)["To do"] == [("a", 0), ("c", 2), ("d", 3)]
    assert stored(store, board.id)["Doing"] == [("b", -1), ("x", 0)]
    assert store.undo() == "card.move"
    assert stored(store, board.id)["To do"] == [("a", 0), ("b", 1), ("c", 2), ("d", 3)]
    assert stored(store, board.id)["Doing"] == [("x", 0)]


def test_reorder_within_a_column(store) -> None:
    board = new_board(store)
    for title in "abcd":
        add(store, board, title)
    card = ids(store, board.id)
    boards.reorder_card(store, card["a"], 2)
    assert titles(store, board.id)["To do"] == ["b", "c", "a", "d"]
    boards.reorder_card(store, card["d"], -10)
    assert stored(store, board.id)["To do"] == [("d", 0), ("b", 1), ("c", 2), ("a", 3)]
    boards.reorder_card(store, card["a"], 1)  # already at the bottom: nothing changes
    assert titles(store, board.id)["To do"] == ["d", "b", "c", "a"]


def test_wip_limit_refuses_and_can_be_overridden(store) -> None:
    board = new_board(store)
    for index in range(5):
        add(store, board, f"busy {index}", column=1)
    waiting = add(store, board, "one more")
    doing = boards.load_board(store, board.id).columns[1].id
    with pytest.raises(WipLimitReached) as refused:
        boards.move_card(store, waiting.id, doing)
    assert refused.value.reason == "Doing is at its WIP limit of 5 cards"
    assert titles(store, board.id)["To do"] == ["one more"]
    boards.move_card(store, waiting.id, doing, override_wip=True)
    assert titles(store, board.id)["Doing"][-1] == "one more"
    with pytest.raises(WipLimitReached):  # a new card is held to the limit too
        add(store, board, "new", column=1)


def test_blocked_card_cannot_be_done_before_its_blocker(store) -> None:
    board = new_board(store)
    blocker = add(store, board, "Budget approved")
    waiting = add(store, board, "Venue booked", blocked_by="1")
    done = boards.load_board(store, board.id).columns[3].id
    with pytest.raises(Blocked) as refused:
        boards.move_card(store, waiting.id, done)
    assert refused.value.reason == "Blocked by P1-1, which is not done yet"
    assert titles(store, board.id)["Done"] == []
    boards.move_card(store, blocker.id, done)
    boards.move_card(store, waiting.id, done)
    assert titles(store, board.id)["Done"] == ["Budget approved", "Venue booked"]


def test_blockers_are_checked_when_typed(store) -> None:
    board = new_board(store, code="P3")
    first = add(store, board, "first")
    second = add(store, board, "second", blocked_by="P3-1")
    other = new_board(store, "Other")
    with pytest.raises(InvalidInput, match="another board"):
        add(store, board, "third", blocked_by=f"{other.code}-1")
    with pytest.raises(InvalidInput, match="no card P3-9"):
        add(store, board, "third", blocked_by="p3-9")
    with pytest.raises(InvalidInput, match="itself"):
        boards.update_card(store, first.id, boards.CardForm("first", blocked_by="P3-1"))
    with pytest.raises(InvalidInput, match="for ever"):
        boards.update_card(store, first.id, boards.CardForm("first", blocked_by="P3-2"))
    detail = boards.card_detail(store, second.id)
    assert detail.blocker_title == "P3-1 first" and detail.card.blocker_short_id == "P3-1"


def test_positions_with_gaps_are_repaired_by_the_next_move(store) -> None:
    board = new_board(store)
    for title in "abc":
        add(store, board, title)
    with store.action("test.gaps") as session:  # as the demo and older data have them: 10, 20, 30
        for card in session.exec(select(Card).where(Card.board_id == board.id)).scalars():
            card.position = (card.seq) * 10
    card = ids(store, board.id)
    boards.reorder_card(store, card["c"], -1)  # c passes b: they swap keys
    assert stored(store, board.id)["To do"] == [("a", 10), ("c", 20), ("b", 30)]
    with store.action("test.ties") as session:  # keys that do not order the column are renumbered
        for card_row in session.exec(select(Card).where(Card.board_id == board.id)).scalars():
            card_row.position = 7
    boards.reorder_card(store, card["a"], 1)
    assert stored(store, board.id)["To do"] == [("b", 0), ("a", 1), ("c", 2)]


def changes_of_last_action(store) -> int:
    """Rows the latest action wrote (each is logged for undo)."""
    from gmassist.store.models import Change

    with store.read() as session:
        rows = session.exec(select(Change).order_by(Change.seq.desc())).scalars().all()
    return sum(1 for row in rows if row.action_id == rows[0].action_id)


def test_a_move_writes_only_the_cards_whose_place_it_changes(store) -> None:
    board = new_board(store)
    for index in range(40):
        add(store, board, f"card {index}")
    snapshot = boards.load_board(store, board.id)
    todo, waiting = snapshot.columns[0].id, snapshot.columns[2].id
    top = snapshot.cards[0].id
    boards.move_card(store, top, waiting)  # out of the top of a column of 40, to the bottom of another
    assert changes_of_last_action(store) == 1
    boards.reorder_card(store, snapshot.cards[5].id, 1)  # J: it swaps keys with the card it passes
    assert changes_of_last_action(store) == 2
    boards.move_card(store, top, todo, 0)  # back to the top: the key before the first
    assert changes_of_last_action(store) == 1
    assert titles(store, board.id)["To do"][:8] == [
        "card 0",
        "card 1",
        "card 2",
        "card 3",
        "card 4",
        "card 6",
        "card 5",
        "card 7",
    ]


@pytest.mark.parametrize(
    ("order", "keys", "moved", "expected"),
    [
        (["a", "b", "x"], {"a": 0, "b": 1}, "x", [0, 1, 2]),  # to the bottom
        (["x", "a", "b"], {"a": 0, "b": 1}, "x", [-1, 0, 1]),  # to the top
        (["a", "x", "b"], {"a": 0, "b": 10}, "x", [0, 5, 10]),  # into a gap
        (["a", "x", "b", "c"], {"a": 0, "b": 1, "c": 2}, "x", [0, 1, 2, 3]),  # no gap: b and c move up
        (["a", "x", "b", "c"], {"a": 0, "b": 1, "c": 5}, "x", [0, 1, 2, 5]),  # ...only as far as needed
        (["b", "a", "c"], {"a": 0, "b": 1, "c": 2}, "a", [0, 1, 2]),  # a passes b: they swap
        (["b", "c", "a"], {"a": 4, "b": 6, "c": 9}, "a", [4, 6, 9]),  # passes two: three keys rotate
        (["a", "c"], {"a": 0, "b": 1, "c": 2}, "b", [0, 2]),  # left the column: nothing changes
        (["a", "b"], {"a": 3, "b": 3}, "x", [0, 1]),  # ties: renumbered
    ],
)
def test_order_keys(order, keys, moved, expected) -> None:
    assert boards.order_keys(order, keys, moved) == expected


def test_archive_and_undo(store) -> None:
    board = new_board(store)
    keep = add(store, board, "keep")
    gone = add(store, board, "archive me")
    boards.archive_card(store, gone.id)
    snapshot = boards.load_board(store, board.id)
    assert [card.title for card in snapshot.cards] == ["keep"]
    assert snapshot.summary(TODAY).total == 1
    assert store.undo() == "card.archive"
    assert [card.title for card in boards.load_board(store, board.id).cards] == ["keep", "archive me"]
    boards.archive_board(store, board.id)
    assert boards.list_boards(store, TODAY) == []
    assert [o.board.archived for o in boards.list_boards(store, TODAY, include_archived=True)] == [True]
    store.undo()
    assert len(boards.list_boards(store, TODAY)) == 1
    assert keep.short_id == "P1-1"


# --- cards ------------------------------------------------------------------------------------------------


def test_new_cards_take_the_next_number_and_go_to_the_bottom(store) -> None:
    board = new_board(store)
    first = add(store, board, "first", due=date(2026, 12, 1), labels=("vendor", "VIP"), owner="王芳")
    second = add(store, board, "second")
    top = boards.create_card(store, board.id, boards.CardForm("top"), position=0)
    assert (first.short_id, second.short_id, top.short_id) == ("P1-1", "P1-2", "P1-3")
    assert stored(store, board.id)["To do"] == [("top", -1), ("first", 0), ("second", 1)]
    card = next(c for c in boards.load_board(store, board.id).cards if c.title == "first")
    assert (card.owner_name, card.labels, card.due) == ("王芳", ("vendor", "VIP"), date(2026, 12, 1))
    with pytest.raises(InvalidInput):
        add(store, board, "   ")


def test_owners_are_found_by_name_and_new_names_added(store) -> None:
    board = new_board(store)
    with store.action("people") as session:
        now = session.info["now"]
        session.add(Person(name="Li Wei", created=now, updated=now))
        session.add(Person(name="Li Na", created=now, updated=now))
        session.add(Person(name="王芳", created=now, updated=now))
    assert add(store, board, "a", owner="王").owner_id is not None
    with pytest.raises(InvalidInput, match="Li Na, Li Wei"):
        add(store, board, "b", owner="li")
    card = add(store, board, "c", owner="li wei")
    assert boards.card_detail(store, card.id).card.owner_name == "Li Wei"
    add(store, board, "d", owner="Zhang San")
    assert "Zhang San" in boards.person_names(store)


def test_edit_keeps_the_owner_when_the_name_shown_is_unchanged(store) -> None:
    board = new_board(store)
    card = add(store, board, "title", owner="王芳")
    owner = card.owner_id
    boards.update_card(store, card.id, boards.CardForm("new title", owner="王芳", notes="call first"))
    detail = boards.card_detail(store, card.id)
    assert (detail.card.title, detail.card.owner_id, detail.notes) == ("new title", owner, "call first")


def test_checklist_ticks_the_earliest_due_first(store) -> None:
    board = new_board(store)
    card = boards.create_card(
        store,
        board.id,
        boards.CardForm("Venue"),
        checklist=[("Sign", date(2026, 12, 5)), ("Compare", date(2026, 12, 1)), ("Undated", None)],
    )
    assert boards.tick_next_item(store, card.id).text == "Compare"
    assert boards.tick_next_item(store, card.id).text == "Sign"
    assert boards.tick_next_item(store, card.id).text == "Undated"
    assert boards.tick_next_item(store, card.id) is None
    detail = boards.card_detail(store, card.id)
    assert (detail.card.checklist_done, detail.card.checklist_total) == (3, 3)
    assert boards.tick_item(store, detail.checklist[0].id) is False
    boards.add_checklist_item(store, card.id, "Pay the deposit", date(2026, 12, 9))
    items = boards.card_detail(store, card.id).checklist
    assert [(i.text, i.done) for i in items] == [
        ("Sign", False),
        ("Compare", True),
        ("Undated", True),
        ("Pay the deposit", False),
    ]


def test_links_to_events_documents_and_followups(store, clock) -> None:
    from gmassist.store.models import Event

    board = new_board(store)
    card = add(store, board, "Venue")
    with store.action("event.create") as session:
        now = session.info["now"]
        event = Event(
            title="Site visit 场地考察", start=now, end=now + timedelta(hours=1), created=now, updated=now
        )
        session.add(event)
    found = boards.find_link_targets(store, "考察")
    assert [(t.kind, t.title) for t in found] == [("event", "Site visit 场地考察")]
    boards.link_card(store, card.id, "event", found[0].id)
    boards.link_card(store, card.id, "event", found[0].id)  # once only
    links = boards.card_detail(store, card.id).links
    assert [(link.kind, link.title, link.when) for link in links] == [
        ("event", "Site visit 场地考察", "2026-11-25")
    ]
    boards.unlink(store, links[0].id)
    assert boards.card_detail(store, card.id).links == ()
    with pytest.raises(InvalidInput):
        boards.link_card(store, card.id, "board", found[0].id)


def test_quick_add_makes_a_card_on_the_board_named(store, clock) -> None:
    board = boards.create_board_from_template(store, "annual_meeting", date(2027, 1, 20), name="年会 2027")
    new_board(store, "Annual report")
    line = quickadd.parse("#年会 订场地 @王芳 12月10日前", clock.now())
    ref = boards.create_card_from_quickadd(store, line, clock)
    assert (ref.short_id, ref.title, ref.due) == ("P1-12", "订场地", date(2026, 12, 10))
    assert str(ref) == "Card P1-12 added to 年会 2027: 订场地 (due 2026-12-10)"
    card = next(c for c in boards.load_board(store, board.id).cards if c.id == ref.id)
    assert (card.owner_name, card.column_id) == ("王芳", boards.load_board(store, board.id).columns[0].id)
    by_code = boards.create_card_from_quickadd(
        store, quickadd.parse("#p2 draft the report", clock.now()), clock
    )
    assert by_code.short_id == "P2-1"
    new_board(store, "Annual review")
    with pytest.raises(InvalidInput) as several:
        boards.create_card_from_quickadd(store, quickadd.parse("#annual something", clock.now()), clock)
    message = str(several.value)
    assert "several boards: P2 Annual report, P3 Annual review" in message and "年会" not in message
    with pytest.raises(InvalidInput, match="No board matches 'budget'"):
        boards.create_card_from_quickadd(store, quickadd.parse("#budget something", clock.now()), clock)
    with pytest.raises(InvalidInput):
        boards.create_card_from_quickadd(store, quickadd.parse("@Li call the venue", clock.now()), clock)


# --- columns ------------------------------------------------------------------------------------------------


def test_columns_are_renamed_limited_added_and_removed(store) -> None:
    board = new_board(store)
    columns = boards.load_board(store, board.id).columns
    add(store, board, "busy", column=1)
    forms = [
        boards.ColumnForm("Backlog", None, False, columns[0].id),
        boards.ColumnForm("Doing", 2, False, columns[1].id),
        boards.ColumnForm("Review", 3, False),
        boards.ColumnForm("Done", None, True, columns[3].id),
    ]
    boards.save_columns(store, board.id, forms)  # Waiting is gone, Review is new
    again = boards.load_board(store, board.id).columns
    assert [(c.name, c.wip_limit, c.is_done) for c in again] == [
        ("Backlog", None, False),
        ("Doing", 2, False),
        ("Review", 3, False),
        ("Done", None, True),
    ]
    with pytest.raises(InvalidInput, match="Doing still holds 1 cards"):
        boards.save_columns(store, board.id, [forms[0], forms[3]])
    store.undo()
    assert [c.name for c in boards.load_board(store, board.id).columns] == [
        "To do",
        "Doing",
        "Waiting",
        "Done",
    ]


# --- reading -------------------------------------------------------------------------------------------------


def test_list_boards_with_their_progress_and_next_milestone(store, clock) -> None:
    board = boards.create_board_from_template(store, "project_launch", date(2026, 12, 2), name="CRM launch")
    blank = new_board(store, "Blank", status="green")
    snapshot = boards.load_board(store, board.id)
    done = snapshot.columns[-1].id
    for card in snapshot.cards[:4]:
        boards.move_card(store, card.id, done)
    overviews = {o.board.code: o for o in boards.list_boards(store, TODAY)}
    launch = overviews[board.code].summary
    assert (launch.done, launch.total, round(launch.progress, 2)) == (4, 8, 0.5)
    assert overviews[board.code].next_milestone == (date(2026, 12, 2), "P1-6 Kick-off meeting")
    assert overviews[blank.code].summary.set_by_hand and overviews[blank.code].summary.status.value == "green"


def test_confidential_boards_are_masked_while_locked(store) -> None:
    board = boards.create_board(store, boards.BoardForm(name="并购 project"), lang="en", confidential=True)
    card = add(store, board, "谈判底价")
    store.lock_confidential()
    snapshot = boards.load_board(store, board.id)
    assert snapshot.board.name.startswith("🔒") and snapshot.cards[0].title.startswith("🔒")
    done = snapshot.columns[-1].id
    boards.move_card(store, card.id, done)  # moves need no text, so they work while locked
    with pytest.raises(Locked):
        boards.update_card(store, card.id, boards.CardForm("changed"))
    store.unlock_confidential(passphrase=PASSPHRASE)
    assert boards.load_board(store, board.id).cards[0].title == "谈判底价"


def test_markdown_export_names_owners(store, clock) -> None:
    board = new_board(store, "Launch", event_date=date(2026, 12, 18))
    add(store, board, "Venue booked", owner="王芳", due=date(2026, 11, 18), milestone=True)
    text = boards.board_markdown(store, board.id, TODAY, "en")
    assert text.startswith("# Launch (P1)\n")
    assert "| P1-1 | Venue booked | To do | 王芳 | 2026-11-18 (7 d overdue) |  |" in text
    assert "- 2026-11-18 P1-1 Venue booked (overdue)" in text


def test_crisis_log_is_exported_in_the_zone_given(store, clock) -> None:
    board = boards.create_board_from_template(store, "crisis", TODAY, name="Fire", lang="en", clock=clock)
    text = boards.board_markdown(store, board.id, TODAY, "zh", clock.now().tzinfo)
    assert "## 日志\n\n- 2026-11-25 09:30 Crisis board opened" in text
    with store.read() as session:
        assert session.exec(select(BoardLog)).scalars().first() is not None
        assert len(session.exec(select(BoardContact)).scalars().all()) == 6


def test_timeline_rows_cover_the_board_and_flag_overdue(store) -> None:
    board = boards.create_board_from_template(
        store, "annual_meeting", date(2027, 1, 20), name="年会", lang="en"
    )
    snapshot = boards.load_board(store, board.id)
    start, weeks, rows = boards.timeline_rows(snapshot, TODAY)
    assert start == date(2026, 10, 19) and start.weekday() == 0
    assert weeks == 15
    assert [row.label for row in rows if row.overdue] == ["P1-1 Budget and theme agreed", "P1-2 Venue booked"]
    assert rows[-1].label == "P1-11 Wrap-up and reimbursements"


def test_filters(store) -> None:
    board = new_board(store)
    add(store, board, "late", owner="王芳", due=date(2026, 11, 24), labels=("vendor",))
    add(store, board, "this week", owner="Li Wei", due=date(2026, 11, 29))
    add(store, board, "next week", due=date(2026, 11, 30), labels=("VIP",))
    snapshot = boards.load_board(store, board.id)
    done = snapshot.done_columns

    def shown(f: boards.CardFilter) -> list[str]:
        return [c.title for c in snapshot.cards if f.matches(c, done, TODAY)]

    assert shown(boards.CardFilter(owner="王")) == ["late"]
    assert shown(boards.CardFilter(label="vip")) == ["next week"]
    assert shown(boards.CardFilter(overdue=True)) == ["late"]
    assert shown(boards.CardFilter(this_week=True)) == ["late", "this week"]
    assert shown(boards.CardFilter(text="p1-3")) == ["next week"]
    assert not boards.CardFilter().active and boards.CardFilter(overdue=True).describe() == "overdue"


@pytest.mark.parametrize(
    ("starts_monday", "due_this_week"), [(True, ("11-23", "11-29")), (False, ("11-29", "12-05"))]
)
def test_due_this_week_starts_on_the_configured_day(store, starts_monday: bool, due_this_week) -> None:
    """On Sunday 2026-11-29 "this week" is 23-29 November when weeks start on Monday, and 29 November to
    5 December when they start on Sunday (config agenda.week_starts). One card is due each day from
    Saturday 21 November to Sunday 6 December, titled by its date."""
    board = new_board(store)
    for offset in range(16):
        day = date(2026, 11, 21) + timedelta(days=offset)
        add(store, board, f"{day:%m-%d}", due=day)
    snapshot = boards.load_board(store, board.id)
    sunday = date(2026, 11, 29)
    week = boards.CardFilter(this_week=True)
    shown = [c.title for c in snapshot.cards if week.matches(c, snapshot.done_columns, sunday, starts_monday)]
    assert (shown[0], shown[-1], len(shown)) == (*due_this_week, 7)
    start, _weeks, _rows = boards.timeline_rows(snapshot, sunday, starts_monday=starts_monday)
    assert start == (date(2026, 11, 16) if starts_monday else date(2026, 11, 15))  # the week of the 21st
