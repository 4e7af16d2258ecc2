"""The board screen through Pilot: keys move, reorder, tick, archive and filter cards, and what reaches the
store is checked; WIP limits ask first, the blocked guard refuses with its reason; undo brings back."""

from __future__ import annotations

import asyncio
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.widgets import Checkbox
from textual.worker import Worker, get_current_worker

from gmassist.clock import FrozenClock
from gmassist.config import AgendaSettings, Settings
from gmassist.services import board as boards
from gmassist.store.models import BoardLog, Card, ChecklistItem, table_of
from gmassist.store.store import Store
from gmassist.tui.app import GmassistApp
from gmassist.tui.modals.board_filter import ConfirmModal, FilterModal
from gmassist.tui.modals.board_forms import CardModal, LogModal
from gmassist.tui.screens.board import BoardScreen
from gmassist.tui.widgets.board import BoardTimeline, CardColumn
from gmassist.tui.widgets.virtual_list import VirtualList
from tests.conftest import PASSPHRASE, SHANGHAI


@pytest.fixture
def board_root(tmp_path: Path, clock, no_keyring) -> Path:
    """P1: the annual meeting template (event 2027-01-20, 11 cards in To do); P2: a small board whose Doing
    is full (WIP 2) with a blocked card in Waiting; P3: a crisis board."""
    store, _ = Store.create(tmp_path / "store", passphrase=PASSPHRASE, clock=clock)
    boards.create_board_from_template(
        store, "annual_meeting", date(2027, 1, 20), name="Annual meeting", lang="en"
    )
    small = boards.create_board(store, boards.BoardForm(name="Launch"), lang="en")
    columns = boards.load_board(store, small.id).columns
    boards.save_columns(
        store,
        small.id,
        [
            boards.ColumnForm(c.name, 2 if c.name == "Doing" else c.wip_limit, c.is_done, c.id)
            for c in columns
        ],
    )
    for title, column, owner, labels in [
        ("Budget approved", 1, "王芳", ("finance",)),
        ("Press kit", 1, "Li Wei", ()),
        ("Venue", 0, "王芳", ("vendor",)),
    ]:
        boards.create_card(
            store,
            small.id,
            boards.CardForm(title, owner=owner, labels=labels, due=date(2026, 11, 20)),
            column_id=columns[column].id,
        )
    boards.create_card(
        store, small.id, boards.CardForm("Launch event", blocked_by="1"), column_id=columns[2].id
    )
    boards.create_board_from_template(
        store, "crisis", date(2026, 11, 24), name="Factory fire", lang="en", clock=clock
    )
    store.close()
    return tmp_path / "store"


async def settle(pilot) -> None:
    """Let workers finish and the screen catch up (no sleeping)."""
    for _ in range(5):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_board(pilot, code: str) -> BoardScreen:
    """Key 5, then Enter on the board with this code."""
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BoardScreen) and screen.view == "list"
    records = screen.query_one("#records", VirtualList)
    keys = [records.get_row(i).cells[0] for i in range(records.row_count)]
    records.cursor_index = keys.index(code)
    await pilot.press("enter")
    await settle(pilot)
    assert screen.view == "board" and screen.snapshot.board.code == code
    return screen


def placed(app: GmassistApp, board_code: str) -> dict[str, list[str]]:
    """Column name -> titles, as stored now."""
    store = app.store
    board = boards.find_board(store, board_code)
    snapshot = boards.load_board(store, board.id)
    out: dict[str, list[str]] = {c.name: [] for c in snapshot.columns}
    names = {c.id: c.name for c in snapshot.columns}
    with store.read() as session:
        rows = session.execute(
            select(table_of(Card)).where(
                table_of(Card).c.board_id == board.id, table_of(Card).c.archived.is_(False)
            )
        ).all()
    for row in sorted(rows, key=lambda r: (r.position, r.seq)):
        out[names[row.column_id]].append(row.title)
    return out


def shown(screen: BoardScreen) -> dict[str, list[str]]:
    """Column name -> titles, as the column widgets show them."""
    return {w.column.name: [c.title for c in w.cards] for w in screen.query(CardColumn)}


def focused_column(app: GmassistApp) -> str:
    """The column the keys act on (the columns container holds the focus)."""
    screen = app.screen
    assert isinstance(screen, BoardScreen) and app.focused is screen.query_one("#board-columns")
    widget = screen.column_widgets[screen.active_column]
    assert widget.active and sum(w.active for w in screen.query(CardColumn)) == 1
    return widget.column.name


@pytest.fixture
def notes(monkeypatch) -> list[str]:
    """Every notification shown."""
    said: list[str] = []
    original = GmassistApp.notify

    def notify(self, message, *args, **kwargs):
        said.append(str(message))
        return original(self, message, *args, **kwargs)

    monkeypatch.setattr(GmassistApp, "notify", notify)
    return said


async def test_the_list_shows_every_board_with_its_progress(board_root: Path, clock) -> None:
    app = GmassistApp(board_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        records = app.screen.query_one("#records", VirtualList)
        rows = [[str(cell) for cell in records.get_row(i).cells] for i in range(records.row_count)]
        assert [row[:3] for row in rows] == [
            ["P1", "Annual meeting", "event"],
            ["P2", "Launch", "project"],
            ["P3", "Factory fire", "crisis"],
        ]
        assert "0/11" in rows[0][4] and rows[0][3].startswith("● red")  # two cards overdue, one by 34 days
        assert rows[0][7] == "11-21 P1-2 Venue booked"
        app.close_store()


async def test_keys_move_and_reorder_cards_and_the_store_follows(board_root: Path, clock) -> None:
    app = GmassistApp(board_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_board(pilot, "P1")
        assert focused_column(app) == "To do" and screen.query_one(CardColumn).cursor_card.short_id == "P1-1"
        await pilot.press("L")
        await settle(pilot)
        assert placed(app, "P1")["Doing"] == ["Budget and theme agreed"]
        assert focused_column(app) == "Doing"  # the focus follows the card
        await pilot.press("L", "L")
        await settle(pilot)
        assert placed(app, "P1")["Done"] == ["Budget and theme agreed"]
        await pilot.press("H")
        await settle(pilot)
        assert placed(app, "P1")["Waiting"] == ["Budget and theme agreed"]
        assert shown(screen) == placed(app, "P1")
        # back to To do: its cursor is still on its first card; J moves it down, K up again
        await pilot.press("h", "h", "left")
        assert focused_column(app) == "To do"
        await pilot.press("J", "J")
        await settle(pilot)
        assert placed(app, "P1")["To do"][:4] == [
            "Programme draft",
            "Invitations sent",
            "Venue booked",
            "Awards and gifts ordered",
        ]
        await pilot.press("K")
        await settle(pilot)
        assert placed(app, "P1")["To do"][:3] == ["Programme draft", "Venue booked", "Invitations sent"]
        await pilot.press("j", "down", "k", "up")
        assert screen.query_one(CardColumn).cursor_card.title == "Venue booked"
        assert shown(screen) == placed(app, "P1")
        await pilot.press("ctrl+z")  # the last move, K, is undone
        await settle(pilot)
        assert placed(app, "P1")["To do"][:3] == ["Programme draft", "Invitations sent", "Venue booked"]
        assert shown(screen) == placed(app, "P1")
        app.close_store()


async def test_wip_limit_asks_first_and_blocked_cards_are_refused(board_root: Path, clock, notes) -> None:
    app = GmassistApp(board_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_board(pilot, "P2")
        assert focused_column(app) == "To do"
        header = screen.query(CardColumn)[1].render_line(0).text
        assert header.rstrip().endswith("2/2")  # Doing shows its count against its limit
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "Doing is at its WIP limit of 2 cards" in app.screen.question
        await pilot.press("n")
        await settle(pilot)
        assert placed(app, "P2")["To do"] == ["Venue"] and shown(screen)["To do"] == ["Venue"]
        await pilot.press("L")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert placed(app, "P2")["Doing"] == ["Budget approved", "Press kit", "Venue"]
        # Waiting holds "Launch event", blocked by P2-1 (Budget approved, in Doing)
        await pilot.press("l")
        assert focused_column(app) == "Waiting"
        await pilot.press("L")
        await settle(pilot)
        assert "Blocked by P2-1, which is not done yet" in notes
        assert placed(app, "P2")["Done"] == [] and shown(screen)["Done"] == []
        assert "⛔" in screen.query(CardColumn)[2].render_line(2).text
        # once its blocker is done it may go
        await pilot.press("h", "k", "k")
        assert screen.column_widgets[screen.active_column].cursor_card.title == "Budget approved"
        await pilot.press("L", "L")
        await settle(pilot)
        assert placed(app, "P2")["Done"] == ["Budget approved"]
        await pilot.press("h", "L")
        await settle(pilot)
        assert placed(app, "P2")["Done"] == ["Budget approved", "Launch event"]
        app.close_store()


async def test_undo_pressed_before_a_move_is_stored_undoes_that_move(
    board_root: Path, clock, monkeypatch
) -> None:
    """L then ctrl+z at once: the undo waits for the move to be stored and takes back that move, not the
    change before it (another card's move). The move's write is held until everything else has run."""
    reached, release = threading.Event(), threading.Event()
    held: list[Worker[object]] = []
    store_move = boards.move_card

    def held_move(*args, **kwargs):
        held.append(get_current_worker())
        reached.set()
        release.wait(10)
        return store_move(*args, **kwargs)

    app = GmassistApp(board_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_board(pilot, "P1")
        await pilot.press("L", "h")  # the change before: the first card goes to Doing
        await settle(pilot)
        before = placed(app, "P1")
        assert before["Doing"] == ["Budget and theme agreed"] and before["To do"][0] == "Venue booked"
        assert screen.column_widgets[screen.active_column].cursor_card.title == "Venue booked"
        monkeypatch.setattr(boards, "move_card", held_move)
        await pilot.press("L", "ctrl+z")
        assert await asyncio.to_thread(reached.wait, 10)
        await app.workers.wait_for_complete([w for w in app.workers if w not in held])
        release.set()
        await settle(pilot)
        assert placed(app, "P1") == before
        assert shown(screen) == before
        app.close_store()


async def test_archive_and_undo(board_root: Path, clock) -> None:
    app = GmassistApp(board_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_board(pilot, "P1")
        await pilot.press("a")
        await settle(pilot)
        assert "Budget and theme agreed" not in placed(app, "P1")["To do"]
        assert "Budget and theme agreed" not in shown(screen)["To do"]
        with app.store.read() as session:
            assert session.exec(select(Card).where(Card.seq == 1, Card.archived.is_(True))).first()
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert placed(app, "P1")["To do"][0] == "Budget and theme agreed"
        assert shown(screen)["To do"][0] == "Budget and theme agreed"
        app.close_store()


async def test_space_ticks_and_n_adds_a_card(board_root: Path, clock) -> None:
    app = GmassistApp(board_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_board(pilot, "P1")
        await pilot.press("j")
        assert screen.query_one(CardColumn).cursor_card.title == "Venue booked"
        await pilot.press("space")
        await settle(pilot)
        with app.store.read() as session:
            items = session.exec(select(ChecklistItem).order_by(ChecklistItem.due)).scalars().all()
        venue = [
            i for i in items if i.text in ("Compare three venues", "Sign the contract and pay the deposit")
        ]
        assert [(i.text, i.done) for i in venue] == [
            ("Compare three venues", True),
            ("Sign the contract and pay the deposit", False),
        ]
        assert screen.query_one(CardColumn).cursor_card.checklist_done == 1
        await pilot.press("l", "n")
        await settle(pilot)
        assert isinstance(app.screen, CardModal)
        await pilot.press(*"Book buses", "tab", *"王芳", "tab", *"2026-12-01")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert placed(app, "P1")["Doing"] == ["Book buses"]
        assert focused_column(app) == "Doing"
        card = screen.query(CardColumn)[1].cursor_card
        assert (card.short_id, card.owner_name, card.due) == ("P1-12", "王芳", date(2026, 12, 1))
        app.close_store()


async def test_filter_swimlanes_and_timeline(board_root: Path, clock) -> None:
    app = GmassistApp(board_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_board(pilot, "P2")
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, FilterModal)
        await pilot.press(*"王", "enter")
        await settle(pilot)
        assert shown(screen) == {"To do": ["Venue"], "Doing": ["Budget approved"], "Waiting": [], "Done": []}
        assert "1 of 2/2" in screen.query(CardColumn)[1].render_line(0).text
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press("ctrl+r")  # clear
        await settle(pilot)
        assert shown(screen)["Doing"] == ["Budget approved", "Press kit"]
        await pilot.press("s")
        await settle(pilot)
        doing = screen.query(CardColumn)[1]
        lines = [doing.render_line(y).text.strip() for y in range(2, 14)]
        assert lines[0] == "Li Wei" and "P2-2 Press kit" in lines[1]  # one band per owner, in name order
        assert "王芳" in lines and "P2-1 Budget approved" in " ".join(lines)
        await pilot.press("t")
        await settle(pilot)
        timeline = screen.query_one(BoardTimeline)
        assert screen.view == "timeline" and timeline.has_focus
        overdue = [row.label for row in timeline.rows if row.overdue]
        assert overdue == ["P2-1 Budget approved", "P2-2 Press kit", "P2-3 Venue"]
        await pilot.press("escape")
        await settle(pilot)
        assert screen.view == "board"
        await pilot.press("escape")
        await settle(pilot)
        assert screen.view == "list"
        app.close_store()


@pytest.mark.parametrize(
    ("week_starts", "due_this_week"),
    [("monday", ["11-28", "11-29"]), ("sunday", ["11-29", "11-30", "12-05"])],
)
async def test_due_this_week_follows_the_configured_first_day(
    tmp_path: Path, no_keyring, week_starts: str, due_this_week: list[str]
) -> None:
    """On a Sunday the "due this week" filter shows the week that ends that day, or the one it begins,
    as config agenda.week_starts says (cards are titled by their due date)."""
    sunday = FrozenClock(datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI))
    store, _ = Store.create(tmp_path / "store", passphrase=PASSPHRASE, clock=sunday)
    board = boards.create_board(store, boards.BoardForm(name="Week"), lang="en")
    for day in (22, 28, 29, 30, 35, 36):  # Sunday 22 November to Sunday 6 December
        due = date(2026, 11, 1) + timedelta(days=day - 1)
        boards.create_card(store, board.id, boards.CardForm(f"{due:%m-%d}", due=due))
    store.close()
    settings = Settings(agenda=AgendaSettings(week_starts=week_starts))
    app = GmassistApp(tmp_path / "store", settings, sunday, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_board(pilot, "P1")
        assert len(shown(screen)["To do"]) == 6
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, FilterModal)
        await pilot.click("#filter-week")
        assert app.screen.query_one("#filter-week", Checkbox).value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert shown(screen)["To do"] == due_this_week
        app.close_store()


async def test_crisis_board_log_entry(board_root: Path, clock) -> None:
    app = GmassistApp(board_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_board(pilot, "P3")
        assert screen.query_one("#crisis-panel").display
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, LogModal)
        await pilot.press(*"Statement issued", "enter")
        await settle(pilot)
        with app.store.read() as session:
            entries = session.exec(select(BoardLog).order_by(BoardLog.at)).scalars().all()
        assert [(e.text, e.at) for e in entries][-1] == ("Statement issued", clock.now())
        assert "Statement issued" in str(screen.query_one("#crisis-log").render())
        app.close_store()


async def test_every_key_is_in_the_footer_and_the_palette(board_root: Path, clock) -> None:
    app = GmassistApp(board_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"board: New board", "board: Edit board", "board: Archive board"} <= titles
        assert "board: Move right" not in titles
        screen = await open_board(pilot, "P1")
        titles = {command.title for command in app.get_system_commands(app.screen)}
        board_keys = {
            "Left",
            "Right",
            "Up",
            "Down",
            "Move left",
            "Move right",
            "Move up",
            "Move down",
            "New card",
            "Edit card",
            "Open card",
            "Tick",
            "Archive card",
            "Filter",
            "Swimlanes",
            "Timeline",
            "Columns",
            "Board",
            "Back",
        }
        assert {f"board: {verb}" for verb in board_keys} <= titles
        assert "board: New board" not in titles and "board: Log entry" not in titles  # not a crisis board
        shown_keys = {
            active.binding.description for active in screen.active_bindings.values() if active.binding.show
        }
        assert board_keys <= shown_keys
        app.close_store()
