"""The question every edit or delete of a recurring event asks: this one, this and following, or all."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from gmassist.i18n import _
from gmassist.tui.modals.agenda_base import AgendaModal

SCOPES = ("this", "following", "all")


class ScopeModal(AgendaModal[str]):
    """Dismisses "this", "following" or "all" (None on Escape). Keys 1, 2, 3 answer directly."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "1", "choose('this')", _("This one"), id="agenda-scope.this", tooltip=_("Only this occurrence")
        ),
        Binding(
            "2",
            "choose('following')",
            _("This and following"),
            id="agenda-scope.following",
            tooltip=_("This occurrence and every later one; earlier ones stay as they are"),
        ),
        Binding(
            "3", "choose('all')", _("All"), id="agenda-scope.all", tooltip=_("Every occurrence of the series")
        ),
    ]

    def __init__(self, question: str, what: str) -> None:
        super().__init__()
        self.question = question
        """E.g. "Change which occurrences?"."""
        self.what = what
        """The occurrence, in words."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="agenda-box"):
            yield Label(self.question, classes="agenda-title")
            yield Static(self.what, classes="agenda-hint")
            yield OptionList(
                Option(f"1  {_('This one')}", id="this"),
                Option(f"2  {_('This and following')}", id="following"),
                Option(f"3  {_('All occurrences')}", id="all"),
                id="scope-options",
            )

    @on(OptionList.OptionSelected, "#scope-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self, scope: str) -> None:
        """Answer with `scope`."""
        self.dismiss(scope)
