"""A scrolling list that draws only the visible rows and loads them page by page.

Every list screen of the app (agenda, inbox, follow-ups, search results) shows records from the encrypted
store, and a list can hold 100k of them. Textual's `DataTable` measures every cell it is given (100k rows
take about 12 s to mount), so this widget uses the Line API instead: `render_line(y)` draws one visible
line, and rows come from a `RowSource` one page at a time, in a thread worker, so that the event loop never
waits on disk or crypto. Only a bounded number of pages is kept in memory.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from rich.cells import cell_len
from rich.errors import StyleSyntaxError
from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.worker import get_current_worker

from gmassist.i18n import _

__all__ = ["Column", "KeyedRowSource", "Row", "RowSource", "VirtualList"]

_CONTROL_TO_SPACE = {code: " " for code in [*range(0x20), 0x7F]}
"""Control characters (newline, tab, escape...) would break a one-line cell; each becomes one space."""


@dataclass(frozen=True)
class Column:
    """One column: key, header label (already translated by the caller), width in terminal cells
    (None = takes the rest, shared with the other None columns), align 'left'|'right'."""

    key: str
    """Stable name of the column, e.g. "title"; not shown."""
    label: str
    """Header text, already translated by the caller."""
    width: int | None = None
    """Width in terminal cells (a CJK character takes 2), or None to share the remaining width."""
    align: str = "left"
    """'left' or 'right' (numbers, dates)."""


@dataclass(frozen=True)
class Row:
    """One row: a stable key (the record's id) and one cell per column, each a str or rich.text.Text;
    `style` is an optional rich style for the whole row (e.g. 'dim' for masked, 'bold red' for damaged)."""

    key: str
    """The record's id; the cursor and the selection follow it across reloads."""
    cells: tuple[str | Text, ...]
    """One value per column, in column order; missing cells draw empty, extra cells are ignored."""
    style: str = ""
    """A rich style string for the whole row, under the cells' own styles."""


class RowSource(Protocol):
    """Where rows come from. Called from a worker thread, never from the event loop.

    One list never calls its source from two threads at once, but successive calls may come from different
    threads, so a source must not be tied to the thread that created it (e.g. `check_same_thread`).
    """

    def count(self) -> int:
        """Return how many rows there are now."""
        ...

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        """Return at most `limit` rows starting at row `offset`, in display order."""
        ...


@runtime_checkable
class KeyedRowSource(RowSource, Protocol):
    """A `RowSource` that can also find a row by key (e.g. with a `ROW_NUMBER()` query).

    Optional: `VirtualList.reload` uses it, when present, to keep the cursor on the same record however far
    it moved; without it the list searches the pages around the old position.
    """

    def index_of(self, key: str) -> int | None:
        """Return the current index of the row with this key, or None when it is gone."""
        ...


class _Collections:
    """Automatic garbage collection put off while lists hold the app's repaints (process-wide, as the
    collector is): a full collection walks everything the app has made since its warm-up (20 ms and more
    late in a session), and one falling between a keystroke and the frame that answers it would delay the
    answer by that much. Resumed once the answering frame is painted, so the collection runs right after it,
    while the user reads."""

    holds = 0
    paused = False

    @classmethod
    def hold(cls) -> None:
        if cls.holds == 0 and gc.isenabled():
            gc.disable()
            cls.paused = True
        cls.holds += 1

    @classmethod
    def release(cls) -> None:
        cls.holds = max(0, cls.holds - 1)
        if cls.holds == 0 and cls.paused:
            cls.paused = False
            gc.enable()


@dataclass(frozen=True)
class _LoadResult:
    """What a reload found, handed from the worker thread to the event loop."""

    count: int
    """Rows in the source."""
    from_index: int
    """The cursor index when the reload started."""
    cursor_index: int
    """Where the cursor's row is now (its key found again, or the old index clamped)."""
    pages: dict[int, tuple[Row, ...]]
    """Pages fetched on the way, by page number."""


class VirtualList(ScrollView, can_focus=True):
    """A keyboard-driven list of rows with fixed-width columns, drawing only what is visible.

    Line 0 is the header (column labels); the rows follow. Rows not fetched yet draw as a dim placeholder
    and ask for their page; pages load in a thread worker, one batch at a time, and at most
    `MAX_CACHED_PAGES` pages stay in memory. Cells are cut and padded by terminal cell width, so Chinese and
    English text line up.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "up,k", "cursor_up", _("Up"), show=False, id="list.up", tooltip=_("Move to the previous row")
        ),
        Binding(
            "down,j", "cursor_down", _("Down"), show=False, id="list.down", tooltip=_("Move to the next row")
        ),
        Binding(
            "pageup",
            "cursor_page_up",
            _("Page up"),
            show=False,
            id="list.page_up",
            tooltip=_("Move up one page"),
        ),
        Binding(
            "pagedown",
            "cursor_page_down",
            _("Page down"),
            show=False,
            id="list.page_down",
            tooltip=_("Move down one page"),
        ),
        Binding(
            "home,g",
            "cursor_first",
            _("First"),
            show=False,
            id="list.first",
            tooltip=_("Go to the first row"),
        ),
        Binding(
            "end,G", "cursor_last", _("Last"), show=False, id="list.last", tooltip=_("Go to the last row")
        ),
        Binding("enter", "select_cursor", _("Open"), id="list.select", tooltip=_("Open the highlighted row")),
        Binding(
            "shift+space,insert",
            "toggle_select",
            _("Mark"),
            id="list.toggle_select",
            tooltip=_("Add the highlighted row to the selection, or take it out"),
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-list--header",
        "virtual-list--cursor",
        "virtual-list--selected",
        "virtual-list--placeholder",
        "virtual-list--empty",
        "virtual-list--error",
    }
    """
    | Class | Description |
    | :- | :- |
    | `virtual-list--header` | The header line with the column labels. |
    | `virtual-list--cursor` | The highlighted row. |
    | `virtual-list--selected` | Rows in `selected_keys` (and their marker). |
    | `virtual-list--placeholder` | Rows not fetched yet. |
    | `virtual-list--empty` | The text shown when the source has no rows. |
    | `virtual-list--error` | The text shown when the source failed. |
    """

    DEFAULT_CSS = """
    VirtualList {
        width: 1fr;
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .virtual-list--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .virtual-list--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .virtual-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .virtual-list--selected {
            color: $accent;
            text-style: bold;
        }
        & > .virtual-list--placeholder {
            color: $text-muted;
            text-style: dim;
        }
        & > .virtual-list--empty {
            color: $text-muted;
            text-style: dim;
        }
        & > .virtual-list--error {
            color: $text-error;
            text-style: bold;
        }
    }
    """

    COLUMN_SEPARATOR: ClassVar[str] = " │ "
    """Drawn between two columns; its cell width is taken from the flexible columns."""
    SELECTED_MARKER: ClassVar[str] = "✓"
    """Drawn in the one-cell marker column before a selected row (then one space)."""
    MAX_CACHED_PAGES: ClassVar[int] = 20
    """Pages kept in memory (more only when the screen itself needs more); the farthest are dropped first."""
    MAX_PAGES_PER_FETCH: ClassVar[int] = 4
    """Pages one fetch worker loads before the list looks again at what is still needed."""
    RELOAD_SEARCH_PAGES: ClassVar[int] = 2
    """Without `KeyedRowSource`, how many pages on each side of the old position reload searches for the key."""
    HOLD_SECONDS: ClassVar[float] = 0.1
    """A load that holds the app's repaints (see `reload`) holds them this long at most."""

    cursor_index: reactive[int] = reactive(0)
    """Index of the highlighted row (0 when the list is empty)."""
    empty_text: reactive[str] = reactive("—")
    """Shown, dim and centred, when the source has no rows; the caller sets a translated string."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another row, or a reload completed (the row may have changed).

        Posted once that row is loaded, so `key` is always known.
        """

        list: VirtualList
        """The list that sent the message."""
        key: str
        """The highlighted row's key."""
        index: int
        """The highlighted row's index."""

        @property
        def control(self) -> VirtualList:
            """The list, so that `@on(VirtualList.Highlighted, "#id")` works."""
            return self.list

    @dataclass
    class Selected(Message):
        """A row was chosen: Enter, a click on the highlighted row, or a double click."""

        list: VirtualList
        """The list that sent the message."""
        key: str
        """The chosen row's key."""
        index: int
        """The chosen row's index."""

        @property
        def control(self) -> VirtualList:
            """The list, so that `@on(VirtualList.Selected, "#id")` works."""
            return self.list

    @dataclass
    class Loaded(Message):
        """A count or reload completed; `count` rows are now available."""

        list: VirtualList
        """The list that sent the message."""
        count: int
        """How many rows the source has."""

        @property
        def control(self) -> VirtualList:
            """The list, so that `@on(VirtualList.Loaded, "#id")` works."""
            return self.list

    @dataclass
    class Failed(Message):
        """The source raised in `count` or `fetch`; the list shows the error until the next reload."""

        list: VirtualList
        """The list that sent the message."""
        error: BaseException
        """What the source raised."""

        @property
        def control(self) -> VirtualList:
            """The list, so that `@on(VirtualList.Failed, "#id")` works."""
            return self.list

    @dataclass
    class _Reloaded(Message, bubble=False):
        """Private: the load worker's result."""

        generation: int
        result: _LoadResult

    @dataclass
    class _PageLoaded(Message, bubble=False):
        """Private: one page arrived from the fetch worker."""

        generation: int
        page: int
        rows: tuple[Row, ...]

    @dataclass
    class _FetchDone(Message, bubble=False):
        """Private: the fetch worker ended (whatever happened), so another may start."""

    @dataclass
    class _SourceFailed(Message, bubble=False):
        """Private: a worker caught an error from the source."""

        generation: int
        error: BaseException

    def __init__(
        self,
        columns: Sequence[Column],
        source: RowSource | None = None,
        *,
        page_size: int = 100,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create a list with these columns, reading rows from `source` (or later from `set_source`).

        Args:
            columns: The columns, left to right.
            source: Where rows come from; loading starts when the widget is mounted.
            page_size: Rows per fetch.
            name: The widget's name.
            id: The widget's id in the DOM.
            classes: CSS classes.
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        super().__init__(name=name, id=id, classes=classes)
        self.columns: tuple[Column, ...] = tuple(columns)
        """The columns, left to right."""
        self.page_size = page_size
        """Rows per fetch."""
        self.selected_keys: set[str] = set()
        """Keys of the rows marked with `toggle_select`; may keep keys of rows deleted since."""
        self._source = source
        self._count: int | None = None
        self._pages: dict[int, tuple[Row, ...]] = {}
        self._generation = 0
        self._loading = False
        self._fetching = False
        self._in_flight: set[int] = set()
        self._ensure_scheduled = False
        self._error: BaseException | None = None
        self._last_highlight: tuple[int, str] | None = None
        self._source_lock = threading.Lock()
        self._started = False
        self._load_queued = False
        self._wanted_key: str | None = None
        """The row `set_source` was asked to start on, until the load that looks for it lands."""
        self._style_cache: dict[str, Style] = {}
        self._paint: _Paint | None = None
        """Set while `render_lines` draws (see `_Paint`)."""
        self._hold_deadline: Timer | None = None
        """Set while the app's repaints wait for the rows of a load (see `reload`)."""
        self._collections_held = False
        """Whether this list has put off garbage collection (see `_Collections`) until its frame is painted."""

    # ----------------------------------------------------------------- public API

    @property
    def source(self) -> RowSource | None:
        """The current source of rows."""
        return self._source

    @property
    def row_count(self) -> int:
        """How many rows the source had at the last load (0 before the first load completes)."""
        return self._count or 0

    @property
    def holding_repaints(self) -> bool:
        """True while the app's repaints wait for this list's new rows (see `reload`)."""
        return self._hold_deadline is not None

    @property
    def is_loading(self) -> bool:
        """True while a count/reload is running in the worker."""
        return self._loading

    @property
    def cursor_key(self) -> str | None:
        """The key of the highlighted row, or None when the list is empty or that row is not loaded yet."""
        row = self.get_row(self.cursor_index)
        return None if row is None else row.key

    def get_row(self, index: int) -> Row | None:
        """Return the row at `index` if it is loaded, else None (never fetches)."""
        if self._count is None or not 0 <= index < self._count:
            return None
        rows = self._pages.get(index // self.page_size)
        offset = index % self.page_size
        if rows is None or offset >= len(rows):
            return None
        return rows[offset]

    def set_source(self, source: RowSource, cursor_key: str | None = None) -> None:
        """Swap the source (e.g. a new filter) and reload from the first row, or from `cursor_key`'s row
        when the source has it (found by the load itself, so no other load can move the cursor meanwhile).

        The selection is cleared too: a bulk action must never touch rows the user can no longer see.
        The app's repaints are held until the new rows are in (see `reload`), so the list never flashes empty.
        """
        self._source = source
        self._wanted_key = cursor_key
        self._generation += 1
        self._pages.clear()
        self._count = None
        self._error = None
        self.selected_keys.clear()
        self._last_highlight = None
        self.set_reactive(VirtualList.cursor_index, 0)
        if not self._started:
            return  # on_mount loads
        self.scroll_to(y=0, animate=False, force=True)
        self.virtual_size = Size(self._table_width(), 1)
        self.refresh()
        self.reload(hold=True)

    def _hold_repaints(self) -> None:
        """Hold the app's repaints until this list's load lands, or `HOLD_SECONDS` have passed."""
        if self._hold_deadline is not None:
            return  # typing on: the first hold's deadline stands, so the box still echoes every 0.1 s
        self.app._begin_batch()
        if not self._collections_held:
            self._collections_held = True
            _Collections.hold()
        # On the app, not the list: the deadline must fire even if the list is removed meanwhile.
        self._hold_deadline = self.app.set_timer(self.HOLD_SECONDS, self._release_repaints, name="list-hold")

    def _release_repaints(self, *, leaving: bool = False) -> None:
        """End the hold (once; later calls do nothing). Collections resume after the frame it lets through,
        or at once when the list is `leaving` (no frame may come: the app may be closing)."""
        if self._hold_deadline is not None:
            self._hold_deadline.stop()
            self._hold_deadline = None
            self.app._end_batch()
            self.app.call_after_refresh(self._resume_collections)
        if leaving:
            self._resume_collections()

    def _resume_collections(self) -> None:
        if self._collections_held:
            self._collections_held = False
            _Collections.release()

    def reload(self, hold: bool = False) -> None:
        """Count and fetch again, after the data changed.

        The rows on screen stay until the new ones arrive. The cursor stays on the same key when that row is
        still present, else on the same index, clamped.

        With `hold`, for a change the user waits to see (a keystroke in a filter box), the app holds its
        repaints until the new rows are in, at most `HOLD_SECONDS`: the keystroke's echo and the rows paint
        in one frame. Textual paints a second change one to two frames (17-33 ms) after the first, so this
        makes the answer come sooner, not later.
        """
        if not self._started:
            return  # on_mount loads
        self._generation += 1
        self._in_flight.clear()
        self._error = None
        if self._source is None:
            return
        if hold:
            self._hold_repaints()
        self._loading = True
        if not self._load_queued:
            # Several reloads in one turn (a screen's mount and resume, a filter and a refresh) make one load.
            self._load_queued = True
            self.call_later(self._start_load)

    def _start_load(self) -> None:
        self._load_queued = False
        if self._source is not None:
            self._load(
                self._generation,
                self._source,
                self.cursor_index,
                self._wanted_key or self.cursor_key,
                self.scroll_offset.y,
                self._body_height(),
            )

    # ----------------------------------------------------------------- workers

    # Not `exclusive=True`: cancelling a thread worker only cancels its asyncio side (the thread runs on, and
    # `wait_for_complete` raises WorkerCancelled). A stale worker is skipped by the generation check instead.
    @work(thread=True, group="virtual-list-load", exit_on_error=False)
    def _load(
        self,
        generation: int,
        source: RowSource,
        old_index: int,
        old_key: str | None,
        first_visible: int,
        body_height: int,
    ) -> None:
        """Worker thread: count, find the cursor's key again, fetch the pages on screen, post the result."""
        try:
            with self._source_lock:
                if self._is_stale(generation):
                    return
                result = self._load_in_thread(source, old_index, old_key, first_visible, body_height)
        except Exception as error:
            self.post_message(self._SourceFailed(generation, error))
            return
        self.post_message(self._Reloaded(generation, result))

    def _is_stale(self, generation: int) -> bool:
        """True when a reload or a new source made this worker's work useless, or the app is closing.

        Called from worker threads: `_generation` is the one field they read (a plain int), and they write none.
        """
        return generation != self._generation or get_current_worker().is_cancelled

    def _load_in_thread(
        self, source: RowSource, old_index: int, old_key: str | None, first_visible: int, body_height: int
    ) -> _LoadResult:
        """Do the reload's source calls (worker thread only; touches no widget state)."""
        page_size = self.page_size
        pages: dict[int, tuple[Row, ...]] = {}

        def page_rows(page: int) -> tuple[Row, ...]:
            if page not in pages:
                pages[page] = tuple(source.fetch(page * page_size, page_size))
            return pages[page]

        count = max(0, source.count())
        if count == 0:
            return _LoadResult(0, old_index, 0, {})
        new_index = old_index
        if old_key is not None:
            found: int | None = None
            if isinstance(source, KeyedRowSource):
                found = source.index_of(old_key)
            else:
                old_page = min(old_index, count - 1) // page_size
                last_page = (count - 1) // page_size
                # Rows inserted before the cursor push it down, so look below before above.
                for distance in range(self.RELOAD_SEARCH_PAGES + 1):
                    for page in (old_page + distance, old_page - distance):
                        if 0 <= page <= last_page and found is None:
                            rows = page_rows(page)
                            found = next(
                                (page * page_size + i for i, row in enumerate(rows) if row.key == old_key),
                                None,
                            )
                    if found is not None:
                        break
            if found is not None:
                new_index = found
        new_index = min(max(new_index, 0), count - 1)
        # Keep the cursor at the same height on screen: the view moves by as much as the cursor moved.
        top = max(0, first_visible + new_index - old_index)
        wanted = {new_index // page_size}
        wanted.update(range(top // page_size, min(top + body_height, count - 1) // page_size + 1))
        for page in sorted(wanted):
            page_rows(page)
        return _LoadResult(count, old_index, new_index, pages)

    @work(thread=True, group="virtual-list-fetch", exit_on_error=False)
    def _fetch_pages(self, generation: int, source: RowSource, pages: list[int]) -> None:
        """Worker thread: fetch these pages one by one, posting each as it arrives."""
        page_size = self.page_size
        try:
            with self._source_lock:
                for page in pages:
                    if self._is_stale(generation):
                        break
                    rows = tuple(source.fetch(page * page_size, page_size))
                    self.post_message(self._PageLoaded(generation, page, rows))
        except Exception as error:
            self.post_message(self._SourceFailed(generation, error))
        finally:
            self.post_message(self._FetchDone())

    # ----------------------------------------------------------------- worker results (event loop)

    @on(_Reloaded)
    def _on_reloaded(self, message: _Reloaded) -> None:
        if message.generation != self._generation:
            return
        result = message.result
        if self.cursor_index != result.from_index:
            # The user moved while the worker ran: find the row they are on now instead.
            self.reload()
            return
        self._loading = False
        self._wanted_key = None
        self._count = result.count
        self._pages = dict(result.pages)
        self.virtual_size = Size(self._table_width(), result.count + 1)
        self.set_reactive(VirtualList.cursor_index, result.cursor_index)
        # The view moves with the cursor's row, so that inserted rows do not shift what the user reads.
        shift = result.cursor_index - result.from_index
        if shift:
            self.scroll_to(y=max(0, self.scroll_offset.y + shift), animate=False, force=True)
        self._scroll_cursor_into_view()
        self._last_highlight = None
        self._announce_highlight()
        self.refresh()
        self.refresh_bindings()
        self.post_message(self.Loaded(self, result.count))
        # Pages beyond the screen are fetched once the rows are painted, not while they are.
        self.call_after_refresh(self._schedule_ensure_window)
        self._release_repaints()

    @on(_PageLoaded)
    def _on_page_loaded(self, message: _PageLoaded) -> None:
        self._in_flight.discard(message.page)
        if message.generation != self._generation:
            return
        self._pages[message.page] = message.rows
        self._prune_pages()
        if message.page in self._visible_pages():
            self.refresh()  # a page fetched ahead, off screen, changes nothing drawn
        self._announce_highlight()

    @on(_FetchDone)
    def _on_fetch_done(self, message: _FetchDone) -> None:
        self._fetching = False
        self._in_flight.clear()
        self._schedule_ensure_window()

    @on(_SourceFailed)
    def _on_source_failed(self, message: _SourceFailed) -> None:
        if message.generation != self._generation:
            return
        self._loading = False
        self._error = message.error
        self.refresh()
        self.refresh_bindings()
        self.post_message(self.Failed(self, message.error))
        self._release_repaints()

    # ----------------------------------------------------------------- paging

    def _schedule_ensure_window(self) -> None:
        """Look for missing pages after the current message; called from rendering, so never fetch here."""
        if not self._ensure_scheduled:
            self._ensure_scheduled = True
            self.call_later(self._ensure_window)

    def _visible_pages(self) -> range:
        """Pages with at least one row on screen."""
        count = self._count or 0
        first = self.scroll_offset.y
        last = min(first + self._body_height(), count) - 1
        if last < first:
            return range(0)
        return range(first // self.page_size, last // self.page_size + 1)

    def _ensure_window(self) -> None:
        """Start a fetch worker for the pages on screen (and one page either side) that are not cached."""
        self._ensure_scheduled = False
        source = self._source
        if source is None or self._count is None or self._loading or self._fetching or self._error:
            return
        visible = self._visible_pages()
        if not visible:
            return
        last_page = (self._count - 1) // self.page_size
        candidates = [*visible, visible.stop, visible.start - 1]
        missing = [
            page
            for page in candidates
            if 0 <= page <= last_page and page not in self._pages and page not in self._in_flight
        ]
        if not missing:
            return
        batch = missing[: self.MAX_PAGES_PER_FETCH]
        self._fetching = True
        self._in_flight.update(batch)
        self._fetch_pages(self._generation, source, batch)

    def _window_pages(self) -> set[int]:
        """Pages the list wants in memory now: those on screen, one either side, and the cursor's."""
        visible = self._visible_pages()
        pages = {self.cursor_index // self.page_size}
        if visible:
            pages.update(range(visible.start - 1, visible.stop + 1))
        return pages

    def _prune_pages(self) -> None:
        """Drop the pages farthest from the view and the cursor, keeping at most MAX_CACHED_PAGES.

        Pages of the current window are never dropped (they would be fetched again at once), so a view
        taller than MAX_CACHED_PAGES pages keeps just its window.
        """
        excess = len(self._pages) - self.MAX_CACHED_PAGES
        if excess <= 0:
            return
        window = self._window_pages()
        view_page = self.scroll_offset.y // self.page_size
        cursor_page = self.cursor_index // self.page_size
        droppable = sorted(
            (page for page in self._pages if page not in window),
            key=lambda page: min(abs(page - view_page), abs(page - cursor_page)),
            reverse=True,
        )
        for page in droppable[:excess]:
            del self._pages[page]

    # ----------------------------------------------------------------- cursor and scrolling

    def _body_height(self) -> int:
        """Rows that fit under the header."""
        return max(0, self.scrollable_content_region.height - 1)

    def validate_cursor_index(self, index: int) -> int:
        """Keep the cursor on an existing row."""
        count = self._count or 0
        return min(max(index, 0), max(count - 1, 0))

    def watch_cursor_index(self, old_index: int, new_index: int) -> None:
        """Scroll to the new row and tell the screen."""
        self._scroll_cursor_into_view()
        self._announce_highlight()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling (keys, wheel, scrollbar) may bring rows that are not loaded into view."""
        super().watch_scroll_y(old_value, new_value)
        self._schedule_ensure_window()

    def _scroll_cursor_into_view(self) -> None:
        """Scroll the least needed to show the cursor row under the header."""
        body = max(1, self._body_height())
        top = self.scroll_offset.y
        cursor = self.cursor_index
        if cursor < top:
            self.scroll_to(y=cursor, animate=False, force=True)
        elif cursor >= top + body:
            self.scroll_to(y=cursor - body + 1, animate=False, force=True)

    def _announce_highlight(self) -> None:
        """Post Highlighted for the cursor row once it is loaded, and only when row or index changed."""
        row = self.get_row(self.cursor_index)
        if row is None:
            return
        highlight = (self.cursor_index, row.key)
        if highlight != self._last_highlight:
            self._last_highlight = highlight
            self.post_message(self.Highlighted(self, row.key, self.cursor_index))

    def _select(self, index: int) -> None:
        """Post Selected for the row at `index` if it is loaded."""
        row = self.get_row(index)
        if row is not None:
            self.post_message(self.Selected(self, row.key, index))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out Open and Mark while there is no row to act on."""
        if action in ("select_cursor", "toggle_select"):
            return True if self.row_count and self._error is None else None
        return True

    def action_cursor_up(self) -> None:
        """Move to the previous row."""
        self.cursor_index -= 1

    def action_cursor_down(self) -> None:
        """Move to the next row."""
        self.cursor_index += 1

    def action_cursor_page_up(self) -> None:
        """Move up one screen, keeping the cursor at the same height."""
        body = max(1, self._body_height())
        self.scroll_to(y=self.scroll_offset.y - body, animate=False, force=True)
        self.cursor_index -= body

    def action_cursor_page_down(self) -> None:
        """Move down one screen, keeping the cursor at the same height."""
        body = max(1, self._body_height())
        self.scroll_to(y=self.scroll_offset.y + body, animate=False, force=True)
        self.cursor_index += body

    def action_cursor_first(self) -> None:
        """Go to the first row."""
        self.cursor_index = 0

    def action_cursor_last(self) -> None:
        """Go to the last row."""
        self.cursor_index = self.row_count - 1

    def action_select_cursor(self) -> None:
        """Choose the highlighted row (posts Selected)."""
        self._select(self.cursor_index)

    def action_toggle_select(self) -> None:
        """Mark or unmark the highlighted row."""
        key = self.cursor_key
        if key is None:
            return
        if key in self.selected_keys:
            self.selected_keys.discard(key)
        else:
            self.selected_keys.add(key)
        self.refresh()

    def on_mount(self) -> None:
        """Start loading once there is an app to run the worker."""
        self._started = True
        self.virtual_size = Size(self._table_width(), 1)
        if self._source is not None:
            self.reload()

    def on_unmount(self) -> None:
        """A list removed while it holds the repaints lets them go."""
        self._release_repaints(leaving=True)

    def on_resize(self, event: events.Resize) -> None:
        """A taller view may show rows that are not loaded yet."""
        self._schedule_ensure_window()

    def on_click(self, event: events.Click) -> None:
        """Click highlights a row; a click on the highlighted row (or a double click) selects it."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = self.scroll_offset.y + offset.y - 1
        if not 0 <= index < self.row_count:
            return
        event.stop()
        if index == self.cursor_index:
            self._select(index)
        else:
            self.cursor_index = index

    # ----------------------------------------------------------------- drawing

    def _column_widths(self, total_width: int) -> list[int]:
        """Cell width of each column when the line is `total_width` cells wide."""
        fixed = sum(column.width or 0 for column in self.columns)
        flexible = [i for i, column in enumerate(self.columns) if column.width is None]
        separators = cell_len(self.COLUMN_SEPARATOR) * max(0, len(self.columns) - 1)
        rest = max(0, total_width - self._marker_width() - separators - fixed)
        widths = [max(0, column.width or 0) for column in self.columns]
        for position, i in enumerate(flexible):
            share = rest // len(flexible)
            widths[i] = share + (rest - share * len(flexible) if position == len(flexible) - 1 else 0)
        return widths

    def _marker_width(self) -> int:
        """Marker cell plus one space."""
        return cell_len(self.SELECTED_MARKER) + 1

    def _table_width(self) -> int:
        """Narrowest width that shows every fixed column and one cell of each flexible one."""
        separators = cell_len(self.COLUMN_SEPARATOR) * max(0, len(self.columns) - 1)
        return self._marker_width() + separators + sum(column.width or 1 for column in self.columns)

    def _parse_style(self, style: str) -> Style:
        """Parse a row's style string once (an invalid one counts as no style)."""
        parsed = self._style_cache.get(style)
        if parsed is None:
            try:
                parsed = Style.parse(style)
            except StyleSyntaxError:
                # A bad style from a caller must not take the screen down; the row draws unstyled.
                parsed = Style()
            if len(self._style_cache) > 256:
                self._style_cache.clear()
            self._style_cache[style] = parsed
        return parsed

    @staticmethod
    def _fit(value: str | Text, width: int, align: str) -> Text:
        """Cut `value` to `width` terminal cells (ending in '…' when cut, never splitting a wide character)
        and pad it to exactly `width` cells."""
        text = value.copy() if isinstance(value, Text) else Text(str(value))
        plain = text.plain
        if any(ord(character) < 0x20 or ord(character) == 0x7F for character in plain):
            text.plain = plain.translate(_CONTROL_TO_SPACE)
        text.end = ""
        if width <= 0:
            return Text()
        length = text.cell_len
        if length > width:
            budget = width - 1
            used = 0
            cut = 0
            for character in text.plain:
                character_width = cell_len(character)
                if used + character_width > budget:
                    break
                used += character_width
                cut += 1
            text = text[:cut]
            text.append("…")
            length = used + 1
        padding = " " * (width - length)
        if align == "right":
            text = Text(padding) + text
        else:
            text.append(padding)
        return text

    def _line_text(self, cells: Sequence[str | Text], widths: Sequence[int], marker: str) -> Text:
        """Join marker and cells into one unstyled line."""
        line = Text(no_wrap=True, end="")
        line.append(marker)
        line.append(" ")
        for i, (column, width) in enumerate(zip(self.columns, widths, strict=True)):
            if i:
                line.append(self.COLUMN_SEPARATOR)
            value = cells[i] if i < len(cells) else ""
            line.append_text(self._fit(value, width, column.align))
        return line

    def _to_strip(self, text: Text, width: int, style: Style) -> Strip:
        """Render a line of text under `style`, exactly `width` cells wide."""
        text.stylize_before(style)
        strip = Strip(text.render(self.app.console))
        return strip.adjust_cell_length(width, style)

    def _message_line(self, message: str, style: Style, width: int) -> Strip:
        """A centred one-line message (empty list, error)."""
        text = self._fit(message, width, "left")
        text.rstrip()
        text.pad_left(max(0, (width - text.cell_len) // 2))
        return self._to_strip(text, width, style)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines in `crop`, working out once for all of them the width, the styles and the columns
        (looking up the widget's style walks its ancestors: once per line, it was a third of a frame)."""
        self._paint = _Paint(self)
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def render_line(self, y: int) -> Strip:
        """Draw line `y` of the view: the header at 0, else the row at `scroll_offset.y + y - 1`."""
        paint = self._paint or _Paint(self)
        width = paint.width
        base = paint.base
        if y == 0:
            header = self._line_text([column.label for column in self.columns], paint.widths, " ")
            return self._to_strip(header, width, paint.component("virtual-list--header"))
        body = paint.body
        if self._error is not None:
            if y - 1 == body // 2:
                error = str(self._error) or type(self._error).__name__
                return self._message_line(error, paint.component("virtual-list--error"), width)
            return Strip.blank(width, base)
        if self._count is None:
            return Strip.blank(width, base)
        if self._count == 0:
            if y - 1 == body // 2:
                return self._message_line(self.empty_text, paint.component("virtual-list--empty"), width)
            return Strip.blank(width, base)
        index = self.scroll_offset.y + y - 1
        if index >= self._count:
            return Strip.blank(width, base)
        row = self.get_row(index)
        style = base
        if row is None:
            if index // self.page_size not in self._pages:
                self._schedule_ensure_window()
            line = self._line_text(["…"] * len(self.columns), paint.widths, " ")
            style = paint.component("virtual-list--placeholder")
        else:
            selected = row.key in self.selected_keys
            line = self._line_text(row.cells, paint.widths, self.SELECTED_MARKER if selected else " ")
            if row.style:
                style += self._parse_style(row.style)
            if selected:
                style += paint.component("virtual-list--selected", base=False)
        if index == self.cursor_index:
            # The full style, not the partial one: the theme's cursor colours have alpha, which only the
            # full style blends with the background.
            style += paint.component("virtual-list--cursor", base=False)
        return self._to_strip(line, width, style)


class _Paint:
    """What every line of one paint of a `VirtualList` needs, worked out once per paint."""

    def __init__(self, view: VirtualList) -> None:
        region = view.scrollable_content_region
        self.view = view
        self.width = region.width
        self.body = max(0, region.height - 1)
        self.base = view.rich_style
        self.widths = view._column_widths(self.width)
        self._components: dict[tuple[str, bool], Style] = {}

    def component(self, name: str, base: bool = True) -> Style:
        """The style of component class `name`, over the widget's own (`base`) or alone."""
        style = self._components.get((name, base))
        if style is None:
            style = self.view.get_component_rich_style(name)
            if base:
                style = self.base + style
            self._components[(name, base)] = style
        return style
