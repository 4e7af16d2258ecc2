"""Helpers shared by the benchmarks: timing and the one output line format."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def timed(func: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time of `repeat` runs of `func`, in seconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def report(name: str, seconds: float, baseline_name: str, baseline: float, budget: str = "") -> None:
    """One line: name, time, ratio to the baseline measured in the same run, and the budget."""
    ratio = seconds / baseline if baseline else float("inf")
    extra = f"   budget: {budget}" if budget else ""
    print(f"{name:<36} {seconds:8.3f} s   ratio vs {baseline_name}: {ratio:5.2f}{extra}", flush=True)


async def warmed_up(app: Any, pilot: Any) -> None:
    """Wait until the app has opened its store and warmed up (`GmassistApp.warm_up`, a couple of seconds
    after opening): measured as the user meets it, and with nothing of the warm-up inside a figure."""
    for _ in range(400):
        if app.warmed.is_set():
            break
        await pilot.pause(0.025)
    else:
        raise RuntimeError("the app did not warm up")
    await app.workers.wait_for_complete()
    await pilot.pause()


def make_demo_store(store: Path, size: int = 100_000) -> None:
    """`gmassist demo --size SIZE --no-tui` into `store`, in a child process (passphrase store, no keyring)."""
    subprocess.run(
        [sys.executable, "-m", "gmassist", "demo", "--store", str(store), "--size", str(size), "--no-tui"],
        check=True,
        capture_output=True,
        env=os.environ | {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )


async def answer_times(app: Any, records: Any, action: Callable[[], object]) -> tuple[float, float]:
    """Run `action` (a keystroke, a view switch) and return two figures, in seconds from the action:

    * rows: until the end of the first frame painted once the list `records` has loaded what the action
      asked for (the frame that shows the new rows);
    * settled: until the screen has nothing left to paint (e.g. the detail pane of the highlighted row,
      which loads after the rows).

    Frames are noted by wrapping the current screen's paint, for the benchmarks only.
    """
    screen = app.screen
    paint = type(screen)._compositor_refresh
    generation = records._generation
    rows_painted = asyncio.Event()
    rows = 0.0

    def noting_paint() -> None:
        nonlocal rows
        shows_rows = records._generation != generation and not records.is_loading
        paint(screen)
        if shows_rows and not rows_painted.is_set():
            rows = time.perf_counter() - start
            rows_painted.set()

    screen._compositor_refresh = noting_paint
    try:
        start = time.perf_counter()
        action()
        await asyncio.wait_for(rows_painted.wait(), 10)
        settled = asyncio.Event()
        app.call_after_refresh(settled.set)
        await settled.wait()
        return rows, time.perf_counter() - start
    finally:
        del screen._compositor_refresh
