"""日程 agenda: the calendar's rules, free of storage, UI and the clock.

What lives here, and why it is pure:

* **Expansion** (`expand`, `OccurrenceCache`): event rows -> the occurrences that touch a window. Series are
  expanded in wall time of the event's own zone (`start_tz`), so "weekly at 09:00" stays 09:00 local
  across daylight-saving switches; EXDATEs are removed and override rows replace single occurrences.
  Long series are never walked from their DTSTART: only the rule's periods that touch the window are
  computed (DAILY/WEEKLY/HOURLY by a day walker, MONTHLY/YEARLY by `dateutil.rrule` one period at a
  time), so the work is bounded even for a rule that can never match (30 February); COUNT rules, whose
  numbering depends on DTSTART, are collected once (cached) and bisected. Tests check all of this
  against dateutil walking from DTSTART.
* **Series edits** (`split_series`, `exclude`, `override_for`): "this and following", "delete this one",
  "change this one", each computed so that earlier occurrences never change.
* **Conflicts** (`find_conflicts`, `check_new`): overlaps and too-tight gaps by a sweep line, O(n log n + k).
* **Free slots** (`free_slots`, `nearest_slots`): where a meeting of a given length fits in working hours.
* **Preparation** (`PrepTemplate`, `prep_due`, `prep_flag`) and **trips** (`trip_local_times`,
  `format_flight`).

Conventions: every datetime is tz-aware; results are normalised to UTC (`Occurrence.start` etc.) and carry
the IANA zone names for display. Functions accept any object with the attribute names of the store's
`Event` table (`EventLike`), so SQLModel rows can be passed directly. All-day events are stored as
[local midnight of the first day, local midnight after the last day) in their zone; `all_day_span` builds
those values.
"""

from __future__ import annotations

import bisect
import calendar
import heapq
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as du

from gmassist.errors import InvalidInput
from gmassist.i18n import _

TRAVEL = "travel"
"""The event kind whose all-day events make the day busy and that needs the travel buffer."""

_DAY = timedelta(days=1)
_MARGIN = timedelta(hours=3)
"""Slack added around a window converted to local wall time: wall time can step back by a DST change
(one hour, two for historical double summer time), so a few hours cover every real zone."""


# --- errors and zones -------------------------------------------------------------------------------------


class RuleError(InvalidInput, ValueError):
    """A recurrence rule, an EXDATE or a zone name that cannot be understood; the message says which part."""


@lru_cache(maxsize=512)
def zone(name: str) -> tzinfo:
    """The IANA zone called `name` (cached). Raises RuleError for an unknown or empty name.

    zoneinfo (standard library, PEP 495 folds, C-accelerated) is used rather than dateutil.tz because
    expansion converts every occurrence; on Windows the `tzdata` package supplies the database.
    """
    if not name:
        raise RuleError(_("An event has no time zone."), field="start_tz")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuleError(_("Unknown time zone: {name}").format(name=name), field="start_tz") from exc


def _require_aware(value: datetime, what: str) -> None:
    """Refuse naive datetimes: a naive time is a bug waiting for the next time zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a tz-aware datetime, got {value!r}")


# --- what the functions read from an event row -------------------------------------------------------------


class EventLike(Protocol):
    """The attributes of the store's `Event` row that the agenda reads (read-only, so any row or dataclass fits)."""

    @property
    def id(self) -> str:
        """Stable id of the row."""

    @property
    def title(self) -> str:
        """What the event is called."""

    @property
    def kind(self) -> str:
        """meeting, visit, inspection, travel, focus or personal."""

    @property
    def start(self) -> datetime:
        """Start (aware); for a series, the first occurrence."""

    @property
    def end(self) -> datetime:
        """End (aware); for a series, the end of the first occurrence."""

    @property
    def start_tz(self) -> str:
        """IANA zone of the start; series are expanded in it."""

    @property
    def end_tz(self) -> str:
        """IANA zone of the end (a flight lands elsewhere)."""

    @property
    def all_day(self) -> bool:
        """True for a day-long event (stored as local midnight to local midnight)."""

    @property
    def rrule(self) -> str | None:
        """RFC 5545 RRULE value of a series, or None."""

    @property
    def exdates(self) -> str:
        """Excluded original starts of a series: ISO datetimes (or dates) separated by commas."""

    @property
    def series_id(self) -> str | None:
        """For an override: the series it replaces one occurrence of."""

    @property
    def recurrence_id(self) -> datetime | None:
        """For an override: the original start of the occurrence it replaces."""

    @property
    def confidential(self) -> bool:
        """保密: the UI masks the title until unlocked."""


# --- occurrences --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One appearance of an event on the agenda: a single event, one instance of a series, or an override.

    `start`/`end` are UTC so occurrences from different zones compare and sort directly; `start_tz` and
    `end_tz` keep the zones for display. `original_start` is where the rule put this occurrence (the
    RECURRENCE-ID); for a single event it is its start. (`series_id or event_id`, `original_start`)
    identifies an occurrence across edits: see `key`.
    """

    event_id: str
    """The row shown: the single event, the series, or the override row."""
    series_id: str | None
    """The series this occurrence belongs to (also for overrides); None for a single event."""
    start: datetime
    """Start, UTC."""
    end: datetime
    """End, UTC (exclusive)."""
    all_day: bool
    """A day-long event: [local midnight, local midnight) in `start_tz`."""
    title: str
    """The event's title (masked by the UI when `confidential`)."""
    kind: str
    """meeting, visit, inspection, travel, focus, personal."""
    is_override: bool
    """True when an override row replaced the occurrence the rule generated."""
    original_start: datetime
    """The start the rule gave this occurrence (UTC); a single event's own start."""
    start_tz: str = "UTC"
    """Zone of the start, for display."""
    end_tz: str = "UTC"
    """Zone of the end, for display."""
    confidential: bool = False
    """保密: copied from the row so the UI can mask without another lookup."""

    @property
    def key(self) -> tuple[str, datetime]:
        """Identity across edits: (series or event id, original start)."""
        return (self.series_id or self.event_id, self.original_start)

    @property
    def duration(self) -> timedelta:
        """How long it lasts."""
        return self.end - self.start

    @property
    def busy(self) -> bool:
        """Whether it blocks time: timed events do; all-day events only when they are travel.

        An all-day "personal" or "focus" day, a birthday or a deadline is a marker, not an absence; a day
        of travel is an absence. Zero-length events (reminders) never block time.
        """
        return self.end > self.start and (not self.all_day or self.kind == TRAVEL)

    def local_start(self) -> datetime:
        """The start in its own zone."""
        return self.start.astimezone(zone(self.start_tz))

    def local_end(self) -> datetime:
        """The end in its own zone (a flight's landing time in the arrival city)."""
        return self.end.astimezone(zone(self.end_tz))


def _sort_key(occurrence: Occurrence) -> tuple[datetime, datetime, str, datetime]:
    return (occurrence.start, occurrence.end, occurrence.event_id, occurrence.original_start)


def _overlaps(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> bool:
    """Whether [start, end) touches [window_start, window_end); a zero-length event counts at its instant."""
    if end > start:
        return start < window_end and end > window_start
    return window_start <= start < window_end


def all_day_span(first_day: date, last_day: date, zone_name: str) -> tuple[datetime, datetime]:
    """The stored (start, end) of an all-day event from `first_day` to `last_day` inclusive, in UTC.

    Local midnight of the first day to local midnight after the last day, like iCalendar's DATE DTEND.
    """
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    tz = zone(zone_name)
    start = datetime.combine(first_day, time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last_day + _DAY, time(), tzinfo=tz).astimezone(UTC)
    return start, end


def _all_day_dates(event: EventLike) -> tuple[date, int]:
    """(first local day, number of days) of an all-day row, read in its start zone."""
    tz = zone(event.start_tz)
    first = event.start.astimezone(tz)
    last = event.end.astimezone(tz)
    # An end at local midnight is exclusive; an end during a day includes that day.
    last_day = (last - timedelta(microseconds=1)).date() if last > first else first.date()
    return first.date(), max((last_day - first.date()).days + 1, 1)


def _span_of(event: EventLike) -> tuple[datetime, datetime]:
    """(start, end) in UTC of a non-recurring row; all-day rows are snapped to local midnights."""
    if event.all_day:
        first, days = _all_day_dates(event)
        tz = zone(event.start_tz)
        start = datetime.combine(first, time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(first + timedelta(days=days), time(), tzinfo=tz).astimezone(UTC)
        return start, end
    start = event.start.astimezone(UTC)
    end = event.end.astimezone(UTC)
    return start, max(start, end)


def _single_occurrence(event: EventLike, start: datetime, end: datetime, *, is_override: bool) -> Occurrence:
    original = event.recurrence_id.astimezone(UTC) if is_override and event.recurrence_id else start
    return Occurrence(
        event_id=event.id,
        series_id=event.series_id if is_override else None,
        start=start,
        end=end,
        all_day=event.all_day,
        title=event.title,
        kind=event.kind,
        is_override=is_override,
        original_start=original,
        start_tz=event.start_tz,
        end_tz=event.end_tz,
        confidential=event.confidential,
    )


# --- recurrence rules -------------------------------------------------------------------------------------

_FREQUENCIES = {
    "YEARLY": du.YEARLY,
    "MONTHLY": du.MONTHLY,
    "WEEKLY": du.WEEKLY,
    "DAILY": du.DAILY,
    "HOURLY": du.HOURLY,
    "MINUTELY": du.MINUTELY,
    "SECONDLY": du.SECONDLY,
}
_FREQUENCY_NAMES = {value: name for name, value in _FREQUENCIES.items()}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_INT_PARTS = {
    # part: (attribute, lowest, highest, zero allowed)
    "BYSECOND": ("bysecond", 0, 60, True),
    "BYMINUTE": ("byminute", 0, 59, True),
    "BYHOUR": ("byhour", 0, 23, True),
    "BYMONTHDAY": ("bymonthday", -31, 31, False),
    "BYYEARDAY": ("byyearday", -366, 366, False),
    "BYWEEKNO": ("byweekno", -53, 53, False),
    "BYMONTH": ("bymonth", 1, 12, False),
    "BYSETPOS": ("bysetpos", -366, 366, False),
}
_PART_ORDER = (
    "BYMONTH",
    "BYWEEKNO",
    "BYYEARDAY",
    "BYMONTHDAY",
    "BYDAY",
    "BYHOUR",
    "BYMINUTE",
    "BYSECOND",
    "BYSETPOS",
)


@dataclass(frozen=True)
class Rule:
    """A parsed RRULE value. Immutable and hashable, so derived expansions can be cached by it.

    `until` keeps the form it was written in: an aware UTC datetime (…Z), a naive datetime (floating,
    read in the event's zone) or a date (inclusive, to the end of that local day).
    """

    freq: int
    """dateutil frequency constant (du.WEEKLY...)."""
    interval: int = 1
    count: int | None = None
    until: datetime | date | None = None
    byday: tuple[tuple[int, int], ...] | None = None
    """(weekday 0=MO..6=SU, ordinal or 0): +1MO -> (0, 1), FR -> (4, 0)."""
    bymonth: tuple[int, ...] | None = None
    byweekno: tuple[int, ...] | None = None
    byyearday: tuple[int, ...] | None = None
    bymonthday: tuple[int, ...] | None = None
    byhour: tuple[int, ...] | None = None
    byminute: tuple[int, ...] | None = None
    bysecond: tuple[int, ...] | None = None
    bysetpos: tuple[int, ...] | None = None
    wkst: int = 0
    """First day of the week for WEEKLY periods and BYWEEKNO (RFC default MO)."""
    extra: tuple[tuple[str, str], ...] = ()
    """X- parts kept verbatim so that rewriting a rule does not lose them."""


def _bad_rule(text: str, why: str) -> RuleError:
    return RuleError(
        _("Cannot read the repeat rule “{rule}”: {why}").format(rule=text, why=why), field="rrule"
    )


def _parse_until(text: str, value: str) -> datetime | date:
    try:
        if "T" not in value:
            return datetime.strptime(value, "%Y%m%d").date()
        if value.endswith("Z"):
            return datetime.strptime(value[:-1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return datetime.strptime(value, "%Y%m%dT%H%M%S")
    except ValueError as exc:
        raise _bad_rule(text, f"UNTIL={value}") from exc


@lru_cache(maxsize=4096)
def parse_rule(text: str) -> Rule:
    """Parse an RRULE value ("FREQ=WEEKLY;BYDAY=MO,WE"; a leading "RRULE:" is tolerated).

    Raises RuleError, naming the part it could not read. Unknown non-X parts are refused rather than
    silently ignored: ignoring them would show a different schedule from the one the sender meant.
    """
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    values: dict[str, Any] = {}
    extra: list[tuple[str, str]] = []
    seen: set[str] = set()
    for chunk in body.split(";"):
        if not chunk.strip():
            continue
        name, sep, value = chunk.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not sep or not value:
            raise _bad_rule(text, chunk)
        if name in seen:
            raise _bad_rule(text, f"{name} twice")
        seen.add(name)
        try:
            if name == "FREQ":
                if value not in _FREQUENCIES:
                    raise _bad_rule(text, f"FREQ={value}")
                values["freq"] = _FREQUENCIES[value]
            elif name == "INTERVAL":
                values["interval"] = int(value)
                if values["interval"] < 1:
                    raise _bad_rule(text, f"INTERVAL={value}")
            elif name == "COUNT":
                values["count"] = int(value)
                if values["count"] < 1:
                    raise _bad_rule(text, f"COUNT={value}")
            elif name == "UNTIL":
                values["until"] = _parse_until(text, value)
            elif name == "WKST":
                if value not in _WEEKDAYS:
                    raise _bad_rule(text, f"WKST={value}")
                values["wkst"] = _WEEKDAYS.index(value)
            elif name == "BYDAY":
                days: list[tuple[int, int]] = []
                for token in value.split(","):
                    token = token.strip()
                    code, number = token[-2:], token[:-2]
                    if code not in _WEEKDAYS:
                        raise _bad_rule(text, f"BYDAY={token}")
                    ordinal = int(number) if number else 0
                    if (number and ordinal == 0) or not -53 <= ordinal <= 53:
                        raise _bad_rule(text, f"BYDAY={token}")
                    days.append((_WEEKDAYS.index(code), ordinal))
                values["byday"] = tuple(days)
            elif name in _INT_PARTS:
                attribute, lowest, highest, zero_ok = _INT_PARTS[name]
                numbers = tuple(int(v) for v in value.split(","))
                if any(not lowest <= n <= highest or (n == 0 and not zero_ok) for n in numbers):
                    raise _bad_rule(text, f"{name}={value}")
                values[attribute] = numbers
            elif name.startswith("X-"):
                extra.append((name, value))
            else:
                raise _bad_rule(text, name)
        except ValueError as exc:
            if isinstance(exc, RuleError):
                raise
            raise _bad_rule(text, chunk) from exc
    if "freq" not in values:
        raise _bad_rule(text, "no FREQ")
    if values["freq"] in (du.MINUTELY, du.SECONDLY):
        # Not calendar material, and a week of them would be thousands of occurrences.
        raise _bad_rule(text, _("repeating more often than hourly is not supported"))
    if "byweekno" in values and values["freq"] != du.YEARLY:
        raise _bad_rule(text, "BYWEEKNO needs FREQ=YEARLY")
    return Rule(extra=tuple(extra), **values)


def format_rule(rule: Rule) -> str:
    """The RRULE value of `rule`, parts in a fixed order (the inverse of `parse_rule`)."""
    out = [f"FREQ={_FREQUENCY_NAMES[rule.freq]}"]
    if isinstance(rule.until, datetime):
        if rule.until.tzinfo is not None:
            out.append("UNTIL=" + rule.until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
        else:
            out.append("UNTIL=" + rule.until.strftime("%Y%m%dT%H%M%S"))
    elif isinstance(rule.until, date):
        out.append("UNTIL=" + rule.until.strftime("%Y%m%d"))
    if rule.count is not None:
        out.append(f"COUNT={rule.count}")
    if rule.interval != 1:
        out.append(f"INTERVAL={rule.interval}")
    for part in _PART_ORDER:
        if part == "BYDAY":
            if rule.byday is not None:
                tokens = [(f"{n}" if n else "") + _WEEKDAYS[d] for d, n in rule.byday]
                out.append("BYDAY=" + ",".join(tokens))
            continue
        numbers = getattr(rule, _INT_PARTS[part][0])
        if numbers is not None:
            out.append(f"{part}=" + ",".join(str(n) for n in numbers))
    if rule.wkst != 0:
        out.append(f"WKST={_WEEKDAYS[rule.wkst]}")
    out.extend(f"{name}={value}" for name, value in rule.extra)
    return ";".join(out)


@lru_cache(maxsize=4096)
def _implied(rule: Rule, dtstart: datetime) -> Rule:
    """`rule` with the parts dateutil would take from `dtstart` written out (RFC 5545 3.3.10).

    FREQ=WEEKLY alone means "on DTSTART's weekday", FREQ=MONTHLY "on DTSTART's day", and a daily rule
    "at DTSTART's time". Once written out, the rule may be restarted from any later period start.
    """
    changes: dict[str, Any] = {}
    if rule.byweekno is None and rule.byyearday is None and rule.bymonthday is None and rule.byday is None:
        if rule.freq == du.YEARLY:
            if rule.bymonth is None:
                changes["bymonth"] = (dtstart.month,)
            changes["bymonthday"] = (dtstart.day,)
        elif rule.freq == du.MONTHLY:
            changes["bymonthday"] = (dtstart.day,)
        elif rule.freq == du.WEEKLY:
            changes["byday"] = ((dtstart.weekday(), 0),)
    if rule.byhour is None and rule.freq < du.HOURLY:
        changes["byhour"] = (dtstart.hour,)
    if rule.byminute is None and rule.freq < du.MINUTELY:
        changes["byminute"] = (dtstart.minute,)
    if rule.bysecond is None and rule.freq < du.SECONDLY:
        changes["bysecond"] = (dtstart.second,)
    return replace(rule, **changes) if changes else rule


_HUGE_INTERVAL = {du.YEARLY: 10_000, du.MONTHLY: 120_000}
"""An interval that takes dateutil past year 9999 after one period, so it computes exactly one period."""

_COUNT_HORIZON_YEARS = 200
"""A COUNT rule is searched at most this many years past its DTSTART (a rule that can never match,
such as the 30th of February, would otherwise be searched to the year 9999)."""


def _period_start(rule: Rule, dtstart: datetime, target: datetime) -> datetime:
    """The start of the MONTHLY/YEARLY grid period that contains `target` (periods step by INTERVAL from
    DTSTART's own month or year); DTSTART's period when `target` is before it."""
    interval = rule.interval
    if rule.freq == du.YEARLY:
        years = max(0, (target.year - dtstart.year) // interval * interval)
        return datetime(dtstart.year + years, 1, 1)
    first = dtstart.year * 12 + dtstart.month - 1
    months = max(0, (target.year * 12 + target.month - 1 - first) // interval * interval)
    year, month = divmod(first + months, 12)
    return datetime(year, month + 1, 1)


def _next_period(rule: Rule, start: datetime) -> datetime:
    if rule.freq == du.YEARLY:
        return start.replace(year=start.year + rule.interval)
    year, month = divmod(start.year * 12 + start.month - 1 + rule.interval, 12)
    return datetime(year, month + 1, 1)


@lru_cache(maxsize=8192)
def _one_period(full: Rule, period_start: datetime) -> tuple[datetime, ...]:
    """Every start a MONTHLY/YEARLY rule (implied parts explicit) gives in the period at `period_start`.

    dateutil computes the whole period (BYSETPOS included); the huge interval ends it right after, so a
    rule that matches nothing costs one period, not a scan to the year 9999.
    """
    return tuple(
        du.rrule(
            full.freq,
            dtstart=period_start,
            interval=_HUGE_INTERVAL[full.freq],
            wkst=full.wkst,
            bysetpos=full.bysetpos,
            bymonth=full.bymonth,
            bymonthday=full.bymonthday,
            byyearday=full.byyearday,
            byweekno=full.byweekno,
            byweekday=None if full.byday is None else [du.weekday(d, n or None) for d, n in full.byday],
            byhour=full.byhour,
            byminute=full.byminute,
            bysecond=full.bysecond,
            cache=False,
        )
    )


def _walk_periods(rule: Rule, dtstart: datetime, lo: datetime, hi: datetime) -> list[datetime]:
    """MONTHLY and YEARLY rules: dateutil one grid period at a time, only the periods that touch [lo, hi]."""
    full = _implied(rule, dtstart)
    period = _period_start(rule, dtstart, lo)
    out: list[datetime] = []
    while period <= hi:
        out.extend(s for s in _one_period(full, period) if s >= dtstart and lo <= s <= hi)
        period = _next_period(rule, period)
    return out


@dataclass(frozen=True)
class _DayRule:
    """A DAILY, WEEKLY or HOURLY rule compiled for the day walker."""

    full: Rule
    """The rule with the parts DTSTART implies written out."""
    months: frozenset[int] | None
    monthdays: frozenset[int] | None
    yeardays: frozenset[int] | None
    weekdays: frozenset[int] | None
    hours: frozenset[int] | None
    times: tuple[time, ...]
    """Times of day of a DAILY/WEEKLY occurrence."""
    offsets: tuple[timedelta, ...]
    """Offsets within the hour of an HOURLY occurrence."""

    def accepts(self, day: date) -> bool:
        """Whether `day` passes BYMONTH, BYMONTHDAY, BYYEARDAY and BYDAY (weekday only, like dateutil)."""
        if self.weekdays is not None and day.weekday() not in self.weekdays:
            return False
        if self.months is not None and day.month not in self.months:
            return False
        if self.monthdays is not None:
            length = calendar.monthrange(day.year, day.month)[1]
            if day.day not in self.monthdays and day.day - length - 1 not in self.monthdays:
                return False
        if self.yeardays is not None:
            number = day.timetuple().tm_yday
            length = 366 if calendar.isleap(day.year) else 365
            if number not in self.yeardays and number - length - 1 not in self.yeardays:
                return False
        return True

    def pick(self, period: list[datetime]) -> list[datetime]:
        """BYSETPOS applied to one period's sorted candidates."""
        positions = self.full.bysetpos
        if positions is None:
            return period
        size = len(period)
        chosen = {period[p - 1 if p > 0 else p] for p in positions if -size <= (p - 1 if p > 0 else p) < size}
        return sorted(chosen)


@lru_cache(maxsize=4096)
def _day_rule(rule: Rule, dtstart: datetime) -> _DayRule:
    full = _implied(rule, dtstart)

    def as_set(values: tuple[int, ...] | None) -> frozenset[int] | None:
        return None if values is None else frozenset(values)

    minutes, seconds = full.byminute or (0,), full.bysecond or (0,)
    return _DayRule(
        full=full,
        months=as_set(full.bymonth),
        monthdays=as_set(full.bymonthday),
        yeardays=as_set(full.byyearday),
        weekdays=None if full.byday is None else frozenset(d for d, _n in full.byday),
        hours=as_set(full.byhour),
        # Sets first: BYHOUR=9,9 must not give two 09:00 occurrences.
        times=tuple(sorted({time(h, m, s) for h in full.byhour or (0,) for m in minutes for s in seconds})),
        offsets=tuple(sorted({timedelta(minutes=m, seconds=s) for m in minutes for s in seconds})),
    )


def _walk_days(rule: Rule, dtstart: datetime, lo: datetime, hi: datetime) -> list[datetime]:
    """DAILY, WEEKLY and HOURLY rules, computed period by period over [lo, hi] only (bounded work).

    Follows dateutil where RFC 5545 leaves room: a WEEKLY rule's first period runs from DTSTART's day to
    the end of its week, and BYDAY ordinals are ignored below MONTHLY.
    """
    compiled = _day_rule(rule, dtstart)
    interval = rule.interval
    first = dtstart.date()
    out: list[datetime] = []

    def keep(period: list[datetime]) -> None:
        out.extend(s for s in compiled.pick(period) if s >= dtstart and lo <= s <= hi)

    if rule.freq == du.HOURLY:
        base = dtstart.replace(minute=0, second=0, microsecond=0)
        step = timedelta(hours=interval)
        hour = base + max(0, (lo - timedelta(hours=1) - base) // step) * step
        while hour <= hi:
            if (compiled.hours is None or hour.hour in compiled.hours) and compiled.accepts(hour.date()):
                keep([hour + offset for offset in compiled.offsets])
            hour += step
    elif rule.freq == du.DAILY:
        day = max(lo.date(), first)
        day += timedelta(days=-(day - first).days % interval)
        while day <= hi.date():
            if compiled.accepts(day):
                keep([datetime.combine(day, moment) for moment in compiled.times])
            day += timedelta(days=interval)
    else:
        week0 = first - timedelta(days=(first.weekday() - rule.wkst) % 7)
        week = max(lo.date() - timedelta(days=(lo.weekday() - rule.wkst) % 7), week0)
        week += timedelta(weeks=-((week - week0).days // 7) % interval)
        # BYSETPOS needs the whole week; otherwise only the days inside the window are looked at.
        whole = compiled.full.bysetpos is not None
        lo_day, hi_day = lo.date(), hi.date()
        while week <= hi_day:
            day = max(week, first) if whole else max(week, first, lo_day)
            last = week + timedelta(days=6) if whole else min(week + timedelta(days=6), hi_day)
            period: list[datetime] = []
            while day <= last:
                if compiled.accepts(day):
                    period.extend(datetime.combine(day, moment) for moment in compiled.times)
                day += _DAY
            keep(period)
            week += timedelta(weeks=interval)
    return out


def _window_starts(
    rule: Rule, dtstart: datetime, until: datetime | None, lo: datetime, hi: datetime
) -> list[datetime]:
    """Naive local starts in [lo, hi] of the rule with its COUNT ignored (UNTIL applied)."""
    lo = max(lo, dtstart)
    if until is not None:
        hi = min(hi, until)
    if hi < lo:
        return []
    if rule.freq in (du.YEARLY, du.MONTHLY):
        return _walk_periods(rule, dtstart, lo, hi)
    return _walk_days(rule, dtstart, lo, hi)


@lru_cache(maxsize=1024)
def _first_starts(rule: Rule, dtstart: datetime, until: datetime | None, wanted: int) -> tuple[datetime, ...]:
    """The first `wanted` starts of the rule (its COUNT ignored), searched a year at a time up to a horizon."""
    found: list[datetime] = []
    horizon = dtstart.replace(year=min(dtstart.year + _COUNT_HORIZON_YEARS, 9998), month=1, day=1)
    chunk_start = dtstart
    while len(found) < wanted and chunk_start <= horizon:
        chunk_end = chunk_start + timedelta(days=366)
        found.extend(_window_starts(rule, dtstart, until, chunk_start, chunk_end - timedelta(microseconds=1)))
        if until is not None and chunk_end > until:
            break
        chunk_start = chunk_end
    return tuple(found[:wanted])


def _rule_starts(
    rule: Rule, dtstart: datetime, until: datetime | None, lo: datetime, hi: datetime
) -> list[datetime]:
    """Naive local starts the rule generates in [lo, hi], from the periods that touch the window only.

    A COUNT rule's numbering depends on DTSTART, so its starts are collected once (cached) and bisected.
    """
    if rule.count is None:
        return _window_starts(rule, dtstart, until, lo, hi)
    starts = _first_starts(rule, dtstart, until, rule.count)
    return list(starts[bisect.bisect_left(starts, lo) : bisect.bisect_right(starts, hi)])


@dataclass(frozen=True)
class _Series:
    """What expanding one series needs, derived once from its row."""

    event: EventLike
    tz: tzinfo
    rule: Rule
    dtstart: datetime
    """Naive local wall time of the first start (midnight for all-day series)."""
    until: datetime | None
    """UNTIL as a naive local bound (a UTC UNTIL widened by `_MARGIN`, then applied exactly via `until_utc`)."""
    until_utc: datetime | None
    duration: timedelta
    """Exact length of a timed occurrence (RFC 5545: DTEND - DTSTART applies to every instance)."""
    days: int
    """Length of an all-day occurrence in days."""
    excluded: frozenset[datetime]
    excluded_days: frozenset[date]


def _parse_exdates(text: str, tz: tzinfo) -> tuple[frozenset[datetime], frozenset[date]]:
    """EXDATE text -> (UTC instants, local dates). Naive times are read in the series zone."""
    instants: set[datetime] = set()
    days: set[date] = set()
    for token in text.split(","):
        token = token.strip()
        if not token:
            continue
        try:
            if len(token) == 10 and "T" not in token:
                days.add(date.fromisoformat(token))
                continue
            value = datetime.fromisoformat(token.replace("Z", "+00:00"))
        except ValueError as exc:
            raise RuleError(
                _("Cannot read the excluded date “{value}”.").format(value=token), field="exdates"
            ) from exc
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        instants.add(value.astimezone(UTC).replace(microsecond=0))
    return frozenset(instants), frozenset(days)


def _series(event: EventLike) -> _Series:
    tz = zone(event.start_tz)
    rule = parse_rule(event.rrule or "")
    local_start = event.start.astimezone(tz).replace(tzinfo=None, microsecond=0)
    days = 1
    if event.all_day:
        first, days = _all_day_dates(event)
        local_start = datetime.combine(first, time())
    until: datetime | None = None
    until_utc: datetime | None = None
    if isinstance(rule.until, datetime) and rule.until.tzinfo is not None:
        until_utc = rule.until.astimezone(UTC)
        until = until_utc.astimezone(tz).replace(tzinfo=None) + _MARGIN
    elif isinstance(rule.until, datetime):
        until = rule.until
    elif isinstance(rule.until, date):
        until = datetime.combine(rule.until, time.max)
    excluded, excluded_days = _parse_exdates(event.exdates or "", tz)
    return _Series(
        event=event,
        tz=tz,
        rule=rule,
        dtstart=local_start,
        until=until,
        until_utc=until_utc,
        duration=max(event.end - event.start, timedelta(0)),
        days=days,
        excluded=excluded,
        excluded_days=excluded_days,
    )


def _instances(series: _Series, lo_utc: datetime, hi_utc: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every instance the rule generates starting in [lo_utc, hi_utc], EXDATEs kept."""
    tz = series.tz
    lo = lo_utc.astimezone(tz).replace(tzinfo=None) - _MARGIN
    hi = hi_utc.astimezone(tz).replace(tzinfo=None) + _MARGIN
    out: list[tuple[datetime, datetime]] = []
    for naive in _rule_starts(series.rule, series.dtstart, series.until, lo, hi):
        start = naive.replace(tzinfo=tz).astimezone(UTC)
        if start < lo_utc or start > hi_utc:
            continue
        if series.until_utc is not None and start > series.until_utc:
            continue
        if series.event.all_day:
            end = (naive + timedelta(days=series.days)).replace(tzinfo=tz).astimezone(UTC)
        else:
            end = start + series.duration
        out.append((start, end))
    return out


def _is_excluded(series: _Series, start: datetime) -> bool:
    if start in series.excluded:
        return True
    return bool(series.excluded_days) and start.astimezone(series.tz).date() in series.excluded_days


def _expand_series(
    series: _Series, window_start: datetime, window_end: datetime, overridden: Collection[datetime]
) -> list[Occurrence]:
    event = series.event
    longest = timedelta(days=series.days + 1) if event.all_day else series.duration
    out: list[Occurrence] = []
    for start, end in _instances(series, window_start - longest, window_end):
        if not _overlaps(start, end, window_start, window_end):
            continue
        if start in overridden or _is_excluded(series, start):
            continue
        out.append(
            Occurrence(
                event_id=event.id,
                series_id=event.id,
                start=start,
                end=end,
                all_day=event.all_day,
                title=event.title,
                kind=event.kind,
                is_override=False,
                original_start=start,
                start_tz=event.start_tz,
                end_tz=event.end_tz,
                confidential=event.confidential,
            )
        )
    return out


def expand(
    events: Iterable[EventLike],
    window_start: datetime,
    window_end: datetime,
    *,
    on_error: Callable[[EventLike, RuleError], None] | None = None,
) -> list[Occurrence]:
    """The occurrences that overlap [window_start, window_end), sorted by start.

    `events` should hold the single events and overrides that may touch the window (an override counts
    when its start or its `recurrence_id` is near the window, since it both adds and removes a time)
    and every series that may. A series is expanded in its `start_tz`; EXDATEs are dropped; an override
    row replaces the occurrence whose original start equals its `recurrence_id` and is shown at its own
    time (even when it no longer matches an occurrence, so nothing the user made is hidden).

    A row with an unreadable rule, EXDATE or zone raises RuleError, or, when `on_error` is given, is
    reported to it and skipped, so one bad imported event does not blank the agenda.
    """
    _require_aware(window_start, "window_start")
    _require_aware(window_end, "window_end")
    ws, we = window_start.astimezone(UTC), window_end.astimezone(UTC)
    if we <= ws:
        return []
    out: list[Occurrence] = []
    series_rows: list[EventLike] = []
    overridden: dict[str, set[datetime]] = {}
    slack_start, slack_end = ws - 2 * _DAY, we + 2 * _DAY
    for event in events:
        if event.rrule:
            series_rows.append(event)
            continue
        recurrence_id, series_id = event.recurrence_id, event.series_id
        is_override = recurrence_id is not None and bool(series_id)
        try:
            if recurrence_id is not None and series_id:
                overridden.setdefault(series_id, set()).add(recurrence_id.astimezone(UTC))
            start, end = event.start, event.end
            if end < start:
                end = start
            if event.all_day:
                # Stored near its local midnights: a cheap test first, the exact span only if close.
                if not (start < slack_end and end > slack_start):
                    continue
                start, end = _span_of(event)
            elif _overlaps(start, end, ws, we):
                start, end = start.astimezone(UTC), end.astimezone(UTC)
            else:
                continue
            if _overlaps(start, end, ws, we):
                out.append(_single_occurrence(event, start, end, is_override=is_override))
        except RuleError as exc:
            if on_error is None:
                raise
            on_error(event, exc)
    for event in series_rows:
        try:
            out.extend(_expand_series(_series(event), ws, we, overridden.get(event.id, ())))
        except RuleError as exc:
            if on_error is None:
                raise
            on_error(event, exc)
    out.sort(key=_sort_key)
    return out


def is_occurrence(series: EventLike, original_start: datetime) -> bool:
    """Whether the series' rule generates an occurrence starting at `original_start` (EXDATEs ignored)."""
    _require_aware(original_start, "original_start")
    at = original_start.astimezone(UTC)
    return any(start == at for start, _end in _instances(_series(series), at, at))


def count_as_until(series: EventLike) -> str:
    """The series' rule with COUNT=n written as UNTIL at the start of its n-th instance (the same instances).

    UNTIL is a UTC date-time for a timed series and a DATE for an all-day one (RFC 5545 3.3.10). A rule
    without COUNT, or whose instances cannot be found, comes back unchanged (normalised by `format_rule`).
    Calendar files need it for clients that count COUNT after removing the EXDATEs (calcurse does).
    """
    plan = _series(series)
    rule = plan.rule
    if rule.count is None:
        return format_rule(rule)
    starts = _first_starts(rule, plan.dtstart, plan.until, rule.count)
    if not starts:
        return format_rule(rule)
    last = starts[-1]
    until: datetime | date = last.date() if series.all_day else last.replace(tzinfo=plan.tz).astimezone(UTC)
    return format_rule(replace(rule, count=None, until=until))


@dataclass(frozen=True)
class _Expanded:
    """A remembered window's occurrences (by start, as `expand` gives them), ready to be cut by bisection."""

    occurrences: tuple[Occurrence, ...]
    starts: list[datetime]
    longest: timedelta
    """The longest occurrence: how long before a window an occurrence overlapping it can start."""

    @classmethod
    def of(cls, occurrences: Sequence[Occurrence]) -> _Expanded:
        return cls(
            tuple(occurrences),
            [o.start for o in occurrences],
            max((o.end - o.start for o in occurrences), default=timedelta(0)),
        )

    def cut(self, start: datetime, end: datetime) -> list[Occurrence]:
        """The occurrences touching [start, end) (UTC), found by bisection: only those starting before
        `start` are looked at one by one (any starting at or after it and before `end` touches it)."""
        first = bisect.bisect_left(self.starts, start - self.longest)
        middle = bisect.bisect_left(self.starts, start, first)
        last = bisect.bisect_left(self.starts, end, middle)
        head = self.occurrences[first:middle]
        return [o for o in head if _overlaps(o.start, o.end, start, end)] + list(
            self.occurrences[middle:last]
        )


class OccurrenceCache:
    """Expanded windows, remembered per data version, so paging a week forward and back does not re-expand.

    `version` is any value that changes whenever events change (the store's last change-log sequence
    number, say): a new version drops everything remembered. A window inside a remembered one is cut
    from it instead of being expanded again. `invalidate()` forgets everything explicitly.
    """

    def __init__(self, max_windows: int = 16) -> None:
        self.max_windows = max_windows
        """How many windows to remember (least recently used ones are dropped)."""
        self.hits = 0
        """Windows answered from memory (for tests and the benchmark)."""
        self.misses = 0
        """Windows that had to be expanded."""
        self._version: Hashable = object()
        self._windows: OrderedDict[tuple[datetime, datetime], _Expanded] = OrderedDict()

    def get(
        self,
        window_start: datetime,
        window_end: datetime,
        version: Hashable,
        load: Callable[[datetime, datetime], Iterable[EventLike]],
        *,
        on_error: Callable[[EventLike, RuleError], None] | None = None,
    ) -> list[Occurrence]:
        """The occurrences of the window; `load(start, end)` is called only when they must be expanded."""
        _require_aware(window_start, "window_start")
        _require_aware(window_end, "window_end")
        if version != self._version:
            self.invalidate()
            self._version = version
        key = (window_start.astimezone(UTC), window_end.astimezone(UTC))
        found = self._windows.get(key)
        if found is not None:
            self._windows.move_to_end(key)
            self.hits += 1
            return list(found.occurrences)
        for (start, end), expanded in reversed(self._windows.items()):
            if start <= key[0] and key[1] <= end:
                self.hits += 1
                return expanded.cut(*key)
        self.misses += 1
        result = expand(load(window_start, window_end), window_start, window_end, on_error=on_error)
        self._windows[key] = _Expanded.of(result)
        while len(self._windows) > self.max_windows:
            self._windows.popitem(last=False)
        return result

    def invalidate(self) -> None:
        """Forget every remembered window (call after any change to events)."""
        self._windows.clear()


# --- editing series ----------------------------------------------------------------------------------------


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class SeriesSplit:
    """What "this and following" does to a series: the old row keeps the past, a new row takes the rest.

    The caller updates the old row's `rrule` and `exdates` (or deletes it when `truncated_rule` is None:
    the split was at the first occurrence, so the whole series changes), inserts a new series row with
    `new_rule`, `new_start`, `new_end`, `new_exdates` (and the old row's other fields and the edits), and
    re-points the override rows listed in `moved_override_ids` to the new series.
    """

    truncated_rule: str | None
    """The old series' rule, now ending just before the split (UNTIL, or COUNT for a COUNT rule)."""
    new_rule: str
    """The new series' rule (a COUNT rule gets the remaining count)."""
    new_start: datetime
    """First start of the new series: the occurrence split at (UTC)."""
    new_end: datetime
    """End of that first occurrence (UTC)."""
    truncated_exdates: str
    """EXDATEs before the split, kept on the old series."""
    new_exdates: str
    """EXDATEs at or after the split, moved to the new series."""
    moved_override_ids: tuple[str, ...]
    """Override rows at or after the split, to re-point to the new series."""


def split_series(
    series: EventLike, at_original_start: datetime, overrides: Iterable[EventLike] = ()
) -> SeriesSplit:
    """Split `series` at the occurrence originally starting at `at_original_start` ("this and following").

    Occurrences before the split keep exactly their times: the old rule is cut with UNTIL one second
    before the split (a day before, as a DATE, for all-day series) or, for a COUNT rule, with COUNT set
    to the number of occurrences before the split, the rest of the count moving to the new series.
    Raises ValueError when the series has no occurrence at that time.
    """
    _require_aware(at_original_start, "at_original_start")
    plan = _series(series)
    at = at_original_start.astimezone(UTC)
    if not is_occurrence(series, at):
        raise ValueError(f"{series.id} has no occurrence starting at {at.isoformat()}")
    rule = plan.rule
    at_local = at.astimezone(plan.tz).replace(tzinfo=None)
    truncated: Rule | None
    new: Rule
    if rule.count is not None:
        starts = _first_starts(rule, plan.dtstart, plan.until, rule.count)
        before = sum(1 for start in starts if start.replace(tzinfo=plan.tz).astimezone(UTC) < at)
        truncated = replace(rule, count=before) if before else None
        new = replace(rule, count=rule.count - before)
    else:
        first_local = _first_starts(rule, plan.dtstart, plan.until, 1)[0]
        first = first_local.replace(tzinfo=plan.tz).astimezone(UTC)
        if first >= at:
            truncated = None
        elif series.all_day:
            truncated = replace(rule, until=at_local.date() - _DAY)
        else:
            truncated = replace(rule, until=at - timedelta(seconds=1))
        new = rule
    if series.all_day:
        new_end = datetime.combine(at_local.date() + timedelta(days=plan.days), time(), tzinfo=plan.tz)
        new_end = new_end.astimezone(UTC)
    else:
        new_end = at + plan.duration
    old_exdates: list[str] = []
    new_exdates: list[str] = []
    for token in (t.strip() for t in (series.exdates or "").split(",")):
        if not token:
            continue
        single_instants, single_days = _parse_exdates(token, plan.tz)
        later = any(value >= at for value in single_instants) or any(
            d >= at_local.date() for d in single_days
        )
        (new_exdates if later else old_exdates).append(token)
    moved = tuple(
        o.id
        for o in overrides
        if o.series_id == series.id and o.recurrence_id is not None and o.recurrence_id.astimezone(UTC) >= at
    )
    return SeriesSplit(
        truncated_rule=None if truncated is None else format_rule(truncated),
        new_rule=format_rule(new),
        new_start=at,
        new_end=new_end,
        truncated_exdates=",".join(old_exdates),
        new_exdates=",".join(new_exdates),
        moved_override_ids=moved,
    )


def exclude(series: EventLike, original_start: datetime) -> str:
    """The series' new `exdates` after deleting just the occurrence originally at `original_start`.

    The caller also deletes an override row of that occurrence if there is one. Raises ValueError when the
    series has no such occurrence (a typo'd EXDATE would silently do nothing).
    """
    _require_aware(original_start, "original_start")
    if not is_occurrence(series, original_start):
        raise ValueError(f"{series.id} has no occurrence starting at {original_start.isoformat()}")
    at = original_start.astimezone(UTC)
    tokens = [t.strip() for t in (series.exdates or "").split(",") if t.strip()]
    instants, _days = _parse_exdates(",".join(tokens), zone(series.start_tz))
    if at not in instants:
        tokens.append(_utc_iso(at))
    return ",".join(tokens)


@dataclass(frozen=True)
class OverrideDraft:
    """The field values of a new override row for "change this one" (insert with `as_fields()`)."""

    series_id: str
    recurrence_id: datetime
    """The original start of the occurrence replaced (UTC)."""
    title: str
    kind: str
    start: datetime
    end: datetime
    start_tz: str
    end_tz: str
    all_day: bool
    confidential: bool

    def as_fields(self) -> dict[str, Any]:
        """Keyword arguments for the store's Event row (`rrule` None, no EXDATEs: an override is single)."""
        return {
            "series_id": self.series_id,
            "recurrence_id": self.recurrence_id,
            "title": self.title,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "start_tz": self.start_tz,
            "end_tz": self.end_tz,
            "all_day": self.all_day,
            "confidential": self.confidential,
            "rrule": None,
            "exdates": "",
        }


def override_for(
    series: EventLike,
    original_start: datetime,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    title: str | None = None,
    kind: str | None = None,
) -> OverrideDraft:
    """An override replacing one occurrence of `series`; unchanged fields default to the occurrence's.

    Moving the start without giving an end keeps the occurrence's length. Raises ValueError when the
    series has no occurrence at `original_start`.
    """
    _require_aware(original_start, "original_start")
    plan = _series(series)
    at = original_start.astimezone(UTC)
    instances = [pair for pair in _instances(plan, at, at) if pair[0] == at]
    if not instances:
        raise ValueError(f"{series.id} has no occurrence starting at {at.isoformat()}")
    original_end = instances[0][1]
    new_start = (start or at).astimezone(UTC)
    new_end = end.astimezone(UTC) if end is not None else new_start + (original_end - at)
    if new_end < new_start:
        raise ValueError("an override cannot end before it starts")
    return OverrideDraft(
        series_id=series.id,
        recurrence_id=at,
        title=series.title if title is None else title,
        kind=series.kind if kind is None else kind,
        start=new_start,
        end=new_end,
        start_tz=series.start_tz,
        end_tz=series.end_tz,
        all_day=series.all_day,
        confidential=series.confidential,
    )


# --- conflicts ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """冲突: two busy occurrences that overlap, or whose gap is shorter than the buffer they need.

    `a` starts first (ties: ends first). A gap next to a travel event needs the travel buffer (the car
    to the airport), any other gap the ordinary buffer; back-to-back events conflict whenever the
    buffer is positive.
    """

    a: Occurrence
    b: Occurrence
    kind: Literal["overlap", "tight"]
    overlap: timedelta
    """How long both run at once (zero for 'tight')."""
    gap: timedelta
    """The gap between them (zero for 'overlap')."""

    @property
    def overlap_minutes(self) -> int:
        """Overlap in whole minutes, rounded up (any overlap is at least one minute)."""
        return -int(-self.overlap.total_seconds() // 60)

    @property
    def gap_minutes(self) -> int:
        """Gap in whole minutes, rounded down."""
        return int(self.gap.total_seconds() // 60)


def _required_gap(a: Occurrence, b: Occurrence, buffer: timedelta, travel_buffer: timedelta) -> timedelta:
    if a.kind == TRAVEL or b.kind == TRAVEL:
        return max(buffer, travel_buffer)
    return buffer


def _sweep(
    items: Sequence[Occurrence],
    buffer: timedelta,
    travel_buffer: timedelta,
    wanted: Callable[[Occurrence, Occurrence], bool] | None = None,
) -> list[Conflict]:
    """All conflicting pairs among busy `items` by a sweep line in start order.

    An occurrence leaves the active heap once its end plus the largest buffer is at or before the next
    start: nothing starting later can touch it. Cost: O(n log n) plus the pairs examined.
    """
    reach = max(buffer, travel_buffer, timedelta(0))
    ordered = sorted((o for o in items if o.busy), key=_sort_key)
    active: list[tuple[datetime, int]] = []
    out: list[Conflict] = []
    for index, b in enumerate(ordered):
        while active and active[0][0] <= b.start:
            heapq.heappop(active)
        for _reach, other in active:
            a = ordered[other]
            if wanted is not None and not wanted(a, b):
                continue
            if a.end > b.start:
                overlap = min(a.end, b.end) - b.start
                out.append(Conflict(a, b, "overlap", overlap, timedelta(0)))
            else:
                gap = b.start - a.end
                if gap < _required_gap(a, b, buffer, travel_buffer):
                    out.append(Conflict(a, b, "tight", timedelta(0), gap))
        heapq.heappush(active, (b.end + reach, index))
    out.sort(key=lambda c: (_sort_key(c.a), _sort_key(c.b)))
    return out


def find_conflicts(
    occurrences: Sequence[Occurrence],
    buffer: timedelta = timedelta(0),
    travel_buffer: timedelta = timedelta(0),
) -> list[Conflict]:
    """Every pair of busy occurrences that overlap or sit closer than their buffer, earliest first.

    Only busy occurrences count (see `Occurrence.busy`): all-day events other than travel never
    conflict; an all-day travel day conflicts with whatever else is planned that day.
    """
    return _sweep(occurrences, buffer, travel_buffer)


def check_new(
    candidates: Sequence[Occurrence],
    existing: Sequence[Occurrence],
    buffer: timedelta = timedelta(0),
    travel_buffer: timedelta = timedelta(0),
    *,
    ignore_event_ids: Collection[str] = (),
) -> list[Conflict]:
    """Conflicts between an event being typed (its occurrences) and the agenda, for the live warning.

    Existing occurrences of the same row as a candidate (its old version while editing), the
    occurrence a candidate override replaces, and rows in `ignore_event_ids` are left out.
    Conflicts among the candidates themselves or among existing events are not reported.
    """
    candidate_ids = {c.event_id for c in candidates}
    replaced = {c.key for c in candidates if c.is_override}
    others = [
        o
        for o in existing
        if o.event_id not in candidate_ids and o.event_id not in ignore_event_ids and o.key not in replaced
    ]
    marked = {id(c) for c in candidates}

    def one_new(a: Occurrence, b: Occurrence) -> bool:
        return (id(a) in marked) != (id(b) in marked)

    return _sweep([*candidates, *others], buffer, travel_buffer, one_new)


# --- free slots -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """空闲时段: a proposed time for a meeting, and the free stretch around it."""

    start: datetime
    """Proposed start (UTC), aligned to the granularity in the working-hours zone."""
    end: datetime
    """Proposed end (UTC): start + duration."""
    gap_start: datetime
    """Start of the free stretch (after buffers, within working hours) the slot sits in."""
    gap_end: datetime
    """End of that stretch."""

    @property
    def gap(self) -> timedelta:
        """Length of the free stretch."""
        return self.gap_end - self.gap_start


@dataclass(frozen=True)
class WorkingTime:
    """When meetings may be put: working hours in a zone, on working days. Shared by the slot finders."""

    hours: tuple[time, time] = (time(9), time(18))
    """Start and end of the working day (local)."""
    zone_name: str = "Asia/Shanghai"
    """The zone the working hours are in."""
    days: frozenset[int] = frozenset(range(5))
    """Allowed weekdays, 0 = Monday (Mon-Fri by default)."""
    holidays: Callable[[date], object] | None = None
    """A day for which this is truthy is not worked (e.g. holidays.is_holiday)."""
    is_workday: Callable[[date], bool | None] | None = None
    """When given, decides for each day (e.g. holidays.is_workday, which knows 调休 Saturdays); when it
    answers None (a year it does not cover) `days` and `holidays` decide instead."""

    def works_on(self, day: date) -> bool:
        """Whether meetings may be put on `day`."""
        if self.is_workday is not None:
            verdict = self.is_workday(day)
            if verdict is not None:
                return verdict
        if day.weekday() not in self.days:
            return False
        return not (self.holidays is not None and self.holidays(day))

    def windows(self, range_start: datetime, range_end: datetime) -> list[tuple[datetime, datetime]]:
        """The working windows (UTC) within [range_start, range_end), one per working day."""
        begin, finish = self.hours
        if finish <= begin:
            raise ValueError("working hours must end after they start on the same day")
        tz = zone(self.zone_name)
        day = range_start.astimezone(tz).date()
        last = range_end.astimezone(tz).date()
        out: list[tuple[datetime, datetime]] = []
        while day <= last:
            if self.works_on(day):
                w0 = max(datetime.combine(day, begin, tzinfo=tz).astimezone(UTC), range_start)
                w1 = min(datetime.combine(day, finish, tzinfo=tz).astimezone(UTC), range_end)
                if w1 > w0:
                    out.append((w0, w1))
            day += _DAY
        return out


def _blocked(
    busy: Iterable[Occurrence], buffer: timedelta, travel_buffer: timedelta, travelling: bool
) -> list[tuple[datetime, datetime]]:
    """Merged stretches where a new event may not be (busy time widened by the buffer it needs)."""
    spans: list[tuple[datetime, datetime]] = []
    for o in busy:
        if not o.busy:
            continue
        need = max(buffer, travel_buffer) if travelling or o.kind == TRAVEL else buffer
        spans.append((o.start - need, o.end + need))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _free_pieces(
    windows: Sequence[tuple[datetime, datetime]], blocked: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The parts of the working windows outside every blocked stretch (both lists sorted)."""
    out: list[tuple[datetime, datetime]] = []
    ends = [end for _start, end in blocked]
    for w0, w1 in windows:
        cursor = w0
        i = bisect.bisect_right(ends, w0)
        while i < len(blocked) and blocked[i][0] < w1:
            b0, b1 = blocked[i]
            if b0 > cursor:
                out.append((cursor, b0))
            cursor = max(cursor, b1)
            i += 1
        if cursor < w1:
            out.append((cursor, w1))
    return out


def _align(moment: datetime, tz: tzinfo, step: timedelta | None, up: bool) -> datetime:
    """`moment` moved to a multiple of `step` after local midnight (up or down); UTC."""
    if not step:
        return moment
    local = moment.astimezone(tz).replace(tzinfo=None)
    midnight = datetime.combine(local.date(), time())
    steps, rest = divmod(local - midnight, step)
    if up and rest:
        steps += 1
    result = (midnight + steps * step).replace(tzinfo=tz).astimezone(UTC)
    # Around a DST change wall time and elapsed time disagree: keep the promised direction.
    while up and result < moment:
        result += step
    while not up and result > moment:
        result -= step
    return result


def free_slots(
    busy: Iterable[Occurrence],
    duration: timedelta,
    range_start: datetime,
    range_end: datetime,
    working_hours: tuple[time, time] = (time(9), time(18)),
    zone_name: str = "Asia/Shanghai",
    buffer: timedelta = timedelta(0),
    days: Collection[int] = frozenset(range(5)),
    holidays: Callable[[date], object] | None = None,
    *,
    travel_buffer: timedelta | None = None,
    is_workday: Callable[[date], bool | None] | None = None,
    granularity: timedelta = timedelta(minutes=15),
    kind: str = "meeting",
    limit: int | None = None,
) -> list[Slot]:
    """Free stretches of working time long enough for a `duration` meeting, one slot per stretch.

    Busy is every busy occurrence (the caller merges attendees' calendars in). A slot keeps `buffer`
    (and `travel_buffer` next to travel; both when `kind` is travel) from busy time, so placing the
    meeting there raises no conflict in `check_new`. It is placed at the start of its stretch, rounded
    up to `granularity` in local time (a meeting after one ending 10:50 is offered at 11:00); placing
    it first leaves the rest of the stretch in one piece.

    Ranking: earliest first. The stretches are disjoint, so no two slots share a start and no further
    tie-break is needed; `Slot.gap` lets the UI show how much room each leaves.
    """
    for value, what in ((range_start, "range_start"), (range_end, "range_end")):
        _require_aware(value, what)
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    work = WorkingTime(working_hours, zone_name, frozenset(days), holidays, is_workday)
    tz = zone(zone_name)
    travel = buffer if travel_buffer is None else travel_buffer
    pieces = _free_pieces(
        work.windows(range_start.astimezone(UTC), range_end.astimezone(UTC)),
        _blocked(busy, buffer, travel, kind == TRAVEL),
    )
    out: list[Slot] = []
    for g0, g1 in pieces:
        start = _align(g0, tz, granularity, up=True)
        if start + duration <= g1:
            out.append(Slot(start, start + duration, g0, g1))
            if limit is not None and len(out) >= limit:
                break
    return out


def nearest_slots(
    target: Occurrence | Conflict,
    busy: Iterable[Occurrence],
    working_hours: tuple[time, time] = (time(9), time(18)),
    zone_name: str = "Asia/Shanghai",
    buffer: timedelta = timedelta(0),
    days: Collection[int] = frozenset(range(5)),
    holidays: Callable[[date], object] | None = None,
    *,
    travel_buffer: timedelta | None = None,
    is_workday: Callable[[date], bool | None] | None = None,
    granularity: timedelta = timedelta(minutes=15),
    search: timedelta = timedelta(days=7),
    not_before: datetime | None = None,
    limit: int = 3,
) -> list[Slot]:
    """The free times nearest to where `target` is now, to offer when it conflicts.

    For a Conflict the later occurrence (`b`) is the one moved. It keeps its length; `busy` may include
    the target itself (it is left out). Slots lie within `search` of the current start and not before
    `not_before` (pass `now`). Ranked by distance from the current start, then earlier first; at most
    one slot per free stretch, placed as close as the granularity allows.
    """
    moved = target.b if isinstance(target, Conflict) else target
    duration = moved.duration
    if duration <= timedelta(0):
        return []
    lower = moved.start - search
    if not_before is not None:
        _require_aware(not_before, "not_before")
        lower = max(lower, not_before.astimezone(UTC))
    upper = moved.end + search
    if upper <= lower:
        return []
    work = WorkingTime(working_hours, zone_name, frozenset(days), holidays, is_workday)
    tz = zone(zone_name)
    travel = buffer if travel_buffer is None else travel_buffer
    others = [
        o for o in busy if not (o.event_id == moved.event_id and o.original_start == moved.original_start)
    ]
    pieces = _free_pieces(work.windows(lower, upper), _blocked(others, buffer, travel, moved.kind == TRAVEL))
    ranked: list[tuple[timedelta, datetime, Slot]] = []
    for g0, g1 in pieces:
        latest = g1 - duration
        if latest < g0:
            continue
        wanted = min(max(moved.start, g0), latest)
        choices = [
            c
            for c in (_align(wanted, tz, granularity, up=False), _align(wanted, tz, granularity, up=True))
            if g0 <= c <= latest
        ]
        if not choices:
            continue
        best = min(choices, key=lambda c: (abs(c - moved.start), c))
        ranked.append((abs(best - moved.start), best, Slot(best, best + duration, g0, g1)))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [slot for _distance, _start, slot in ranked[:limit]]


# --- preparation ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrepStep:
    """One step of a preparation template: what to have ready, how long before the meeting."""

    key: str
    """Stable word for programs and translations (agenda, papers, car, materials)."""
    label: str
    """English label; the UI translates it."""
    before: timedelta
    """Due this long before the start: whole days count in local calendar days, the rest in hours."""

    @property
    def offset_minutes(self) -> int:
        """The store's PrepItem.offset_minutes for this step."""
        return int(self.before.total_seconds() // 60)


DEFAULT_PREP_STEPS: tuple[PrepStep, ...] = (
    PrepStep("agenda", "Agenda", timedelta(days=3)),
    PrepStep("papers", "Background papers", timedelta(days=1)),
    PrepStep("materials", "Materials", timedelta(days=1)),
    PrepStep("car", "Car and route", timedelta(hours=2)),
)
"""会前准备 defaults: agenda 3 days before, papers and materials 1 day before, car and route 2 hours before."""


def prep_due(event_start: datetime, before: timedelta, zone_name: str) -> datetime:
    """When a step `before` the meeting is due (UTC).

    Whole days are counted in local calendar days in `zone_name` (three days before a 09:00 meeting is
    09:00 local, even across a DST change); the remainder is elapsed time.
    """
    _require_aware(event_start, "event_start")
    local = event_start.astimezone(zone(zone_name))
    day_part = timedelta(days=before.days)
    return (local - day_part).astimezone(UTC) - (before - day_part)


@dataclass(frozen=True)
class PrepTemplate:
    """A list of preparation steps; `due_dates` counts each back from a meeting's start."""

    steps: tuple[PrepStep, ...] = DEFAULT_PREP_STEPS

    def due_dates(self, event_start: datetime, zone_name: str) -> list[tuple[PrepStep, datetime]]:
        """Each step with its due time (UTC), earliest first."""
        dated = [(step, prep_due(event_start, step.before, zone_name)) for step in self.steps]
        return sorted(dated, key=lambda pair: pair[1])


class PrepItemLike(Protocol):
    """The attribute of a store PrepItem that the flag reads."""

    @property
    def done(self) -> bool:
        """Whether the step is done."""


def prep_flag(
    event_start: datetime,
    items: Iterable[PrepItemLike],
    now: datetime,
    horizon: timedelta = timedelta(hours=48),
) -> bool:
    """True when the meeting starts within `horizon` from `now` (not yet started) and a step is not done."""
    _require_aware(event_start, "event_start")
    _require_aware(now, "now")
    if not now <= event_start <= now + horizon:
        return False
    return any(not item.done for item in items)


# --- trips -------------------------------------------------------------------------------------------------


def trip_local_times(event: EventLike) -> tuple[datetime, datetime]:
    """(start in `start_tz`, end in `end_tz`): a flight leaves in Beijing time and lands in Frankfurt time."""
    return event.start.astimezone(zone(event.start_tz)), event.end.astimezone(zone(event.end_tz))


def _offset_text(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "-"
    hours, rest = divmod(abs(int(offset.total_seconds())) // 60, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_flight(event: EventLike, origin: str | None = None, destination: str | None = None) -> str:
    """One line with both local times, the UTC offsets and the flying time, e.g.

    "Beijing 2026-03-29 13:00 UTC+8 → Frankfurt 2026-03-29 17:30 UTC+2 (10h30m)"; "+1" follows a
    landing time on a later local date. Place names default to the zones' cities. Only digits and
    symbols besides the names, so it reads the same in English and Chinese.
    """
    depart, arrive = trip_local_times(event)
    origin = origin or event.start_tz.rsplit("/", 1)[-1].replace("_", " ")
    destination = destination or event.end_tz.rsplit("/", 1)[-1].replace("_", " ")
    minutes = int((event.end - event.start).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    shift = (arrive.date() - depart.date()).days
    day_mark = f"{shift:+d}" if shift else ""
    return (
        f"{origin} {depart:%Y-%m-%d %H:%M} {_offset_text(depart)} → "
        f"{destination} {arrive:%Y-%m-%d %H:%M}{day_mark} {_offset_text(arrive)} ({hours}h{rest:02d}m)"
    )


__all__ = [
    "DEFAULT_PREP_STEPS",
    "TRAVEL",
    "UTC",
    "Conflict",
    "EventLike",
    "Occurrence",
    "OccurrenceCache",
    "OverrideDraft",
    "PrepItemLike",
    "PrepStep",
    "PrepTemplate",
    "Rule",
    "RuleError",
    "SeriesSplit",
    "Slot",
    "WorkingTime",
    "all_day_span",
    "check_new",
    "count_as_until",
    "exclude",
    "expand",
    "find_conflicts",
    "format_flight",
    "format_rule",
    "free_slots",
    "is_occurrence",
    "nearest_slots",
    "override_for",
    "parse_rule",
    "prep_due",
    "prep_flag",
    "split_series",
    "trip_local_times",
    "zone",
]
