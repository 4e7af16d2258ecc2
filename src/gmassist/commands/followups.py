"""`gmassist followups`: the follow-ups due, overdue or of one department, as a table on standard output.

Columns line up in terminal cells (a Chinese character takes two), so the table reads in a terminal and
pastes into a message. Confidential titles stay masked: the command never unlocks them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size

from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.i18n import _

if TYPE_CHECKING:
    from gmassist.services.followups import FollowupRow

MAX_TITLE = 40
"""Titles longer than this many cells are cut with '…'."""


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the `followups` command."""
    command = add("followups", cmd_followups, _("list follow-ups (active ones, most urgent first)"))
    command.add_argument(
        "--due", metavar="DATE", help=_("only those due on DATE (today, friday, 周五, 2026-12-05)")
    )
    command.add_argument("--overdue", action="store_true", help=_("only those past their due date"))
    command.add_argument("--dept", metavar="NAME", help=_("only those of the department NAME"))


def cmd_followups(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Print the chosen follow-ups as a table; exit 1 when a date or department cannot be read."""
    from gmassist.__main__ import open_store
    from gmassist.domain.agenda_view import read_date
    from gmassist.errors import InvalidInput
    from gmassist.services import followups as fu

    now = clock.now()
    due = read_date(args.due or "", now, "due")
    store = open_store(args, settings, clock)
    try:
        if not store.read_only:
            fu.generate_instances(store, settings.followups)
        directory = fu.load_directory(store)
        departments = None
        if args.dept:
            departments = fu.departments_named(directory, args.dept)
            if not departments:
                raise InvalidInput(_("No department is called “{name}”").format(name=args.dept), "dept")
        query = fu.FollowupQuery(
            store,
            directory,
            settings.followups,
            now,
            "overdue" if args.overdue else "active",
            due_on=due,
            department_ids=departments,
        )
        rows = query.all_rows()
    finally:
        store.close()
    print_table(rows)
    return 0


def print_table(rows: Sequence[FollowupRow]) -> None:
    """The rows as a table with a header, columns aligned by terminal cell width."""
    from gmassist.domain.followups import escalation_label, status_label

    if not rows:
        print(_("No follow-ups."))
        return
    header = (_("Level"), _("Due"), _("Title"), _("Owner"), _("Department"), _("Status"), _("Check-in"))
    lines = [
        (
            escalation_label(row.level)
            + (" " + _("{n}d").format(n=row.overdue_days) if row.overdue_days else ""),
            row.due.isoformat() if row.due else "",
            _cut(row.title, MAX_TITLE),
            row.owner_name,
            row.department_name,
            status_label(row.status),
            (row.next_check_in.isoformat() if row.next_check_in else "")
            + (" " + _("stale") if row.stale else ""),
        )
        for row in rows
    ]
    widths = [max(cell_len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, *lines]:
        cells = [set_cell_size(value, width) for value, width in zip(line, widths, strict=True)]
        print("  ".join(cells).rstrip())


def _cut(text: str, width: int) -> str:
    """`text` cut to `width` cells, ending in '…' when cut."""
    return text if cell_len(text) <= width else set_cell_size(text, width - 1) + "…"
