"""Pilot tests of VirtualList: a real tiny App at 80x24, keys and clicks, rows read back from render_line.

The sources count what they were asked for, so the tests can prove that only the visible window is loaded.
Workers are awaited with `settle()`, never with sleep.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot

from gmassist.tui.widgets.virtual_list import Column, Row, RowSource, VirtualList

MessageType = TypeVar("MessageType", bound=Message)
T = TypeVar("T")

PAGE = 100
"""Page size used by the tests (the widget's default too)."""

BODY = 23
"""Rows under the header in an 80x24 app holding only the list."""

COLUMNS = (
    Column("n", "#", width=6, align="right"),
    Column("title", "Title"),
    Column("date", "Date", width=10),
)


def make_row(index: int, key: str | None = None) -> Row:
    """The synthetic row shown at `index`: its title says which row it is."""
    return Row(key or f"k{index}", (str(index), f"row {index}", "2025-01-01"))


class SyntheticSource:
    """Rows computed on demand; records every call (they come from worker threads, hence the lock)."""

    def __init__(self, total: int = 100_000) -> None:
        self.total = total
        self.rows_fetched = 0
        self.fetch_calls: list[int] = []
        self.count_calls = 0
        self._lock = threading.Lock()

    def count(self) -> int:
        with self._lock:
            self.count_calls += 1
        return self.total

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        end = min(offset + limit, self.total)
        with self._lock:
            self.rows_fetched += max(0, end - offset)
            self.fetch_calls.append(offset)
        return [make_row(i) for i in range(offset, end)]


class ListSource:
    """A mutable list of keys, for insert/delete then reload."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def count(self) -> int:
        return len(self.keys)

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        return [
            Row(key, (str(offset + i), f"row {key}", ""))
            for i, key in enumerate(self.keys[offset : offset + limit])
        ]


class KeyedListSource(ListSource):
    """A ListSource that can find a key itself, like a store with ROW_NUMBER()."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(keys)
        self.index_of_calls = 0

    def index_of(self, key: str) -> int | None:
        self.index_of_calls += 1
        return self.keys.index(key) if key in self.keys else None


class GatedListSource(ListSource):
    """A ListSource whose fetch waits while the test holds the gate closed (a threading.Event, not a sleep)."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(keys)
        self.gate = threading.Event()
        self.gate.set()

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        # The timeout only keeps a broken test from hanging forever; the test always opens the gate.
        self.gate.wait(timeout=30)
        return super().fetch(offset, limit)


class FailingSource:
    """Raises from `count` or from `fetch`, as a broken store would."""

    def __init__(self, fail_count: bool) -> None:
        self.fail_count = fail_count

    def count(self) -> int:
        if self.fail_count:
            raise OSError("database is locked")
        return 500

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        raise ValueError("cannot decrypt record")


class GatedSource(SyntheticSource):
    """Pages at or after `gate_from` wait until the test opens the gate (a threading.Event, not a sleep)."""

    def __init__(self, total: int, gate_from: int) -> None:
        super().__init__(total)
        self.gate_from = gate_from
        self.gate = threading.Event()

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        if offset >= self.gate_from:
            # The timeout only keeps a broken test from hanging forever; the test always opens the gate.
            self.gate.wait(timeout=30)
        return super().fetch(offset, limit)


class ListApp(App[None]):
    """The list alone on screen, recording every message it posts."""

    def __init__(
        self, source: RowSource | None, columns: Sequence[Column] = COLUMNS, page_size: int = PAGE
    ) -> None:
        super().__init__()
        self.source = source
        self.columns = columns
        self.page_size = page_size
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield VirtualList(self.columns, self.source, page_size=self.page_size, id="list")

    def on_virtual_list_highlighted(self, message: VirtualList.Highlighted) -> None:
        self.messages.append(message)

    def on_virtual_list_selected(self, message: VirtualList.Selected) -> None:
        self.messages.append(message)

    def on_virtual_list_loaded(self, message: VirtualList.Loaded) -> None:
        self.messages.append(message)

    def on_virtual_list_failed(self, message: VirtualList.Failed) -> None:
        self.messages.append(message)

    def of_type(self, kind: type[MessageType]) -> list[MessageType]:
        """The recorded messages of one kind, oldest first."""
        return [message for message in self.messages if isinstance(message, kind)]

    def last_highlight(self) -> tuple[str, int]:
        """Key and index of the last Highlighted message."""
        message = self.of_type(VirtualList.Highlighted)[-1]
        return message.key, message.index


async def settle(pilot: Pilot) -> None:
    """Wait until no worker is running and every message they posted has been handled.

    A finished page fetch may start the next one, so loop until a round starts nothing new.
    """
    for _ in range(20):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if all(worker.is_finished for worker in pilot.app.workers):
            return
    raise AssertionError("workers kept starting")


def lines(vlist: VirtualList) -> list[str]:
    """Every line of the list as drawn now (header first)."""
    return [vlist.render_line(y).text for y in range(vlist.size.height)]


def titles(vlist: VirtualList) -> list[str]:
    """The title cell of each row line on screen."""
    return [line.split("│")[1].strip() for line in lines(vlist)[1:] if "│" in line]


def list_of(pilot: Pilot) -> VirtualList:
    return pilot.app.query_one("#list", VirtualList)


async def test_mount_loads_only_the_visible_window() -> None:
    source = SyntheticSource()
    app = ListApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        assert vlist.row_count == 100_000
        assert vlist.virtual_size.height == 100_001  # header + rows
        assert titles(vlist) == [f"row {i}" for i in range(BODY)]
        assert lines(vlist)[0].split("│")[1].strip() == "Title"
        # The page on screen and the next one, never the 100k rows.
        assert source.rows_fetched <= 2 * PAGE
        assert [message.count for message in app.of_type(VirtualList.Loaded)] == [100_000]
        highlighted = app.of_type(VirtualList.Highlighted)
        assert [(message.key, message.index) for message in highlighted] == [("k0", 0)]

        await pilot.press("end")
        await settle(pilot)
        assert (vlist.cursor_index, vlist.cursor_key) == (99_999, "k99999")
        assert titles(vlist)[-1] == "row 99999"
        assert titles(vlist)[0] == f"row {100_000 - BODY}"
        assert source.rows_fetched <= 4 * PAGE
        assert app.last_highlight() == ("k99999", 99_999)


async def test_keys_move_the_cursor_and_the_view_follows() -> None:
    app = ListApp(SyntheticSource())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        await pilot.press("down", "down", "j")
        assert (vlist.cursor_index, vlist.cursor_key) == (3, "k3")
        await pilot.press("k")
        assert vlist.cursor_index == 2
        await pilot.press("up", "up", "up")
        assert vlist.cursor_index == 0  # clamped at the top
        assert vlist.scroll_offset.y == 0

        await pilot.press(*["down"] * 30)
        await settle(pilot)
        assert vlist.cursor_index == 30
        # The cursor is the last row on screen: the view scrolled just enough.
        assert vlist.scroll_offset.y == 30 - BODY + 1
        assert titles(vlist)[-1] == "row 30"

        await pilot.press("pagedown")
        await settle(pilot)
        assert vlist.cursor_index == 30 + BODY
        assert titles(vlist)[-1] == f"row {30 + BODY}"
        await pilot.press("pageup", "pageup")
        await settle(pilot)
        assert vlist.cursor_index == 30 - BODY
        assert titles(vlist)[vlist.cursor_index - vlist.scroll_offset.y] == f"row {30 - BODY}"

        await pilot.press("G")
        await settle(pilot)
        assert (vlist.cursor_index, vlist.cursor_key) == (99_999, "k99999")
        await pilot.press("down")
        assert vlist.cursor_index == 99_999  # clamped at the bottom
        await pilot.press("g")
        await settle(pilot)
        assert (vlist.cursor_index, vlist.cursor_key) == (0, "k0")
        assert titles(vlist)[0] == "row 0"
        await pilot.press("end", "home")
        assert vlist.cursor_index == 0


async def test_cursor_row_is_drawn_with_the_cursor_style() -> None:
    app = ListApp(SyntheticSource(1_000))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        vlist.focus()
        await pilot.press("down", "down")
        await pilot.pause()
        cursor_background = vlist.get_component_rich_style("virtual-list--cursor").bgcolor
        backgrounds = [
            {segment.style.bgcolor for segment in vlist.render_line(y) if segment.style} for y in range(1, 6)
        ]
        assert [cursor_background in found for found in backgrounds] == [False, False, True, False, False]


async def test_enter_and_clicks_select_the_right_row() -> None:
    app = ListApp(SyntheticSource(1_000))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        vlist.focus()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert [(m.key, m.index) for m in app.of_type(VirtualList.Selected)] == [("k2", 2)]
        assert app.of_type(VirtualList.Selected)[0].list is vlist

        # A click highlights (line 0 is the header, so line 5 is row 4)...
        await pilot.click("#list", offset=(20, 5))
        await pilot.pause()
        assert (vlist.cursor_index, vlist.cursor_key) == (4, "k4")
        assert len(app.of_type(VirtualList.Selected)) == 1
        # ...and a click on the highlighted row selects it.
        await pilot.click("#list", offset=(20, 5))
        await pilot.pause()
        assert [(m.key, m.index) for m in app.of_type(VirtualList.Selected)][-1] == ("k4", 4)

        # A double click on another row highlights then selects it.
        await pilot.double_click("#list", offset=(20, 8))
        await pilot.pause()
        assert vlist.cursor_index == 7
        assert [(m.key, m.index) for m in app.of_type(VirtualList.Selected)][-1] == ("k7", 7)

        # A click on the header does nothing.
        await pilot.click("#list", offset=(20, 0))
        await pilot.pause()
        assert vlist.cursor_index == 7


async def test_mouse_wheel_scrolls_without_moving_the_cursor() -> None:
    source = SyntheticSource()
    app = ListApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        for _ in range(40):
            vlist.post_message(events.MouseScrollDown(vlist, 10, 5, 0, 1, 0, False, False, False))
        await settle(pilot)
        assert vlist.scroll_offset.y > 0
        assert vlist.cursor_index == 0
        top = vlist.scroll_offset.y
        assert titles(vlist) == [f"row {i}" for i in range(top, top + BODY)]
        assert source.rows_fetched <= 4 * PAGE


async def test_unfetched_rows_show_placeholders_and_one_fetch_per_page() -> None:
    source = GatedSource(100_000, gate_from=50_000)
    app = ListApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await settle(pilot)
            vlist = list_of(pilot)
            await pilot.press("end")
            await pilot.pause()
            # The last page is being fetched (and held at the gate): its rows are placeholders...
            assert vlist.cursor_key is None
            assert titles(vlist) == ["…"] * BODY
            # ...and drawing them again and again asks for that page only once.
            await pilot.press("up", "up", "down", "down")
            for _ in range(5):
                vlist.refresh()
                await pilot.pause()
            assert source.fetch_calls.count(99_900) <= 1
        finally:
            source.gate.set()
        await settle(pilot)
        assert titles(vlist)[-1] == "row 99999"
        assert vlist.cursor_key == "k99999"
        assert source.fetch_calls.count(99_900) == 1
        assert len(source.fetch_calls) == len(set(source.fetch_calls))


@pytest.mark.parametrize(("page_size", "bound"), [(25, 4), (10, 6)])
async def test_pages_kept_in_memory_stay_bounded(page_size: int, bound: int) -> None:
    """At most MAX_CACHED_PAGES, or the pages the screen needs (on screen and one either side) if more."""

    class SmallCacheList(VirtualList):
        MAX_CACHED_PAGES = 4

    class SmallCacheApp(ListApp):
        def compose(self) -> ComposeResult:
            yield SmallCacheList(COLUMNS, self.source, page_size=page_size, id="list")

    source = SyntheticSource(10_000)
    app = SmallCacheApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        for step in range(20):
            await pilot.press("pagedown")
            await settle(pilot)
            assert len(vlist._pages) <= bound
            assert vlist.cursor_index == BODY * (step + 1)
            assert titles(vlist)[vlist.cursor_index - vlist.scroll_offset.y] == f"row {vlist.cursor_index}"
            assert "…" not in titles(vlist)
        # Going back up fetches the dropped pages again.
        await pilot.press("home")
        await settle(pilot)
        assert titles(vlist)[0] == "row 0"
        assert source.fetch_calls.count(0) == 2


async def test_reload_keeps_the_cursor_on_the_same_key() -> None:
    source = ListSource([f"k{i}" for i in range(1_000)])
    app = ListApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        vlist.focus()
        await pilot.press(*["down"] * 5)
        assert vlist.cursor_key == "k5"

        source.keys[0:0] = ["new-a", "new-b", "new-c"]
        vlist.reload()
        await settle(pilot)
        assert (vlist.cursor_index, vlist.cursor_key) == (8, "k5")
        assert titles(vlist)[vlist.cursor_index - vlist.scroll_offset.y] == "row k5"
        assert app.of_type(VirtualList.Loaded)[-1].count == 1_003
        assert app.last_highlight() == ("k5", 8)

        # Past a page boundary: 150 rows inserted before it.
        source.keys[0:0] = [f"more-{i}" for i in range(150)]
        vlist.reload()
        await settle(pilot)
        assert (vlist.cursor_index, vlist.cursor_key) == (158, "k5")

        # The row is deleted: the cursor stays at the same index, on the row that took its place.
        source.keys.remove("k5")
        vlist.reload()
        await settle(pilot)
        assert (vlist.cursor_index, vlist.cursor_key) == (158, "k6")

        # The list shrinks below the cursor: clamped to the last row.
        del source.keys[100:]
        vlist.reload()
        await settle(pilot)
        assert (vlist.cursor_index, vlist.cursor_key) == (99, source.keys[99])


async def test_moving_during_a_reload_keeps_the_row_moved_to() -> None:
    source = GatedListSource([f"k{i}" for i in range(1_000)])
    app = ListApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        await pilot.press(*["down"] * 5)
        source.keys[0:0] = ["new-a", "new-b", "new-c"]
        source.gate.clear()
        try:
            vlist.reload()
            await pilot.pause()
            assert vlist.is_loading
            # The old rows stay on screen meanwhile, and the user moves on to k7.
            await pilot.press("down", "down")
            assert vlist.cursor_key == "k7"
        finally:
            source.gate.set()
        await settle(pilot)
        assert (vlist.cursor_index, vlist.cursor_key) == (10, "k7")
        assert not vlist.is_loading


async def test_reload_uses_index_of_when_the_source_has_it() -> None:
    source = KeyedListSource([f"k{i}" for i in range(1_000)])
    app = ListApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        await pilot.press(*["down"] * 3)
        # Far beyond the pages a search would look at.
        source.keys[0:0] = [f"new-{i}" for i in range(5_000)]
        vlist.reload()
        await settle(pilot)
        assert source.index_of_calls == 1
        assert (vlist.cursor_index, vlist.cursor_key) == (5_003, "k3")
        assert titles(vlist)[vlist.cursor_index - vlist.scroll_offset.y] == "row k3"


@pytest.mark.parametrize("title_width", [9, 8, 2, None])
async def test_chinese_and_english_cells_line_up(title_width: int | None) -> None:
    columns = (
        Column("title", "标题", width=title_width),
        Column("owner", "责任人", width=7),
        Column("note", "Note"),
    )
    texts = ["财务总监会议", "Board prep", "a财务总监", "总经理办公会议纪要审核", "x", ""]
    rows = [
        Row(f"k{i}", (title, Text("张三李四王五") if i % 2 else "Li Lei", "会前准备 prep"))
        for i, title in enumerate(texts)
    ]

    class Rows:
        def count(self) -> int:
            return len(rows)

        def fetch(self, offset: int, limit: int) -> Sequence[Row]:
            return rows[offset : offset + limit]

    app = ListApp(Rows(), columns=columns)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        drawn = lines(vlist)[: len(rows) + 1]
        width = vlist.scrollable_content_region.width
        for line in drawn:
            assert cell_len(line) == width
            first, second = (i for i, character in enumerate(line) if character == "│")
            # Cell offsets, not character offsets: every line has its separators in the same columns.
            assert (cell_len(line[:first]), cell_len(line[:second])) == (
                cell_len(drawn[0][: drawn[0].index("│")]),
                cell_len(drawn[0][: drawn[0].rindex("│")]),
            )
        if title_width == 9:
            assert "财务总监…" in drawn[1]
            assert "Board prep" not in drawn[2] and "Board pr…" in drawn[2]
        if title_width == 8:
            assert "财务总…" in drawn[1]  # 7 cells: a 4th character would be cut in half
        # Owner column (7 cells): a Text cell is cut by cells too.
        assert "张三李…" in drawn[2]
        assert "Li Lei" in drawn[1]


async def test_control_characters_do_not_break_a_line() -> None:
    rows = [Row("k0", ("two\nlines\tand tab", "x", "y"))]

    class Rows:
        def count(self) -> int:
            return 1

        def fetch(self, offset: int, limit: int) -> Sequence[Row]:
            return rows[offset : offset + limit]

    app = ListApp(Rows(), columns=(Column("a", "A", width=20), Column("b", "B", width=3), Column("c", "C")))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = lines(list_of(pilot))[1]
        assert "two lines and tab" in line
        assert cell_len(line) == list_of(pilot).scrollable_content_region.width


async def test_row_styles_apply_and_a_bad_one_is_ignored() -> None:
    rows = [
        Row("damaged", ("x", "damaged", "y"), style="bold red"),
        Row("typo", ("x", "typo", "y"), style="bolld rde"),
        Row("plain", ("x", "plain", "y")),
    ]

    class Rows:
        def count(self) -> int:
            return len(rows)

        def fetch(self, offset: int, limit: int) -> Sequence[Row]:
            return rows[offset : offset + limit]

    app = ListApp(Rows())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        await pilot.press("end")  # the cursor style would hide the row style of row 0
        await pilot.pause()
        damaged = [segment.style for segment in vlist.render_line(1) if segment.style]
        assert all(style.bold and style.color and style.color.name == "red" for style in damaged)
        assert titles(vlist) == ["damaged", "typo", "plain"]
        assert app.is_running


async def test_empty_source_shows_the_empty_text() -> None:
    app = ListApp(SyntheticSource(0))
    async with app.run_test(size=(80, 24)) as pilot:
        vlist = list_of(pilot)
        vlist.empty_text = "没有日程"
        await settle(pilot)
        assert [message.count for message in app.of_type(VirtualList.Loaded)] == [0]
        drawn = lines(vlist)
        shown = [line for line in drawn[1:] if line.strip()]
        assert [line.strip() for line in shown] == ["没有日程"]
        # Centred: the same number of blank cells on both sides, give or take one.
        line = shown[0]
        left = len(line) - len(line.lstrip())
        right = cell_len(line) - cell_len(line.rstrip())
        assert abs(left - right) <= 1
        assert vlist.cursor_key is None
        vlist.focus()
        await pilot.press("enter", "down", "shift+space")
        await pilot.pause()
        assert app.of_type(VirtualList.Selected) == []
        assert vlist.selected_keys == set()
        assert vlist.cursor_index == 0


@pytest.mark.parametrize(
    ("fail_count", "error_text"), [(True, "database is locked"), (False, "cannot decrypt record")]
)
async def test_a_failing_source_shows_the_error_and_the_app_keeps_running(
    fail_count: bool, error_text: str
) -> None:
    app = ListApp(FailingSource(fail_count))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        failed = app.of_type(VirtualList.Failed)
        assert len(failed) == 1
        assert str(failed[0].error) == error_text
        assert failed[0].list is vlist
        drawn = lines(vlist)
        assert [line.strip() for line in drawn[1:] if line.strip()] == [error_text]
        # Still running and usable: keys work, and a good source brings the rows back.
        await pilot.press("down", "enter", "end")
        assert app.is_running
        vlist.set_source(SyntheticSource(300))
        await settle(pilot)
        assert titles(vlist)[:2] == ["row 0", "row 1"]
        assert not any(error_text in line for line in lines(vlist))


async def test_multi_select_marks_rows() -> None:
    app = ListApp(SyntheticSource(1_000))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        vlist.focus()
        await pilot.press("shift+space", "down", "down", "shift+space", "down")
        await pilot.pause()
        assert vlist.selected_keys == {"k0", "k2"}
        marker = VirtualList.SELECTED_MARKER
        marked = [line.startswith(marker) for line in lines(vlist)[1:5]]
        assert marked == [True, False, True, False]
        await pilot.press("up", "shift+space")
        await pilot.pause()
        assert vlist.selected_keys == {"k0"}
        assert not lines(vlist)[3].startswith(marker)
        # The selection survives a reload, and a new source clears it.
        vlist.reload()
        await settle(pilot)
        assert vlist.selected_keys == {"k0"}
        vlist.set_source(SyntheticSource(5))
        await settle(pilot)
        assert vlist.selected_keys == set()


async def test_set_source_shows_the_new_rows_from_the_top() -> None:
    first = SyntheticSource(1_000)
    app = ListApp(first)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        second = ListSource(["a", "b", "c"])
        vlist.set_source(second)
        await settle(pilot)
        assert vlist.source is second
        assert (vlist.cursor_index, vlist.cursor_key) == (0, "a")
        assert vlist.scroll_offset.y == 0
        assert titles(vlist) == ["row a", "row b", "row c"]
        assert app.of_type(VirtualList.Loaded)[-1].count == 3


async def test_set_source_can_start_on_a_given_row_even_while_another_load_runs() -> None:
    app = ListApp(SyntheticSource(1_000))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        vlist.reload()  # a load already on its way when the new source arrives
        source = KeyedListSource([f"k{i}" for i in range(2_000)])
        vlist.set_source(source, cursor_key="k1500")
        await settle(pilot)
        assert (vlist.cursor_index, vlist.cursor_key) == (1_500, "k1500")
        assert app.last_highlight() == ("k1500", 1_500)
        assert "row k1500" in titles(vlist)
        # Only the load that looked for it: a later reload keeps the cursor's own row.
        await pilot.press("down")
        vlist.reload()
        await settle(pilot)
        assert vlist.cursor_key == "k1501"
        # A key the source does not have starts from the top.
        vlist.set_source(KeyedListSource(["a", "b"]), cursor_key="gone")
        await settle(pilot)
        assert (vlist.cursor_index, vlist.cursor_key) == (0, "a")


def painted(app: App[None], snapshot: Callable[[], T]) -> list[T]:
    """From now on, take `snapshot()` at the end of every frame the app's screen paints."""
    screen = app.screen
    paint = type(screen)._compositor_refresh
    frames: list[T] = []

    def noting_paint() -> None:
        paint(screen)
        frames.append(snapshot())

    screen._compositor_refresh = noting_paint  # type: ignore[method-assign]
    return frames


async def gated_source_set(
    pilot: Pilot, keys: list[str]
) -> tuple[VirtualList, GatedListSource, list[list[str]]]:
    """Once the first load is in: point the list at a source whose rows wait behind a closed gate.
    Returns the list, the source, and the rows shown in each frame painted from then on."""
    await settle(pilot)
    vlist = list_of(pilot)
    frames = painted(pilot.app, lambda: titles(vlist) if vlist.is_attached else [])
    source = GatedListSource(keys)
    source.gate.clear()
    vlist.set_source(source)
    return vlist, source, frames


async def test_set_source_paints_the_new_rows_in_the_frame_after_the_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(VirtualList, "HOLD_SECONDS", 30.0)
    async with ListApp(SyntheticSource(50)).run_test(size=(80, 24)) as pilot:
        vlist, source, frames = await gated_source_set(pilot, ["a", "b"])
        await pilot.pause(0.2)
        assert vlist.holding_repaints
        assert frames == []  # no empty list in between, however long the load takes (up to the deadline)
        source.gate.set()
        await settle(pilot)
        assert not vlist.holding_repaints
        assert frames and frames[0] == ["row a", "row b"]
        # A reload keeps the rows on screen and does not hold unless asked to.
        source.gate.clear()
        vlist.reload()
        assert not vlist.holding_repaints
        vlist.reload(hold=True)
        assert vlist.holding_repaints
        source.gate.set()
        await settle(pilot)
        assert not vlist.holding_repaints


async def test_a_slow_load_lets_the_screen_repaint_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(VirtualList, "HOLD_SECONDS", 0.05)
    async with ListApp(SyntheticSource(50)).run_test(size=(80, 24)) as pilot:
        vlist, source, frames = await gated_source_set(pilot, ["a", "b"])
        await pilot.pause(0.3)
        assert not vlist.holding_repaints
        assert frames and frames[-1] == []  # the old rows are gone, the new ones not in yet
        source.gate.set()
        await settle(pilot)
        assert frames[-1] == ["row a", "row b"]


async def test_a_list_removed_while_it_holds_lets_the_app_repaint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(VirtualList, "HOLD_SECONDS", 30.0)
    async with ListApp(SyntheticSource(50)).run_test(size=(80, 24)) as pilot:
        vlist, source, frames = await gated_source_set(pilot, ["a"])
        assert vlist.holding_repaints
        await vlist.remove()
        source.gate.set()
        await settle(pilot)
        assert not vlist.holding_repaints
        pilot.app.screen.refresh()
        await pilot.pause()
        assert frames  # the app paints again


async def test_no_garbage_collection_runs_between_a_change_and_the_frame_that_answers_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(VirtualList, "HOLD_SECONDS", 30.0)
    assert gc.isenabled()
    async with ListApp(SyntheticSource(50)).run_test(size=(80, 24)) as pilot:
        vlist, source, _frames = await gated_source_set(pilot, ["a", "b"])
        frames = painted(pilot.app, lambda: (titles(vlist), gc.isenabled()))
        assert not gc.isenabled()
        source.gate.set()
        await settle(pilot)
        assert frames[0] == (["row a", "row b"], False)  # put off through the frame that shows the rows
        assert gc.isenabled()  # and resumed right after it
        source.gate.clear()
        vlist.reload(hold=True)
        assert not gc.isenabled()
    assert gc.isenabled(), "an app closed while a list held must leave the collector on"


async def test_a_list_without_source_waits_for_one() -> None:
    app = ListApp(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        vlist = list_of(pilot)
        assert vlist.row_count == 0
        assert app.of_type(VirtualList.Loaded) == []
        assert [line.strip() for line in lines(vlist)[1:] if line.strip()] == []
        vlist.set_source(SyntheticSource(10))
        await settle(pilot)
        assert titles(vlist) == [f"row {i}" for i in range(10)]


def test_bindings_have_ids_and_descriptions() -> None:
    bindings = [binding for binding in VirtualList.BINDINGS if not isinstance(binding, tuple)]
    assert len(bindings) == len(VirtualList.BINDINGS)
    for binding in bindings:
        assert binding.id and binding.id.startswith("list."), binding
        assert binding.description, binding
    keys = {key for binding in bindings for key in binding.key.split(",")}
    assert {
        "up",
        "down",
        "k",
        "j",
        "pageup",
        "pagedown",
        "home",
        "end",
        "g",
        "G",
        "enter",
        "shift+space",
    } <= keys
    assert "space" not in keys
