"""`gmassist add "..."`: quick add from the shell. One line of Chinese or English, read by the quick-add
parser, becomes a follow-up, an agenda event or a board card according to what it says.

Follow-ups are made here. An owner not yet in the people list is added (and the command says so); a name
that fits two people is an error listing them, and nothing is saved. Events and cards are handed to
`services.agenda.create_from_quickadd` and `services.board.create_card_from_quickadd`, looked up when
the command runs, each called as `(store, parsed, settings)` and returning the line to print.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Any

from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.errors import GmassistError
from gmassist.i18n import N_, _

HANDLERS: dict[str, tuple[str, str, str]] = {
    "event": (
        "gmassist.services.agenda",
        "create_from_quickadd",
        N_("events from quick add arrive with the agenda"),
    ),
    "card": (
        "gmassist.services.board",
        "create_card_from_quickadd",
        N_("cards from quick add arrive with the boards"),
    ),
}
"""Where events and cards go: (module, function, English source of the error while it is missing)."""


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the `add` command."""
    command = add("add", cmd_add, _("quick add: a follow-up, event or card from one line"))
    command.add_argument("text", nargs="+", metavar="TEXT", help=_('e.g. "@销售经理 周五前 提交Q4预算"'))


def cmd_add(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Read the line and save what it describes; exit non-zero (nothing saved) when it cannot be."""
    from gmassist.domain import quickadd
    from gmassist.domain.agenda_view import quickadd_error
    from gmassist.services import followups as fu

    text = " ".join(args.text).strip()
    now = clock.now()
    try:
        parsed = quickadd.parse(text, now)
    except quickadd.QuickAddError as exc:
        raise quickadd_error(exc, text, "text") from exc
    if parsed.kind != "followup":
        return _hand_over(parsed, args, settings, clock)
    from gmassist.__main__ import open_store

    store = open_store(args, settings, clock)
    try:
        plan = fu.plan_quick_add(fu.load_directory(store), text, now)
        if plan.candidates:
            raise fu.OwnerAmbiguous(plan.parsed.owner or "", plan.candidates)
        saved = fu.save_quick_add(store, plan, settings.followups, add_new_owner=True)
    finally:
        store.close()
    if saved.person_added:
        print(_("Added {name} to the people list.").format(name=saved.person_added))
    owner = plan.owner.name if plan.owner else (saved.person_added or "")
    details = [plan.parsed.title]
    if owner:
        details.append(_("owner {name}").format(name=owner))
    if plan.parsed.due:
        details.append(_("due {date}").format(date=plan.parsed.due.isoformat()))
    if plan.parsed.rrule:
        details.append(quickadd.describe_rrule(plan.parsed.rrule, _language()))
    print(_("Follow-up saved: {details}").format(details=" · ".join(details)))
    for warning in saved.warnings:
        print(_("Note: {warning}").format(warning=warning.message))
    if saved.instances:
        print(_("{n} instance(s) of the series are due already.").format(n=saved.instances))
    return 0


def _language() -> str:
    from gmassist import i18n

    return i18n.language()


def _hand_over(parsed: Any, args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Give an event or a card to its area's service, when that area has one."""
    module_name, function_name, missing = HANDLERS[parsed.kind]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise GmassistError(_(missing)) from None
    create = getattr(module, function_name, None)
    if create is None:
        raise GmassistError(_(missing))
    from gmassist.__main__ import open_store

    store = open_store(args, settings, clock)
    try:
        result = create(store, parsed, settings)
    finally:
        store.close()
    if result:
        print(result)
    return 0
