"""Benchmark: time from mounting a list to its first rows drawn, VirtualList against Textual's DataTable.

Run as `python benchmarks/bench_virtual_list.py`. Each case mounts its widget into an already running headless
app and waits until its rows are loaded and the screen painted (`call_after_refresh`, no polling or sleep).
The figure is the median of `RUNS` samples, each in a fresh app, cases taken in turn so that machine noise
hits them alike. The baseline (DataTable with 1k rows) is measured in the same run, and every line prints its
ratio to it: absolute times vary between machines, ratios much less.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

try:
    import gmassist  # noqa: F401
except ImportError:  # run from a checkout without installing: use the working tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from textual.app import App
from textual.widget import Widget
from textual.widgets import DataTable

from gmassist.tui.widgets.virtual_list import Column, Row, VirtualList

RUNS = 5
"""Samples per case; the median is printed."""
SIZE = (120, 40)
"""Terminal size of the headless app."""
BASELINE = "datatable_1k"
"""The case every ratio is relative to."""

COLUMNS = (
    Column("number", "文号", width=14),
    Column("title", "标题 Title"),
    Column("owner", "责任人", width=8),
    Column("due", "Due", width=10, align="right"),
)


def cells(index: int) -> tuple[str, str, str, str]:
    """Synthetic cells of row `index`, Chinese and English mixed like the real lists."""
    title = f"财务总监会议 {index}" if index % 2 else f"Board prep {index}"
    return (f"总办〔2025〕{index}号", title, "张三", f"2025-{index % 12 + 1:02d}-15")


class SyntheticSource:
    """`total` rows computed on demand, as a store would page them; counts the rows fetched."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.rows_fetched = 0
        self._lock = threading.Lock()

    def count(self) -> int:
        return self.total

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        end = min(offset + limit, self.total)
        with self._lock:
            self.rows_fetched += max(0, end - offset)
        return [Row(f"k{i}", cells(i)) for i in range(offset, end)]


class BenchApp(App[None]):
    """An empty app; tells when a VirtualList has loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded = asyncio.Event()
        """Set by the first VirtualList.Loaded."""

    def on_virtual_list_loaded(self, message: VirtualList.Loaded) -> None:
        self.loaded.set()


async def after_refresh(app: App[None]) -> None:
    """Return once every pending message is handled and the screen has been painted."""
    painted = asyncio.Event()
    app.call_after_refresh(painted.set)
    await painted.wait()


def draw(widget: Widget, expected: str) -> None:
    """Draw every visible line, and check that the first row is there."""
    drawn = [widget.render_line(y).text for y in range(widget.size.height)]
    if not any(expected in line for line in drawn):
        raise RuntimeError(f"{type(widget).__name__} did not draw {expected!r}")


async def mount_virtual_list(app: BenchApp, total: int) -> None:
    """Mount a VirtualList over `total` rows and wait until its first rows are painted."""
    source = SyntheticSource(total)
    widget = VirtualList(COLUMNS, source)
    await app.screen.mount(widget)
    await app.loaded.wait()  # the load worker counted and fetched the rows on screen
    await after_refresh(app)
    draw(widget, "Board prep 0")
    if source.rows_fetched > 3 * widget.page_size:
        raise RuntimeError(f"VirtualList fetched {source.rows_fetched} rows")


async def mount_data_table(app: BenchApp, total: int) -> None:
    """Mount a DataTable given `total` rows and wait until its first rows are painted."""
    rows = [cells(i) for i in range(total)]
    widget: DataTable[str] = DataTable()
    await app.screen.mount(widget)
    for column in COLUMNS:
        widget.add_column(column.label, width=column.width, key=column.key)
    widget.add_rows(rows)
    await after_refresh(app)  # DataTable measures the new rows when idle, before this paint
    if widget._require_update_dimensions:
        raise RuntimeError("DataTable painted before measuring its rows")
    draw(widget, "Board prep 0")


async def sample(case: Callable[[BenchApp], Awaitable[None]]) -> float:
    """Seconds from mount to first rows painted, in a fresh headless app (its start-up is not counted)."""
    app = BenchApp()
    async with app.run_test(size=SIZE):
        started = time.perf_counter()
        await case(app)
        return time.perf_counter() - started


CASES: dict[str, Callable[[BenchApp], Awaitable[None]]] = {
    "datatable_1k_mount": lambda app: mount_data_table(app, 1_000),
    "virtual_list_1k_mount": lambda app: mount_virtual_list(app, 1_000),
    "virtual_list_100k_mount": lambda app: mount_virtual_list(app, 100_000),
}


async def main() -> None:
    """Measure every case RUNS times, in turn, and print medians with their ratio to the baseline."""
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    await sample(CASES["virtual_list_1k_mount"])  # warm-up: imports, first worker thread, caches
    for _ in range(RUNS):
        for name, case in CASES.items():
            samples[name].append(await sample(case))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = medians[f"{BASELINE}_mount"]
    print(f"median of {RUNS}, headless {SIZE[0]}x{SIZE[1]}, mount to first rows drawn")
    for name, median in medians.items():
        print(f"{name:<26}{median:7.3f} s   ratio vs {BASELINE}: {median / baseline:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
