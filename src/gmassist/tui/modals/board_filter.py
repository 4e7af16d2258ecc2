"""The board's filter window (owner, label, overdue, due this week, text) and its yes/no question."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Static

from gmassist.i18n import _
from gmassist.services.board import CardFilter


class FilterModal(ModalScreen[CardFilter | None]):
    """Which cards the board shows. Dismisses the new filter, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), id="filter.cancel", tooltip=_("Keep the filter as it was")),
        Binding("ctrl+s", "apply", _("Apply"), id="filter.apply", tooltip=_("Show only the matching cards")),
        Binding("ctrl+r", "clear", _("Clear"), id="filter.clear", tooltip=_("Show every card")),
    ]

    DEFAULT_CSS = """
    FilterModal { align: center middle; }
    FilterModal #filter-box {
        width: 70; height: auto; padding: 1 2; border: thick $primary; background: $surface;
    }
    FilterModal .form-title { text-style: bold; margin-bottom: 1; }
    FilterModal .form-row { height: auto; }
    FilterModal .form-label { width: 12; padding: 1 1 0 0; color: $text-muted; }
    FilterModal .form-row Input { width: 1fr; }
    FilterModal .form-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    FilterModal .form-buttons Button { margin-left: 1; }
    """

    def __init__(self, current: CardFilter, owners: Sequence[str] = (), labels: Sequence[str] = ()) -> None:
        super().__init__()
        self.current = current
        self.owners = list(owners)
        self.labels = list(labels)

    def compose(self) -> ComposeResult:
        current = self.current
        with Vertical(id="filter-box"):
            yield Label(_("Show only cards…"), classes="form-title")
            with Horizontal(classes="form-row"):
                yield Label(_("Owner"), classes="form-label")
                yield Input(
                    current.owner,
                    placeholder=", ".join(self.owners[:3]),
                    suggester=SuggestFromList(self.owners, case_sensitive=False),
                    id="filter-owner",
                )
            with Horizontal(classes="form-row"):
                yield Label(_("Label"), classes="form-label")
                yield Input(
                    current.label,
                    placeholder=", ".join(self.labels[:3]),
                    suggester=SuggestFromList(self.labels, case_sensitive=False),
                    id="filter-label",
                )
            with Horizontal(classes="form-row"):
                yield Label(_("Text"), classes="form-label")
                yield Input(current.text, placeholder=_("part of the title or id"), id="filter-text")
            yield Checkbox(_("Overdue"), current.overdue, id="filter-overdue")
            yield Checkbox(_("Due this week"), current.this_week, id="filter-week")
            with Horizontal(classes="form-buttons"):
                yield Button(_("Apply"), variant="primary", id="filter-apply")
                yield Button(_("Clear"), id="filter-clear")
                yield Button(_("Cancel"), id="filter-cancel")

    def read(self) -> CardFilter:
        """The filter as the fields say."""
        return CardFilter(
            owner=self.query_one("#filter-owner", Input).value.strip(),
            label=self.query_one("#filter-label", Input).value.strip().lstrip("#"),
            overdue=self.query_one("#filter-overdue", Checkbox).value,
            this_week=self.query_one("#filter-week", Checkbox).value,
            text=self.query_one("#filter-text", Input).value.strip(),
        )

    @on(Input.Submitted)
    @on(Button.Pressed, "#filter-apply")
    def action_apply(self) -> None:
        """Show only the matching cards."""
        self.dismiss(self.read())

    @on(Button.Pressed, "#filter-clear")
    def action_clear(self) -> None:
        """Show every card."""
        self.dismiss(CardFilter())

    @on(Button.Pressed, "#filter-cancel")
    def action_cancel(self) -> None:
        """Keep the filter as it was."""
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question (moving a card past a WIP limit)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", _("Yes"), id="confirm.yes", tooltip=_("Go ahead")),
        Binding("n,escape", "answer(False)", _("No"), id="confirm.no", tooltip=_("Leave it")),
    ]

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal #confirm-box {
        width: 64; height: auto; padding: 1 2; border: thick $warning; background: $surface;
    }
    ConfirmModal .form-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmModal .form-buttons Button { margin-left: 1; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question)
            with Horizontal(classes="form-buttons"):
                yield Button(_("Yes (y)"), variant="warning", id="confirm-yes")
                yield Button(_("No (n)"), id="confirm-no")

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        """Answer the question."""
        self.dismiss(yes)
