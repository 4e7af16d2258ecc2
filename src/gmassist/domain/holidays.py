"""Chinese public holidays (法定节假日) and the 调休 working weekends, from the State Council's notices.

The dates cannot be computed: each year's arrangement is announced by a notice in the autumn before, so
they are data (src/gmassist/data/cn_holidays.json, which says which years it covers, where they come
from and how to add a year). The file is read lazily, on the first lookup, and checked as it is read.

For a year the file does not cover nothing is guessed: `is_holiday` answers None, `is_workday` None and
`day_info(d).covered` is False, so the caller can say "holidays for 2027 are not known yet".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

DATA_FILE = "cn_holidays.json"
"""The data file's name inside the gmassist.data folder."""


class HolidayDataError(ValueError):
    """The holiday file is malformed or contradicts itself (a day both off and worked, a workday midweek)."""


@dataclass(frozen=True)
class DayInfo:
    """Everything the calendar knows about one day."""

    day: date
    covered: bool
    """False when the day's year is not in the data: the other fields are then unknown, not negative."""
    holiday: str | None
    """English name of the holiday the day belongs to ("National Day"), or None."""
    holiday_zh: str | None
    """Chinese name (国庆节), or None."""
    adjusted_workday: bool
    """调休: a Saturday or Sunday worked to make a holiday longer."""
    workday: bool | None
    """Whether offices work that day; None when the year is not covered."""


@dataclass(frozen=True)
class HolidayCalendar:
    """Holidays and adjusted workdays of the covered years (build with `from_json`)."""

    years: frozenset[int]
    """Years the data covers."""
    holidays: dict[date, tuple[str, str]]
    """Day -> (English name, Chinese name) for every day off the notices give, weekends inside included."""
    workdays: dict[date, str]
    """Adjusted workday -> English name of the holiday it pays for."""
    source: str = ""
    """Where the data comes from (for an about box)."""

    @classmethod
    def from_json(cls, text: str) -> HolidayCalendar:
        """Read and check the data file's text; raises HolidayDataError when anything is off."""
        try:
            data: dict[str, Any] = json.loads(text)
            years = frozenset(int(y) for y in data["covered_years"])
            holidays: dict[date, tuple[str, str]] = {}
            workdays: dict[date, str] = {}
            for year_text, block in data["years"].items():
                year = int(year_text)
                if year not in years:
                    raise HolidayDataError(f"{year} has data but is not in covered_years")
                names: set[str] = set()
                for entry in block["holidays"]:
                    first, last = date.fromisoformat(entry["from"]), date.fromisoformat(entry["to"])
                    if last < first:
                        raise HolidayDataError(f"{entry['name']} {year}: 'to' is before 'from'")
                    names.add(entry["name"])
                    day = first
                    while day <= last:
                        if day.year != year or day in holidays:
                            raise HolidayDataError(f"{day} is outside {year} or listed twice")
                        holidays[day] = (entry["name"], entry["name_zh"])
                        day += timedelta(days=1)
                for entry in block["adjusted_workdays"]:
                    day = date.fromisoformat(entry["date"])
                    if day.year != year or day.weekday() < 5 or day in holidays or day in workdays:
                        raise HolidayDataError(
                            f"adjusted workday {day} must be a weekend day of {year}, once"
                        )
                    if entry["for"] not in names:
                        raise HolidayDataError(
                            f"adjusted workday {day} is for an unknown holiday {entry['for']}"
                        )
                    workdays[day] = entry["for"]
            missing = years - {int(y) for y in data["years"]}
            if missing:
                raise HolidayDataError(f"covered_years lists {sorted(missing)} without data")
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, HolidayDataError):
                raise
            raise HolidayDataError(f"malformed holiday data: {exc!r}") from exc
        return cls(years, holidays, workdays, str(data.get("source", "")))

    def covered_years(self) -> frozenset[int]:
        """The years whose arrangement is known."""
        return self.years

    def covers(self, day: date) -> bool:
        """Whether `day`'s year is in the data."""
        return day.year in self.years

    def is_holiday(self, day: date) -> str | None:
        """The English name of the holiday `day` belongs to; None otherwise or when not covered."""
        found = self.holidays.get(day)
        return found[0] if found else None

    def is_adjusted_workday(self, day: date) -> bool:
        """Whether `day` is a weekend day worked under 调休 (False when not covered)."""
        return day in self.workdays

    def is_workday(self, day: date) -> bool | None:
        """Whether offices work on `day`: weekdays that are not holidays, plus 调休 weekends.

        None when the year is not covered: the caller decides what to assume and can say so.
        """
        if not self.covers(day):
            return None
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def day_info(self, day: date) -> DayInfo:
        """All of the above for one day."""
        names = self.holidays.get(day)
        return DayInfo(
            day=day,
            covered=self.covers(day),
            holiday=names[0] if names else None,
            holiday_zh=names[1] if names else None,
            adjusted_workday=day in self.workdays,
            workday=self.is_workday(day),
        )


@lru_cache(maxsize=1)
def default_calendar() -> HolidayCalendar:
    """The calendar shipped in gmassist/data, read once on first use."""
    text = resources.files("gmassist").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return HolidayCalendar.from_json(text)


def covered_years() -> frozenset[int]:
    """The years the shipped data covers."""
    return default_calendar().covered_years()


def is_holiday(day: date) -> str | None:
    """The English name of the public holiday `day` belongs to, or None (also for uncovered years)."""
    return default_calendar().is_holiday(day)


def is_adjusted_workday(day: date) -> bool:
    """Whether `day` is a 调休 working Saturday or Sunday."""
    return default_calendar().is_adjusted_workday(day)


def is_workday(day: date) -> bool | None:
    """Whether offices work on `day`; None when its year is not covered (never guessed)."""
    return default_calendar().is_workday(day)


def day_info(day: date) -> DayInfo:
    """Everything known about `day`, with a `covered` flag."""
    return default_calendar().day_info(day)
