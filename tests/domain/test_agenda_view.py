"""The agenda views' pure rules: periods, the grid's lanes, conflict flags (checked against
`find_conflicts` on random calendars), reminders, typed dates and series that move."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gmassist.domain.agenda import Occurrence, find_conflicts
from gmassist.domain.agenda_view import (
    View,
    all_day_on,
    by_day,
    conflicted,
    due_reminders,
    lay_out_day,
    match_names,
    month_weeks,
    move_rule,
    on_day,
    parse_reminders,
    period,
    read_day,
    read_duration,
    read_rule,
    read_time,
    read_week,
    shift,
    week_start,
)
from gmassist.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)  # a Wednesday


def occ(
    name: str, start: datetime, minutes: int = 60, kind: str = "meeting", all_day: bool = False
) -> Occurrence:
    start = start.astimezone(UTC)
    return Occurrence(
        event_id=name,
        series_id=None,
        start=start,
        end=start + timedelta(minutes=minutes),
        all_day=all_day,
        title=name,
        kind=kind,
        is_override=False,
        original_start=start,
        start_tz="Asia/Shanghai",
        end_tz="Asia/Shanghai",
    )


def at(hour: int, minute: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_periods_and_paging() -> None:
    wednesday = date(2026, 11, 25)
    assert period(View.DAY, wednesday) == (wednesday, 1)
    assert period(View.WEEK, wednesday) == (date(2026, 11, 23), 7)
    assert period(View.WEEK, wednesday, starts_monday=False) == (date(2026, 11, 22), 7)
    first, days = period(View.MONTH, wednesday)
    assert (first, days) == (date(2026, 10, 26), 42)
    assert month_weeks(2026, 11)[0][0] == first and len(month_weeks(2026, 2)) == 6
    assert shift(View.MONTH, date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert shift(View.WEEK, wednesday, -1) == date(2026, 11, 18)
    assert shift(View.DAY, wednesday, 1) == date(2026, 11, 26)
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)


def test_overlapping_blocks_sit_side_by_side_and_others_take_the_whole_width() -> None:
    a = occ("a", at(9), 60)
    b = occ("b", at(9, 30), 60)
    c = occ("c", at(10, 15), 30)
    d = occ("d", at(14), 30)
    placed = {p.occurrence.title: p for p in lay_out_day([a, b, c, d], date(2026, 11, 25), SHANGHAI)}
    assert (placed["a"].first_slot, placed["a"].last_slot) == (18, 20)
    assert (placed["b"].lane, placed["c"].lane, placed["a"].lane) == (1, 0, 0)
    assert placed["a"].lanes == placed["b"].lanes == placed["c"].lanes == 2
    assert (placed["d"].lane, placed["d"].lanes) == (0, 1)


def test_a_block_across_midnight_is_cut_at_the_day_and_marked() -> None:
    flight = occ("flight", at(22), 180)
    (evening,) = lay_out_day([flight], date(2026, 11, 25), SHANGHAI)
    (morning,) = lay_out_day([flight], date(2026, 11, 26), SHANGHAI)
    assert (evening.first_slot, evening.last_slot, evening.continues_after) == (44, 48, True)
    assert (morning.first_slot, morning.last_slot, morning.continues_before) == (0, 2, True)


def test_all_day_events_stay_out_of_the_grid_but_are_on_the_day() -> None:
    day_off = occ("trip", at(0), 24 * 60, kind="travel", all_day=True)
    meeting = occ("m", at(10))
    assert [p.occurrence.title for p in lay_out_day([day_off, meeting], date(2026, 11, 25), SHANGHAI)] == [
        "m"
    ]
    assert [o.title for o in on_day([meeting, day_off], date(2026, 11, 25), SHANGHAI)] == ["trip", "m"]
    assert on_day([day_off], date(2026, 11, 26), SHANGHAI) == []


@pytest.mark.parametrize("seed", range(20))
def test_each_day_from_its_bucket_as_from_the_whole_page(seed: int) -> None:
    """by_day's buckets lose nothing: every day laid out from its bucket equals the day laid out from the
    whole page (all-day events kept in far zones, days-long trips, zero-length reminders at midnight)."""
    rnd = random.Random(seed)
    zones = ["Asia/Shanghai", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin"]
    items = []
    for i in range(rnd.randint(0, 80)):
        start = at(0, day=20) + timedelta(minutes=30 * rnd.randrange(48 * 14))
        minutes = rnd.choice([0, 30, 90, 60 * 24, 60 * 24 * 3])
        item = replace(occ(f"e{i}", start, minutes, all_day=rnd.random() < 0.2), start_tz=rnd.choice(zones))
        items.append(item)
    items.sort(key=lambda o: o.start)
    first, days = date(2026, 11, 23), 14
    for zone in (SHANGHAI, ZoneInfo("America/New_York")):
        buckets = by_day(items, first, days, zone)
        for index, near in enumerate(buckets):
            day = first + timedelta(days=index)
            assert lay_out_day(near, day, zone) == lay_out_day(items, day, zone)
            assert all_day_on(near, day, zone) == all_day_on(items, day, zone)
            assert on_day(near, day, zone) == on_day(items, day, zone)


@pytest.mark.parametrize("seed", range(40))
def test_conflict_flags_agree_with_find_conflicts(seed: int) -> None:
    rnd = random.Random(seed)
    items = []
    for i in range(rnd.randint(0, 40)):
        start = at(8) + timedelta(minutes=5 * rnd.randrange(12 * 12))
        kind = rnd.choice(["meeting", "meeting", "travel", "visit"])
        all_day = rnd.random() < 0.05
        items.append(occ(f"e{i}", start, rnd.choice([0, 10, 30, 45, 60, 120]), kind, all_day))
    buffer = timedelta(minutes=rnd.choice([0, 5, 10]))
    travel = timedelta(minutes=rnd.choice([0, 30, 60]))
    pairs = find_conflicts(items, buffer, travel)
    expected = {c.a.key for c in pairs} | {c.b.key for c in pairs}
    for given in (items, sorted(items, key=lambda o: o.start)):  # as given, and in start order as expanded
        assert conflicted(given, buffer, travel) == expected


def test_conflict_flags_of_a_crowded_year_are_quick() -> None:

    rnd = random.Random(7)
    items = [
        occ(f"e{i}", at(0, day=1) + timedelta(minutes=15 * rnd.randrange(365 * 96)), 60)
        for i in range(36_000)
    ]
    flags = conflicted(items, timedelta(minutes=10), timedelta(minutes=60))  # speed: see the benchmarks
    assert len(flags) > 30_000


def test_reminders_parse_and_ring_once() -> None:
    assert parse_reminders("60, 15，15") == (15, 60)
    assert parse_reminders("") == ()
    for bad in ("soon", "-5", "99999"):
        with pytest.raises(InvalidInput):
            parse_reminders(bad)
    meeting = occ("m", at(10))
    windows = [(at(9, 40) + timedelta(minutes=5 * i), at(9, 45) + timedelta(minutes=5 * i)) for i in range(6)]
    rung = [r for since, until in windows for r in due_reminders([(meeting, (15, 0))], since, until)]
    assert [(r.minutes, r.at) for r in rung] == [(15, at(9, 45).astimezone(UTC)), (0, at(10).astimezone(UTC))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天", date(2026, 11, 26)),
        ("下周一", date(2026, 11, 30)),
        ("周五", date(2026, 11, 27)),
        ("12月5日", date(2026, 12, 5)),
        ("next monday", date(2026, 11, 30)),
        ("Dec 5", date(2026, 12, 5)),
        ("2026-12-01", date(2026, 12, 1)),
        ("3天后", date(2026, 11, 28)),
        ("today", date(2026, 11, 25)),
        ("下周", date(2026, 11, 30)),
        ("上周", date(2026, 11, 16)),
    ],
)
def test_typed_days(text: str, expected: date) -> None:
    assert read_day(text, NOW) == expected


def test_typed_weeks_start_on_the_configured_day() -> None:
    assert read_week("下周", NOW) == date(2026, 11, 30)
    assert read_week("friday", NOW) == date(2026, 11, 23)
    assert read_week("next friday", NOW) == date(2026, 11, 30)  # quick add: the Friday of next week
    assert read_week("this week", NOW, starts_monday=False) == date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "part"), [("blah", "blah"), ("2026-13-01", "2026-13-01"), ("下周八", "下周八")]
)
def test_a_date_not_understood_is_named(text: str, part: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_day(text, NOW)
    assert part in str(caught.value)


def test_times_lengths_and_rules_from_the_form() -> None:
    assert read_time("9").hour == 9 and read_time("09:30").minute == 30 and read_time("１４：００").hour == 14
    assert read_duration("1h30m") == read_duration("90") == read_duration("1.5h") == timedelta(minutes=90)
    assert read_duration("2小时") == timedelta(hours=2)
    assert read_rule("每周一", NOW) == "FREQ=WEEKLY;BYDAY=MO"
    assert read_rule("every other friday", NOW) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    assert read_rule("RRULE:freq=monthly;bymonthday=1", NOW) == "FREQ=MONTHLY;BYMONTHDAY=1"
    assert read_rule("  ", NOW) is None
    for bad in (
        lambda: read_time("25:00"),
        lambda: read_duration("soon"),
        lambda: read_rule("weekly-ish", NOW),
    ):
        with pytest.raises(InvalidInput):
            bad()


def test_a_moved_occurrence_takes_its_pinned_rule_parts_along() -> None:
    monday, tuesday = datetime(2026, 12, 7, 9), datetime(2026, 12, 8, 10)
    assert move_rule("FREQ=WEEKLY;BYDAY=MO", monday, tuesday) == "FREQ=WEEKLY;BYDAY=TU"
    assert move_rule("FREQ=WEEKLY;BYDAY=MO,TH", monday, tuesday) == "FREQ=WEEKLY;BYDAY=MO,TH"
    assert (
        move_rule("FREQ=MONTHLY;BYMONTHDAY=7;BYHOUR=9", monday, tuesday)
        == "FREQ=MONTHLY;BYMONTHDAY=8;BYHOUR=10"
    )
    assert move_rule("FREQ=DAILY", monday, tuesday) == "FREQ=DAILY"


def test_names_match_people_by_name_title_or_start() -> None:
    people = [("1", "张伟", "财务总监"), ("2", "张丽", "销售经理"), ("3", "Emma Schmidt", "Legal Counsel")]
    assert match_names(people, "张伟, legal counsel、emma") == (["1", "3"], [])
    assert match_names(people, "张, 王五") == ([], ["张", "王五"])
