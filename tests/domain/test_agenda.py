"""Tests of the agenda's pure rules: expansion across DST, month ends, EXDATE, overrides, series splits,
conflicts and free slots (against brute-force minute-by-minute checks), preparation and trips.

Every datetime is tz-aware; nothing reads the clock. Random cases are seeded (or driven by hypothesis
with a fixed budget) so a failure reproduces.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmassist.domain import holidays
from gmassist.domain.agenda import (
    DEFAULT_PREP_STEPS,
    Conflict,
    Occurrence,
    OccurrenceCache,
    PrepTemplate,
    RuleError,
    Slot,
    all_day_span,
    check_new,
    count_as_until,
    exclude,
    expand,
    find_conflicts,
    format_flight,
    format_rule,
    free_slots,
    is_occurrence,
    nearest_slots,
    override_for,
    parse_rule,
    prep_due,
    prep_flag,
    split_series,
    trip_local_times,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Ev:
    """A stand-in for the store's Event row, with the same attribute names."""

    id: str
    start: datetime
    end: datetime
    title: str = "event"
    kind: str = "meeting"
    start_tz: str = "Asia/Shanghai"
    end_tz: str = "Asia/Shanghai"
    all_day: bool = False
    rrule: str | None = None
    exdates: str = ""
    series_id: str | None = None
    recurrence_id: datetime | None = None
    confidential: bool = False


def event(id: str, start: datetime, length: timedelta = HOUR, *, tz: str | None = None, **fields: Any) -> Ev:
    """An event starting at `start` (aware) lasting `length`, in `tz` (default: start's zone)."""
    name = tz or str(start.tzinfo)
    return Ev(id=id, start=start, end=start + length, start_tz=name, end_tz=name, **fields)


def all_day(id: str, first: date, last: date, zone_name: str, **fields: Any) -> Ev:
    """An all-day event from `first` to `last` (inclusive) in `zone_name`, stored as its local midnights."""
    start, end = all_day_span(first, last, zone_name)
    return Ev(id=id, start=start, end=end, start_tz=zone_name, end_tz=zone_name, all_day=True, **fields)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- daylight saving ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone_name", "first_monday", "summer_from", "winter_from", "winter_utc_hour", "summer_utc_hour"),
    [
        # US: second Sunday of March (8 March 2026), first Sunday of November (1 November 2026).
        ("America/New_York", date(2026, 1, 5), date(2026, 3, 9), date(2026, 11, 2), 14, 13),
        # EU: last Sunday of March (29 March 2026) and of October (25 October 2026).
        ("Europe/Berlin", date(2026, 1, 5), date(2026, 3, 30), date(2026, 10, 26), 8, 7),
    ],
)
def test_weekly_series_keeps_local_time_across_dst(
    zone_name: str,
    first_monday: date,
    summer_from: date,
    winter_from: date,
    winter_utc_hour: int,
    summer_utc_hour: int,
) -> None:
    tz = ZoneInfo(zone_name)
    start = datetime.combine(first_monday, time(9), tzinfo=tz)
    series = event("weekly", start, rrule="FREQ=WEEKLY;BYDAY=MO")
    found = expand([series], utc(2026, 1, 1), utc(2027, 1, 1))
    assert len(found) == 52
    for o in found:
        assert o.local_start().time() == time(9), o
        assert o.local_start().tzinfo == tz or o.start_tz == zone_name
        day = o.local_start().date()
        summer = summer_from <= day < winter_from
        assert o.start.hour == (summer_utc_hour if summer else winter_utc_hour), o
        assert o.duration == HOUR
    # The weeks on either side of each switch, explicitly.
    by_day = {o.local_start().date(): o.start for o in found}
    assert by_day[summer_from - timedelta(days=7)].hour == winter_utc_hour
    assert by_day[summer_from].hour == summer_utc_hour
    assert by_day[winter_from - timedelta(days=7)].hour == summer_utc_hour
    assert by_day[winter_from].hour == winter_utc_hour


def test_daily_series_in_the_spring_gap_uses_the_offset_before_the_gap() -> None:
    """02:30 does not exist in Berlin on 29 March 2026; RFC 5545 reads it with the offset before (03:30 CEST)."""
    series = event("early", datetime(2026, 3, 27, 2, 30, tzinfo=BERLIN), rrule="FREQ=DAILY;COUNT=4")
    found = expand([series], utc(2026, 3, 26), utc(2026, 4, 2))
    assert [o.start for o in found] == [
        utc(2026, 3, 27, 1, 30),
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 30),
        utc(2026, 3, 30, 0, 30),
    ]


def test_flight_beijing_to_frankfurt_on_the_eu_switch_day() -> None:
    """Departs 13:00 Beijing time, lands 17:30 Frankfurt time on 29 March 2026 (CEST from 01:00 UTC).

    IANA has no Europe/Frankfurt: Frankfurt keeps Europe/Berlin time.
    """
    flight = Ev(
        id="lh723",
        title="LH723 PEK-FRA",
        kind="travel",
        start=datetime(2026, 3, 29, 13, 0, tzinfo=SHANGHAI),
        end=datetime(2026, 3, 29, 17, 30, tzinfo=BERLIN),
        start_tz="Asia/Shanghai",
        end_tz="Europe/Berlin",
    )
    depart, land = trip_local_times(flight)
    assert (depart.hour, depart.minute, depart.utcoffset()) == (13, 0, timedelta(hours=8))
    assert (land.hour, land.minute, land.utcoffset()) == (17, 30, timedelta(hours=2))
    assert flight.end - flight.start == timedelta(hours=10, minutes=30)
    (occurrence,) = expand([flight], utc(2026, 3, 29), utc(2026, 3, 30))
    assert occurrence.duration == timedelta(hours=10, minutes=30)
    assert occurrence.local_end().strftime("%H:%M") == "17:30"
    assert format_flight(flight, "Beijing", "Frankfurt") == (
        "Beijing 2026-03-29 13:00 UTC+8 → Frankfurt 2026-03-29 17:30 UTC+2 (10h30m)"
    )


def test_flight_landing_the_next_day_is_marked() -> None:
    flight = Ev(
        id="ca931",
        start=datetime(2026, 6, 1, 23, 50, tzinfo=SHANGHAI),
        end=datetime(2026, 6, 2, 6, 10, tzinfo=BERLIN),
        start_tz="Asia/Shanghai",
        end_tz="Europe/Berlin",
    )
    assert (
        format_flight(flight) == "Shanghai 2026-06-01 23:50 UTC+8 → Berlin 2026-06-02 06:10+1 UTC+2 (12h20m)"
    )


# --- month ends and 29 February -------------------------------------------------------------------------------


def starts_of(rule: str, start: datetime, until: datetime) -> list[date]:
    series = event("s", start, rrule=rule)
    return [o.local_start().date() for o in expand([series], start, until)]


def test_bymonthday_31_skips_short_months() -> None:
    got = starts_of("FREQ=MONTHLY;BYMONTHDAY=31", datetime(2026, 1, 31, 10, tzinfo=SHANGHAI), utc(2027, 1, 1))
    assert got == [date(2026, m, 31) for m in (1, 3, 5, 7, 8, 10, 12)]


def test_monthly_from_the_31st_without_bymonthday_also_skips() -> None:
    """The day is implied by DTSTART; months without a 31st have no occurrence (no rolling to the 30th)."""
    got = starts_of("FREQ=MONTHLY", datetime(2026, 1, 31, 10, tzinfo=SHANGHAI), utc(2027, 1, 1))
    assert got == [date(2026, m, 31) for m in (1, 3, 5, 7, 8, 10, 12)]


def test_bymonthday_30_skips_february_only() -> None:
    got = starts_of("FREQ=MONTHLY;BYMONTHDAY=30", datetime(2026, 1, 30, 10, tzinfo=SHANGHAI), utc(2027, 1, 1))
    assert got == [date(2026, m, 30) for m in range(1, 13) if m != 2]


def test_bymonthday_minus_one_is_the_last_day_of_each_month() -> None:
    got = starts_of("FREQ=MONTHLY;BYMONTHDAY=-1", datetime(2027, 1, 31, 10, tzinfo=SHANGHAI), utc(2029, 1, 1))
    assert date(2027, 2, 28) in got and date(2028, 2, 29) in got
    assert len(got) == 24
    assert all((d + timedelta(days=1)).day == 1 for d in got)


def test_yearly_on_29_february_only_in_leap_years() -> None:
    got = starts_of("FREQ=YEARLY", datetime(2024, 2, 29, 9, tzinfo=SHANGHAI), utc(2037, 1, 1))
    assert got == [date(2024, 2, 29), date(2028, 2, 29), date(2032, 2, 29), date(2036, 2, 29)]


def test_last_day_of_february_every_year() -> None:
    got = starts_of(
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", datetime(2026, 2, 28, 9, tzinfo=SHANGHAI), utc(2029, 1, 1)
    )
    assert got == [date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]


def test_last_friday_of_the_month() -> None:
    got = starts_of("FREQ=MONTHLY;BYDAY=-1FR", datetime(2026, 1, 30, 15, tzinfo=SHANGHAI), utc(2026, 7, 1))
    assert got == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 27),
        date(2026, 4, 24),
        date(2026, 5, 29),
        date(2026, 6, 26),
    ]


def test_last_working_day_of_the_month_with_bysetpos() -> None:
    got = starts_of(
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        datetime(2026, 1, 30, 17, tzinfo=SHANGHAI),
        utc(2026, 6, 1),
    )
    assert got == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 29),
    ]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6",
        "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3",
    ],
)
def test_a_rule_that_never_matches_costs_little(rule: str) -> None:
    """dateutil alone would search such a rule up to the year 9999 (seconds per window)."""
    series = event("never", datetime(2026, 1, 1, 9, tzinfo=SHANGHAI), rrule=rule)
    assert expand([series], utc(2026, 1, 1), utc(2026, 12, 31)) == []  # speed: benchmarks/bench_agenda.py


# --- EXDATE and overrides -------------------------------------------------------------------------------------


def weekly_ny() -> Ev:
    return event("board", datetime(2026, 2, 2, 9, tzinfo=NEW_YORK), rrule="FREQ=WEEKLY;BYDAY=MO")


def test_exdate_removes_one_occurrence() -> None:
    series = weekly_ny()
    gone = datetime(2026, 3, 9, 9, tzinfo=NEW_YORK)
    before = expand([series], utc(2026, 3, 1), utc(2026, 3, 31))
    assert gone in [o.start for o in before]
    exdates = exclude(series, gone)
    assert exdates == "2026-03-09T13:00:00+00:00"
    after = expand([replace(series, exdates=exdates)], utc(2026, 3, 1), utc(2026, 3, 31))
    assert [o.start for o in after] == [o.start for o in before if o.start != gone]
    assert exclude(replace(series, exdates=exdates), gone) == exdates  # no duplicate


@pytest.mark.parametrize("written", ["2026-03-09T09:00:00", "2026-03-09T09:00:00-04:00", "2026-03-09"])
def test_exdate_forms(written: str) -> None:
    """Naive EXDATEs are read in the series' zone; a bare date removes that local day's occurrence."""
    series = replace(weekly_ny(), exdates=written)
    got = [o.local_start().date() for o in expand([series], utc(2026, 3, 1), utc(2026, 3, 31))]
    assert got == [date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 23), date(2026, 3, 30)]


def test_exclude_refuses_a_time_that_is_not_an_occurrence() -> None:
    with pytest.raises(ValueError):
        exclude(weekly_ny(), datetime(2026, 3, 10, 9, tzinfo=NEW_YORK))


def test_override_moves_one_occurrence() -> None:
    series = weekly_ny()
    original = datetime(2026, 3, 16, 9, tzinfo=NEW_YORK)
    draft = override_for(series, original, start=datetime(2026, 3, 17, 14, tzinfo=NEW_YORK), title="moved")
    assert draft.end - draft.start == HOUR
    moved = Ev(id="ov1", **draft.as_fields())
    found = expand([series, moved], utc(2026, 3, 1), utc(2026, 3, 31))
    starts = [o.local_start().replace(tzinfo=None) for o in found]
    assert datetime(2026, 3, 16, 9) not in starts
    assert datetime(2026, 3, 17, 14) in starts
    (o,) = [o for o in found if o.is_override]
    assert (o.event_id, o.series_id, o.title, o.original_start) == ("ov1", "board", "moved", original)
    assert o.key == ("board", original)


def test_override_moved_out_of_the_window_still_hides_the_original() -> None:
    series = weekly_ny()
    original = datetime(2026, 3, 16, 9, tzinfo=NEW_YORK)
    moved = Ev(
        id="ov", **override_for(series, original, start=datetime(2026, 4, 20, 9, tzinfo=NEW_YORK)).as_fields()
    )
    week = expand(
        [series, moved], datetime(2026, 3, 16, tzinfo=NEW_YORK), datetime(2026, 3, 23, tzinfo=NEW_YORK)
    )
    assert week == []
    later = expand(
        [series, moved], datetime(2026, 4, 20, tzinfo=NEW_YORK), datetime(2026, 4, 21, tzinfo=NEW_YORK)
    )
    assert [o.event_id for o in later] == ["board", "ov"]


def test_override_for_refuses_a_time_that_is_not_an_occurrence() -> None:
    with pytest.raises(ValueError):
        override_for(weekly_ny(), datetime(2026, 3, 16, 10, tzinfo=NEW_YORK))


def test_changing_one_later_occurrence_leaves_earlier_ones_alone() -> None:
    series = weekly_ny()
    window = (utc(2026, 2, 1), utc(2026, 12, 31))
    before = expand([series], *window)
    tenth = before[9]
    moved = Ev(id="ov", **override_for(series, tenth.start, start=tenth.start + 2 * HOUR).as_fields())
    after = expand([series, moved], *window)
    assert after[:9] == before[:9]
    assert after[9].is_override and after[9].start == tenth.start + 2 * HOUR
    assert after[10:] == before[10:]


# --- this and following ---------------------------------------------------------------------------------------


def apply_split(series: Ev, at: datetime, shift: timedelta = timedelta(0)) -> list[Ev]:
    """The rows after "this and following" (optionally moving the new part by `shift`)."""
    split = split_series(series, at)
    rows = []
    if split.truncated_rule is not None:
        rows.append(replace(series, rrule=split.truncated_rule, exdates=split.truncated_exdates))
    rows.append(
        replace(
            series,
            id=series.id + "-2",
            rrule=split.new_rule,
            exdates=split.new_exdates,
            start=split.new_start + shift,
            end=split.new_end + shift,
        )
    )
    return rows


def test_split_this_and_following_keeps_the_past_across_dst() -> None:
    series = weekly_ny()
    window = (utc(2026, 1, 1), utc(2027, 1, 1))
    before = expand([series], *window)
    at = before[12].start  # 27 April, summer time
    split = split_series(series, at)
    assert split.truncated_rule == "FREQ=WEEKLY;UNTIL=20260427T125959Z;BYDAY=MO"
    assert split.new_rule == "FREQ=WEEKLY;BYDAY=MO"
    assert (split.new_start, split.new_end) == (at, at + HOUR)
    after = expand(apply_split(series, at, shift=HOUR), *window)
    assert [(o.start, o.end, o.event_id) for o in after[:12]] == [
        (o.start, o.end, o.event_id) for o in before[:12]
    ]
    assert all(o.local_start().hour == 10 and o.event_id == "board-2" for o in after[12:])
    assert len(after) == len(before)


def test_split_a_count_rule_moves_the_remaining_count() -> None:
    series = replace(weekly_ny(), rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=10")
    before = expand([series], utc(2026, 1, 1), utc(2027, 1, 1))
    assert len(before) == 10
    split = split_series(series, before[3].start)
    assert split.truncated_rule == "FREQ=WEEKLY;COUNT=3;BYDAY=MO"
    assert split.new_rule == "FREQ=WEEKLY;COUNT=7;BYDAY=MO"
    after = expand(apply_split(series, before[3].start), utc(2026, 1, 1), utc(2027, 1, 1))
    assert [o.start for o in after] == [o.start for o in before]
    assert [o.event_id for o in after] == ["board"] * 3 + ["board-2"] * 7


def test_split_at_the_first_occurrence_replaces_the_whole_series() -> None:
    series = weekly_ny()
    split = split_series(series, series.start)
    assert split.truncated_rule is None


def test_split_moves_later_exdates_and_overrides() -> None:
    series = replace(weekly_ny(), exdates="2026-02-16T14:00:00+00:00,2026-05-04T13:00:00+00:00")
    at = datetime(2026, 4, 6, 9, tzinfo=NEW_YORK)
    early = Ev(id="ov-early", **override_for(series, datetime(2026, 3, 2, 9, tzinfo=NEW_YORK)).as_fields())
    late = Ev(id="ov-late", **override_for(series, datetime(2026, 4, 13, 9, tzinfo=NEW_YORK)).as_fields())
    split = split_series(series, at, overrides=[early, late])
    assert split.truncated_exdates == "2026-02-16T14:00:00+00:00"
    assert split.new_exdates == "2026-05-04T13:00:00+00:00"
    assert split.moved_override_ids == ("ov-late",)


def test_split_an_all_day_series_ends_the_old_part_with_a_date() -> None:
    series = all_day(
        "gym", date(2026, 3, 2), date(2026, 3, 2), "America/New_York", kind="personal", rrule="FREQ=WEEKLY"
    )
    occurrences = expand([series], utc(2026, 3, 1), utc(2026, 4, 1))
    split = split_series(series, occurrences[2].start)
    assert split.truncated_rule == "FREQ=WEEKLY;UNTIL=20260315"
    after = expand(apply_split(series, occurrences[2].start), utc(2026, 3, 1), utc(2026, 4, 1))
    assert [o.start for o in after] == [o.start for o in occurrences]


def test_split_refuses_a_time_that_is_not_an_occurrence() -> None:
    with pytest.raises(ValueError):
        split_series(weekly_ny(), datetime(2026, 4, 7, 9, tzinfo=NEW_YORK))


def test_count_as_until_gives_the_same_instances() -> None:
    """What calendar files with EXDATEs carry instead of COUNT (calcurse counts COUNT after the EXDATEs)."""
    timed = event("t", datetime(2026, 3, 2, 9, tzinfo=NEW_YORK), rrule="FREQ=WEEKLY;COUNT=4;BYDAY=MO")
    assert count_as_until(timed) == "FREQ=WEEKLY;UNTIL=20260323T130000Z;BYDAY=MO"  # EDT after 8 March
    year = (utc(2026, 1, 1), utc(2027, 1, 1))
    rewritten = replace(timed, rrule=count_as_until(timed))
    assert [o.start for o in expand([rewritten], *year)] == [o.start for o in expand([timed], *year)]
    daily = all_day("d", date(2026, 3, 2), date(2026, 3, 2), "Europe/Berlin", rrule="FREQ=DAILY;COUNT=3")
    assert count_as_until(daily) == "FREQ=DAILY;UNTIL=20260304"
    assert count_as_until(weekly_ny()) == "FREQ=WEEKLY;BYDAY=MO"


# --- all-day events -------------------------------------------------------------------------------------------


def test_all_day_event_spans_local_midnights_even_on_a_dst_day() -> None:
    day = all_day("d", date(2026, 3, 8), date(2026, 3, 8), "America/New_York")
    (o,) = expand([day], utc(2026, 3, 8), utc(2026, 3, 9))
    assert o.local_start() == datetime(2026, 3, 8, tzinfo=NEW_YORK)
    assert o.local_end() == datetime(2026, 3, 9, tzinfo=NEW_YORK)
    assert o.duration == timedelta(hours=23)


def test_all_day_weekly_series_stays_on_local_midnight() -> None:
    series = all_day(
        "trip", date(2026, 10, 19), date(2026, 10, 20), "Europe/Berlin", kind="travel", rrule="FREQ=WEEKLY"
    )
    found = expand([series], utc(2026, 10, 1), utc(2026, 11, 8))
    assert [o.local_start().date() for o in found] == [
        date(2026, 10, 19),
        date(2026, 10, 26),
        date(2026, 11, 2),
    ]
    assert all(o.local_start().time() == time(0) and o.local_end().time() == time(0) for o in found)
    assert [o.duration for o in found] == [timedelta(hours=48), timedelta(hours=48), timedelta(hours=48)]
    assert all(o.busy for o in found)


# --- rules: parsing, errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=WEEKLY;BYDAY=MO,WE",
        "FREQ=MONTHLY;COUNT=5;INTERVAL=2;BYDAY=-1FR",
        "FREQ=YEARLY;UNTIL=20301231T235959Z;BYMONTH=2;BYMONTHDAY=-1",
        "FREQ=DAILY;UNTIL=20300101;BYHOUR=9,14;BYMINUTE=30",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;WKST=SU;X-NAME=KEEP",
    ],
)
def test_rule_round_trip(text: str) -> None:
    assert format_rule(parse_rule(text)) == text
    assert parse_rule("RRULE:" + text) == parse_rule(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "BYDAY=MO",
        "FREQ=FORTNIGHTLY",
        "FREQ=WEEKLY;FREQ=DAILY",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=WEEKLY;INTERVAL=0",
        "FREQ=WEEKLY;UNTIL=tomorrow",
        "FREQ=WEEKLY;COLOUR=RED",
        "FREQ=MINUTELY",
        "FREQ=MONTHLY;BYWEEKNO=20",
    ],
)
def test_bad_rules_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(RuleError):
        parse_rule(text)


def test_a_bad_row_can_be_reported_and_skipped() -> None:
    good = event("ok", datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))
    bad = event("bad", datetime(2026, 3, 2, 9, tzinfo=SHANGHAI), rrule="FREQ=SOMETIMES")
    with pytest.raises(RuleError):
        expand([good, bad], utc(2026, 3, 1), utc(2026, 3, 8))
    reported: list[str] = []
    found = expand(
        [good, bad], utc(2026, 3, 1), utc(2026, 3, 8), on_error=lambda e, _x: reported.append(e.id)
    )
    assert [o.event_id for o in found] == ["ok"] and reported == ["bad"]


def test_naive_window_is_refused() -> None:
    with pytest.raises(ValueError):
        expand([], datetime(2026, 3, 1), utc(2026, 3, 8))


def test_store_rows_can_be_passed_directly() -> None:
    """The SQLModel Event row fits EventLike (this test may import the store; the domain may not)."""
    from gmassist.store.models import Event

    now = utc(2026, 3, 1)
    row = Event(
        title="周例会",
        start=datetime(2026, 3, 2, 9, tzinfo=SHANGHAI),
        end=datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
        rrule="FREQ=WEEKLY;BYDAY=MO",
        created=now,
        updated=now,
    )
    found = expand([row], utc(2026, 3, 1), utc(2026, 3, 31))
    assert [o.local_start().day for o in found] == [2, 9, 16, 23, 30]
    assert found[0].title == "周例会" and found[0].series_id == row.id


# --- expansion agrees with dateutil walking from DTSTART ------------------------------------------------------


ZONES = ("UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@st.composite
def rules(draw: st.DrawFn) -> tuple[str, datetime, str]:
    """A random RRULE (never an impossible one, which dateutil itself would search to the year 9999),
    a DTSTART and a zone."""
    zone_name = draw(st.sampled_from(ZONES))
    local = datetime(
        draw(st.integers(2018, 2026)),
        draw(st.integers(1, 12)),
        draw(st.integers(1, 28)),
        draw(st.integers(0, 23)),
        draw(st.sampled_from((0, 15, 30, 45))),
    )
    if draw(st.integers(0, 20)) == 0:
        local = local.replace(month=2, day=29, year=2024)
    freq = draw(st.sampled_from(("DAILY", "WEEKLY", "WEEKLY", "MONTHLY", "MONTHLY", "YEARLY", "HOURLY")))
    parts = [f"FREQ={freq}"]
    end = draw(st.sampled_from(("none", "count", "until")))
    if end == "count":
        parts.append(f"COUNT={draw(st.integers(1, 40))}")
    elif end == "until":
        until = local + timedelta(days=draw(st.integers(0, 900)))
        parts.append(
            "UNTIL=" + until.replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        )
    interval = draw(st.integers(1, 4))
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    if freq == "HOURLY":
        if draw(st.booleans()):
            parts.append(
                "BYHOUR="
                + ",".join(map(str, sorted(draw(st.sets(st.integers(0, 23), min_size=1, max_size=4)))))
            )
        return ";".join(parts), local, zone_name
    day_rule = draw(st.sampled_from(("none", "byday", "bymonthday", "nth")))
    if day_rule == "byday":
        chosen = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=4)))
        parts.append("BYDAY=" + ",".join(DAYS[d] for d in chosen))
    elif day_rule == "bymonthday":
        chosen = draw(st.sets(st.sampled_from((1, 5, 15, 28, 29, 30, 31, -1, -2)), min_size=1, max_size=3))
        parts.append("BYMONTHDAY=" + ",".join(map(str, sorted(chosen))))
    elif day_rule == "nth" and freq in ("MONTHLY", "YEARLY"):
        parts.append(f"BYDAY={draw(st.sampled_from((1, 2, -1)))}{DAYS[draw(st.integers(0, 6))]}")
    if freq in ("DAILY", "WEEKLY", "YEARLY") and day_rule != "bymonthday" and draw(st.booleans()):
        months = sorted(draw(st.sets(st.integers(1, 12), min_size=1, max_size=6)))
        parts.append("BYMONTH=" + ",".join(map(str, months)))
    if draw(st.integers(0, 3)) == 0:
        parts.append(
            "BYHOUR=" + ",".join(map(str, sorted(draw(st.sets(st.sampled_from((8, 9, 14)), min_size=1)))))
        )
    if day_rule in ("byday", "bymonthday") and draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.sampled_from(('1', '-1', '1,-1')))}")
    if draw(st.integers(0, 5)) == 0:
        parts.append("WKST=SU")
    return ";".join(parts), local, zone_name


def reference(series: Ev, window_start: datetime, window_end: datetime) -> list[tuple[datetime, datetime]]:
    """What dateutil gives walking from DTSTART with a tz-aware start (the slow, obvious way)."""
    tz = ZoneInfo(series.start_tz)
    dtstart = series.start.astimezone(tz).replace(microsecond=0)
    length = series.end - series.start
    out = []
    try:
        rule = du.rrulestr("RRULE:" + (series.rrule or ""), dtstart=dtstart)
    except ValueError:  # dateutil refuses some rules that can never match ("empty set"): none, then
        return []
    for start in rule:
        if start >= window_end:
            break
        start_utc = start.astimezone(UTC)
        touches = start_utc + length > window_start if length else start_utc >= window_start
        if start_utc < window_end and touches:
            out.append((start_utc, start_utc + length))
    return out


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rule=rules(),
    offset_days=st.integers(-40, 3000),
    window_days=st.integers(1, 45),
    length_minutes=st.sampled_from((0, 30, 60, 150, 1500)),
)
def test_expand_agrees_with_dateutil(
    rule: tuple[str, datetime, str], offset_days: int, window_days: int, length_minutes: int
) -> None:
    text, local, zone_name = rule
    start = local.replace(tzinfo=ZoneInfo(zone_name))
    series = event("s", start, timedelta(minutes=length_minutes), tz=zone_name, rrule=text)
    window_start = (start + timedelta(days=offset_days)).astimezone(UTC)
    window_end = window_start + timedelta(days=window_days)
    got = [(o.start, o.end) for o in expand([series], window_start, window_end)]
    assert got == reference(series, window_start, window_end)


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rule=rules(), pick=st.integers(0, 30))
def test_split_never_changes_the_set_of_occurrences(rule: tuple[str, datetime, str], pick: int) -> None:
    text, local, zone_name = rule
    start = local.replace(tzinfo=ZoneInfo(zone_name))
    series = event("s", start, timedelta(minutes=45), tz=zone_name, rrule=text)
    window = (start.astimezone(UTC), start.astimezone(UTC) + timedelta(days=1200))
    before = expand([series], *window)
    if not before:
        return
    at = before[min(pick, len(before) - 1)]
    after = expand(apply_split(series, at.start), *window)
    assert [(o.start, o.end) for o in after] == [(o.start, o.end) for o in before]
    assert all(o.event_id == "s" for o in after if o.start < at.start)
    assert all(o.event_id == "s-2" for o in after if o.start >= at.start)
    assert is_occurrence(series, at.start)


# --- the cache ---------------------------------------------------------------------------------------------


def test_cache_does_not_re_expand_a_visited_week_and_forgets_on_a_new_version() -> None:
    rows = [weekly_ny(), event("one", datetime(2026, 3, 11, 15, tzinfo=NEW_YORK))]
    loads: list[tuple[datetime, datetime]] = []

    def load(start: datetime, end: datetime) -> list[Ev]:
        loads.append((start, end))
        return rows

    cache = OccurrenceCache()
    week1 = (datetime(2026, 3, 9, tzinfo=NEW_YORK), datetime(2026, 3, 16, tzinfo=NEW_YORK))
    week2 = (week1[1], week1[1] + timedelta(days=7))
    first = cache.get(*week1, 1, load)
    cache.get(*week2, 1, load)
    again = cache.get(*week1, 1, load)  # back a week: no expansion
    assert again == first == expand(rows, *week1)
    assert len(loads) == 2 and (cache.hits, cache.misses) == (1, 2)
    day = (datetime(2026, 3, 11, tzinfo=NEW_YORK), datetime(2026, 3, 12, tzinfo=NEW_YORK))
    assert cache.get(*day, 1, load) == expand(rows, *day)  # cut from the remembered week
    assert len(loads) == 2
    rows.append(event("new", datetime(2026, 3, 12, 10, tzinfo=NEW_YORK)))
    assert [o.event_id for o in cache.get(*week1, 2, load)] == ["board", "one", "new"]
    assert len(loads) == 3
    cache.invalidate()
    cache.get(*week1, 2, load)
    assert len(loads) == 4


@pytest.mark.parametrize("seed", range(20))
def test_a_cut_from_the_cache_is_the_expansion_of_the_cut(seed: int) -> None:
    """Cuts by bisection agree with expanding the smaller window: long events starting well before it,
    zero-length ones on its edges, and events ending exactly where it starts."""
    rnd = random.Random(seed)
    base = utc(2026, 3, 1)
    rows = [
        event(
            f"e{i}",
            base + timedelta(minutes=15 * rnd.randrange(4 * 24 * 28)),
            timedelta(minutes=rnd.choice([0, 0, 15, 60, 90, 60 * 24, 60 * 24 * 9])),
            tz="UTC",
        )
        for i in range(rnd.randint(0, 120))
    ]
    rows.append(event("weekly", base, HOUR, tz="UTC", rrule="FREQ=WEEKLY"))
    cache = OccurrenceCache()
    cache.get(base, base + timedelta(days=28), 1, lambda _start, _end: rows)
    for _ in range(10):
        start = base + timedelta(minutes=15 * rnd.randrange(4 * 24 * 27))
        end = min(start + timedelta(minutes=15 * rnd.randrange(1, 4 * 24 * 3)), base + timedelta(days=28))
        assert cache.get(start, end, 1, lambda _start, _end: []) == expand(rows, start, end)
    assert cache.misses == 1


# --- conflicts -----------------------------------------------------------------------------------------------


def occ(id: str, start: datetime, minutes: int, kind: str = "meeting", all_day: bool = False) -> Occurrence:
    s = start.astimezone(UTC)
    return Occurrence(id, None, s, s + timedelta(minutes=minutes), all_day, id, kind, False, s)


T9 = datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)


def test_overlap_and_tight_and_travel_buffer() -> None:
    a = occ("a", T9, 60)
    b = occ("b", T9 + timedelta(minutes=30), 60)
    c = occ("c", T9 + timedelta(minutes=95), 30)  # 5 minutes after b
    flight = occ("flight", T9 + timedelta(minutes=170), 120, kind="travel")  # 45 minutes after c
    found = find_conflicts(
        [flight, c, b, a], buffer=timedelta(minutes=10), travel_buffer=timedelta(minutes=60)
    )
    summary = [(x.a.event_id, x.b.event_id, x.kind, x.overlap_minutes, x.gap_minutes) for x in found]
    # a-c are 35 minutes apart and b-flight 80: enough. c-flight's 45 minutes are short of the travel hour.
    assert summary == [
        ("a", "b", "overlap", 30, 0),
        ("b", "c", "tight", 0, 5),
        ("c", "flight", "tight", 0, 45),
    ]
    assert (
        find_conflicts([c, replace(flight, kind="meeting")], timedelta(minutes=10), timedelta(minutes=60))
        == []
    )


def test_back_to_back_is_tight_only_with_a_buffer() -> None:
    a, b = occ("a", T9, 60), occ("b", T9 + HOUR, 60)
    assert find_conflicts([a, b]) == []
    (c,) = find_conflicts([a, b], buffer=timedelta(minutes=5))
    assert (c.kind, c.gap) == ("tight", timedelta(0))


def test_all_day_travel_is_busy_other_all_day_events_are_not() -> None:
    start, end = all_day_span(date(2026, 3, 2), date(2026, 3, 2), "Asia/Shanghai")
    meeting = occ("m", T9, 60)
    travel = Occurrence("t", None, start, end, True, "t", "travel", False, start)
    personal = replace(travel, event_id="p", kind="personal")
    focus = replace(travel, event_id="f", kind="focus")
    found = find_conflicts([meeting, travel, personal, focus])
    assert [(c.a.event_id, c.b.event_id, c.kind) for c in found] == [("t", "m", "overlap")]


def test_zero_length_reminders_never_conflict() -> None:
    assert (
        find_conflicts([occ("m", T9, 60), occ("r", T9 + timedelta(minutes=10), 0)], timedelta(minutes=10))
        == []
    )


def test_check_new_ignores_the_event_being_edited_and_the_occurrence_replaced() -> None:
    existing = [occ("a", T9, 60), occ("b", T9 + 2 * HOUR, 60)]
    edited = occ("a", T9 + timedelta(minutes=90), 60)  # same row, moved
    (c,) = check_new([edited], existing, buffer=timedelta(minutes=10))
    assert (c.a.event_id, c.b.event_id, c.kind) == ("a", "b", "overlap")
    fresh = occ("new", T9 + timedelta(minutes=30), 30)
    assert [(c.a.event_id, c.b.event_id) for c in check_new([fresh], existing)] == [("a", "new")]
    series_occurrence = Occurrence("s", "s", T9, T9 + HOUR, False, "s", "meeting", False, T9)
    override = Occurrence(
        "ov", "s", T9 + timedelta(minutes=15), T9 + 2 * HOUR, False, "s", "meeting", True, T9
    )
    assert check_new([override], [series_occurrence]) == []
    assert check_new([fresh], [series_occurrence], ignore_event_ids={"s"}) == []


def random_calendar(rnd: random.Random, base: datetime, count: int, span_minutes: int) -> list[Occurrence]:
    """Random single events (some all-day, some zero-length, some travel), expanded like the app does."""
    rows = []
    for i in range(count):
        kind = rnd.choice(("meeting", "meeting", "visit", "travel", "focus", "personal"))
        if rnd.random() < 0.1:
            day = (base + timedelta(minutes=rnd.randrange(span_minutes))).astimezone(SHANGHAI).date()
            start, end = all_day_span(day, day, "Asia/Shanghai")
            rows.append(Ev(f"e{i}", start, end, kind=kind, all_day=True))
        else:
            start = base + timedelta(minutes=rnd.randrange(span_minutes))
            length = timedelta(minutes=rnd.choice((0, 15, 30, 45, 60, 90, 120, 240)))
            rows.append(Ev(f"e{i}", start, start + length, kind=kind))
    return expand(rows, base - timedelta(days=2), base + timedelta(minutes=span_minutes) + timedelta(days=2))


def minutes_mask(start: datetime, end: datetime, origin: datetime) -> int:
    """The minutes [start, end) as bits counted from `origin` (all times here are whole minutes)."""
    first = int((start - origin) / MINUTE)
    last = int((end - origin) / MINUTE)
    return ((1 << last) - 1) ^ ((1 << first) - 1) if last > first else 0


def brute_conflicts(
    occurrences: Sequence[Occurrence], buffer: int, travel: int, origin: datetime
) -> set[tuple[frozenset[str], str, int, int]]:
    """Conflicts decided minute by minute: shared busy minutes, or a busy minute within the buffer."""
    busy = [o for o in occurrences if o.end > o.start and (not o.all_day or o.kind == "travel")]
    out = set()
    for i, a in enumerate(busy):
        for b in busy[i + 1 :]:
            ma, mb = minutes_mask(a.start, a.end, origin), minutes_mask(b.start, b.end, origin)
            shared = (ma & mb).bit_count()
            pair = frozenset((a.event_id, b.event_id))
            if shared:
                out.add((pair, "overlap", shared, 0))
                continue
            need = travel if "travel" in (a.kind, b.kind) else buffer
            need = max(need, buffer)
            widened = minutes_mask(a.start - need * MINUTE, a.end + need * MINUTE, origin)
            if widened & mb:
                first, second = (a, b) if a.start <= b.start else (b, a)
                between = minutes_mask(first.end, second.start, origin).bit_count()
                out.add((pair, "tight", 0, between))
    return out


def test_conflicts_agree_with_a_minute_by_minute_check() -> None:
    rnd = random.Random(20260302)
    origin = datetime(2026, 2, 27, tzinfo=SHANGHAI)  # before anything, all-day spans included
    base = datetime(2026, 3, 2, 6, tzinfo=SHANGHAI)
    for _case in range(300):
        occurrences = random_calendar(rnd, base, rnd.randint(2, 25), 2 * 24 * 60)
        buffer, travel = rnd.choice((0, 5, 10, 30)), rnd.choice((0, 30, 60, 90))
        got = find_conflicts(occurrences, timedelta(minutes=buffer), timedelta(minutes=travel))
        summary = {
            (frozenset((c.a.event_id, c.b.event_id)), c.kind, c.overlap_minutes, c.gap_minutes) for c in got
        }
        assert len(summary) == len(got)
        assert summary == brute_conflicts(occurrences, buffer, travel, origin)
        assert all(c.a.start <= c.b.start for c in got)


def test_conflict_sweep_scales() -> None:
    rnd = random.Random(5)
    base = utc(2026, 1, 1)
    many = [occ(f"e{i}", base + timedelta(minutes=15 * rnd.randrange(365 * 40)), 60) for i in range(20_000)]
    found = find_conflicts(many, timedelta(minutes=10))  # speed: benchmarks/bench_agenda_views.py
    assert found and all(c.a.start <= c.b.start for c in found)


# --- free slots ------------------------------------------------------------------------------------------------


def test_free_slots_respect_buffer_granularity_and_working_hours() -> None:
    busy = [occ("a", T9, 60), occ("b", T9 + timedelta(minutes=110), 70)]  # 09:00-10:00, 10:50-12:00
    slots = free_slots(
        busy,
        timedelta(minutes=30),
        datetime(2026, 3, 2, tzinfo=SHANGHAI),
        datetime(2026, 3, 3, tzinfo=SHANGHAI),
        buffer=timedelta(minutes=10),
    )
    # 10:10-10:40 is 30 minutes but no quarter-hour start fits; 12:10 rounds to 12:15.
    assert [(s.start.astimezone(SHANGHAI).time(), s.end.astimezone(SHANGHAI).time()) for s in slots] == [
        (time(12, 15), time(12, 45))
    ]
    assert slots[0].gap_start.astimezone(SHANGHAI).time() == time(12, 10)
    assert slots[0].gap == timedelta(hours=5, minutes=50)


def test_free_slots_skip_weekends_and_holidays_but_use_adjusted_workdays() -> None:
    """Spring Festival 2026: 15-23 February off, Saturday 14 and Saturday 28 February worked (调休)."""
    span = (datetime(2026, 2, 13, tzinfo=SHANGHAI), datetime(2026, 3, 2, tzinfo=SHANGHAI))
    plain = free_slots([], HOUR, *span)
    assert {s.start.astimezone(SHANGHAI).date() for s in plain} == {
        date(2026, 2, d) for d in (13, 16, 17, 18, 19, 20, 23, 24, 25, 26, 27)
    }
    official = free_slots([], HOUR, *span, is_workday=holidays.is_workday)
    assert {s.start.astimezone(SHANGHAI).date() for s in official} == {
        date(2026, 2, d) for d in (13, 14, 24, 25, 26, 27, 28)
    }
    by_name = free_slots([], HOUR, *span, holidays=holidays.is_holiday)
    assert {s.start.astimezone(SHANGHAI).date() for s in by_name} == {
        date(2026, 2, d) for d in (13, 24, 25, 26, 27)
    }


def test_free_slots_fall_back_to_weekdays_for_a_year_without_holiday_data() -> None:
    span = (datetime(2031, 1, 3, tzinfo=SHANGHAI), datetime(2031, 1, 7, tzinfo=SHANGHAI))
    slots = free_slots([], HOUR, *span, is_workday=holidays.is_workday)
    assert [s.start.astimezone(SHANGHAI).date() for s in slots] == [date(2031, 1, 3), date(2031, 1, 6)]


def local_offset_minutes(moment: datetime, tz: ZoneInfo) -> int:
    local = moment.astimezone(tz)
    return local.hour * 60 + local.minute


def valid_starts(
    busy: Sequence[Occurrence],
    duration: int,
    lower: datetime,
    upper: datetime,
    hours: tuple[time, time],
    tz: ZoneInfo,
    buffer: int,
    travel: int,
    works: Callable[[date], bool],
    step: int,
) -> list[datetime]:
    """Every aligned minute where a `duration` meeting fits, tried one by one."""
    out = []
    moment = lower.replace(second=0, microsecond=0)
    while moment + duration * MINUTE <= upper:
        local = moment.astimezone(tz)
        if moment >= lower and local_offset_minutes(moment, tz) % step == 0 and works(local.date()):
            day_start = datetime.combine(local.date(), hours[0], tzinfo=tz)
            day_end = datetime.combine(local.date(), hours[1], tzinfo=tz)
            end = moment + duration * MINUTE
            ok = day_start <= moment and end <= day_end
            for o in busy:
                if not ok:
                    break
                if o.end > o.start and (not o.all_day or o.kind == "travel"):
                    need = max(travel, buffer) if o.kind == "travel" else buffer
                    ok = not (moment < o.end + need * MINUTE and end > o.start - need * MINUTE)
            if ok:
                out.append(moment)
        moment += MINUTE
    return out


def test_free_slots_agree_with_a_minute_by_minute_check() -> None:
    rnd = random.Random(888)
    for _case in range(150):
        tz = ZoneInfo(rnd.choice(("Asia/Shanghai", "America/New_York")))
        base = datetime(2026, 3, rnd.randint(5, 9), 7, tzinfo=tz)  # around the US switch on 8 March
        occurrences = random_calendar(rnd, base, rnd.randint(0, 14), 3 * 24 * 60)
        step = rnd.choice((5, 15, 30))
        duration = rnd.choice((step, 30, 45, 60, 90))
        buffer, travel = rnd.choice((0, 10, 15)), rnd.choice((0, 30, 60))
        hours = (time(rnd.choice((8, 9)), rnd.choice((0, 30))), time(rnd.choice((12, 17, 18))))
        weekdays = frozenset(rnd.sample(range(7), rnd.randint(3, 7)))
        off = {base.date() + timedelta(days=rnd.randrange(3))}
        lower = base + timedelta(minutes=rnd.randrange(0, 600))
        upper = lower + timedelta(minutes=rnd.randrange(60, 3 * 24 * 60))

        def works(day: date, weekdays: frozenset[int] = weekdays, off: set[date] = off) -> bool:
            return day.weekday() in weekdays and day not in off

        slots = free_slots(
            occurrences,
            timedelta(minutes=duration),
            lower,
            upper,
            hours,
            str(tz),
            timedelta(minutes=buffer),
            weekdays,
            off.__contains__,
            travel_buffer=timedelta(minutes=travel),
            granularity=timedelta(minutes=step),
        )
        valid = valid_starts(occurrences, duration, lower, upper, hours, tz, buffer, travel, works, step)
        firsts = [t for i, t in enumerate(valid) if i == 0 or valid[i - 1] != t - step * MINUTE]
        assert [s.start for s in slots] == firsts
        assert all(s.end - s.start == timedelta(minutes=duration) for s in slots)
        for s in slots:
            candidate = occ("new", s.start, duration)
            assert (
                check_new([candidate], occurrences, timedelta(minutes=buffer), timedelta(minutes=travel))
                == []
            )


def test_nearest_slots_agree_with_a_minute_by_minute_check() -> None:
    rnd = random.Random(4242)
    checked = 0
    for _case in range(150):
        tz = SHANGHAI
        base = datetime(2026, 3, rnd.randint(2, 5), 7, tzinfo=tz)
        occurrences = random_calendar(rnd, base, rnd.randint(1, 14), 2 * 24 * 60)
        movable = [o for o in occurrences if not o.all_day and o.end > o.start]
        if not movable:
            continue
        target = rnd.choice(movable)
        step, buffer = rnd.choice((5, 15)), rnd.choice((0, 10))
        search = timedelta(hours=rnd.choice((6, 24)))
        not_before = base + timedelta(minutes=rnd.randrange(0, 600))
        slots = nearest_slots(
            target,
            occurrences,
            buffer=timedelta(minutes=buffer),
            travel_buffer=timedelta(minutes=buffer),
            granularity=timedelta(minutes=step),
            search=search,
            not_before=not_before,
            limit=5,
        )
        others = [o for o in occurrences if o is not target]
        lower = max(target.start - search, not_before)
        upper = target.end + search
        duration = int(target.duration / MINUTE)
        valid = valid_starts(
            others,
            duration,
            lower,
            upper,
            (time(9), time(18)),
            tz,
            buffer,
            buffer,
            lambda d: d.weekday() < 5,
            step,
        )
        if not valid:
            assert slots == []
            continue
        checked += 1
        best = min(abs(t - target.start) for t in valid)
        assert slots and abs(slots[0].start - target.start) == best
        distances = [abs(s.start - target.start) for s in slots]
        assert distances == sorted(distances)
        assert all(s.start in valid for s in slots)
    assert checked > 50


def test_nearest_slots_for_a_conflict_move_the_later_event() -> None:
    a = occ("a", T9, 60)
    b = occ("b", T9 + timedelta(minutes=30), 60)
    (conflict,) = find_conflicts([a, b])
    assert isinstance(conflict, Conflict)
    slots = nearest_slots(conflict, [a, b], not_before=T9 - 2 * HOUR)
    # One offer per free stretch: right after `a` today, then first thing on the next working days.
    assert [s.start.astimezone(SHANGHAI) for s in slots] == [
        datetime(2026, 3, 2, 10, tzinfo=SHANGHAI),
        datetime(2026, 3, 3, 9, tzinfo=SHANGHAI),
        datetime(2026, 3, 4, 9, tzinfo=SHANGHAI),
    ]
    assert all(isinstance(s, Slot) for s in slots)


# --- preparation -----------------------------------------------------------------------------------------------


def test_prep_template_counts_back_in_local_days() -> None:
    """Three days before a Monday 09:00 meeting in Berlin after the spring switch is Friday 09:00 (CET)."""
    meeting = datetime(2026, 3, 30, 9, tzinfo=BERLIN).astimezone(UTC)  # the store hands back UTC
    due = {
        step.key: moment.astimezone(BERLIN)
        for step, moment in PrepTemplate().due_dates(meeting, "Europe/Berlin")
    }
    assert due["agenda"] == datetime(2026, 3, 27, 9, tzinfo=BERLIN)
    assert due["papers"] == due["materials"] == datetime(2026, 3, 29, 9, tzinfo=BERLIN)
    assert due["car"] == datetime(2026, 3, 30, 7, tzinfo=BERLIN)
    assert [step.offset_minutes for step in DEFAULT_PREP_STEPS] == [4320, 1440, 1440, 120]
    assert prep_due(meeting, timedelta(days=1, hours=2), "Europe/Berlin") == datetime(
        2026, 3, 29, 7, tzinfo=BERLIN
    )


@dataclass
class Item:
    done: bool


@pytest.mark.parametrize(
    ("hours_ahead", "done", "flag"),
    [
        (47, [True, False], True),
        (47, [True, True], False),
        (49, [False], False),
        (-1, [False], False),
        (0, [False], True),
    ],
)
def test_prep_flag(hours_ahead: int, done: list[bool], flag: bool) -> None:
    now = datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)
    assert prep_flag(now + timedelta(hours=hours_ahead), [Item(d) for d in done], now) is flag
