"""`gmassist agenda` and `gmassist remind`: the agenda as a table for scripts, and the reminders due, for
cron or a systemd timer.

    gmassist agenda                  today and the six days after
    gmassist agenda --day 明天        one day (every date form quick add knows: 周五, 12月5日, next monday)
    gmassist agenda --week 下周       a calendar week (this week when no date is given)
    gmassist agenda --format tsv     tab-separated, one occurrence per line, for scripts
    gmassist remind --within 5       reminders ringing in the next 5 minutes (run it every 5 minutes)

Times are shown in the local zone; an event in another zone also shows its own local time.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.errors import InvalidInput
from gmassist.i18n import _


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the `agenda` and `remind` commands."""
    agenda = add("agenda", cmd_agenda, _("print the agenda as a table (today and the next six days)"))
    which = agenda.add_mutually_exclusive_group()
    which.add_argument("--day", metavar="DATE", help=_("one day: 2026-12-01, 明天, 周五, next monday…"))
    which.add_argument(
        "--week",
        metavar="DATE",
        nargs="?",
        const="",
        help=_("the week holding DATE (this week without one; 下周, next week…)"),
    )
    agenda.add_argument(
        "--format", choices=["table", "tsv", "json"], default="table", help=_("output format (default table)")
    )
    agenda.add_argument(
        "--include-confidential", action="store_true", help=_("show confidential titles (asks for the key)")
    )
    remind = add("remind", cmd_remind, _("print the reminders due now (for cron or a systemd timer)"))
    remind.add_argument(
        "--within",
        metavar="MINUTES",
        type=int,
        default=5,
        help=_("reminders ringing in the next MINUTES (default 5: run it every 5 minutes)"),
    )


def period_of(args: argparse.Namespace, now: datetime, starts_monday: bool) -> tuple[datetime, datetime]:
    """The [start, end) the options ask for, in the zone of `now`."""
    from gmassist.domain.agenda_view import days_bounds, read_day, read_week

    zone = now.tzinfo
    assert zone is not None
    if args.day is not None:
        return days_bounds(read_day(args.day, now, starts_monday), 1, zone)
    if args.week is not None:
        first = read_week(args.week or "this week", now, starts_monday)
        return days_bounds(first, 7, zone)
    return days_bounds(now.date(), 7, zone)


def cmd_agenda(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Print the occurrences of the period asked for."""
    from gmassist.__main__ import open_store, unlock_confidential
    from gmassist.services import agenda_read as service

    now = clock.now()
    start, end = period_of(args, now, settings.agenda.week_starts == "monday")
    # A quick read through the light reader (no SQLAlchemy to import); the full integrity check (every
    # page) is left to `gmassist doctor` and the app.
    store = open_store(args, settings, clock, reader=True)
    try:
        if args.include_confidential:
            unlock_confidential(store)
        rules = service.policy(settings, now.tzinfo)
        page = service.page(store, start, end, rules, cache=False)
    finally:
        store.close()
    zone = now.tzinfo
    assert zone is not None
    here = service.zone_name_of(zone)
    rows = [_fields(o, page, zone, here) for o in page.occurrences]
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif args.format == "tsv":
        names = list(_HEADERS)
        print("\t".join(names))
        for row in rows:
            print("\t".join(str(row[name]).replace("\t", " ").replace("\n", " ") for name in names))
    else:
        _print_table(rows)
    return 0


_HEADERS = ("date", "start", "end", "kind", "title", "location", "flags")


def _fields(o: Any, page: Any, zone: tzinfo, here: str) -> dict[str, str]:
    """One occurrence as the printed columns (`here`: the name of `zone`, whose times need no note)."""
    from gmassist.domain.agenda import zone as zone_named
    from gmassist.domain.agenda_view import kind_label, weekday_name

    row = page.row(o)
    start, end = o.start.astimezone(zone), o.end.astimezone(zone)
    flags = []
    if o.key in page.conflicted:
        flags.append(_("conflict"))
    if o.series_id:
        flags.append(_("repeats"))
    done, total = page.prep.get(o.event_id, (0, 0))
    if total and done < total:
        flags.append(_("prep {done}/{total}").format(done=done, total=total))
    if not o.all_day:
        for label, moment, name in ((_("starts"), o.start, o.start_tz), (_("ends"), o.end, o.end_tz)):
            if name != here:
                local = moment.astimezone(zone_named(name))
                flags.append(f"{label} {local:%m-%d %H:%M} {name}")
    if o.all_day:
        # All-day dates are the event's own (a holiday in Shanghai is that date everywhere).
        own = zone_named(o.start_tz)
        start, last = o.start.astimezone(own), (o.end - timedelta(seconds=1)).astimezone(own).date()
        start_text, end_text = _("all day"), (last.isoformat() if last != start.date() else "")
    else:
        start_text = f"{start:%H:%M}"
        end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m-%d %H:%M}"
    return {
        "date": f"{start:%Y-%m-%d} {weekday_name(start.date())}",
        "start": start_text,
        "end": end_text,
        "kind": kind_label(o.kind),
        "title": o.title,
        "location": row.location if row is not None else "",
        "flags": ", ".join(flags),
    }


def _print_table(rows: Sequence[dict[str, str]]) -> None:
    """An aligned table; widths counted in terminal cells, so Chinese lines up."""
    from rich.cells import cell_len

    labels = {
        "date": _("Date"),
        "start": _("Start"),
        "end": _("End"),
        "kind": _("Kind"),
        "title": _("Title"),
        "location": _("Location"),
        "flags": _("Notes"),
    }
    if not rows:
        print(_("Nothing on the agenda."))
        return
    widths = {name: max(cell_len(labels[name]), *(cell_len(row[name]) for row in rows)) for name in _HEADERS}

    def line(values: dict[str, str]) -> str:
        cells = [values[name] + " " * (widths[name] - cell_len(values[name])) for name in _HEADERS]
        return "  ".join(cells).rstrip()

    print(line(labels))
    print("  ".join("-" * widths[name] for name in _HEADERS))
    for row in rows:
        print(line(row))


def cmd_remind(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Print one line per reminder ringing in the next --within minutes (nothing when none)."""
    from gmassist.__main__ import open_store
    from gmassist.services import agenda as service

    if args.within < 1:
        raise InvalidInput(_("--within must be at least one minute"), field="within")
    now = clock.now()
    store = open_store(args, settings, clock, check=False)
    try:
        due = service.reminders_between(store, now, now + timedelta(minutes=args.within), cache=False)
        rows = service.rows_for(store, [reminder.occurrence for reminder in due])
    finally:
        store.close()
    zone = now.tzinfo
    for reminder in due:
        o = reminder.occurrence
        start, end = o.start.astimezone(zone), o.end.astimezone(zone)
        row = rows.get(o.event_id)
        where = f" @{row.location}" if row is not None and row.location else ""
        when = f"{start:%m-%d %H:%M}–{end:%H:%M}" if not o.all_day else f"{start:%m-%d}"
        print(
            _("{at}  in {minutes} min: {title}{where} ({when})").format(
                at=reminder.at.astimezone(zone).strftime("%H:%M"),
                minutes=reminder.minutes,
                title=o.title,
                where=where,
                when=when,
            )
        )
    return 0
