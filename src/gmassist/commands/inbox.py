"""收文 on the command line: `gmassist ingest`, and `gmassist inbox` to list, show, route and export.

`gmassist inbox [--state S] [--search TEXT]` prints a table for scripts: columns line up in terminal
cells (a Chinese character takes two). Confidential documents stay masked and are not searched unless
`--include-confidential` unlocks them.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size

from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.errors import InvalidInput
from gmassist.i18n import _

if TYPE_CHECKING:
    from gmassist.domain.inbox import SearchQuery
    from gmassist.store.store import Store

MAX_TITLE = 40
"""Titles longer than this many cells are cut with '…'."""


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the `ingest` and `inbox` commands."""
    ingest = add("ingest", cmd_ingest, _("take files (or every file in folders) into the inbox"))
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument(
        "--level",
        default="internal",
        metavar="LEVEL",
        help=_("security level (密级): public, internal, confidential, secret (公开/内部/机密/绝密)"),
    )
    originals = ingest.add_mutually_exclusive_group()
    originals.add_argument(
        "--remove-originals",
        action="store_true",
        default=None,
        help=_("remove each file once its stored copy is verified"),
    )
    originals.add_argument(
        "--keep-originals", action="store_false", dest="remove_originals", help=_("never remove the files")
    )

    inbox = add("inbox", cmd_inbox, _("list the inbox's documents (or show, route, export one)"))
    inbox.add_argument("--state", metavar="S", help=_("only documents in this state (received, 呈批, 办结…)"))
    inbox.add_argument(
        "--search", metavar="TEXT", help=_("what the search box would find (words and filters)")
    )
    inbox.add_argument("--all", action="store_true", help=_("archived documents too"))
    inbox.add_argument("--limit", type=int, default=500, metavar="N", help=_("at most N rows (500)"))
    inbox.add_argument(
        "--include-confidential",
        action="store_true",
        help=_("unlock confidential documents to list and search them"),
    )
    sub = inbox.add_subparsers(dest="inbox_command", metavar="ACTION")
    show = sub.add_parser("show", help=_("one document: fields, history, links, files"))
    show.add_argument("id", metavar="ID")
    export = sub.add_parser("export", help=_("write a copy of a document's file to PATH"))
    export.add_argument("id", metavar="ID")
    export.add_argument("path", metavar="PATH")
    export.add_argument("--force", action="store_true", help=_("replace PATH if it exists"))
    route = sub.add_parser("route", help=_("move a document one routing step"))
    route.add_argument("id", metavar="ID")
    route.add_argument(
        "action",
        metavar="ACTION",
        help="draft_opinion, submit, record_instruction, route, start, close, archive, return, withdraw, reopen",
    )
    route.add_argument("--comment", default="", help=_("the instruction's text, or the reason"))
    route.add_argument("--to", dest="holder", metavar="DEPT", help=_("the department (route)"))
    route.add_argument(
        "--followups",
        action="store_true",
        help=_("record_instruction: one follow-up per line of the instruction"),
    )
    route.add_argument("--due", metavar="YYYY-MM-DD", help=_("the follow-ups' due date"))


def cmd_ingest(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Take files in; one line per file; exit 1 when any could not be taken in."""
    from gmassist.__main__ import open_store, unlock_confidential
    from gmassist.domain.inbox import parse_security_level
    from gmassist.services import inbox

    try:
        level = parse_security_level(args.level)
    except ValueError as exc:
        raise InvalidInput(str(exc), "level") from exc
    inbox_settings = settings.inbox
    if args.remove_originals is not None:
        inbox_settings = dataclasses.replace(inbox_settings, remove_originals=args.remove_originals)
    paths = [Path(p) for p in args.paths]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InvalidInput(_("no such file: {path}").format(path=missing[0]), "path")
    store = open_store(args, settings, clock)
    failed = 0
    try:
        if level.is_confidential:
            unlock_confidential(store)

        def report(result: inbox.IntakeResult) -> None:
            nonlocal failed
            if result.status is inbox.IntakeStatus.SKIPPED:
                return
            if result.ok:
                print(result.message, flush=True)
                for note in result.notes:
                    print("  " + note, flush=True)
            else:
                failed += 1
                print(result.message, file=sys.stderr, flush=True)

        results = inbox.ingest_paths(
            store, paths, settings=inbox_settings, level=level.value, progress=report
        )
    finally:
        store.close()
    taken = sum(r.status is inbox.IntakeStatus.TAKEN_IN for r in results)
    duplicates = sum(r.status is inbox.IntakeStatus.DUPLICATE for r in results)
    print(
        _("{taken} taken in, {duplicates} already there, {failed} not taken in.").format(
            taken=taken, duplicates=duplicates, failed=failed
        )
    )
    return 1 if failed else 0


def cmd_inbox(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """List documents as a table, or show, route or export one."""
    from gmassist.__main__ import open_store, unlock_confidential
    from gmassist.domain.inbox import SearchQuery, SearchSyntaxError, parse_state_word

    command = getattr(args, "inbox_command", None)
    query = SearchQuery()
    if command is None:
        try:
            query = SearchQuery.parse(args.search or "")
        except SearchSyntaxError as exc:
            raise InvalidInput(
                _("cannot read the search: {error}").format(error=exc.message), "search"
            ) from exc
        if args.state:
            try:
                query = dataclasses.replace(query, states=(parse_state_word(args.state),))
            except ValueError as exc:
                raise InvalidInput(str(exc), "state") from exc
    store = open_store(args, settings, clock)
    try:
        if args.include_confidential:
            unlock_confidential(store)
        if command == "show":
            return _show(store, args.id, settings, clock)
        if command == "export":
            return _export(store, args)
        if command == "route":
            return _route(store, args, settings)
        return _list(store, query, args, settings, clock)
    finally:
        store.close()


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` terminal cells ('…' when cut)."""
    text = " ".join(text.split())
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_widths: Sequence[int]) -> list[str]:
    """Lines of a table whose columns line up in terminal cells, under a header and a rule."""
    widths = [
        min(limit, max([cell_len(h), *(cell_len(" ".join(r[i].split())) for r in rows)]))
        for i, (h, limit) in enumerate(zip(headers, max_widths, strict=True))
    ]
    lines = ["  ".join(fit(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(fit(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)
    return lines


def _list(
    store: Store, query: SearchQuery, args: argparse.Namespace, settings: Settings, clock: Clock
) -> int:
    from gmassist.domain.inbox import is_waiting_too_long
    from gmassist.services import inbox
    from gmassist.services.inbox_text import format_wait, state_label, type_label

    zone = clock.now().tzinfo
    search = inbox.DocumentSearch(store, query, zone, include_archived=args.all)
    departments = inbox.department_names(search.store)
    now = clock.now()
    rows = []
    for values in search.fetch(0, max(1, args.limit)):
        stale = is_waiting_too_long(values["state"], values["state_since"], now, settings.inbox.stale_days)
        rows.append(
            [
                values["id"][:8],
                values["received"].astimezone(zone).strftime("%Y-%m-%d"),
                values["number"] or "",
                values["title"] or "",
                type_label(values["doc_type"]),
                state_label(values["state"]),
                inbox.holder_label(values["holder"] or "", departments),
                format_wait(now - values["state_since"]) + (" ⚑" if stale else ""),
            ]
        )
    headers = [
        _("ID"),
        _("Received"),
        _("Number"),
        _("Title"),
        _("Type"),
        _("State"),
        _("Holder"),
        _("In state"),
    ]
    for line in table(headers, rows, [8, 10, 18, MAX_TITLE, 10, 24, 12, 10]):
        print(line)
    return 0


def _show(store: Store, prefix: str, settings: Settings, clock: Clock) -> int:
    from gmassist.services import inbox
    from gmassist.services.inbox_text import detail_lines

    document_id = inbox.resolve_id(store, prefix)
    detail = inbox.document_detail(store, document_id, stale_days=settings.inbox.stale_days)
    for line in detail_lines(detail, clock.now().tzinfo):
        print(line)
    return 0


def _export(store: Store, args: argparse.Namespace) -> int:
    from gmassist.services import inbox

    document_id = inbox.resolve_id(store, args.id)
    path = inbox.export_document(store, document_id, Path(args.path), overwrite=args.force)
    print(_("Written to {path}.").format(path=path))
    return 0


def _route(store: Store, args: argparse.Namespace, settings: Settings) -> int:
    from gmassist.services import inbox
    from gmassist.services.inbox_text import state_label

    document_id = inbox.resolve_id(store, args.id)
    due = None
    if args.due:
        try:
            due = date.fromisoformat(args.due)
        except ValueError as exc:
            raise InvalidInput(_("write the due date as YYYY-MM-DD"), "due") from exc
    routed = inbox.route(
        store,
        document_id,
        args.action,
        comment=args.comment,
        holder=args.holder,
        actor=settings.actor,
        make_followups=args.followups,
        due=due,
    )
    print(_("{old} → {new}").format(old=state_label(routed.from_state), new=state_label(routed.to_state)))
    if routed.followup_ids:
        print(_("{n} follow-up(s) made from the instruction.").format(n=len(routed.followup_ids)))
    return 0
