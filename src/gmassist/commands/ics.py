"""`gmassist import-ics FILE` and `gmassist export-ics`: calendars in and out as iCalendar (.ics) files.

Nothing heavy is imported here: the services and icalendar load when a command runs, not when the parser
is built.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.errors import GmassistError, InvalidInput, KeyringUnavailable, NeedSecret, WrongKey
from gmassist.i18n import _


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add import-ics and export-ics to the command line."""
    imp = add(
        "import-ics", cmd_import_ics, _("import an iCalendar file (Outlook, Google, Apple) into the agenda")
    )
    imp.add_argument("file", metavar="FILE.ics")
    exp = add("export-ics", cmd_export_ics, _("export the agenda as an iCalendar file"))
    exp.add_argument(
        "--from", dest="first_day", metavar="DATE", help=_("only events from this day (YYYY-MM-DD)")
    )
    exp.add_argument("--to", dest="last_day", metavar="DATE", help=_("only events up to this day, included"))
    exp.add_argument("-o", "--output", metavar="FILE", help=_("write here instead of standard output"))
    exp.add_argument(
        "--include-confidential", action="store_true", help=_("include confidential events, in the clear")
    )


def _unlock_for_import(store: Any, needed: int) -> None:
    """Unlock the confidential key the way `export --include-confidential` does, or refuse in one line."""
    from gmassist.__main__ import unlock_confidential

    if store.confidential_unlocked:
        return
    try:
        unlock_confidential(store)
    except (NeedSecret, WrongKey, KeyringUnavailable) as exc:
        message = _(
            "{n} event(s) in this file are private or confidential and need the confidential key ({reason}); "
            "set GMASSIST_CONFIDENTIAL_PASSPHRASE or run it in a terminal; nothing was imported"
        ).format(n=needed, reason=exc)
        error = (
            type(exc)(message)
            if isinstance(exc, WrongKey | KeyringUnavailable)
            else NeedSecret(message, "confidential")
        )
        raise error from exc


def cmd_import_ics(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Import FILE.ics as one transaction; re-importing updates by UID and never duplicates."""
    from gmassist.__main__ import open_store
    from gmassist.services import ics

    # The file is read before the store is opened: a malformed file costs no passphrase.
    calendar = ics.read_calendar(Path(args.file), ics.local_zone_name(clock))
    store = open_store(args, settings, clock)
    try:
        needed = ics.confidential_needed(store, calendar)
        if needed:
            _unlock_for_import(store, needed)
        report = ics.import_calendar(store, calendar)
    finally:
        store.close()
    for warning in report.warnings:
        print(f"gmassist: {warning}", file=sys.stderr)
    name = f" ({report.name})" if report.name else ""
    print(
        _("Imported {path}{name}: {summary}.").format(
            path=Path(args.file).name, name=name, summary=report.summary()
        )
    )
    return 0


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            _("{option} wants a date like 2026-11-25, not “{text}”").format(option=option, text=text), option
        ) from exc


def cmd_export_ics(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Write the agenda (or --from/--to) as .ics; confidential events only with --include-confidential."""
    from gmassist.__main__ import open_store, unlock_confidential, write_output
    from gmassist.services import ics

    first, last = _day(args.first_day, "--from"), _day(args.last_day, "--to")
    if first and last and last < first:
        raise InvalidInput(_("--to is before --from"), "--to")
    start, end = ics.day_bounds(first, last, ics.local_zone_name(clock))
    store = open_store(args, settings, clock)
    try:
        if args.include_confidential:
            unlock_confidential(store)
        result = ics.export_calendar(
            store, start=start, end=end, include_confidential=args.include_confidential
        )
    finally:
        store.close()
    try:
        text = result.data.decode("utf-8")
    except UnicodeDecodeError as exc:  # pragma: no cover - icalendar writes UTF-8
        raise GmassistError(str(exc)) from exc
    write_output(args.output, text)
    if result.left_out:
        print(
            _("{n} confidential event(s) left out (use --include-confidential)").format(n=result.left_out),
            file=sys.stderr,
        )
    if args.output and args.output != "-":
        print(_("Exported {n} event(s) to {path}.").format(n=result.events, path=args.output))
    return 0
