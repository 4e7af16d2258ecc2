"""Small dialogs of the follow-ups: pick one of a list, confirm a question, and the owner questions of a
quick add (which of two people; add a new one?)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from gmassist.i18n import _

if TYPE_CHECKING:
    from textual.app import App

    from gmassist.services.followups import PersonInfo, QuickPlan

CSS = Path(__file__).parent / "followup.tcss"
"""The follow-up dialogs' styles."""


class FollowupPickModal(ModalScreen[str | None]):
    """Choose one of `options` ((value, label) pairs) with the arrows and Enter; Escape chooses nothing."""

    CSS_PATH = CSS
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="followups.pick.cancel")]

    def __init__(
        self, title: str, options: Sequence[tuple[str, str]], *, hint: str = "", highlight: str | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.hint = hint
        self.highlight = highlight

    def compose(self) -> ComposeResult:
        with Vertical(classes="fu-dialog", id="fu-pick-box"):
            yield Label(self.title_text, classes="fu-dialog-title")
            if self.hint:
                yield Static(self.hint, classes="fu-dialog-hint")
            if self.options:
                yield OptionList(
                    *(Option(label, id=value) for value, label in self.options),
                    id="fu-pick-list",
                    markup=False,
                )
            else:
                yield Static(_("Nothing to choose from."), classes="fu-dialog-hint")

    def on_mount(self) -> None:
        if self.options:
            options = self.query_one(OptionList)
            options.focus()
            values = [value for value, _label in self.options]
            if self.highlight in values:
                options.highlighted = values.index(self.highlight)

    @on(OptionList.OptionSelected, "#fu-pick-list")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on an option."""
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Choose nothing."""
        self.dismiss(None)


class FollowupConfirmModal(ModalScreen[bool]):
    """A yes/no question: `y` or Enter says yes, `n` or Escape no."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("y", "answer(True)", _("Yes"), id="followups.confirm.yes"),
        Binding("n,escape", "answer(False)", _("No"), id="followups.confirm.no"),
    ]

    def __init__(self, question: str, yes: str | None = None, no: str | None = None) -> None:
        super().__init__()
        self.question = question
        self.yes = yes or _("Yes")
        self.no = no or _("No")

    def compose(self) -> ComposeResult:
        with Vertical(classes="fu-dialog", id="fu-confirm-box"):
            yield Static(self.question, id="fu-confirm-question")
            with Horizontal(classes="fu-dialog-buttons"):
                yield Button(self.yes, variant="primary", id="fu-confirm-yes")
                yield Button(self.no, id="fu-confirm-no")

    def on_mount(self) -> None:
        self.query_one("#fu-confirm-yes", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "fu-confirm-yes")

    def action_answer(self, answer: bool) -> None:
        """Answer the question."""
        self.dismiss(answer)


def person_label(person: PersonInfo, departments: dict[str, str]) -> str:
    """A person as a picker shows them: name, job title and department."""
    parts = [person.name]
    if person.title:
        parts.append(person.title)
    if person.department_id and departments.get(person.department_id):
        parts.append(departments[person.department_id])
    return " · ".join(parts)


OwnerChoice = Callable[["PersonInfo | None", bool], None]
"""Called with (the chosen owner or None, whether to add the new one) once the owner questions are answered."""


def ask_owner(app: App[Any], plan: QuickPlan, departments: dict[str, str], proceed: OwnerChoice) -> None:
    """Settle a quick add's owner with the user: which one of several people, or whether to add a name that
    is not in the people list yet. `proceed` is not called when the user backs out."""
    if plan.candidates:
        people = {p.id: p for p in plan.candidates}

        def picked(person_id: str | None) -> None:
            if person_id is not None:
                proceed(people[person_id], False)

        app.push_screen(
            FollowupPickModal(
                _("“{name}” could be more than one person: who is the owner?").format(
                    name=plan.parsed.owner or ""
                ),
                [(p.id, person_label(p, departments)) for p in plan.candidates],
            ),
            picked,
        )
    elif plan.new_owner:

        def confirmed(add: bool | None) -> None:
            if add:
                proceed(None, True)

        app.push_screen(
            FollowupConfirmModal(
                _("“{name}” is not in the people list yet. Add them, as the owner?").format(
                    name=plan.new_owner
                ),
                yes=_("Add"),
                no=_("Cancel"),
            ),
            confirmed,
        )
    else:
        proceed(None, False)
