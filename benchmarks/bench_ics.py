"""iCalendar import benchmark: a 10k-event .ics imported by gmassist and by `khal import`, in one run.

Run: PYTHONPATH=src python benchmarks/bench_ics.py [--events N]

The file is generated like a Google Calendar export (TZID=Asia/Shanghai and Europe/Berlin, weekly series
with EXDATEs and overrides, all-day events, VALARMs, attendees, Chinese titles). Figures, each with its
ratio to a baseline measured in the same run:

* gmassist: parse + import into an empty store (one transaction, Core executemany), against `khal import
  --batch` of the same file (the budget: at least as fast, ratio <= 1.00); khal absent: our figure only.
* the parse alone, against icalendar's own `Calendar.from_ical` of the same bytes (~220 us/event);
* importing the same file again (every event unchanged), and exporting the store back to .ics.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import report, timed

from gmassist.clock import FrozenClock
from gmassist.domain.ics import parse_ics
from gmassist.services import ics
from gmassist.store.store import Store

ZONE = "Asia/Shanghai"
TITLES = (
    "经营分析会",
    "客户来访接待",
    "部门负责人周会",
    "项目评审",
    "与合作伙伴通话",
    "Board prep",
    "Site visit",
)
PLACES = ("总部 20 层董事会议室", "总部 18 层第一会议室", "Frankfurt, Taunusanlage 12", "线上会议")


GOOGLE_ZONES = """
BEGIN:VTIMEZONE
TZID:Asia/Shanghai
X-LIC-LOCATION:Asia/Shanghai
BEGIN:STANDARD
TZOFFSETFROM:+0800
TZOFFSETTO:+0800
TZNAME:CST
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""
"""The VTIMEZONEs Google writes at the top of an export."""


def fold(line: str) -> str:
    """RFC 5545 folding at 75 octets without splitting characters (as Google does)."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def make_file(events: int, seed: int = 11) -> bytes:
    """A Google-style export with `events` VEVENTs."""
    rnd = random.Random(seed)
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:总经理日程",
        "X-WR-TIMEZONE:Asia/Shanghai",
        *GOOGLE_ZONES.strip().splitlines(),
    ]
    series = events // 20
    for index in range(events):
        day = date(2026, 1, 1) + timedelta(days=rnd.randrange(365))
        hour = rnd.randint(8, 18)
        zone = "Europe/Berlin" if index % 13 == 0 else ZONE
        start = f"{day:%Y%m%d}T{hour:02d}{rnd.choice((0, 30)):02d}00"
        end = f"{day:%Y%m%d}T{hour + 1:02d}{rnd.choice((0, 30)):02d}00"
        title = f"{rnd.choice(TITLES)} 第{index}次"
        body = [
            "BEGIN:VEVENT",
            "DTSTAMP:20261120T080000Z",
            f"UID:bench{index:06d}@google.com",
            "CREATED:20251220T031500Z",
            "LAST-MODIFIED:20260301T020304Z",
            "SEQUENCE:0",
            "STATUS:CONFIRMED",
            f"SUMMARY:{title}",
            f"LOCATION:{rnd.choice(PLACES)}",
            fold(
                f"DESCRIPTION:会议材料见共享盘，请提前十分钟到场。议题：{title}；参会部门：销售、财务、研发。"
            ),
            "TRANSP:OPAQUE",
        ]
        if index % 25 == 7:
            body += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"]
        else:
            body += [f"DTSTART;TZID={zone}:{start}", f"DTEND;TZID={zone}:{end}"]
        if index < series:
            body += [
                "RRULE:FREQ=WEEKLY;WKST=MO;UNTIL=20261231T155959Z",
                f"EXDATE;TZID={zone}:{(day + timedelta(days=14)):%Y%m%d}T{start[9:]}",
            ]
        body += [
            fold(
                "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=王强;X-NUM-GUESTS=0:mailto:wang.qiang@example.com"
            ),
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:This is an event reminder",
            "TRIGGER:-P0DT0H30M0S",
            "END:VALARM",
            "END:VEVENT",
        ]
        lines += body
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def khal_import(path: Path, work: Path) -> float:
    """Seconds `khal import --batch` takes for `path` into a fresh calendar under `work`."""
    (work / "calendar").mkdir(parents=True)
    config = work / "config"
    config.write_text(
        f"[calendars]\n[[bench]]\npath = {work / 'calendar'}\n"
        "[locale]\nlocal_timezone = Asia/Shanghai\ndefault_timezone = Asia/Shanghai\n"
        f"[default]\ndefault_calendar = bench\n[sqlite]\npath = {work / 'khal.db'}\n",
        encoding="utf-8",
    )
    env = {"HOME": str(work), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    started = time.perf_counter()
    subprocess.run(
        ["khal", "-c", str(config), "import", "--batch", "-a", "bench", str(path)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # khal warns about EXDATEs past UNTIL, one line each
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    clock = FrozenClock(datetime(2026, 11, 25, 1, 30, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "bench.ics"
        path.write_bytes(make_file(args.events))
        print(f"{args.events} events, {path.stat().st_size / 1e6:.1f} MB", flush=True)
        stores = [
            Store.create(root / f"store{i}", passphrase="benchmark passphrase", clock=clock)[0]
            for i in range(3)
        ]
        free = list(stores)

        def ours() -> None:
            store = free.pop()
            calendar = parse_ics(path.read_bytes(), ZONE)
            ics.import_calendar(store, calendar)

        ours_seconds = timed(ours, repeat=3)

        def library_parse() -> None:
            from icalendar import Calendar

            Calendar.from_ical(path.read_bytes())

        library = timed(library_parse, repeat=3)
        parse_seconds = timed(lambda: parse_ics(path.read_bytes(), ZONE), repeat=3)
        report("parse (gmassist.domain.ics)", parse_seconds, "icalendar Calendar.from_ical", library)
        again = timed(lambda: ics.import_calendar(stores[0], parse_ics(path.read_bytes(), ZONE)), repeat=1)
        export = timed(lambda: ics.export_calendar(stores[0]), repeat=1)
        if shutil.which("khal"):
            khal = khal_import(path, root / "khal")
            report("import 10k (parse + store)", ours_seconds, "khal import --batch", khal, "<= 1.00")
            report("re-import, all unchanged", again, "khal import --batch", khal)
            report("export the store to .ics", export, "khal import --batch", khal)
        else:
            report("import 10k (parse + store)", ours_seconds, "icalendar Calendar.from_ical", library)
            report("re-import, all unchanged", again, "icalendar Calendar.from_ical", library)
            report("export the store to .ics", export, "icalendar Calendar.from_ical", library)
            print("khal was not found (apt-get install khal): no ratio against khal import", flush=True)
        for store in stores:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
