"""Agenda expansion benchmark: one week of 10k single events + 500 weekly series, as ratios to a baseline.

Run: PYTHONPATH=src python benchmarks/bench_agenda.py

Machines are noisy, so absolute times mean little: the baseline (sorting as many tuples as there are
rows) is measured in the same run and every figure is also printed as a ratio to it. Also printed, for
context: the same week through the cache (a second visit), and the naive way (dateutil walking every
series from its DTSTART), which is what the anchoring in agenda._rule_starts avoids.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from gmassist.domain.agenda import OccurrenceCache, expand

SINGLES = 10_000
SERIES = 500
ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York")


@dataclass(frozen=True)
class Row:
    """A stand-in for the store's Event row (same attribute names)."""

    id: str
    title: str
    start: datetime
    end: datetime
    kind: str = "meeting"
    start_tz: str = "Asia/Shanghai"
    end_tz: str = "Asia/Shanghai"
    all_day: bool = False
    rrule: str | None = None
    exdates: str = ""
    series_id: str | None = None
    recurrence_id: datetime | None = None
    confidential: bool = False


def make_rows(seed: int = 7) -> list[Row]:
    """10k single events over 2026 and 500 weekly series started between 2018 and 2026."""
    rnd = random.Random(seed)
    rows: list[Row] = []
    year = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(SINGLES):
        start = year + timedelta(minutes=15 * rnd.randrange(365 * 96))
        rows.append(Row(f"e{i}", "event", start, start + timedelta(minutes=rnd.choice((30, 60, 90)))))
    for i in range(SERIES):
        name = rnd.choice(ZONES)
        local = datetime(rnd.randint(2018, 2025), rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(8, 17))
        start = local.replace(tzinfo=ZoneInfo(name))
        day = ("MO", "TU", "WE", "TH", "FR")[rnd.randrange(5)]
        rows.append(
            Row(
                f"s{i}",
                "series",
                start,
                start + timedelta(hours=1),
                start_tz=name,
                end_tz=name,
                rrule=f"FREQ=WEEKLY;BYDAY={day}",
            )
        )
    return rows


def median_ms(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of `action` in milliseconds."""
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        action()
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times)


def naive(rows: list[Row], start: datetime, end: datetime) -> int:
    """The way FACTS measured: tz-aware dateutil rules walked from DTSTART for every window."""
    found = 0
    for row in rows:
        if row.rrule:
            local = row.start.astimezone(ZoneInfo(row.start_tz))
            found += len(du.rrulestr(row.rrule, dtstart=local).between(start, end, inc=True))
        elif row.start < end and row.end > start:
            found += 1
    return found


def main() -> None:
    """Print the figures."""
    rows = make_rows()
    week_start = datetime(2026, 11, 23, tzinfo=ZoneInfo("Asia/Shanghai"))
    week_end = week_start + timedelta(days=7)
    rnd = random.Random(1)
    tuples = [(rnd.random(), i) for i in range(len(rows))]
    expand(rows, week_start, week_end)  # warm the rule parser and zone caches, as a running app would

    baseline = median_ms(lambda: sorted(tuples), 21)
    cold = median_ms(lambda: expand(rows, week_start, week_end), 11)
    cache = OccurrenceCache()
    cache.get(week_start, week_end, 1, lambda _s, _e: rows)
    cached = median_ms(lambda: cache.get(week_start, week_end, 1, lambda _s, _e: rows), 21)
    walked = median_ms(lambda: naive(rows, week_start, week_end), 3)
    count = len(expand(rows, week_start, week_end))

    print(f"rows: {SINGLES} single events + {SERIES} weekly series; one week -> {count} occurrences")
    print(f"baseline  sort {len(tuples)} tuples        {baseline:8.2f} ms   1.0x")
    print(f"expand()  one week                 {cold:8.2f} ms   {cold / baseline:5.1f}x baseline")
    print(f"cache     same week again          {cached:8.3f} ms   {cached / baseline:5.2f}x baseline")
    print(f"naive     dateutil from DTSTART    {walked:8.2f} ms   {walked / baseline:5.1f}x baseline")
    print(f"expand() is {walked / cold:.1f}x faster than walking from DTSTART")


if __name__ == "__main__":
    main()
