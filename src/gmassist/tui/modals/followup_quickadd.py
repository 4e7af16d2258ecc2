"""Quick add on the follow-ups screen: one line (`@销售经理 周五前 提交Q4预算`), its reading shown as it
is typed, handed back on Enter. The screen then settles the owner (asking first) and saves."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from gmassist import i18n
from gmassist.i18n import _
from gmassist.tui.modals.followup_pick import CSS


class FollowupQuickAddModal(ModalScreen[str | None]):
    """Type a follow-up in one line; Enter hands the line back when it reads as a follow-up."""

    CSS_PATH = CSS
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="followups.quick_add.cancel")]

    def __init__(self, now: datetime) -> None:
        super().__init__()
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="fu-dialog", id="fu-quick-box"):
            yield Label(_("Quick add a follow-up"), classes="fu-dialog-title")
            yield Input(placeholder=_("@销售经理 周五前 提交Q4预算"), id="fu-quick-input", compact=True)
            yield Static("", classes="fu-dialog-hint", id="fu-quick-preview")
            yield Static("", classes="fu-dialog-error", id="fu-quick-error")

    def on_mount(self) -> None:
        self.query_one("#fu-quick-input", Input).focus()

    def reading(self, text: str) -> tuple[str, str]:
        """(how the line reads, what is wrong with it) — one of them empty."""
        from gmassist.domain import quickadd
        from gmassist.domain.agenda_view import quickadd_error

        if not text.strip():
            return "", ""
        try:
            parsed = quickadd.parse(text, self.now)
        except quickadd.QuickAddError as exc:
            return "", str(quickadd_error(exc, text))
        explained = quickadd.explain(parsed, i18n.language(), now=self.now)
        if parsed.kind != "followup":
            return explained, _("This line reads as an event or a card, not a follow-up")
        return explained, ""

    @on(Input.Changed, "#fu-quick-input")
    def typed(self, event: Input.Changed) -> None:
        """Show the reading as the line is typed (the parser takes well under a millisecond)."""
        preview, problem = self.reading(event.value)
        self.query_one("#fu-quick-preview", Static).update(preview)
        self.query_one("#fu-quick-error", Static).update(problem)

    @on(Input.Submitted, "#fu-quick-input")
    def submitted(self, event: Input.Submitted) -> None:
        """Hand the line back when it reads as a follow-up."""
        problem = self.reading(event.value)[1]
        if not event.value.strip():
            problem = _("A follow-up needs a title")
        if problem:
            self.query_one("#fu-quick-error", Static).update(problem)
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
