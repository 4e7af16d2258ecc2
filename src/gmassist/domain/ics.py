"""iCalendar (RFC 5545) files in and out, free of the store: bytes -> `IcsCalendar`, `IcsEvent`s -> bytes.

Reading is strict about structure and forgiving about vendors, because a half-read calendar is worse than
none: the first malformed line (a value that cannot be read, a line without a name and value, a broken
RRULE, a component left open at the end of a cut-short file) raises `IcsError` with its line number, and the
caller imports nothing. What real exports contain is understood:

* **Folding.** Lines are unfolded as BYTES before they are decoded: Apple and Outlook fold at 75 octets,
  sometimes in the middle of a UTF-8 character, and decoding line by line would turn those into U+FFFD.
* **Zones.** A TZID is read as an IANA name (Google, Apple), a Windows name (Outlook: "China Standard
  Time", mapped with the CLDR windowsZones table) or, failing both, from the file's own VTIMEZONE: its
  offsets are compared day by day with IANA zones and the first zone that agrees is kept (so a series
  still follows daylight-saving changes). Times without TZID and without Z ("floating") are read in the
  local zone the caller passes in. All-day events (VALUE=DATE) are stored as local midnights.
* **Series.** RRULE (checked by `agenda.parse_rule`, UNTIL normalised to what other clients accept),
  EXDATE, RDATE (kept as override rows, which the agenda shows at their own time), RECURRENCE-ID
  overrides (an EXDATE at an override's original start, which `build_ics` writes, is dropped: the override
  replaces that occurrence), and Google's cancelled instances (STATUS:CANCELLED + RECURRENCE-ID, turned
  into EXDATEs).
* **The rest.** VALARM -> reminder minutes; ATTENDEE/ORGANIZER -> `Attendee`s (the service links the ones
  it knows and writes the others into the notes); CLASS:PRIVATE/CONFIDENTIAL -> confidential.

The values themselves (dates, date-times, durations, lists, offsets) are decoded by the `icalendar`
library, and files are written with it (`build_ics`): VTIMEZONE components for every zone used, TZIDs with
IANA names, lines folded without splitting characters. icalendar's own calendar parser is not used for
reading because it keeps no line numbers and resolves TZIDs through a process-wide cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from gmassist.domain import agenda
from gmassist.errors import InvalidInput
from gmassist.i18n import _

KINDS = ("meeting", "visit", "inspection", "travel", "focus", "personal")
"""The event kinds the store knows; X-GMASSIST-KIND carries one through a round trip."""

PRODID = "-//gmassist//gmassist agenda//EN"
"""The PRODID of files we write."""


# --- errors ---------------------------------------------------------------------------------------------


class IcsError(InvalidInput):
    """A malformed iCalendar file: `line` is the (first physical) line at fault, `why` says what is wrong."""

    def __init__(self, line: int, why: str, source: str = "") -> None:
        where = _("line {line}").format(line=line)
        if source:
            where = _("{file}, line {line}").format(file=source, line=line)
        super().__init__(f"{where}: {why}", field="ics")
        self.line = line
        """1-based line number in the file as it is on disk (folded lines count as they stand)."""
        self.why = why
        """The reason, without the line number."""
        self.source = source
        """The file's name, when known."""


# --- what a file holds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    """A person named by ATTENDEE or ORGANIZER."""

    name: str
    """The CN parameter ("" when absent)."""
    email: str
    """The mailto address, lower-cased ("" when the address is not a mailto: URI)."""
    organizer: bool = False
    """True for the ORGANIZER."""

    def label(self) -> str:
        """The name and the address ("Name <email>"), or whichever of the two is known."""
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email


@dataclass
class IcsEvent:
    """One VEVENT as the store's Event row sees it (same attribute names, so `agenda.expand` reads it).

    Times are UTC; `start_tz`/`end_tz` are IANA names. Produced by `parse_ics`, consumed by `build_ics`
    (the service fills `id`/`series_id` from the store on export).
    """

    uid: str
    """The UID; an override shares its series' UID."""
    title: str
    start: datetime
    end: datetime
    start_tz: str
    end_tz: str
    all_day: bool = False
    rrule: str | None = None
    """RRULE value without 'RRULE:', normalised (see `normalise_rule`)."""
    exdates: str = ""
    """Excluded starts: UTC ISO datetimes, or ISO dates for all-day series; comma-separated."""
    recurrence_id: datetime | None = None
    """For an override: the original start it replaces (UTC)."""
    location: str = ""
    notes: str = ""
    """DESCRIPTION (trailing white space removed)."""
    confidential: bool = False
    """CLASS:PRIVATE or CLASS:CONFIDENTIAL."""
    sequence: int = 0
    reminders: str = ""
    """Minutes before the start, comma-separated, ascending (from VALARMs)."""
    kind: str = ""
    """X-GMASSIST-KIND when the file has it, else "" (the store keeps its own or uses its default)."""
    attendees: tuple[Attendee, ...] = ()
    line: int = 0
    """Line of BEGIN:VEVENT (0 for events not read from a file)."""
    id: str = ""
    """The store row's id (export) or "" (import)."""
    series_id: str | None = None
    """The store row id of the series an override belongs to (export)."""
    rdate: bool = False
    """An override made from an RDATE of its series rather than from a VEVENT of its own."""

    @property
    def key(self) -> tuple[str, datetime | None]:
        """(UID, RECURRENCE-ID): what a re-import matches on."""
        return (self.uid, self.recurrence_id)


@dataclass
class IcsCalendar:
    """What `parse_ics` read: the events (series before their overrides) and what it set aside."""

    events: list[IcsEvent] = field(default_factory=list)
    name: str = ""
    """X-WR-CALNAME, when given."""
    warnings: list[str] = field(default_factory=list)
    """Things read but not imported, one translated line each (tasks, cancelled events...)."""
    zones: dict[str, str] = field(default_factory=dict)
    """TZID as written -> the IANA zone it was read as."""


# --- reading lines ---------------------------------------------------------------------------------------


_LOGICAL = re.compile(rb"\r?\n(?![ \t])")
"""A line break that is not a fold: where one logical line ends."""
_FOLD = re.compile(rb"\r?\n[ \t]")
"""A fold: a line break and the space or tab that continues the line."""


def unfold(data: bytes) -> list[tuple[int, str]]:
    """The logical lines of a file with the number of the physical line each starts on.

    Continuation lines (starting with a space or a tab) are joined as bytes, and only then decoded as
    UTF-8, so a character split by a fold comes back whole. Blank lines are skipped; a UTF-8 byte order
    mark is dropped. Raises IcsError for text that is not UTF-8.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out: list[tuple[int, str]] = []
    number = 1
    # Split where lines really end (C speed), then unfold only the lines that are folded.
    for chunk in _LOGICAL.split(data):
        folds = chunk.count(b"\n")
        if chunk:
            if chunk[:1] in (b" ", b"\t", b"\r", b"\n"):
                blank = chunk[:1] in (b"\r", b"\n")
                raise IcsError(number + blank, _("a folded line continues nothing"))
            if folds:
                chunk = _FOLD.sub(b"", chunk)
            if chunk.endswith(b"\r"):
                chunk = chunk[:-1]
            if chunk:
                try:
                    out.append((number, chunk.decode("utf-8")))
                except UnicodeDecodeError as exc:
                    raise IcsError(number, _("the text is not UTF-8")) from exc
        number += 1 + folds
    return out


@dataclass
class _Prop:
    """One content line: NAME;PARAMS:VALUE (value still escaped), with its line number."""

    name: str
    params: dict[str, str]
    value: str
    line: int


@dataclass
class _Node:
    """One BEGIN..END block with its properties and nested blocks."""

    name: str
    line: int
    props: list[_Prop] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    by_name: dict[str, list[_Prop]] = field(default_factory=dict)
    """The same properties by name, in file order."""

    def add(self, prop: _Prop) -> None:
        self.props.append(prop)
        self.by_name.setdefault(prop.name, []).append(prop)

    def first(self, name: str) -> _Prop | None:
        found = self.by_name.get(name)
        return found[0] if found else None

    def every(self, name: str) -> list[_Prop]:
        return self.by_name.get(name, [])


def _is_name(text: str) -> bool:
    """Whether `text` is an iana-token or x-name: ASCII letters, digits and dashes."""
    return bool(text) and text.isascii() and text.replace("-", "a").isalnum()


_PARENTS = {
    "VCALENDAR": (None,),
    "VEVENT": ("VCALENDAR",),
    "VTODO": ("VCALENDAR",),
    "VJOURNAL": ("VCALENDAR",),
    "VFREEBUSY": ("VCALENDAR",),
    "VTIMEZONE": ("VCALENDAR",),
    "VALARM": ("VEVENT", "VTODO"),
    "STANDARD": ("VTIMEZONE",),
    "DAYLIGHT": ("VTIMEZONE",),
}
"""Where each standard component may appear (None: at the top); others (X-, IANA) go anywhere inside."""


def _split_line(number: int, text: str) -> _Prop:
    """NAME;PARAMS:VALUE -> _Prop. The common case is split by hand; quoted parameters go to icalendar."""
    colon = text.find(":")
    if colon <= 0:
        raise IcsError(number, _("not a NAME:VALUE line: “{text}”").format(text=_clip(text)))
    head = text[:colon]
    if '"' in head:
        from icalendar.parser import Contentline

        try:
            name, parameters, value = Contentline(text).raw_parts()
        except ValueError as exc:
            raise IcsError(number, _("cannot read the line “{text}”").format(text=_clip(text))) from exc
        params = {str(k).upper(): str(v) for k, v in parameters.items()}
    else:
        name, _sep, rest = head.partition(";")
        params = {}
        if rest:
            for piece in rest.split(";"):
                key, sep, value_part = piece.partition("=")
                if not sep or not _is_name(key):
                    raise IcsError(
                        number, _("cannot read the parameter “{piece}”").format(piece=_clip(piece))
                    )
                params[key.upper()] = value_part
        value = text[colon + 1 :]
    if not _is_name(name):
        raise IcsError(number, _("not a property name: “{name}”").format(name=_clip(name)))
    return _Prop(name.upper(), params, value, number)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tree(lines: Sequence[tuple[int, str]]) -> list[_Node]:
    """The component tree of the file; IcsError for misplaced or unbalanced BEGIN/END and stray lines."""
    top: list[_Node] = []
    stack: list[_Node] = []
    for number, text in lines:
        prop = _split_line(number, text)
        if prop.name == "BEGIN":
            name = prop.value.strip().upper()
            if not _is_name(name):
                raise IcsError(number, _("BEGIN without a component name"))
            parent = stack[-1].name if stack else None
            allowed = _PARENTS.get(name)
            if (allowed is not None and parent not in allowed) or (allowed is None and parent is None):
                where = parent or _("the top of the file")
                raise IcsError(number, _("{name} cannot be inside {parent}").format(name=name, parent=where))
            node = _Node(name, number)
            (stack[-1].children if stack else top).append(node)
            stack.append(node)
        elif prop.name == "END":
            name = prop.value.strip().upper()
            if not stack:
                raise IcsError(number, _("END:{name} without BEGIN").format(name=name))
            if stack[-1].name != name:
                raise IcsError(
                    number,
                    _("END:{name} where END:{open} (begun at line {begun}) was expected").format(
                        name=name, open=stack[-1].name, begun=stack[-1].line
                    ),
                )
            stack.pop()
        elif not stack:
            raise IcsError(number, _("{name} is outside any component").format(name=prop.name))
        else:
            stack[-1].add(prop)
    if stack:
        last = lines[-1][0] if lines else 1
        raise IcsError(
            last,
            _("the file ends inside {name} begun at line {begun}: it is cut short").format(
                name=stack[-1].name, begun=stack[-1].line
            ),
        )
    if not any(node.name == "VCALENDAR" for node in top):
        raise IcsError(lines[0][0] if lines else 1, _("no BEGIN:VCALENDAR: this is not an iCalendar file"))
    return top


# --- values ----------------------------------------------------------------------------------------------

_TEXT_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def unescape_text(value: str) -> str:
    """A TEXT value with RFC 5545 escapes (\\n, \\N, \\, \\; \\\\) undone."""
    if "\\" not in value:
        return value
    return _TEXT_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _when(prop: _Prop) -> date | datetime:
    """A DATE or DATE-TIME value (naive for floating or TZID times, UTC-aware for ...Z)."""
    from icalendar.prop import vDDDTypes

    try:
        value = vDDDTypes.from_ical(prop.value.strip())
    except (ValueError, TypeError) as exc:
        raise _bad_value(prop) from exc
    if not isinstance(value, date):  # a duration, a time or a period
        raise _bad_value(prop)
    wanted = prop.params.get("VALUE", "").upper()
    if wanted == "DATE" and isinstance(value, datetime):
        raise IcsError(prop.line, _("{name} says VALUE=DATE but holds a time").format(name=prop.name))
    if wanted == "DATE-TIME" and not isinstance(value, datetime):
        raise IcsError(prop.line, _("{name} says VALUE=DATE-TIME but holds a date").format(name=prop.name))
    return value


def _whens(prop: _Prop) -> list[Any]:
    """The values of an EXDATE or RDATE line (dates, date-times, or (start, end|duration) periods)."""
    from icalendar.prop import vDDDLists

    try:
        values = list(vDDDLists.from_ical(prop.value.strip()))
    except (ValueError, TypeError) as exc:
        raise _bad_value(prop) from exc
    if not values:
        raise _bad_value(prop)
    return values


def _duration(prop: _Prop) -> timedelta:
    from icalendar.prop import vDDDTypes

    try:
        value = vDDDTypes.from_ical(prop.value.strip())
    except (ValueError, TypeError) as exc:
        raise _bad_value(prop) from exc
    if not isinstance(value, timedelta):
        raise _bad_value(prop)
    return value


def _bad_value(prop: _Prop) -> IcsError:
    return IcsError(
        prop.line, _("cannot read {name} “{value}”").format(name=prop.name, value=_clip(prop.value))
    )


# --- zones ---------------------------------------------------------------------------------------------------

WINDOWS_ZONES: dict[str, str] = {
    "China Standard Time": "Asia/Shanghai",
    "Taipei Standard Time": "Asia/Taipei",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "Singapore Standard Time": "Asia/Singapore",
    "SE Asia Standard Time": "Asia/Bangkok",
    "India Standard Time": "Asia/Calcutta",
    "Arabian Standard Time": "Asia/Dubai",
    "Russian Standard Time": "Europe/Moscow",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "US Mountain Standard Time": "America/Phoenix",
    "Pacific Standard Time": "America/Los_Angeles",
    "Alaskan Standard Time": "America/Anchorage",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "E. South America Standard Time": "America/Sao_Paulo",
    "UTC": "Etc/UTC",
}
"""Windows zone names -> IANA ("001" territory of CLDR's windowsZones.xml) for the zones Outlook users in
and around a Chinese head office meet most. `windows_zone` consults icalendar's complete copy of the same
CLDR table first and falls back to this one."""


def windows_zone(name: str) -> str | None:
    """The IANA zone of a Windows zone name ("W. Europe Standard Time" -> "Europe/Berlin"), or None."""
    try:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
    except ImportError:  # pragma: no cover - an icalendar without the table
        return WINDOWS_ZONES.get(name)
    return WINDOWS_TO_OLSON.get(name) or WINDOWS_ZONES.get(name)


def _golden_zones() -> list[tuple[str, str]]:
    """(Windows name, IANA zone) of every Windows zone, by Windows name: the preferred fallback matches."""
    try:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

        table = {**WINDOWS_ZONES, **WINDOWS_TO_OLSON}
    except ImportError:  # pragma: no cover
        table = dict(WINDOWS_ZONES)
    return sorted(table.items())


_LINKS = {
    "Asia/Chongqing": "Asia/Shanghai",
    "Asia/Chungking": "Asia/Shanghai",
    "Asia/Harbin": "Asia/Shanghai",
    "PRC": "Asia/Shanghai",
    "Asia/Calcutta": "Asia/Kolkata",
    "Etc/UTC": "UTC",
}
"""Old names of zones, for zones recognised from a VTIMEZONE (a TZID given by name is kept as written)."""


def iana_zone(name: str) -> ZoneInfo | None:
    """The IANA zone called `name` (also "/vendor/Region/City" globally unique TZIDs), or None."""
    candidates = [name.strip()]
    if name.startswith("/"):
        parts = name.strip("/").split("/")
        candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
    for candidate in candidates:
        if not candidate or candidate.startswith("/") or ".." in candidate:
            continue
        try:
            return _zoneinfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


@lru_cache(maxsize=256)
def _zoneinfo(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _vtimezone_tz(node: _Node) -> tzinfo:
    """A tzinfo built from a VTIMEZONE's STANDARD/DAYLIGHT rules (by dateutil), or IcsError."""
    from dateutil.tz import tzical

    keep = {"DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "RRULE", "RDATE"}
    out = ["BEGIN:VTIMEZONE", "TZID:custom"]
    for child in node.children:
        if child.name not in ("STANDARD", "DAYLIGHT"):
            continue
        out.append(f"BEGIN:{child.name}")
        out += [f"{p.name}:{p.value}" for p in child.props if p.name in keep]
        out.append(f"END:{child.name}")
    out.append("END:VTIMEZONE")
    try:
        return tzical(StringIO("\n".join(out) + "\n")).get()
    except (ValueError, TypeError, KeyError) as exc:
        raise IcsError(node.line, _("cannot read this VTIMEZONE: {error}").format(error=exc)) from exc


def _city(zone_name: str) -> str:
    return zone_name.rsplit("/", 1)[-1].replace("_", " ").lower()


def match_zone(custom: tzinfo, year: int, hint: str = "") -> str | None:
    """An IANA zone with the same UTC offsets as `custom` on every day of `year`, or None.

    Preference: Windows-mapped zones whose city is in `hint` (the TZID text, such as "(UTC+01:00)
    Amsterdam, Berlin, Bern..."), then any zone whose city is in it, then the zone CLDR maps each Windows
    zone to (by Windows name), then every other zone.
    """
    days = [datetime(year, 1, 1, 12, tzinfo=UTC) + timedelta(days=d) for d in range(366)]
    daily = [p.astimezone(custom).utcoffset() for p in days]
    # Zones that change on the same day at different hours (New York and Havana) differ only by the hour:
    # around each change, probe every hour too.
    hourly = [
        days[i - 1] + timedelta(hours=h)
        for i in range(1, len(days))
        if daily[i] != daily[i - 1]
        for h in range(1, 24)
    ]
    probes = days + hourly
    wanted = daily + [p.astimezone(custom).utcoffset() for p in hourly]
    text = hint.lower()
    golden = [zone for _windows, zone in _golden_zones()]
    everything = sorted(
        z for z in available_timezones() if "/" in z and not z.startswith(("posix/", "right/"))
    )

    def in_hint(zone_name: str) -> int:
        city = _city(zone_name)
        return text.find(city) if len(city) > 3 else -1

    ordered = sorted((z for z in golden if in_hint(z) >= 0), key=in_hint)
    ordered += sorted((z for z in everything if in_hint(z) >= 0), key=in_hint)
    ordered += golden + everything
    tried: set[str] = set()
    for zone_name in ordered:
        if zone_name in tried:
            continue
        tried.add(zone_name)
        zone = iana_zone(zone_name)
        if zone is None:
            continue
        if all(p.astimezone(zone).utcoffset() == w for p, w in zip(probes, wanted, strict=True)):
            return _LINKS.get(zone_name, zone_name)
    return None


@dataclass(frozen=True)
class _Zone:
    """A TZID resolved: the IANA name stored with the event and the tzinfo its times are read in."""

    name: str
    tz: tzinfo


class _Zones:
    """Resolves the TZIDs of one file, once each."""

    def __init__(self, vtimezones: dict[str, _Node], local: str, warnings: list[str]) -> None:
        self.vtimezones = vtimezones
        self.local = _Zone(local, agenda.zone(local))
        self.warnings = warnings
        self.seen: dict[str, _Zone] = {}

    def resolve(self, tzid: str, prop: _Prop, year: int) -> _Zone:
        found = self.seen.get(tzid)
        if found is None:
            found = self.seen[tzid] = self._resolve(tzid, prop, year)
        return found

    def _resolve(self, tzid: str, prop: _Prop, year: int) -> _Zone:
        zone = iana_zone(tzid)
        if zone is not None:
            return _Zone(zone.key, zone)
        mapped = windows_zone(tzid.strip())
        if mapped is not None and (zone := iana_zone(mapped)) is not None:
            name = _LINKS.get(zone.key, zone.key)
            return _Zone(name, agenda.zone(name))
        node = self.vtimezones.get(tzid)
        if node is None:
            raise IcsError(
                prop.line,
                _("unknown time zone “{tzid}” and no VTIMEZONE defines it").format(tzid=_clip(tzid)),
            )
        custom = _vtimezone_tz(node)
        matched = match_zone(custom, year, tzid)
        if matched is not None:
            return _Zone(matched, agenda.zone(matched))
        offsets = {
            (datetime(year, m, 1, 12, tzinfo=UTC).astimezone(custom).utcoffset()) for m in range(1, 13)
        }
        offset = offsets.pop() if len(offsets) == 1 else None
        if offset is not None and offset.total_seconds() % 3600 == 0:
            hours = int(offset.total_seconds() // 3600)
            name = "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"
            return _Zone(name, agenda.zone(name))
        self.warnings.append(
            _(
                "time zone “{tzid}” matches no known zone; its times were read by its own rules and kept in UTC"
            ).format(tzid=_clip(tzid))
        )
        return _Zone("UTC", custom)


# --- rules ---------------------------------------------------------------------------------------------------


def normalise_rule(text: str, *, all_day: bool, zone_name: str) -> str:
    """An RRULE value in the form other clients accept (RFC 5545 3.3.10), checked by `agenda.parse_rule`.

    For a timed series UNTIL becomes UTC (a floating UNTIL is read in the series' zone; a DATE means the
    end of that local day); for an all-day series it becomes a DATE. Raises agenda.RuleError.
    """
    rule = agenda.parse_rule(text)
    until = rule.until
    tz = agenda.zone(zone_name)
    if all_day and isinstance(until, datetime):
        local = until.astimezone(tz) if until.tzinfo is not None else until
        rule = replace(rule, until=local.date())
    elif not all_day and isinstance(until, datetime) and until.tzinfo is None:
        rule = replace(rule, until=until.replace(tzinfo=tz).astimezone(UTC))
    elif not all_day and isinstance(until, date) and not isinstance(until, datetime):
        rule = replace(rule, until=datetime.combine(until, time(23, 59, 59), tzinfo=tz).astimezone(UTC))
    return agenda.format_rule(rule)


# --- events ---------------------------------------------------------------------------------------------------


class _Reader:
    """Turns the VEVENT nodes of one file into IcsEvents."""

    def __init__(self, zones: _Zones) -> None:
        self.zones = zones
        self.date_recurrences: set[int] = set()
        """id() of the events whose RECURRENCE-ID was a DATE (matched to the series' time later)."""

    def when(self, prop: _Prop, fallback: _Zone | None = None) -> tuple[datetime | date, _Zone | None]:
        """A DTSTART-like value as (UTC datetime or date, zone); the zone is None for dates.

        TZID -> that zone; ...Z -> UTC (zone: `fallback` or local, for display); floating -> local.
        """
        value = _when(prop)
        if not isinstance(value, datetime):
            return value, None
        tzid = prop.params.get("TZID")
        if value.tzinfo is not None:
            return value.astimezone(UTC), fallback or self.zones.local
        zone = self.zones.resolve(tzid, prop, value.year) if tzid else self.zones.local
        return value.replace(tzinfo=zone.tz).astimezone(UTC), zone

    def event(self, node: _Node) -> IcsEvent:
        start_prop = node.first("DTSTART")
        if start_prop is None:
            raise IcsError(node.line, _("VEVENT without DTSTART"))
        start, zone = self.when(start_prop)
        uid_prop = node.first("UID")
        uid = unescape_text(uid_prop.value).strip() if uid_prop else ""
        if not uid:
            raise IcsError(node.line, _("VEVENT without UID"))
        rule_prop = node.first("RRULE")
        if isinstance(start, datetime):
            assert zone is not None
            utc_series = (
                rule_prop is not None and start_prop.params.get("TZID") is None and _is_utc(start_prop)
            )
            if utc_series:
                zone = _Zone("UTC", agenda.zone("UTC"))
            event = self._timed(node, start, zone)
        else:
            event = self._all_day(node, start)
        event.uid = uid
        event.title = unescape_text(_text(node, "SUMMARY")) or _("(no title)")
        event.location = unescape_text(_text(node, "LOCATION"))
        event.notes = unescape_text(_text(node, "DESCRIPTION")).rstrip()
        event.confidential = _text(node, "CLASS").strip().upper() in ("PRIVATE", "CONFIDENTIAL")
        event.sequence = _integer(node.first("SEQUENCE"))
        kind = _text(node, "X-GMASSIST-KIND").strip().lower()
        event.kind = kind if kind in KINDS else ""
        event.line = node.line
        if rule_prop is not None:
            others = list(node.every("RRULE"))
            if len(others) > 1:
                raise IcsError(others[1].line, _("more than one RRULE in one event is not supported"))
            try:
                event.rrule = normalise_rule(rule_prop.value, all_day=event.all_day, zone_name=event.start_tz)
            except agenda.RuleError as exc:
                raise IcsError(rule_prop.line, str(exc)) from exc
        # EXDATEs are read (and so checked) even where there is no rule to apply them to.
        exdates = self._exdates(node, event)
        if rule_prop is not None:
            event.exdates = ",".join(exdates)
        recurrence = node.first("RECURRENCE-ID")
        if recurrence is not None:
            event.recurrence_id = self._recurrence_id(recurrence, event)
        event.reminders = _reminders(node, event)
        event.attendees = tuple(_attendees(node))
        return event

    def _timed(self, node: _Node, start: datetime, zone: _Zone) -> IcsEvent:
        end_prop, duration_prop = node.first("DTEND"), node.first("DURATION")
        end, end_zone = start, zone
        if end_prop is not None:
            value, found = self.when(end_prop, zone)
            if not isinstance(value, datetime):
                raise IcsError(end_prop.line, _("DTEND is a date but DTSTART has a time"))
            end, end_zone = value, found or zone
        elif duration_prop is not None:
            end = start + _duration(duration_prop)
        if end < start:
            culprit = end_prop or duration_prop
            raise IcsError(culprit.line if culprit else node.line, _("the event ends before it starts"))
        return IcsEvent(uid="", title="", start=start, end=end, start_tz=zone.name, end_tz=end_zone.name)

    def _all_day(self, node: _Node, first: date) -> IcsEvent:
        end_prop, duration_prop = node.first("DTEND"), node.first("DURATION")
        last = first
        if end_prop is not None:
            value = _when(end_prop)
            end_day = value.date() if isinstance(value, datetime) else value
            last = max(first, end_day - timedelta(days=1))  # DTEND is exclusive; DTEND = DTSTART: one day
        elif duration_prop is not None:
            days = _duration(duration_prop).days
            last = first + timedelta(days=max(days, 1) - 1)
        local = self.zones.local.name
        start, end = agenda.all_day_span(first, last, local)
        return IcsEvent(uid="", title="", start=start, end=end, start_tz=local, end_tz=local, all_day=True)

    def _exdates(self, node: _Node, event: IcsEvent) -> list[str]:
        tokens: list[str] = []
        tz = agenda.zone(event.start_tz)
        for prop in node.every("EXDATE"):
            for value in _whens(prop):
                if isinstance(value, tuple) or not isinstance(value, date):
                    raise _bad_value(prop)
                if event.all_day:
                    day = (
                        value.astimezone(tz).date() if isinstance(value, datetime) and value.tzinfo else value
                    )
                    tokens.append((day.date() if isinstance(day, datetime) else day).isoformat())
                elif isinstance(value, datetime):
                    tokens.append(self._instant(value, prop, tz).isoformat())
                else:
                    tokens.append(value.isoformat())
        return list(dict.fromkeys(tokens))

    def _instant(self, value: datetime, prop: _Prop, series_tz: tzinfo) -> datetime:
        """A date-time of an EXDATE/RDATE/RECURRENCE-ID in UTC: its TZID, else Z, else the series' zone."""
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        tzid = prop.params.get("TZID")
        tz = self.zones.resolve(tzid, prop, value.year).tz if tzid else series_tz
        return value.replace(tzinfo=tz).astimezone(UTC)

    def _recurrence_id(self, prop: _Prop, event: IcsEvent) -> datetime:
        value = _when(prop)
        tz = agenda.zone(event.start_tz)
        if isinstance(value, datetime):
            if event.all_day and value.tzinfo is None and not prop.params.get("TZID"):
                return datetime.combine(value.date(), time(), tzinfo=tz).astimezone(UTC)
            return self._instant(value, prop, tz)
        # A DATE: midnight for an all-day series; for a timed one, parse_ics moves it to the series' time.
        if not event.all_day:
            self.date_recurrences.add(id(event))
        return datetime.combine(value, time(), tzinfo=tz).astimezone(UTC)

    def rdates(self, node: _Node, series: IcsEvent) -> list[tuple[datetime, datetime]]:
        """(start, end) in UTC of every RDATE of a series."""
        out: list[tuple[datetime, datetime]] = []
        tz = agenda.zone(series.start_tz)
        length = series.end - series.start
        for prop in node.every("RDATE"):
            for value in _whens(prop):
                end: datetime | None = None
                if isinstance(value, tuple):
                    first, second = value
                    start = self._instant(first, prop, tz) if isinstance(first, datetime) else None
                    if start is None:
                        raise _bad_value(prop)
                    end = start + second if isinstance(second, timedelta) else self._instant(second, prop, tz)
                elif isinstance(value, datetime):
                    start = self._instant(value, prop, tz)
                elif isinstance(value, date):
                    if series.all_day:
                        days = round(length / timedelta(days=1)) or 1
                        start, end = agenda.all_day_span(
                            value, value + timedelta(days=days - 1), series.start_tz
                        )
                    else:
                        local = series.start.astimezone(tz).time()
                        start = datetime.combine(value, local, tzinfo=tz).astimezone(UTC)
                else:
                    raise _bad_value(prop)
                out.append((start, end if end is not None else start + length))
        return out


def _is_utc(prop: _Prop) -> bool:
    return prop.value.strip().upper().endswith("Z")


def _text(node: _Node, name: str) -> str:
    prop = node.first(name)
    return prop.value if prop is not None else ""


def _integer(prop: _Prop | None) -> int:
    if prop is None:
        return 0
    try:
        return int(prop.value.strip())
    except ValueError as exc:
        raise _bad_value(prop) from exc


def _reminders(node: _Node, event: IcsEvent) -> str:
    """VALARM triggers as minutes before the start (alarms after the start and ACTION:NONE are skipped)."""
    minutes: set[int] = set()
    for alarm in node.children:
        if alarm.name != "VALARM" or _text(alarm, "ACTION").strip().upper() == "NONE":
            continue
        trigger = alarm.first("TRIGGER")
        if trigger is None:
            raise IcsError(alarm.line, _("VALARM without TRIGGER"))
        from icalendar.prop import vDDDTypes

        try:
            value = vDDDTypes.from_ical(trigger.value.strip())
        except (ValueError, TypeError) as exc:
            raise _bad_value(trigger) from exc
        if isinstance(value, timedelta):
            anchor = event.end if trigger.params.get("RELATED", "").upper() == "END" else event.start
            before = event.start - (anchor + value)
        elif isinstance(value, datetime):
            moment = value if value.tzinfo is not None else value.replace(tzinfo=agenda.zone(event.start_tz))
            before = event.start - moment
        else:
            raise _bad_value(trigger)
        if before >= timedelta(0):
            minutes.add(int(before.total_seconds() // 60))
    return ",".join(str(m) for m in sorted(minutes))


def _attendees(node: _Node) -> Iterator[Attendee]:
    for prop in node.props:
        if prop.name not in ("ORGANIZER", "ATTENDEE"):
            continue
        address = prop.value.strip()
        email = address[7:].strip().lower() if address.lower().startswith("mailto:") else ""
        name = prop.params.get("CN", "").strip().strip('"')
        if name.lower() == email:  # Google writes the address as the name of people it has no name for
            name = ""
        if name or email:
            yield Attendee(name, email, organizer=prop.name == "ORGANIZER")


def parse_ics(data: bytes, local_zone: str) -> IcsCalendar:
    """Read an iCalendar file; floating times and all-day events are placed in `local_zone` (IANA).

    Raises IcsError (with the line) at the first malformed line; nothing is returned half read. Series
    come before their overrides in `events`; a later VEVENT with the same UID and RECURRENCE-ID replaces
    an earlier one (with a warning).
    """
    lines = unfold(data)
    top = _tree(lines)
    calendar = IcsCalendar()
    vtimezones: dict[str, _Node] = {}
    nodes: list[_Node] = []
    skipped: dict[str, int] = {}
    for root in top:
        if root.name != "VCALENDAR":
            continue
        if not calendar.name and (name := root.first("X-WR-CALNAME")) is not None:
            calendar.name = unescape_text(name.value).strip()
        for child in root.children:
            if child.name == "VTIMEZONE":
                tzid = child.first("TZID")
                if tzid is None:
                    raise IcsError(child.line, _("VTIMEZONE without TZID"))
                vtimezones[tzid.value.strip()] = child
            elif child.name == "VEVENT":
                nodes.append(child)
            else:
                skipped[child.name] = skipped.get(child.name, 0) + 1
    for component, number in sorted(skipped.items()):
        calendar.warnings.append(
            _("{n} {name} component(s) skipped (only events are imported)").format(n=number, name=component)
        )
    zones = _Zones(vtimezones, local_zone, calendar.warnings)
    reader = _Reader(zones)
    read = [(node, reader.event(node)) for node in nodes]
    series = {e.uid: e for _n, e in read if e.recurrence_id is None and e.rrule}
    for _node, event in read:
        master = series.get(event.uid)
        if id(event) in reader.date_recurrences and master is not None and not master.all_day:
            event.recurrence_id = _snap_date_recurrence(event, master)
    by_key: dict[tuple[str, datetime | None], IcsEvent] = {}
    cancelled: list[IcsEvent] = []
    for node, event in read:
        if _text(node, "STATUS").strip().upper() == "CANCELLED":
            cancelled.append(event)
            continue
        if event.key in by_key:
            calendar.warnings.append(
                _("line {line}: a second event with UID {uid} replaces the one at line {first}").format(
                    line=node.line, uid=_clip(event.uid, 40), first=by_key[event.key].line
                )
            )
        by_key[event.key] = event
    series = {uid: e for (uid, rid), e in by_key.items() if rid is None and e.rrule}
    for event in by_key.values():
        # An override replaces its occurrence; an EXDATE of the same start (build_ics writes one for clients
        # that ignore RECURRENCE-ID) is not kept, as the store holds a moved occurrence as the override alone.
        master = series.get(event.uid)
        if event.recurrence_id is not None and master is not None:
            token = _exdate_token(master, event.recurrence_id)
            master.exdates = ",".join(t for t in master.exdates.split(",") if t and t != token)
    for event in cancelled:
        master = series.get(event.uid)
        if event.recurrence_id is not None and master is not None and master.rrule:
            token = _exdate_token(master, event.recurrence_id)
            master.exdates = ",".join(dict.fromkeys([*filter(None, master.exdates.split(",")), token]))
            by_key.pop(event.key, None)
        else:
            calendar.warnings.append(_("line {line}: a cancelled event was skipped").format(line=event.line))
    for node, master in read:
        if series.get(master.uid) is not master or node.first("RDATE") is None:
            continue
        uid = master.uid
        for start, end in reader.rdates(node, master):
            if (uid, start) in by_key:
                continue
            by_key[(uid, start)] = replace(
                master, start=start, end=end, rrule=None, exdates="", recurrence_id=start, rdate=True
            )
    masters = [e for e in by_key.values() if e.recurrence_id is None]
    overrides = [e for e in by_key.values() if e.recurrence_id is not None]
    calendar.events = masters + overrides
    calendar.zones = {tzid: zone.name for tzid, zone in zones.seen.items()}
    return calendar


def _exdate_token(master: IcsEvent, original_start: datetime) -> str:
    """How `IcsEvent.exdates` holds the occurrence of `master` at `original_start` (as `_Reader._exdates`)."""
    if master.all_day:
        return original_start.astimezone(agenda.zone(master.start_tz)).date().isoformat()
    return original_start.astimezone(UTC).isoformat()


def _snap_date_recurrence(override: IcsEvent, master: IcsEvent) -> datetime:
    """A RECURRENCE-ID given as a DATE for a timed series means that day's occurrence: use the series' time."""
    assert override.recurrence_id is not None
    tz = agenda.zone(master.start_tz)
    day = override.recurrence_id.astimezone(agenda.zone(override.start_tz)).date()
    return datetime.combine(day, master.start.astimezone(tz).time(), tzinfo=tz).astimezone(UTC)


# --- writing -----------------------------------------------------------------------------------------------------


def export_uid(event: IcsEvent) -> str:
    """The UID written for an event: its own, else one made from its store id ("<id>@gmassist")."""
    return event.uid or f"{event.id}@gmassist"


def _local_days(event: IcsEvent) -> tuple[date, date]:
    """(first day, day after the last) of an all-day event in its zone: DTSTART and the exclusive DTEND."""
    tz = agenda.zone(event.start_tz)
    first = event.start.astimezone(tz).date()
    last = event.end.astimezone(tz)
    end_day = last.date() if last.time() == time() else last.date() + timedelta(days=1)
    return first, max(end_day, first + timedelta(days=1))


def _exdate_values(event: IcsEvent) -> list[date | datetime]:
    """The stored EXDATE tokens as values of DTSTART's type (dates for all-day series, local times else)."""
    tz = agenda.zone(event.start_tz)
    clock = event.start.astimezone(tz).time()
    out: list[date | datetime] = []
    for token in filter(None, (t.strip() for t in event.exdates.split(","))):
        if len(token) == 10 and "T" not in token:
            day = date.fromisoformat(token)
            out.append(day if event.all_day else datetime.combine(day, clock, tzinfo=tz))
            continue
        moment = datetime.fromisoformat(token.replace("Z", "+00:00"))
        moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
        out.append(moment.date() if event.all_day else moment)
    return out


def build_ics(events: Sequence[IcsEvent], *, now: datetime, name: str = "") -> bytes:
    """An iCalendar file of `events` (overrides point at their series through `series_id` == series `id`).

    Timed events carry TZIDs with IANA names and a VTIMEZONE for each zone (spanning the events' years);
    all-day events are VALUE=DATE with an exclusive DTEND; confidential events get CLASS:CONFIDENTIAL.

    An override is a VEVENT with its series' UID and a RECURRENCE-ID, and its original start is also an
    EXDATE of the series: clients without RECURRENCE-ID (calcurse) would otherwise show the occurrence twice,
    at its old and its new time, while RFC 5545 clients (khal) show the override either way and `parse_ics`
    drops such EXDATEs again. A series with EXDATEs has its COUNT written as the equivalent UNTIL, because
    calcurse counts COUNT after removing EXDATEs. An override whose original start is not one the rule makes
    (an RDATE read earlier) is written as an RDATE of its series plus its own VEVENT.
    """
    from icalendar import Alarm, Calendar, Event, vCalAddress, vRecur

    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if name:
        calendar.add("X-WR-CALNAME", name)
    stamp = now.astimezone(UTC)
    by_id = {e.id: e for e in events if e.id}
    extra_dates: dict[str, list[date | datetime]] = {}
    """Series id -> RDATEs: the original starts of its overrides that the rule does not make."""
    moved_from: dict[str, list[date | datetime]] = {}
    """Series id -> EXDATEs for the original starts of its overrides that the rule makes."""
    years = [stamp.year]
    for event in events:
        master = by_id.get(event.series_id or "")
        if event.recurrence_id is None or master is None or not master.rrule:
            continue
        value = event.recurrence_id.astimezone(agenda.zone(master.start_tz))
        original = value.date() if master.all_day else value
        if agenda.is_occurrence(master, event.recurrence_id):
            moved_from.setdefault(master.id, []).append(original)
        else:
            extra_dates.setdefault(master.id, []).append(original)
    ordered = sorted(events, key=lambda e: (e.recurrence_id is not None, e.start, e.id))
    for event in ordered:
        master = by_id.get(event.series_id or "") if event.recurrence_id is not None else None
        tz = agenda.zone(event.start_tz)
        component = Event()
        component.add("UID", export_uid(master or event))
        component.add("DTSTAMP", stamp)
        if event.all_day:
            first, after = _local_days(event)
            component.add("DTSTART", first)
            component.add("DTEND", after)
        else:
            component.add("DTSTART", event.start.astimezone(tz))
            component.add("DTEND", event.end.astimezone(agenda.zone(event.end_tz)))
        years += [event.start.year, event.end.year]
        component.add("SUMMARY", event.title)
        if event.location:
            component.add("LOCATION", event.location)
        if event.notes:
            component.add("DESCRIPTION", event.notes)
        if event.sequence:
            component.add("SEQUENCE", event.sequence)
        if event.confidential:
            component.add("CLASS", "CONFIDENTIAL")
        if event.kind and event.kind != "meeting":
            component.add("X-GMASSIST-KIND", event.kind)
        if event.rrule and event.recurrence_id is None:
            exdates = list(dict.fromkeys([*_exdate_values(event), *moved_from.get(event.id, [])]))
            rule = agenda.count_as_until(event) if exdates else event.rrule
            rule = normalise_rule(rule, all_day=event.all_day, zone_name=event.start_tz)
            component.add("RRULE", vRecur.from_ical(rule))
            if exdates:
                component.add("EXDATE", exdates)
            if event.id in extra_dates:
                component.add("RDATE", extra_dates[event.id])
        if event.recurrence_id is not None:
            series_tz = agenda.zone(master.start_tz) if master else tz
            if master is not None and master.all_day:
                component.add("RECURRENCE-ID", event.recurrence_id.astimezone(series_tz).date())
            else:
                component.add("RECURRENCE-ID", event.recurrence_id.astimezone(series_tz))
        for minutes in sorted({int(m) for m in event.reminders.split(",") if m.strip().isdigit()}):
            alarm = Alarm()
            alarm.add("ACTION", "DISPLAY")
            alarm.add("DESCRIPTION", event.title)
            alarm.add("TRIGGER", timedelta(minutes=-minutes))
            component.add_component(alarm)
        for person in event.attendees:
            if not person.email:
                continue
            address = vCalAddress(f"mailto:{person.email}")
            if person.name:
                address.params["CN"] = person.name
            component.add("ORGANIZER" if person.organizer else "ATTENDEE", address)
        calendar.add_component(component)
    calendar.add_missing_timezones(
        first_date=date(min(years) - 1, 1, 1), last_date=date(max(max(years) + 2, 2038), 1, 1)
    )
    data: bytes = calendar.to_ical()
    return data


def events_in_window(events: Iterable[IcsEvent], start: datetime, end: datetime) -> list[agenda.Occurrence]:
    """`agenda.expand` over IcsEvents that have no store ids yet (the UID stands in for the id)."""
    rows = [
        replace(e, id=e.id or f"{e.uid}|{e.recurrence_id.isoformat() if e.recurrence_id else ''}")
        for e in events
    ]
    series = {e.uid: e.id for e in rows if e.recurrence_id is None}
    for row in rows:
        if row.recurrence_id is not None and row.series_id is None:
            row.series_id = series.get(row.uid)
    return agenda.expand(rows, start, end)
