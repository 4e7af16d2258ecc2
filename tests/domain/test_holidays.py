"""Tests of the Chinese public-holiday calendar: the shipped data (2024-2026, from the State Council's
notices), 调休 working weekends, years it does not cover, and the checks made when the file is read."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from importlib import resources

import pytest

from gmassist.domain import holidays
from gmassist.domain.holidays import HolidayCalendar, HolidayDataError


def shipped() -> dict:
    return json.loads(resources.files("gmassist").joinpath("data", "cn_holidays.json").read_text("utf-8"))


def test_the_file_says_what_it_covers_where_it_comes_from_and_how_to_update_it() -> None:
    data = shipped()
    assert data["covered_years"] == [2024, 2025, 2026]
    assert "国务院办公厅" in data["source"]
    assert "covered_years" in data["how_to_update"]
    for year in ("2024", "2025", "2026"):
        assert f"关于{year}年部分节假日安排的通知" in data["years"][year]["notice"]
    assert holidays.covered_years() == frozenset({2024, 2025, 2026})


def test_national_day_2026() -> None:
    assert holidays.is_holiday(date(2026, 10, 1)) == "National Day"
    info = holidays.day_info(date(2026, 10, 1))
    assert (info.covered, info.holiday_zh, info.workday, info.adjusted_workday) == (
        True,
        "国庆节",
        False,
        False,
    )
    assert holidays.is_holiday(date(2026, 10, 7)) == "National Day"
    assert holidays.is_workday(date(2026, 10, 8)) is True  # Thursday after the week off


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (date(2026, 2, 14), "Spring Festival"),  # Saturday before 春节 2026
        (date(2026, 2, 28), "Spring Festival"),  # Saturday after
        (date(2026, 1, 4), "New Year's Day"),  # Sunday
        (date(2026, 9, 20), "National Day"),  # Sunday
        (date(2024, 2, 4), "Spring Festival"),  # Sunday
        (date(2024, 2, 18), "Spring Festival"),  # Sunday
        (date(2025, 9, 28), "National Day and Mid-Autumn Festival"),
        (date(2025, 10, 11), "National Day and Mid-Autumn Festival"),
    ],
)
def test_adjusted_working_weekends(day: date, holiday: str) -> None:
    assert day.weekday() >= 5
    assert holidays.is_adjusted_workday(day)
    assert holidays.is_workday(day) is True
    assert holidays.is_holiday(day) is None
    assert holidays.default_calendar().workdays[day] == holiday


def test_weekend_inside_a_holiday_belongs_to_it_and_an_ordinary_weekend_does_not() -> None:
    assert holidays.is_holiday(date(2026, 10, 3)) == "National Day"  # Saturday
    assert holidays.is_workday(date(2026, 10, 3)) is False
    assert holidays.is_holiday(date(2026, 3, 7)) is None  # an ordinary Saturday
    assert holidays.is_workday(date(2026, 3, 7)) is False
    assert not holidays.is_adjusted_workday(date(2026, 3, 7))


def test_new_rules_from_2025_and_the_eve_before() -> None:
    """From 2025 除夕 is a holiday; in 2024 the notice only encouraged a day off on 9 February."""
    assert holidays.is_holiday(date(2025, 1, 28)) == "Spring Festival"
    assert holidays.is_holiday(date(2024, 2, 9)) is None
    assert holidays.is_workday(date(2024, 2, 9)) is True
    assert holidays.is_holiday(date(2025, 10, 6)) == "National Day and Mid-Autumn Festival"


def test_day_counts_per_year() -> None:
    calendar = holidays.default_calendar()
    for year, days_off, worked in ((2024, 28, 8), (2025, 28, 5), (2026, 33, 6)):
        assert sum(1 for d in calendar.holidays if d.year == year) == days_off
        assert sum(1 for d in calendar.workdays if d.year == year) == worked


@pytest.mark.parametrize("day", [date(2023, 10, 1), date(2027, 1, 1), date(2027, 10, 1)])
def test_a_year_not_covered_is_said_so_not_guessed(day: date) -> None:
    assert holidays.is_holiday(day) is None
    assert holidays.is_workday(day) is None
    assert not holidays.is_adjusted_workday(day)
    info = holidays.day_info(day)
    assert (info.covered, info.holiday, info.workday) == (False, None, None)


def test_the_data_is_read_lazily() -> None:
    code = (
        "from datetime import date\n"
        "from gmassist.domain import holidays\n"
        "print(holidays.default_calendar.cache_info().currsize)\n"
        "holidays.is_holiday(date(2026, 10, 1))\n"
        "print(holidays.default_calendar.cache_info().currsize)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["0", "1"]


def mutated(change: str) -> str:
    data = shipped()
    block = data["years"]["2026"]
    if change == "workday_midweek":
        block["adjusted_workdays"].append({"date": "2026-03-04", "for": "Spring Festival"})
    elif change == "both":
        block["adjusted_workdays"].append({"date": "2026-10-03", "for": "National Day"})
    elif change == "uncovered_year":
        data["covered_years"] = [2024, 2025]
    elif change == "missing_year":
        data["covered_years"].append(2027)
    elif change == "wrong_year":
        block["holidays"].append({"name": "X", "name_zh": "X", "from": "2027-01-01", "to": "2027-01-01"})
    elif change == "reversed":
        block["holidays"][0]["to"] = "2025-12-31"
    elif change == "unknown_holiday":
        block["adjusted_workdays"][0]["for"] = "Christmas"
    elif change == "no_years":
        del data["years"]
    return json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize(
    "change",
    [
        "workday_midweek",
        "both",
        "uncovered_year",
        "missing_year",
        "wrong_year",
        "reversed",
        "unknown_holiday",
        "no_years",
    ],
)
def test_bad_data_is_refused(change: str) -> None:
    with pytest.raises(HolidayDataError):
        HolidayCalendar.from_json(mutated(change))


def test_the_shipped_file_passes_its_own_checks() -> None:
    calendar = HolidayCalendar.from_json(mutated("none"))
    assert calendar.covered_years() == frozenset({2024, 2025, 2026})
