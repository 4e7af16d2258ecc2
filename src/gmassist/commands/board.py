"""`gmassist board list|new|export`: project boards from the shell.

`list` prints every board with its health and progress; `new` makes a board, blank or laid out from a
template around an event date; `export` writes one board as Markdown (standard output by default), the
same text the weekly brief embeds. Confidential text stays masked unless `--include-confidential`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from rich.cells import cell_len, set_cell_size

from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.domain.board import TEMPLATES
from gmassist.errors import InvalidInput
from gmassist.i18n import _

MAX_NAME = 36
"""Board names longer than this many cells are cut with '…' in the list."""


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `board` with its actions list, new and export."""
    board = add("board", cmd_board, _("project boards: list them, make one (from a template), export one"))
    actions = board.add_subparsers(dest="board_action", metavar="ACTION")

    def action(
        name: str, func: Callable[[argparse.Namespace, Settings, Clock], int], help_text: str
    ) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text, description=help_text)
        parser.add_argument("--store", metavar="PATH", default=argparse.SUPPRESS, help=_("the store folder"))
        parser.set_defaults(func=func)
        return parser

    listing = action("list", cmd_list, _("every board with its status and progress"))
    listing.add_argument("--all", action="store_true", help=_("archived boards too"))

    new = action("new", cmd_new, _("make a board, blank or from a template around an event date"))
    new.add_argument("name", metavar="NAME", help=_("the board's name"))
    new.add_argument("--template", choices=list(TEMPLATES), help=_("lay the board out from this template"))
    new.add_argument("--date", metavar="DATE", help=_("the event date, 2027-01-20 (a template needs it)"))
    new.add_argument(
        "--code", metavar="CODE", help=_("the code of its card ids (default: the next P-number)")
    )
    new.add_argument(
        "--kind", choices=("project", "event", "crisis"), help=_("without a template (default: project)")
    )
    new.add_argument("--owner", metavar="NAME", help=_("who is responsible for the board"))
    new.add_argument("--lang", choices=("en", "zh"), help=_("language of the template's texts"))
    new.add_argument(
        "--weekdays-only", action="store_true", help=_("move deadlines off weekends (to the Friday before)")
    )

    export = action("export", cmd_export, _("write a board as Markdown"))
    export.add_argument("name", metavar="NAME", help=_("the board's code or name"))
    export.add_argument("-o", "--output", metavar="FILE", help=_("write here instead of standard output"))
    export.add_argument("--lang", choices=("en", "zh"), help=_("language of the export"))
    export.add_argument(
        "--include-confidential", action="store_true", help=_("show confidential text in the clear")
    )


def cmd_board(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """`gmassist board` without an action."""
    raise InvalidInput(_("say what to do: gmassist board list, new or export"), "action")


def cmd_list(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Print every board: code, name, kind, status, progress, overdue cards, date, next milestone."""
    from gmassist.__main__ import open_store
    from gmassist.domain.board import HEALTH_LABELS
    from gmassist.services import board as boards

    store = open_store(args, settings, clock)
    try:
        overviews = boards.list_boards(store, clock.now().date(), include_archived=args.all)
    finally:
        store.close()
    if not overviews:
        print(_("No boards yet: gmassist board new NAME --template annual_meeting --date 2027-01-20"))
        return 0
    header = (
        _("Code"),
        _("Board"),
        _("Kind"),
        _("Status"),
        _("Progress"),
        _("Overdue"),
        _("Date"),
        _("Next milestone"),
    )
    lines = []
    for overview in overviews:
        board, summary = overview.board, overview.summary
        status = _(HEALTH_LABELS[summary.status]) + ("" if summary.set_by_hand else "*")
        day = board.event_date or board.end
        upcoming = ""
        if overview.next_milestone is not None:
            upcoming = f"{overview.next_milestone[0].isoformat()} {overview.next_milestone[1]}"
        name = board.name + (" " + _("(archived)") if board.archived else "")
        lines.append(
            (
                board.code,
                _cut(name, MAX_NAME),
                _(boards.KIND_LABELS.get(board.kind, board.kind)),
                status,
                f"{summary.done}/{summary.total} {summary.progress:.0%}",
                str(summary.overdue),
                day.isoformat() if day else "",
                _cut(upcoming, MAX_NAME),
            )
        )
    _print_table(header, lines)
    print(_("* status computed from the cards"))
    return 0


def cmd_new(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Make a board; print its code, name and what it holds."""
    from gmassist.__main__ import open_store
    from gmassist.domain.agenda_view import read_date
    from gmassist.i18n import language
    from gmassist.services import board as boards

    day = read_date(args.date or "", clock.now(), "date")
    if args.template and day is None:
        raise InvalidInput(_("a template needs the event date: --date 2027-01-20"), "date")
    if args.template and args.kind:
        raise InvalidInput(_("--kind comes from the template; leave it out"), "kind")
    lang = args.lang or language()
    store = open_store(args, settings, clock)
    try:
        if args.template:
            assert day is not None
            board = boards.create_board_from_template(
                store,
                args.template,
                day,
                name=args.name,
                code=args.code or "",
                owner=args.owner or "",
                lang=lang,
                weekdays_only=args.weekdays_only,
                clock=clock,
            )
        else:
            form = boards.BoardForm(
                name=args.name,
                code=args.code or "",
                kind=args.kind or "project",
                owner=args.owner or "",
                event_date=day,
            )
            board = boards.create_board(store, form, lang=lang)
        snapshot = boards.load_board(store, board.id)
    finally:
        store.close()
    print(
        _("Made board {code} {name}: {columns} columns, {cards} cards.").format(
            code=board.code, name=board.name, columns=len(snapshot.columns), cards=len(snapshot.cards)
        )
    )
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Write one board as Markdown to standard output or a file."""
    from gmassist.__main__ import open_store, unlock_confidential, write_output
    from gmassist.i18n import language
    from gmassist.services import board as boards

    store = open_store(args, settings, clock)
    try:
        if args.include_confidential:
            unlock_confidential(store)
        board = boards.find_board(store, args.name)
        now = clock.now()
        text = boards.board_markdown(store, board.id, now.date(), args.lang or language(), now.tzinfo)
    finally:
        store.close()
    write_output(args.output, text)
    return 0


def _print_table(header: Sequence[str], lines: Sequence[Sequence[str]]) -> None:
    """Rows under a header, columns aligned by terminal cell width."""
    widths = [max(cell_len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, *lines]:
        cells = [set_cell_size(value, width) for value, width in zip(line, widths, strict=True)]
        print("  ".join(cells).rstrip())


def _cut(text: str, width: int) -> str:
    """`text` cut to `width` cells, ending in '…' when cut."""
    return text if cell_len(text) <= width else set_cell_size(text, width - 1) + "…"
