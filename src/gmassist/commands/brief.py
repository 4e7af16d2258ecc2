"""`gmassist brief`: the weekly brief (周报) as Markdown, on standard output or in a file.

    gmassist brief [--week 2026-W48] [-o FILE] [--include-confidential] [--lang zh|en]
                   [--template FILE] [--mark-sent] [--print-template]

Writing it to a file (or `--mark-sent`) remembers its key numbers in the store, so the next brief can
say what changed. Confidential items are only counted unless `--include-confidential` (which unlocks
them, asking for their passphrase where needed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gmassist import i18n
from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.errors import InvalidInput, StoreReadOnly
from gmassist.i18n import _


def register(add: Any) -> None:
    """Add the `brief` subcommand."""
    brief = add("brief", cmd_brief, _("write the weekly brief for the manager (Markdown)"))
    brief.add_argument(
        "--week", metavar="YYYY-Www", help=_("the ISO week, e.g. 2026-W48 (default: this week)")
    )
    brief.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=_("write here instead of standard output, and remember the brief's numbers"),
    )
    brief.add_argument(
        "--include-confidential",
        action="store_true",
        help=_("show confidential items instead of only counting them"),
    )
    brief.add_argument(
        "--lang", choices=["zh", "en"], help=_("the brief's language (default: the program's language)")
    )
    brief.add_argument(
        "--template", metavar="FILE", help=_("a Jinja2 template that reorders, renames or drops sections")
    )
    brief.add_argument(
        "--mark-sent",
        action="store_true",
        help=_("remember the brief's numbers, to compare the next brief with"),
    )
    brief.add_argument(
        "--print-template",
        action="store_true",
        help=_("print the default template (a starting point for --template) and stop"),
    )


def _read_template(path: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidInput(_("no such file: {path}").format(path=path), "template") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("cannot read {path}: {error}").format(path=path, error=exc), "template") from exc


def cmd_brief(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Gather, render and write the brief; remember its numbers when it goes to a file or is marked sent."""
    from gmassist.__main__ import open_store, unlock_confidential, write_output
    from gmassist.domain import brief as rules

    if args.print_template:
        sys.stdout.write(rules.DEFAULT_TEMPLATE)
        return 0
    if args.week:
        rules.parse_week(args.week)  # a typo is reported before the store is opened
    template_text = _read_template(args.template) if args.template else None
    lang = args.lang or i18n.language()

    from gmassist.services import brief as service

    to_file = bool(args.output) and args.output != "-"
    store = open_store(args, settings, clock, check=False)
    try:
        if args.include_confidential:
            unlock_confidential(store)
        data, text = service.make(
            store,
            clock,
            lang,
            week=args.week,
            include_confidential=args.include_confidential,
            template_text=template_text,
            settings=settings,
        )
        write_output(args.output, text)
        if to_file or args.mark_sent:
            try:
                service.remember(store, data)
            except StoreReadOnly as exc:
                print(f"gmassist: {exc}", file=sys.stderr)
    finally:
        store.close()
    if to_file:
        print(_("Brief for {week} written to {path}").format(week=data.week, path=args.output))
    if data.hidden_total and not args.include_confidential:
        print(
            _("{n} confidential items only counted (use --include-confidential)").format(n=data.hidden_total),
            file=sys.stderr,
        )
    return 0
