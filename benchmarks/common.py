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


def list_loaded(records: Any) -> Callable[[], bool]:
    """For `answer_times`: whether the VirtualList `records` has loaded since this was called."""
    generation = records._generation
    return lambda: records._generation != generation and not records.is_loading


async def answer_times(
    app: Any, action: Callable[[], object], shown: Callable[[], bool]
) -> tuple[float, float]:
    """Run `action` (a keystroke, a view switch) and return two figures, in seconds from the action:

    * shown: until the end of the first frame painted once `shown()` holds (the frame that shows what the
      action asked for: e.g. `list_loaded(records)`, the list's new rows);
    * settled: until the screen has nothing left to paint (e.g. the detail pane of the highlighted row,
      which loads after the rows).

    Frames are noted by wrapping the current screen's paint, for the benchmarks only.
    """
    screen = app.screen
    paint = type(screen)._compositor_refresh
    answered = asyncio.Event()
    rows = 0.0

    def noting_paint() -> None:
        nonlocal rows
        shows = shown()
        paint(screen)
        if shows and not answered.is_set():
            rows = time.perf_counter() - start
            answered.set()

    screen._compositor_refresh = noting_paint
    try:
        start = time.perf_counter()
        action()
        await asyncio.wait_for(answered.wait(), 10)
        settled = asyncio.Event()
        app.call_after_refresh(settled.set)
        await settled.wait()
        return rows, time.perf_counter() - start
    finally:
        del screen._compositor_refresh
