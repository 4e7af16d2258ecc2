"""Today on a 100k-record demo store: gathering and arranging its rows (what opening the screen waits for),
against reading one page of the agenda table through the store (the cheapest list there is), same run.

    python benchmarks/bench_today.py [--store PATH]   (builds a 100k demo store in a temp folder if none)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import report, timed

from gmassist.clock import SystemClock
from gmassist.config import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store")
    args = parser.parse_args()
    env = os.environ | {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.store) if args.store else Path(tmp) / "demo"
        if not args.store:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "gmassist",
                    "demo",
                    "--store",
                    str(root),
                    "--size",
                    "100000",
                    "--no-tui",
                ],
                check=True,
                capture_output=True,
                env=env,
            )
        from gmassist.services import agenda, today
        from gmassist.store.models import Event, table_of
        from gmassist.store.queries import Window
        from gmassist.store.store import Store

        clock = SystemClock()
        store = Store.open(root, passphrase="gmassist-demo", clock=clock, check=False)
        table = table_of(Event)
        window = Window(store, Event, ["start", "title"], [table.c.start])
        baseline = timed(lambda: (window.count(), window.fetch(0, 50)), repeat=5)

        def cold() -> None:
            agenda.invalidate(store)
            today.rows(store, Settings(), clock.now())

        first = timed(cold, repeat=5)
        warm = timed(lambda: today.rows(store, Settings(), clock.now()), repeat=5)
        report("agenda_page_count_and_50_rows", baseline, "agenda_page", baseline)
        report("today_rows_cold_100k", first, "agenda_page", baseline, "< 300 ms")
        report("today_rows_cached_100k", warm, "agenda_page", baseline, "< 300 ms")
        store.close()


if __name__ == "__main__":
    main()
