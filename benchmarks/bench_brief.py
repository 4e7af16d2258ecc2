"""Weekly brief benchmark: `gmassist brief` on a 100k-record demo store, as ratios to baselines measured in
the same run.

    python benchmarks/bench_brief.py [--store PATH]   (builds a 100k demo store in a temp folder if none;
                                                        a given store must open with gmassist-demo)

Figures:
* brief_written_100k: gathering, rendering and writing the brief to a file, in one process with the
  store open (the budget: under 1 s). Baseline: loading the four big tables whole (event, followup,
  document, card) through SQLAlchemy Core, which is what filtering in SQL with the indexes avoids.
* cli_brief_100k: the whole `gmassist brief -o FILE` process. Baseline: a process that only imports
  gmassist, opens the same store with its passphrase (Argon2id) and closes it, the cost every command
  pays before doing anything.
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
from common import make_demo_store, report, timed

PASSPHRASE = "gmassist-demo"
ENV = os.environ | {
    "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    "GMASSIST_PASSPHRASE": PASSPHRASE,
}
OPEN_ONLY = """
import sys
from gmassist import services
from gmassist.clock import SystemClock
from gmassist.config import Settings
store = services.open_store(__import__("pathlib").Path(sys.argv[1]), Settings(), SystemClock(), check=False)
store.close()
"""


def process_seconds(argv: list[str], repeat: int = 3) -> float:
    """Median wall time of a fresh interpreter running `argv`."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, *argv], check=True, env=ENV, capture_output=True)
        samples.append(time.perf_counter() - start)
    return sorted(samples)[len(samples) // 2]


def in_process(store_path: Path, out: Path) -> tuple[float, float]:
    """(whole-table loads, the brief written to `out`) in seconds, the store opened once."""
    from sqlalchemy import select

    from gmassist.clock import SystemClock
    from gmassist.services import agenda, brief
    from gmassist.store.models import Card, Document, Event, FollowUp, table_of
    from gmassist.store.store import Store

    store = Store.open(store_path, passphrase=PASSPHRASE, check=False)
    clock = SystemClock()
    try:

        def load_all() -> None:
            with store.engine.connect() as connection:
                for model in (Event, FollowUp, Document, Card):
                    connection.execute(select(table_of(model))).all()

        def write_brief() -> None:
            agenda.invalidate(store)  # no help from the agenda's cache: a brief is made once a week
            _data, text = brief.make(store, clock, "zh")
            out.write_text(text, encoding="utf-8")

        write_brief()  # warm the page cache and imports, like the baseline's first run does
        load_all()
        return timed(load_all), timed(write_brief)
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(args.store) if args.store else Path(tmp) / "demo"
        if not args.store:
            make_demo_store(store)
        out = Path(tmp) / "brief.md"
        full_tables, written = in_process(store, out)
        report("load_4_tables_whole_100k", full_tables, "load_4_tables_whole_100k", full_tables)
        report("brief_written_100k", written, "load_4_tables_whole_100k", full_tables, "< 1 s")
        opened = process_seconds(["-c", OPEN_ONLY, str(store)])
        cli = process_seconds(["-m", "gmassist", "--store", str(store), "brief", "-o", str(out)])
        report("process_open_close_100k", opened, "process_open_close_100k", opened)
        report("cli_brief_100k", cli, "process_open_close_100k", opened)
        print(f"(the brief: {len(out.read_text(encoding='utf-8').splitlines())} lines)")


if __name__ == "__main__":
    main()
