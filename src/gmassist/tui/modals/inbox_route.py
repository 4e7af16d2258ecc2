"""Routing dialogs of the inbox: route to a department (流转), a move that needs a reason (退回, 撤回,
重新办理), and the manager's instruction (批示), which can become follow-ups at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from gmassist.i18n import _
from gmassist.tui.modals.inbox_prompt import CSS


@dataclass(frozen=True)
class MoveRequest:
    """What a routing dialog gives back."""

    comment: str = ""
    """The reason, the instruction's text, or a note."""
    holder: str | None = None
    """The department that holds the document next (route)."""
    make_followups: bool = False
    """Turn the instruction into follow-ups (record instruction)."""
    due: date | None = None
    """Their due date (None: the document's reply-by date)."""


class RouteModal(ModalScreen[MoveRequest | None]):
    """Choose the department (from the list, or typed) and add an optional note."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="inbox.route.cancel")]

    def __init__(self, title: str, departments: Sequence[tuple[str, str]], current: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.departments = list(departments)
        """(id, name) of every department."""
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="ib-dialog"):
            yield Label(self.title_text, classes="ib-title")
            if self.departments:
                yield Label(_("Department"), classes="ib-label")
                yield Select(
                    [(name, dept_id) for dept_id, name in self.departments if dept_id != self.current],
                    prompt=_("Choose a department"),
                    id="ib-route-department",
                )
            yield Label(_("…or type one"), classes="ib-label")
            yield Input(placeholder=_("法务部"), id="ib-route-other")
            yield Label(_("Note (optional)"), classes="ib-label")
            yield Input(id="ib-route-comment")
            yield Static("", classes="ib-error", id="ib-route-error")
            yield Static(_("Enter routes it; Escape cancels."), classes="ib-keys")

    def on_mount(self) -> None:
        if self.departments:
            self.query_one("#ib-route-department", Select).focus()
        else:
            self.query_one("#ib-route-other", Input).focus()

    @on(Select.Changed, "#ib-route-department")
    def chosen(self) -> None:
        self.query_one("#ib-route-comment", Input).focus()

    @on(Input.Submitted)
    def submitted(self) -> None:
        holder = self.query_one("#ib-route-other", Input).value.strip()
        if not holder and self.departments:
            value = self.query_one("#ib-route-department", Select).value
            holder = value if isinstance(value, str) else ""
        if not holder:
            self.query_one("#ib-route-error", Static).update(_("Choose or type the department."))
            return
        self.dismiss(
            MoveRequest(comment=self.query_one("#ib-route-comment", Input).value.strip(), holder=holder)
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonModal(ModalScreen[MoveRequest | None]):
    """Asks for the comment of a move (required for returning, withdrawing, reopening)."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="inbox.reason.cancel")]

    def __init__(self, title: str, *, required: bool = True, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.required = required
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="ib-dialog"):
            yield Label(self.title_text, classes="ib-title")
            if self.hint:
                yield Static(self.hint, classes="ib-hint", markup=False)
            yield Input(placeholder=_("Reason") if self.required else _("Note (optional)"), id="ib-reason")
            yield Static("", classes="ib-error", id="ib-reason-error")

    def on_mount(self) -> None:
        self.query_one("#ib-reason", Input).focus()

    @on(Input.Submitted, "#ib-reason")
    def submitted(self, event: Input.Submitted) -> None:
        if self.required and not event.value.strip():
            self.query_one("#ib-reason-error", Static).update(_("A reason is needed."))
            return
        self.dismiss(MoveRequest(comment=event.value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class InstructionModal(ModalScreen[MoveRequest | None]):
    """The manager's instruction, as he gave it; each line can become a follow-up (on by default)."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="inbox.instruction.save"),
        Binding("escape", "cancel", _("Cancel"), id="inbox.instruction.cancel"),
    ]

    def __init__(self, title: str, *, reply_by: date | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.reply_by = reply_by

    def compose(self) -> ComposeResult:
        with Vertical(classes="ib-dialog"):
            yield Label(self.title_text, classes="ib-title")
            yield Static(
                _("The instruction (批示) as the manager gave it; one task per line."), classes="ib-hint"
            )
            yield TextArea(id="ib-instruction", soft_wrap=True)
            yield Checkbox(_("Create a follow-up for each line"), value=True, id="ib-instruction-followups")
            yield Label(_("Due (YYYY-MM-DD; empty: the reply-by date)"), classes="ib-label")
            yield Input(value=self.reply_by.isoformat() if self.reply_by else "", id="ib-instruction-due")
            yield Static("", classes="ib-error", id="ib-instruction-error")
            yield Static(_("ctrl+s saves; Escape cancels."), classes="ib-keys")

    def on_mount(self) -> None:
        self.query_one("#ib-instruction", TextArea).focus()

    @on(Input.Submitted, "#ib-instruction-due")
    def due_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        text = self.query_one("#ib-instruction", TextArea).text.strip()
        error = self.query_one("#ib-instruction-error", Static)
        if not text:
            error.update(_("Write the instruction first."))
            return
        raw_due = self.query_one("#ib-instruction-due", Input).value.strip()
        due = None
        if raw_due:
            try:
                due = date.fromisoformat(raw_due)
            except ValueError:
                error.update(_("Write the due date as YYYY-MM-DD."))
                return
        followups = self.query_one("#ib-instruction-followups", Checkbox).value
        self.dismiss(MoveRequest(comment=text, make_followups=followups, due=due))

    def action_cancel(self) -> None:
        self.dismiss(None)
