"""Today: a full triage pass with every key empties the list; undo brings the last row back; the capture
line files a quick-add line where it belongs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from gmassist.config import Settings
from gmassist.store.models import Board, BoardColumn, Card, Document, Event, FollowUp, Person, TriageMark
from gmassist.store.store import Store
from gmassist.tui.app import GmassistApp
from gmassist.tui.screens.today import AskScreen, TodayScreen
from gmassist.tui.widgets.virtual_list import VirtualList
from tests.conftest import NOW, PASSPHRASE

TODAY = NOW.date()


@pytest.fixture
def triage_root(tmp_path: Path, clock, no_keyring) -> Path:
    store, _ = Store.create(tmp_path / "store", passphrase=PASSPHRASE, clock=clock)
    with store.action("setup") as s:
        s.add(Person(name="张三", title="销售经理"))
        s.add(
            Event(
                title="Budget review",
                start=NOW.replace(hour=14, minute=0),
                end=NOW.replace(hour=15, minute=0),
                start_tz="Asia/Shanghai",
                end_tz="Asia/Shanghai",
            )
        )
        s.add(FollowUp(title="Q4 budget", due=TODAY - timedelta(days=1)))
        s.add(FollowUp(title="Press release", next_check_in=TODAY, due=TODAY + timedelta(days=10)))
        s.add(
            Document(
                title="Contract draft",
                received=NOW - timedelta(days=2),
                state="submitted",
                state_since=NOW - timedelta(days=1),
                holder="manager",
            )
        )
        board = Board(code="P1", name="年会")
        s.add(board)
        s.flush()
        todo = BoardColumn(board_id=board.id, name="To do", position=0)
        done = BoardColumn(board_id=board.id, name="Done", position=1, is_done=True)
        s.add_all([todo, done])
        s.flush()
        s.add(
            Card(
                board_id=board.id,
                column_id=todo.id,
                seq=1,
                position=1,
                title="Book venue",
                due=TODAY + timedelta(days=3),
            )
        )
        s.add(
            Card(
                board_id=board.id,
                column_id=todo.id,
                seq=2,
                position=2,
                title="Invite guests",
                due=TODAY + timedelta(days=2),
            )
        )
    store.close()
    return tmp_path / "store"


async def settle(pilot) -> None:
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def titles(screen: TodayScreen) -> list[str]:
    return sorted(item.title for item in screen.items.values())


async def press_on(pilot, screen: TodayScreen, title: str, *keys: str) -> None:
    records = screen.query_one("#records", VirtualList)
    key = next(key for key, item in screen.items.items() if item.title == title)
    records.cursor_index = records.source.index_of(key)  # type: ignore[union-attr]
    await pilot.pause()
    await pilot.press(*keys)
    await settle(pilot)


async def test_a_full_triage_pass_with_every_key(triage_root: Path, clock) -> None:
    app = GmassistApp(triage_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        assert titles(screen) == sorted(
            ["Budget review", "Q4 budget", "Press release", "Contract draft", "Book venue", "Invite guests"]
        )
        assert "6 left to triage" in str(screen.query_one("#today-heading").render())

        await press_on(pilot, screen, "Budget review", "d")  # done: the meeting is handled
        await press_on(pilot, screen, "Q4 budget", "s")  # snooze asks for a day
        assert isinstance(app.screen, AskScreen)
        await pilot.press("ctrl+a", "ctrl+k", *"+2d", "enter")
        await settle(pilot)
        await press_on(pilot, screen, "Contract draft", "f")  # delegate to an owner, with a due day
        await pilot.press(*"张三 周五", "enter")
        await settle(pilot)
        await press_on(pilot, screen, "Book venue", "v")  # an hour blocked in the agenda
        await press_on(pilot, screen, "Press release", "a")  # archived from Today
        app.store.unlock_confidential(passphrase=PASSPHRASE)
        await press_on(pilot, screen, "Invite guests", "c")  # confidential: stays, sealed
        assert titles(screen) == ["Focus: Book venue", "Invite guests"]  # the block is on today's agenda
        await press_on(pilot, screen, "Focus: Book venue", "d")
        await press_on(pilot, screen, "Invite guests", "d")  # to the board's done column
        assert titles(screen) == []
        assert "0 left to triage" in str(screen.query_one("#today-heading").render())

        with app.store.read() as s:
            followups = {f.title: f for f in s.exec(select(FollowUp)).all()}
            assert followups["Q4 budget"].next_check_in == TODAY + timedelta(days=2)
            delegated = followups["Contract draft"]
            owner = s.exec(select(Person).where(Person.name == "张三")).one()
            assert delegated.owner_id == owner.id and delegated.due == date(2026, 11, 27)
            focus = s.exec(select(Event).where(Event.kind == "focus")).one()
            assert focus.title == "Focus: Book venue" and focus.start >= NOW
            cards = {c.title: c for c in s.exec(select(Card)).all()}
            done_column = s.exec(select(BoardColumn).where(BoardColumn.is_done)).one()
            assert cards["Invite guests"].column_id == done_column.id and cards["Invite guests"].confidential
            assert len(s.exec(select(TriageMark)).all()) == 7

        await pilot.press("u")  # undo the last key: the card comes back to To do and to Today
        await settle(pilot)
        assert titles(screen) == ["Invite guests"]
        with app.store.read() as s:
            card = s.exec(select(Card).where(Card.seq == 2)).one()
            assert card.column_id != done_column.id
        app.close_store()


async def test_keys_that_do_not_apply_are_refused(triage_root: Path, clock) -> None:
    app = GmassistApp(triage_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await press_on(pilot, screen, "Budget review", "v")  # no time blocking for a meeting
        assert "Budget review" in titles(screen)
        await press_on(pilot, screen, "Q4 budget", "c")  # confidential needs the key unlocked
        assert "Q4 budget" in titles(screen)
        with app.store.read() as s:
            assert not s.exec(select(FollowUp).where(FollowUp.title == "Q4 budget")).one().confidential
        app.close_store()


async def test_capture_line_shows_where_then_files_it(triage_root: Path, clock) -> None:
    app = GmassistApp(triage_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("colon")
        await pilot.press(*"@张三 周五前 提交Q4预算")
        await settle(pilot)
        preview = str(screen.query_one("#capture-preview").render())
        assert "follow-up" in preview and "提交Q4预算" in preview
        await pilot.press("enter")
        await settle(pilot)
        with app.store.read() as s:
            saved = s.exec(select(FollowUp).where(FollowUp.title == "提交Q4预算")).one()
            assert saved.due == date(2026, 11, 27)
        await pilot.press("ctrl+n")
        await pilot.press(*"明天 25点 开会")
        await settle(pilot)
        assert "⚠" in str(screen.query_one("#capture-preview").render())
        await pilot.press("enter")
        await settle(pilot)
        with app.store.read() as s:
            assert not s.exec(select(Event).where(Event.title.contains("开会"))).all()  # type: ignore[attr-defined]
        app.close_store()


def test_today_rows_come_from_every_module(triage_root: Path, clock) -> None:
    from gmassist.services import today

    store = Store.open(triage_root, passphrase=PASSPHRASE, clock=clock)
    rows = today.rows(store, Settings(), datetime.fromisoformat(NOW.isoformat()))
    assert {row.section for row in rows} == {"agenda", "checkin", "document", "card"}
    overdue = next(row for row in rows if row.title == "Q4 budget")
    assert overdue.flag  # overdue shows its escalation level
    store.close()


async def test_brief_key_shows_and_writes_the_brief(triage_root: Path, clock, monkeypatch, tmp_path) -> None:
    from gmassist.tui.screens.brief import BriefScreen

    app = GmassistApp(triage_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BriefScreen)
        assert "2026-W48" in screen.text and "Contract draft" in screen.text
        await pilot.press("w")
        await settle(pilot)
        written = list((tmp_path / "home" / "data" / "gmassist" / "briefs").iterdir())
        assert [p.name for p in written] == ["2026-W48.en.md"]
        assert oct(written[0].stat().st_mode & 0o777) == "0o600"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        app.close_store()
