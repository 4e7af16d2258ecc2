"""Agenda views on 10k single events + 500 weekly series, in an encrypted store, as ratios to a baseline
measured in the same run (sorting as many tuples as there are rows):

* moving to the next week (budget 50 ms): the services' page for the week (cached per window) and its
  grid layout, in-process; and in the app, from the key l to the end of the frame that paints the new
  week (the worker's page and layout, the grid's lines and the rest of the screen's paint);
* the conflict scan of the next 52 weeks (budget 50 ms): flagging every occurrence in a conflict, from
  the cached occurrences; the cold scan (load and expand 52 weeks) and the listing of every pair with
  `find_conflicts` are printed beside it for context;
* `gmassist agenda --week` against `khal list` for the same week on the same data (budget: faster). khal
  is looked for as $KHAL, then on PATH (`pip install khal`); without it our side is measured alone.

    python benchmarks/bench_agenda_views.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))
from common import answer_times, report, timed, warmed_up

SINGLES = 10_000
SERIES = 500
ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York")
PASSPHRASE = "benchmark passphrase"
WEEK = date(2026, 11, 23)
SHANGHAI = ZoneInfo("Asia/Shanghai")
BASELINE = [1.0]
"""The baseline measured first, for the figures printed later."""


def rows(seed: int = 7) -> list[dict[str, object]]:
    """The same calendar as bench_agenda.py: 10k single events over 2026, 500 weekly series from 2018-2025."""
    rnd = random.Random(seed)
    out: list[dict[str, object]] = []
    year = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(SINGLES):
        start = year + timedelta(minutes=15 * rnd.randrange(365 * 96))
        out.append(
            {
                "id": f"e{i}",
                "title": f"会议 {i}",
                "start": start,
                "end": start + timedelta(minutes=rnd.choice((30, 60, 90))),
                "start_tz": "Asia/Shanghai",
                "end_tz": "Asia/Shanghai",
            }
        )
    for i in range(SERIES):
        name = rnd.choice(ZONES)
        local = datetime(rnd.randint(2018, 2025), rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(8, 17))
        start = local.replace(tzinfo=ZoneInfo(name))
        day = ("MO", "TU", "WE", "TH", "FR")[rnd.randrange(5)]
        out.append(
            {
                "id": f"s{i}",
                "title": f"Weekly {i}",
                "start": start,
                "end": start + timedelta(hours=1),
                "start_tz": name,
                "end_tz": name,
                "rrule": f"FREQ=WEEKLY;BYDAY={day}",
            }
        )
    return out


def build_store(root: Path, calendar: list[dict[str, object]]) -> None:
    """An encrypted store holding the calendar (bulk insert, like the demo generator)."""
    from sqlalchemy import insert

    from gmassist.clock import FrozenClock
    from gmassist.store.models import Event, table_of
    from gmassist.store.store import Store

    now = datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)
    store, _recovery = Store.create(root, passphrase=PASSPHRASE, clock=FrozenClock(now), check_strength=False)
    defaults = {
        "created": now,
        "updated": now,
        "confidential": False,
        "kind": "meeting",
        "all_day": False,
        "location": "",
        "notes": "",
        "rrule": None,
        "exdates": "",
        "series_id": None,
        "recurrence_id": None,
        "reminders": "",
        "uid": None,
        "sequence": 0,
    }
    with store.engine.begin() as connection:
        connection.execute(insert(table_of(Event)), [defaults | row for row in calendar])
    store.close()


def write_vdir(folder: Path, calendar: list[dict[str, object]]) -> None:
    """The same calendar as a vdir (one .ics per event) for khal."""
    folder.mkdir(parents=True)
    for row in calendar:
        start = row["start"]
        end = row["end"]
        assert isinstance(start, datetime) and isinstance(end, datetime)
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//gmassist//bench//EN", "BEGIN:VEVENT"]
        lines.append(f"UID:{row['id']}@bench")
        lines.append(f"SUMMARY:{row['title']}")
        lines.append("DTSTAMP:20261125T000000Z")
        if row.get("rrule"):
            zone = ZoneInfo(str(row["start_tz"]))
            lines.append(f"DTSTART;TZID={row['start_tz']}:{start.astimezone(zone):%Y%m%dT%H%M%S}")
            lines.append(f"DTEND;TZID={row['start_tz']}:{end.astimezone(zone):%Y%m%dT%H%M%S}")
            lines.append(f"RRULE:{row['rrule']}")
        else:
            lines.append(f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}")
            lines.append(f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}")
        lines += ["END:VEVENT", "END:VCALENDAR", ""]
        (folder / f"{row['id']}.ics").write_text("\r\n".join(lines), encoding="utf-8")


KHAL_CONFIG = """[calendars]
[[bench]]
path = {vdir}
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
default_timezone = Asia/Shanghai
local_timezone = Asia/Shanghai
[sqlite]
path = {cache}
"""


def median_runs(commands: list[list[str]], env: dict[str, str], repeat: int = 7) -> list[tuple[float, str]]:
    """Median wall time of each command and its last output, the commands run in turns."""
    samples: list[list[float]] = [[] for _ in commands]
    outputs = [""] * len(commands)
    for _ in range(repeat):
        for index, command in enumerate(commands):
            begin = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            samples[index].append(time.perf_counter() - begin)
            outputs[index] = done.stdout
    return [(statistics.median(times), out) for times, out in zip(samples, outputs, strict=True)]


def median_run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Median wall time of a command and its last output."""
    return median_runs([command], env)[0]


def in_process(root: Path) -> None:
    """Paging and the conflict scan, through the services and the layout code the screen uses."""
    from gmassist.clock import FrozenClock
    from gmassist.config import Settings
    from gmassist.domain.agenda import find_conflicts
    from gmassist.domain.agenda_view import conflict_flags, days_bounds
    from gmassist.services import agenda as service
    from gmassist.services import agenda_read
    from gmassist.store.store import Store
    from gmassist.tui.widgets.agenda_grid import build_grid
    from gmassist.tui.widgets.agenda_list import build_rows

    now = datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)
    store = Store.open(root, passphrase=PASSPHRASE, clock=FrozenClock(now))
    rules = service.policy(Settings(), SHANGHAI)
    rnd = random.Random(1)
    baseline = timed(lambda: sorted((rnd.random(), i) for i in range(SINGLES + SERIES)), 11)
    report("baseline: sort 10.5k tuples", baseline, "baseline", baseline)
    BASELINE[0] = baseline

    def show_week(first: date) -> int:
        start, end = days_bounds(first, 7, SHANGHAI)
        page = service.page(store, start, end, rules)
        build_grid(page, first, 7, SHANGHAI, rules, now, "en")
        build_rows(page, first, SHANGHAI, rules.zone_name, "en")
        return len(page.occurrences)

    begin = time.perf_counter()
    count = show_week(WEEK)
    cold = time.perf_counter() - begin
    report(f"first week shown (cold, {count} occ.)", cold, "baseline", baseline, "context")
    weeks = [WEEK + timedelta(weeks=step) for step in range(1, 5)]
    samples = []
    for first in weeks:
        begin = time.perf_counter()
        show_week(first)
        samples.append(time.perf_counter() - begin)
    report("next week: page + grid layout", statistics.median(samples), "baseline", baseline, "< 0.050 s")

    start, end = days_bounds(now.date(), 52 * 7, SHANGHAI)
    service.invalidate(store)
    begin = time.perf_counter()
    scan = service.scan_conflicts(store, start, end, rules)
    cold_scan = time.perf_counter() - begin
    found = service.occurrences(store, start, end)

    def rescan() -> None:
        agenda_read._cache_of(store).memo.clear()  # keep the expanded year, forget the scan itself
        service.scan_conflicts(store, start, end, rules)

    warm = timed(rescan, 5)
    report(
        f"conflict scan 52 weeks ({len(found)} occ., {len(scan.flagged)} flagged)",
        warm,
        "baseline",
        baseline,
        "< 0.050 s",
    )
    report(
        "  of which flagging",
        timed(lambda: conflict_flags(found, rules.buffer, rules.travel_buffer), 5),
        "baseline",
        baseline,
        "",
    )
    report("  same, cold (load + expand 52 weeks)", cold_scan, "baseline", baseline, "context")
    pairs = timed(lambda: find_conflicts(found, rules.buffer, rules.travel_buffer), 1)
    report("  every pair listed (find_conflicts)", pairs, "baseline", baseline, "context")
    store.close()


async def through_the_screen(root: Path) -> None:
    """Press l on the agenda screen and wait until the next week is drawn."""
    from gmassist.clock import FrozenClock
    from gmassist.config import Settings
    from gmassist.tui.app import GmassistApp
    from gmassist.tui.widgets.agenda_grid import TimeGrid

    clock = FrozenClock(datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI))
    app = GmassistApp(root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(160, 50)) as pilot:

        async def settle() -> None:
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()

        await warmed_up(app, pilot)
        await pilot.press("2")
        await settle()
        screen = app.screen
        grid = screen.query_one(TimeGrid)
        samples, settled = [], []
        for _ in range(8):
            await settle()
            shown = grid.data.columns[0].day if grid.data else None
            times = await answer_times(
                app,
                lambda: app.simulate_key("l"),
                lambda shown=shown: grid.data is not None and grid.data.columns[0].day != shown,
            )
            samples.append(times[0])
            settled.append(times[1])
        app.close_store()
    report(
        "next week: key to grid painted (app)",
        statistics.median(samples),
        "baseline",
        BASELINE[0],
        "< 0.050 s",
    )
    report("  worst of 8", max(samples), "baseline", BASELINE[0], "< 0.050 s")
    report("  until nothing is left to paint", statistics.median(settled), "baseline", BASELINE[0], "context")


def command_line(root: Path, work: Path, calendar: list[dict[str, object]]) -> None:
    """`gmassist agenda --week` against `khal list` for the same week."""
    env = dict(os.environ, GMASSIST_PASSPHRASE=PASSPHRASE, TZ="Asia/Shanghai")
    ours_command = [
        sys.executable,
        "-m",
        "gmassist",
        "--store",
        str(root),
        "agenda",
        "--week",
        WEEK.isoformat(),
    ]
    khal = os.environ.get("KHAL") or shutil.which("khal")
    if khal is None:
        ours, output = median_run(ours_command, env)
        lines = len(output.splitlines()) - 2
        report(f"gmassist agenda --week ({lines} rows)", ours, "gmassist", ours, "faster than khal list")
        print("khal not found (pip install khal, or set KHAL=/path/to/khal): ours measured alone", flush=True)
        breakdown(root, env, ours)
        return
    vdir, cache = work / "vdir", work / "khal.db"
    if not vdir.exists():
        write_vdir(vdir, calendar)
    config = work / "khal.conf"
    config.write_text(KHAL_CONFIG.format(vdir=vdir, cache=cache), encoding="utf-8")
    khal_command = [khal, "-c", str(config), "list", WEEK.isoformat(), "7d"]
    subprocess.run(khal_command, env=env, capture_output=True, text=True, check=True)  # builds its cache
    # In turns, so that a burst of load on this shared machine falls on both sides alike.
    (ours, output), (theirs, khal_output) = median_runs([ours_command, khal_command], env)
    lines = len(output.splitlines()) - 2
    report(
        "khal list (same week, warm cache)", theirs, "khal", theirs, f"{len(khal_output.splitlines())} lines"
    )
    report(f"gmassist agenda --week ({lines} rows)", ours, "khal", theirs, "faster than khal list (< 1.0)")
    breakdown(root, env, theirs)


OPEN_ONLY = """
import sys
from pathlib import Path
from gmassist import services
from gmassist.clock import SystemClock
from gmassist.config import Settings
services.open_reader(Path(sys.argv[1]), Settings(), SystemClock()).close()
"""


def breakdown(root: Path, env: dict[str, str], khal: float) -> None:
    """Where our command's time goes: starting Python with the modules it reads through (the light reader,
    no SQLAlchemy), and opening the store (the passphrase's KDF, SQLCipher)."""
    imports, _out = median_run(
        [
            sys.executable,
            "-c",
            "import gmassist.__main__, gmassist.services.agenda_read, gmassist.store.reader",
        ],
        env,
    )
    opened, _out = median_run([sys.executable, "-c", OPEN_ONLY, str(root)], env)
    report("  python + the modules it reads through", imports, "khal", khal, "context")
    report("  + opening (Argon2id, SQLCipher)", opened, "khal", khal, "context")


def main() -> None:
    """Build the data, then print every figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", metavar="DIR", help="build the store and the vdir here and keep them")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="gmassist-agenda-bench-"))
    try:
        root = work / "store"
        calendar = rows()
        if not (root / "keys.json").exists():
            build_store(root, calendar)
        print(f"rows: {SINGLES} single events + {SERIES} weekly series in an encrypted store", flush=True)
        in_process(root)
        asyncio.run(through_the_screen(root))
        command_line(root, work, calendar)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
