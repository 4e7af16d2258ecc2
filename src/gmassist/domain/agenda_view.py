"""日程 views, the pure part: periods, the time grid's layout, conflict flags, reminders and typed dates.

Everything the agenda screen and the `gmassist agenda` command compute that is not drawing or storage:

* **Periods** (`View`, `period`, `shift`, `week_start`, `month_weeks`): which days a day, week, month or
  agenda view shows, and where h/l go.
* **Grid layout** (`lay_out_day`): timed occurrences of one day placed on half-hour rows, overlapping ones
  side by side in lanes (the interval-partitioning greedy, O(n log n)).
* **Conflict flags** (`conflicted`): which busy occurrences take part in at least one conflict, with the
  same rule as `agenda.find_conflicts` but without listing every pair: one sort and two linear passes,
  so 52 weeks of a crowded calendar are flagged in milliseconds while the pairs themselves are only
  computed (by `agenda.check_new`) for the occurrences someone looks at.
* **Reminders** (`parse_reminders`, `due_reminders`): "15,60" minutes before, and which fall due when.
* **Typed dates** (`read_day`, `read_week`): "明天", "下周", "next monday", "2026-12-01", read with the
  quick-add parser so every form it knows works here too; a part not understood is named.
* **Moving a series** (`move_rule`): a rule pinned to a weekday, a day of the month or an hour follows
  the occurrence when an edit moves it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from gmassist.domain.agenda import TRAVEL, Occurrence, format_rule, parse_rule
from gmassist.domain.agenda import zone as zone_named
from gmassist.errors import InvalidInput
from gmassist.i18n import N_, _

SLOT = timedelta(minutes=30)
"""One row of the day and week grids."""
SLOTS_PER_DAY = 48
"""Rows of a grid day: 00:00 to 24:00 in half hours."""
AGENDA_DAYS = 14
"""Days the agenda list shows from its first day."""


class View(StrEnum):
    """The four views of the agenda screen."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    AGENDA = "agenda"


# --- periods --------------------------------------------------------------------------------------------


def week_start(day: date, starts_monday: bool = True) -> date:
    """The first day of the week holding `day` (Monday, or Sunday when `starts_monday` is False)."""
    first = 0 if starts_monday else 6
    return day - timedelta(days=(day.weekday() - first) % 7)


def month_weeks(year: int, month: int, starts_monday: bool = True) -> list[list[date]]:
    """The six weeks of a month grid (always six rows, so the grid never jumps in height)."""
    first = week_start(date(year, month, 1), starts_monday)
    return [[first + timedelta(days=7 * row + column) for column in range(7)] for row in range(6)]


def period(view: View, anchor: date, starts_monday: bool = True) -> tuple[date, int]:
    """(first day, number of days) a view shows around `anchor`."""
    if view is View.DAY:
        return anchor, 1
    if view is View.WEEK:
        return week_start(anchor, starts_monday), 7
    if view is View.MONTH:
        weeks = month_weeks(anchor.year, anchor.month, starts_monday)
        return weeks[0][0], 42
    return anchor, AGENDA_DAYS


def shift(view: View, anchor: date, steps: int) -> date:
    """Where h (-1) and l (+1) take the anchor: a day, a week, a month, or a week of the agenda list."""
    if view is View.DAY:
        return anchor + timedelta(days=steps)
    if view is View.MONTH:
        return anchor + relativedelta(months=steps)
    return anchor + timedelta(weeks=steps)


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) of `day` in `zone`, as UTC instants."""
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start, end


def days_bounds(first: date, days: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """[midnight of `first`, midnight after the last of `days` days) in `zone`, as UTC instants."""
    return day_bounds(first, zone)[0], day_bounds(first + timedelta(days=days - 1), zone)[1]


# --- grid layout ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    """One timed occurrence's block in one day column of the grid."""

    occurrence: Occurrence
    first_slot: int
    """First half-hour row it covers (0 = 00:00)."""
    last_slot: int
    """Row after the last one it covers (exclusive; 48 = midnight)."""
    lane: int
    """Which of the side-by-side lanes it takes (0 = leftmost)."""
    lanes: int
    """How many lanes its group of overlapping blocks needs: the column is split this many ways."""
    continues_before: bool = False
    """It started on an earlier day (the block's first row is not its start)."""
    continues_after: bool = False
    """It ends on a later day."""


def _slot_of(moment: datetime, zone: tzinfo, day: date, round_up: bool) -> int:
    """The half-hour row of `moment` on `day` in `zone` (wall time; clipped to 0..48)."""
    local = moment.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return SLOTS_PER_DAY
    minutes = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
    whole, rest = divmod(minutes, 30)
    return min(SLOTS_PER_DAY, whole + (1 if round_up and rest else 0))


def lay_out_day(occurrences: Iterable[Occurrence], day: date, zone: tzinfo) -> list[Placed]:
    """The blocks of `day`'s timed occurrences (all-day ones are shown apart, in the header).

    Rows are wall-clock half hours in `zone`. A block covers at least one row. Blocks that overlap (by
    rows, so two 10-minute meetings in one half hour sit side by side too) form a group; each takes the
    leftmost lane free when it starts, and the group's width is split by its number of lanes.
    """
    start_utc, end_utc = day_bounds(day, zone)
    items: list[tuple[int, int, Occurrence, bool, bool]] = []
    for o in occurrences:
        if o.all_day:
            continue
        if o.end > o.start:
            if not (o.start < end_utc and o.end > start_utc):
                continue
            if o.start <= start_utc and o.end >= end_utc:
                continue  # covers the whole day: shown in the header with the all-day ones
        elif not start_utc <= o.start < end_utc:
            continue
        first = _slot_of(max(o.start, start_utc), zone, day, round_up=False)
        last = _slot_of(min(o.end, end_utc), zone, day, round_up=True) if o.end < end_utc else SLOTS_PER_DAY
        first = min(first, SLOTS_PER_DAY - 1)
        last = max(last, first + 1)
        items.append((first, last, o, o.start < start_utc, o.end > end_utc))
    items.sort(key=lambda item: (item[0], -item[1], item[2].start, item[2].event_id))
    placed: list[Placed] = []
    group: list[tuple[int, int, Occurrence, bool, bool, int]] = []
    lane_ends: list[int] = []
    group_end = -1

    def close_group() -> None:
        lanes = len(lane_ends)
        for first, last, o, before, after, lane in group:
            placed.append(Placed(o, first, last, lane, lanes, before, after))

    for first, last, o, before, after in items:
        if group and first >= group_end:
            close_group()
            group, lane_ends, group_end = [], [], -1
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= first:
                lane_ends[lane] = last
                break
        else:
            lane = len(lane_ends)
            lane_ends.append(last)
        group.append((first, last, o, before, after, lane))
        group_end = max(group_end, last)
    if group:
        close_group()
    return placed


_NEAR_DAY = timedelta(days=2)
"""More than any two zones' offsets differ by: an all-day event is read in its own zone."""


def by_day(occurrences: Iterable[Occurrence], first: date, days: int, zone: tzinfo) -> list[list[Occurrence]]:
    """For each of `days` days from `first`, the occurrences that may touch it (in order), from one pass:
    a superset for `lay_out_day`, `all_day_on` and `on_day`, which then look at a day's few instead of
    every occurrence of the page (a week or a month laid out day by day)."""
    out: list[list[Occurrence]] = [[] for _ in range(days)]
    for o in occurrences:
        low = max(0, ((o.start - _NEAR_DAY).astimezone(zone).date() - first).days)
        high = min(days - 1, ((o.end + _NEAR_DAY).astimezone(zone).date() - first).days)
        for index in range(low, high + 1):
            out[index].append(o)
    return out


def all_day_on(occurrences: Iterable[Occurrence], day: date, zone: tzinfo) -> list[Occurrence]:
    """The all-day occurrences (read in their own zone) and the timed ones covering the whole of `day`:
    what the grid shows in a day's header rather than as a block."""
    start_utc, end_utc = day_bounds(day, zone)
    out = []
    for o in occurrences:
        if o.all_day:
            own = zone_named(o.start_tz)
            first = o.start.astimezone(own).date()
            last = max(first, (o.end - timedelta(microseconds=1)).astimezone(own).date())
            if first <= day <= last:
                out.append(o)
        elif o.start <= start_utc and o.end >= end_utc:
            out.append(o)
    return out


def on_day(occurrences: Iterable[Occurrence], day: date, zone: tzinfo) -> list[Occurrence]:
    """Every occurrence touching `day` (all-day ones first, then by start): a month cell, a list day."""
    start_utc, end_utc = day_bounds(day, zone)
    whole = all_day_on(occurrences, day, zone)
    seen = {id(o) for o in whole}
    timed = [
        o
        for o in occurrences
        if id(o) not in seen
        and not o.all_day
        and (
            (o.start < end_utc and o.end > start_utc) or (o.end <= o.start and start_utc <= o.start < end_utc)
        )
    ]
    return whole + sorted(timed, key=lambda o: (o.start, o.end, o.event_id))


# --- conflict flags -------------------------------------------------------------------------------------


def conflicted(
    occurrences: Sequence[Occurrence],
    buffer: timedelta = timedelta(0),
    travel_buffer: timedelta = timedelta(0),
) -> set[tuple[str, datetime]]:
    """Keys (`Occurrence.key`) of the busy occurrences in at least one conflict of `find_conflicts`
    (see `conflict_flags`)."""
    flags = conflict_flags(occurrences, buffer, travel_buffer)
    return {o.key for o, flagged in zip(occurrences, flags, strict=True) if flagged}


def conflict_flags(
    occurrences: Sequence[Occurrence],
    buffer: timedelta = timedelta(0),
    travel_buffer: timedelta = timedelta(0),
) -> list[bool]:
    """For each occurrence, whether it takes part in at least one conflict of `find_conflicts`.

    Two busy occurrences a, b with a first (by start) conflict when b starts before a's end plus the gap
    they need (the travel buffer when either is travel, else the buffer). Per occurrence that is "some
    earlier one ends too late" or "some later one starts too early", so running maxima of ends (plus
    gap) and running minima of starts (minus gap), kept apart for travel and other occurrences, decide it
    for all of them in two passes in start order, however many pairs there are. Ties in start need no
    order: two busy occurrences starting together always conflict, and either pass sees it.
    """
    plain_gap = max(buffer, timedelta(0))
    travel_gap = max(buffer, travel_buffer, timedelta(0))
    flags = _flags_in_order(occurrences, range(len(occurrences)), plain_gap, travel_gap)
    if flags is None:  # not in start order (`expand` gives that order, so this is rare)
        order = sorted(range(len(occurrences)), key=lambda index: occurrences[index].start)
        flags = _flags_in_order(occurrences, order, plain_gap, travel_gap)
        assert flags is not None
    return flags


def _flags_in_order(
    occurrences: Sequence[Occurrence], order: Sequence[int], plain_gap: timedelta, travel_gap: timedelta
) -> list[bool] | None:
    """`conflict_flags` over the occurrences taken in `order`, or None when that is not by start.

    The passes read the occurrences themselves, with no tuples built or sorted: a year holds tens of
    thousands of them and this runs on every conflict scan."""
    flags = [False] * len(occurrences)
    busy: list[int] = []
    # Forward: the latest end seen so far plus the gap the current occurrence would need from it.
    never = datetime.min.replace(tzinfo=UTC) + max(travel_gap, timedelta(days=1))
    plain_reach = travel_reach = plain_reach_t = previous = never
    for index in order:
        o = occurrences[index]
        start, end = o.start, o.end
        if start < previous:
            return None
        previous = start
        if end <= start or (o.all_day and o.kind != TRAVEL):
            continue  # not busy
        busy.append(index)
        if o.kind == TRAVEL:
            if start < plain_reach_t or start < travel_reach:
                flags[index] = True
            if end + travel_gap > travel_reach:
                travel_reach = end + travel_gap
        else:
            if start < plain_reach or start < travel_reach:
                flags[index] = True
            if end + plain_gap > plain_reach:
                plain_reach = end + plain_gap
                plain_reach_t = end + travel_gap  # the same end is the latest with either gap
    # Backward: the earliest later start minus the gap the current occurrence would need before it.
    forever = datetime.max.replace(tzinfo=UTC) - max(travel_gap, timedelta(days=1))
    plain_first = travel_first = plain_first_t = forever
    for index in reversed(busy):
        o = occurrences[index]
        start, end = o.start, o.end
        if o.kind == TRAVEL:
            if end > plain_first_t or end > travel_first:
                flags[index] = True
            if start - travel_gap < travel_first:
                travel_first = start - travel_gap
        else:
            if end > plain_first or end > travel_first:
                flags[index] = True
            if start - plain_gap < plain_first:
                plain_first = start - plain_gap
                plain_first_t = start - travel_gap
    return flags


# --- reminders ------------------------------------------------------------------------------------------

_REMINDER = re.compile(r"\s*(\d{1,5})\s*")


def parse_reminders(text: str) -> tuple[int, ...]:
    """'15, 60' -> (15, 60): minutes before the start, sorted, without repeats. InvalidInput otherwise."""
    minutes: set[int] = set()
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        match = _REMINDER.fullmatch(part)
        if match is None or int(match.group(1)) > 7 * 24 * 60:
            raise InvalidInput(
                _("A reminder is a number of minutes before the start (up to a week): “{part}”").format(
                    part=part.strip()
                ),
                field="reminders",
            )
        minutes.add(int(match.group(1)))
    return tuple(sorted(minutes))


def format_reminders(minutes: Iterable[int]) -> str:
    """(15, 60) -> '15,60', the stored form."""
    return ",".join(str(m) for m in sorted(set(minutes)))


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder falling due: which occurrence, how long before it, and when it rings."""

    occurrence: Occurrence
    minutes: int
    """Minutes before the start."""
    at: datetime
    """When it rings (UTC): the start minus `minutes`."""


def due_reminders(
    items: Iterable[tuple[Occurrence, Sequence[int]]], since: datetime, until: datetime
) -> list[Reminder]:
    """The reminders that ring in [since, until), in ringing order.

    Successive calls with adjacent windows ([t0, t1), [t1, t2)...) ring each reminder exactly once, which
    is what the running app and a cron job of `gmassist remind` both rely on.
    """
    out = []
    for occurrence, minutes in items:
        for m in minutes:
            at = occurrence.start - timedelta(minutes=m)
            if since <= at < until:
                out.append(Reminder(occurrence, m, at))
    out.sort(key=lambda r: (r.at, r.occurrence.start, r.occurrence.event_id))
    return out


# --- typed dates ----------------------------------------------------------------------------------------

_WEEK_WORDS = {
    "本周": 0,
    "这周": 0,
    "这个星期": 0,
    "本星期": 0,
    "this week": 0,
    "下周": 1,
    "下个星期": 1,
    "下星期": 1,
    "next week": 1,
    "下下周": 2,
    "上周": -1,
    "上个星期": -1,
    "上星期": -1,
    "last week": -1,
    "previous week": -1,
}
_PLACEHOLDER = "\u2063"
"""An invisible separator given to the quick-add parser as the title, so a bare date parses."""


QUICKADD_PROBLEMS: dict[str, str] = {
    "bad_time": N_("no such time of day"),
    "bad_date": N_("no such date"),
    "bad_duration": N_("a duration that cannot be read"),
    "bad_recurrence": N_("a repetition that cannot be read"),
    "empty_title": N_("nothing is left for a title"),
    "end_before_start": N_("the end is before the start"),
    "ambiguous": N_("this can be read two ways"),
}
"""English source of the quick-add parser's problems, by its codes; translated with `_`."""


def quickadd_error(exc: Exception, text: str, field_name: str | None = None) -> InvalidInput:
    """A quick-add parser error as one translated line naming the part of `text` it is about."""
    code = getattr(exc, "code", "")
    start, end = getattr(exc, "span", (0, len(text)))
    problem = _(QUICKADD_PROBLEMS[code]) if code in QUICKADD_PROBLEMS else str(exc)
    part = text[start:end].strip() or text.strip()
    return InvalidInput(_("{problem}: “{part}”").format(problem=problem, part=part), field_name)


def read_date(text: str, now: datetime, field: str = "date") -> date | None:
    """A date typed into a field that may stay empty (None): every form `read_day` reads."""
    return read_day(text, now, field=field) if text.strip() else None


def read_day(text: str, now: datetime, starts_monday: bool = True, *, field: str = "date") -> date:
    """The day `text` names, as of `now`: the week words (下周, this week: that week's first day) and every
    form `quickadd.parse_day` reads (明天, 周五, 12月5日, next monday, Dec 5, +2d, 2026-12-01...). The one
    reader of typed dates: forms, filters and the command line all go through it.

    Raises InvalidInput naming the part not understood (and `field`, to mark it in a form).
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(_("No date given."), field=field)
    lowered = cleaned.lower()
    if lowered in _WEEK_WORDS:
        return week_start(now.date(), starts_monday) + timedelta(weeks=_WEEK_WORDS[lowered])
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
        try:
            return date.fromisoformat(cleaned)  # scripts' usual form; no need to load the parser
        except ValueError:
            pass
    from gmassist.domain.quickadd import QuickAddError, parse_day  # not imported for the forms above

    try:
        return parse_day(cleaned, now)
    except QuickAddError as exc:
        start, end = exc.span
        raise InvalidInput(
            _("Cannot read the date “{text}”: “{part}” is not understood.").format(
                text=cleaned, part=cleaned[start:end] or cleaned
            ),
            field=field,
        ) from exc


def read_week(text: str, now: datetime, starts_monday: bool = True) -> date:
    """The first day of the week `text` names (下周, this week, 2026-12-01, next friday...)."""
    return week_start(read_day(text, now, starts_monday), starts_monday)


def read_time(text: str) -> time:
    """'9:30', '09:30', '930', '9' -> a time of day; InvalidInput otherwise."""
    cleaned = text.strip().replace("：", ":")
    match = re.fullmatch(r"(\d{1,2})(?::?(\d{2}))?", cleaned)
    if match is not None:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise InvalidInput(
        _("Cannot read the time “{text}” (e.g. 09:30).").format(text=text.strip()), field="time"
    )


_DURATION = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hours?|小时|个小时))?\s*(?:(\d+)\s*(?:m|min|mins|minutes?|分钟|分))?",
    re.IGNORECASE,
)


def read_duration(text: str) -> timedelta:
    """'1h', '90m', '1.5h', '1h30m', '45' (minutes), '2小时' -> a positive length; InvalidInput otherwise."""
    cleaned = text.strip().replace(" ", "")
    if cleaned.isdigit():
        minutes = int(cleaned)
    else:
        match = _DURATION.fullmatch(cleaned)
        if match is None or not cleaned or not (match.group(1) or match.group(2)):
            raise InvalidInput(
                _("Cannot read the length “{text}” (e.g. 1h, 90m, 1h30m).").format(text=text.strip()),
                field="duration",
            )
        minutes = round(float(match.group(1) or 0) * 60) + int(match.group(2) or 0)
    if minutes <= 0 or minutes > 24 * 60 * 31:
        raise InvalidInput(_("A length must be between a minute and a month."), field="duration")
    return timedelta(minutes=minutes)


def read_rule(text: str, now: datetime) -> str | None:
    """A repeat rule from the form: empty (no repetition), an RRULE ('FREQ=WEEKLY;BYDAY=MO') or a quick-add
    phrase ('每周一', 'every other friday', '每月最后一天'). Returns the RRULE value; InvalidInput otherwise."""
    from gmassist.domain.agenda import RuleError
    from gmassist.domain.quickadd import QuickAddError, parse

    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    body = cleaned[6:] if cleaned.upper().startswith("RRULE:") else cleaned
    if "FREQ=" in body.upper():
        try:
            return format_rule(parse_rule(body))
        except RuleError as exc:
            raise InvalidInput(str(exc), field="rrule") from exc
    try:
        parsed = parse(f"{cleaned} {_PLACEHOLDER}", now)
    except QuickAddError as exc:
        raise InvalidInput(
            _("Cannot read the repeat “{text}”: “{part}” is not understood.").format(
                text=cleaned, part=cleaned[exc.span[0] : exc.span[1]] or cleaned
            ),
            field="rrule",
        ) from exc
    if parsed.rrule is None or parsed.title.replace(_PLACEHOLDER, "").strip():
        raise InvalidInput(
            _("Cannot read the repeat “{text}” (e.g. 每周一, every other friday, FREQ=MONTHLY).").format(
                text=cleaned
            ),
            field="rrule",
        )
    return format_rule(parse_rule(parsed.rrule))


def match_names(people: Sequence[tuple[str, str, str]], text: str) -> tuple[list[str], list[str]]:
    """Ids for comma-separated names among `people` ((id, name, job title)): an exact name, a job title held
    by one person, or the start of one name; and the parts that matched nobody (or several people)."""
    ids: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in re.split(r"[,，、;；]", text)):
        if not part:
            continue
        lowered = part.lower()
        found = [pid for pid, name, _title in people if name == part]
        if not found:
            found = [pid for pid, _name, title in people if title and title.lower() == lowered]
        if not found:
            found = [pid for pid, name, _title in people if name.lower().startswith(lowered)]
        if len(found) == 1:
            if found[0] not in ids:
                ids.append(found[0])
        else:
            unknown.append(part)
    return ids, unknown


# --- moving a series ------------------------------------------------------------------------------------


def move_rule(rrule: str, old_local: datetime, new_local: datetime) -> str:
    """The rule of a series whose occurrence moves from `old_local` to `new_local` (both in its zone).

    Parts that pinned the old time follow it: a single BYDAY weekday, a single BYMONTHDAY, BYHOUR and
    BYMINUTE. Parts naming several values (every Monday and Thursday) are kept: there is no single right
    answer, and the edit form shows the rule to change by hand. Unchanged when nothing moved.
    """
    rule = parse_rule(rrule)
    changes: dict[str, object] = {}
    if rule.byday is not None and len(rule.byday) == 1 and rule.byday[0][0] == old_local.weekday():
        changes["byday"] = ((new_local.weekday(), rule.byday[0][1]),)
    if rule.bymonthday == (old_local.day,):
        changes["bymonthday"] = (new_local.day,)
    if rule.byhour == (old_local.hour,):
        changes["byhour"] = (new_local.hour,)
    if rule.byminute == (old_local.minute,):
        changes["byminute"] = (new_local.minute,)
    return format_rule(replace(rule, **changes)) if changes else rrule  # type: ignore[arg-type]


def weekday_name(day: date) -> str:
    """The weekday's short name in the UI language (Mon / 周一)."""
    names = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
    return names[day.weekday()]


def kind_label(kind: str) -> str:
    """An event kind's name in the UI language."""
    labels = {
        "meeting": _("meeting"),
        "visit": _("visit"),
        "inspection": _("inspection"),
        "travel": _("travel"),
        "focus": _("focus block"),
        "personal": _("personal"),
    }
    return labels.get(kind, kind)


def month_length(year: int, month: int) -> int:
    """Days in a month."""
    return calendar.monthrange(year, month)[1]


__all__ = [
    "AGENDA_DAYS",
    "SLOT",
    "SLOTS_PER_DAY",
    "Placed",
    "Reminder",
    "View",
    "all_day_on",
    "conflict_flags",
    "conflicted",
    "day_bounds",
    "days_bounds",
    "due_reminders",
    "format_reminders",
    "kind_label",
    "lay_out_day",
    "match_names",
    "month_length",
    "month_weeks",
    "move_rule",
    "on_day",
    "parse_reminders",
    "period",
    "read_day",
    "read_duration",
    "read_rule",
    "read_time",
    "read_week",
    "shift",
    "week_start",
    "weekday_name",
]
