"""Benchmark: the board screen with 500 cards. Opening (read + columns drawn) and moving a card (H/L), against
Textual's DataTable mounting 500 rows, measured in the same run.

Run as `python benchmarks/bench_board.py`. A temporary encrypted store gets boards of 500 cards (4 columns of
125, owners, labels, due dates, checklists). The app runs headless at 160x45 on the board screen:

* board_open: `open_board` to every visible card line painted (the store read in its worker included);
  boards are alternated so every sample builds its column widgets afresh.
* move_shown: `move_card` (the L key's action) to the two touched columns repainted.
* move_stored: the same until the store action is committed too. The card moved is the top one of a column of
  125: with positions kept as indexes 124 cards would shift and be written (each logged for undo, 60 ms
  here); as order keys (services.board.order_keys) it is one row.

Budgets (from the issue): open under 200 ms, a move under 50 ms. Medians of RUNS samples, cases in turn.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

try:
    import gmassist  # noqa: F401
except ImportError:  # run from a checkout without installing: use the working tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import report, warmed_up
from textual.app import App
from textual.widgets import DataTable

from gmassist.clock import FrozenClock
from gmassist.config import Settings

RUNS = 7
SIZE = (160, 45)
CARDS = 500
PASSPHRASE = "benchmark passphrase"
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def make_store(root: Path, boards_wanted: int) -> list[str]:
    """A store with `boards_wanted` boards of CARDS cards each, inserted in bulk; returns the board ids."""
    from sqlalchemy import insert

    from gmassist.services import board as boards
    from gmassist.store.models import Card, ChecklistItem, Person, table_of
    from gmassist.store.store import Store

    clock = FrozenClock(NOW)
    store, _recovery = Store.create(root, passphrase=PASSPHRASE, clock=clock, check_strength=False)
    now = clock.now()
    people = [f"p{i}" for i in range(8)]
    names = ["王芳", "Li Wei", "张伟", "Chen Jing", "刘洋", "Zhao Min", "孙丽", "Wu Hao"]
    ids = []
    with store.engine.begin() as connection:
        connection.execute(
            insert(table_of(Person)),
            [
                {
                    "id": pid,
                    "name": name,
                    "created": now,
                    "updated": now,
                    "confidential": False,
                    "title": "",
                    "email": "",
                    "phone": "",
                    "notes": "",
                    "organisation_id": None,
                    "department_id": None,
                }
                for pid, name in zip(people, names, strict=True)
            ],
        )
    for number in range(boards_wanted):
        board = boards.create_board(store, boards.BoardForm(name=f"Big board {number}"), lang="en")
        columns = [c.id for c in boards.load_board(store, board.id).columns]
        boards.save_columns(
            store,
            board.id,
            [
                boards.ColumnForm(n, None, n == "Done", c)
                for n, c in zip(["To do", "Doing", "Waiting", "Done"], columns, strict=True)
            ],
        )
        cards, items = [], []
        for i in range(CARDS):
            card_id = f"b{number}-c{i}"
            cards.append(
                {
                    "id": card_id,
                    "created": now,
                    "updated": now,
                    "confidential": False,
                    "board_id": board.id,
                    "column_id": columns[i % 4],
                    "seq": i + 1,
                    "position": i // 4,
                    "title": f"{['预订场地', 'Send invitations', '确认节目单', 'Press release'][i % 4]} {i}",
                    "owner_id": people[i % len(people)],
                    "due": date(2026, 11, 1) + timedelta(days=i % 60),
                    "labels": ["", "vendor", "VIP, 预算"][i % 3],
                    "notes": "",
                    "blocked_by": None,
                    "milestone": i % 17 == 0,
                    "archived": False,
                }
            )
            if i % 5 == 0:
                items.append(
                    {
                        "id": f"{card_id}-i",
                        "created": now,
                        "updated": now,
                        "confidential": False,
                        "card_id": card_id,
                        "text": "Get a quote",
                        "due": None,
                        "done": i % 10 == 0,
                        "position": 0,
                    }
                )
        with store.engine.begin() as connection:
            connection.execute(insert(table_of(Card)), cards)
            connection.execute(insert(table_of(ChecklistItem)), items)
        ids.append(board.id)
    store.close()
    return ids


async def workers_done(app: App[object]) -> None:
    """Wait for every worker (one the app replaced by a newer one counts as done)."""
    from textual.worker import WorkerCancelled

    while True:
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def after_refresh(app: App[object]) -> None:
    """Return once pending messages are handled and the screen painted."""
    painted = asyncio.Event()
    app.call_after_refresh(painted.set)
    await painted.wait()


async def data_table_500() -> float:
    """Baseline: DataTable given 500 rows, mount to first paint."""
    app: App[None] = App()
    async with app.run_test(size=SIZE):
        started = time.perf_counter()
        table: DataTable[str] = DataTable()
        await app.screen.mount(table)
        for label in ("Card", "Title", "Owner", "Due"):
            table.add_column(label)
        table.add_rows([(f"P1-{i}", f"预订场地 {i}", "王芳", "2026-12-01") for i in range(CARDS)])
        await after_refresh(app)
        return time.perf_counter() - started


async def board_cases(root: Path, board_ids: list[str]) -> dict[str, list[float]]:
    """Open boards and move cards in one running app."""
    from gmassist.tui.app import GmassistApp
    from gmassist.tui.screens.board import BoardScreen
    from gmassist.tui.widgets.board import CardColumn

    samples: dict[str, list[float]] = {"board_open": [], "move_shown": [], "move_stored": []}
    app = GmassistApp(root, Settings(), FrozenClock(NOW), passphrase=PASSPHRASE)
    async with app.run_test(size=SIZE) as pilot:
        await warmed_up(app, pilot)
        await pilot.press("5")
        await workers_done(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        for run in range(RUNS + 1):  # the first round warms up
            started = time.perf_counter()
            screen.open_board(board_ids[run % len(board_ids)])
            await workers_done(app)
            await after_refresh(app)
            opened = time.perf_counter() - started
            columns = list(screen.query(CardColumn))
            drawn = [columns[0].render_line(y).text for y in range(columns[0].size.height)]
            if len(columns) != 4 or not any("P" in line for line in drawn) or len(screen.cards) != CARDS:
                raise RuntimeError("the board was not drawn")
            screen.activate(columns[0])
            await pilot.pause()
            columns[0].cursor = 0
            before = len(columns[1].cards)
            started = time.perf_counter()
            screen.action_move_card(1)
            await after_refresh(app)
            shown = time.perf_counter() - started
            await workers_done(app)
            stored = time.perf_counter() - started
            if len(columns[1].cards) != before + 1:
                raise RuntimeError("the card did not move")
            if run:
                samples["board_open"].append(opened)
                samples["move_shown"].append(shown)
                samples["move_stored"].append(stored)
        app.close_store()
    return samples


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "store"
        board_ids = make_store(root, 2)
        baseline = []
        for _ in range(RUNS):
            baseline.append(await data_table_500())
        cases = await board_cases(root, board_ids)
    base = statistics.median(baseline)
    print(f"median of {RUNS}, headless {SIZE[0]}x{SIZE[1]}, {CARDS} cards in 4 columns", flush=True)
    report("datatable_500_mount", base, "datatable_500", base)
    report(
        "board_open (read + draw)", statistics.median(cases["board_open"]), "datatable_500", base, "< 0.200 s"
    )
    report(
        "move_shown (two columns)", statistics.median(cases["move_shown"]), "datatable_500", base, "< 0.050 s"
    )
    report(
        "move_stored (one action)",
        statistics.median(cases["move_stored"]),
        "datatable_500",
        base,
        "< 0.050 s",
    )


if __name__ == "__main__":
    asyncio.run(main())
