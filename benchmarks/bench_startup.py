"""Start-up: process start to an interactive Today screen with its first rows drawn, on a 100k-record store,
against a bare Textual app's process start to first paint, measured in the same run.

    python benchmarks/bench_startup.py [--store PATH]   (builds a 100k demo store in a temp folder if none)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import make_demo_store, report

BARE = """
import sys, time
from textual.app import App
class Bare(App):
    def on_mount(self):
        self.call_after_refresh(self.painted)
    def painted(self):
        print("paint", time.time(), flush=True)
        self.exit()
Bare().run(headless=True, size=(120, 40))
"""

GMASSIST = """
import sys, time
from pathlib import Path
from gmassist.clock import SystemClock
from gmassist.config import Settings
from gmassist.tui.app import GmassistApp
from gmassist.tui.screens.today import TodayScreen

class Timed(GmassistApp):
    interactive = False

    def on_mount(self):
        super().on_mount()
        self.set_interval(0.005, self.ready)

    def ready(self):
        screen = self.screen
        if not isinstance(screen, TodayScreen):
            return
        found = screen.query("#records")
        if not found:
            return
        if not self.interactive:
            self.interactive = True
            self.call_after_refresh(lambda: print("interactive", time.time(), flush=True))
        if found.first().get_row(0) is not None:
            self.call_after_refresh(self.done)

    def done(self):
        print("rows", time.time(), flush=True)
        self.exit()

Timed(Path(sys.argv[1]), Settings(), SystemClock(), passphrase=sys.argv[2]).run(headless=True, size=(120, 40))
"""


def events(code: str, *args: str, repeat: int = 5) -> dict[str, float]:
    """Median seconds from spawning a fresh interpreter running `code` to each event it prints."""
    samples: dict[str, list[float]] = {}
    env = os.environ | {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for _ in range(repeat):
        start = time.time()
        result = subprocess.run(
            [sys.executable, "-c", code, *args], check=True, env=env, capture_output=True, text=True
        )
        for line in result.stdout.splitlines():
            name, _sep, stamp = line.partition(" ")
            samples.setdefault(name, []).append(float(stamp) - start)
    return {name: sorted(values)[len(values) // 2] for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(args.store) if args.store else Path(tmp) / "demo"
        if not args.store:
            make_demo_store(store)
        bare = events(BARE)["paint"]
        ours = events(GMASSIST, str(store), "gmassist-demo")
        report("bare_textual_first_paint", bare, "bare_textual_first_paint", bare)
        report(
            "today_interactive_100k", ours["interactive"], "bare_textual_first_paint", bare, "ratio <= 2.0"
        )
        report("today_first_rows_100k (passphrase)", ours["rows"], "bare_textual_first_paint", bare)


if __name__ == "__main__":
    main()
