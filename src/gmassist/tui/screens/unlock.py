"""The passphrase screen: shown when the store (or the confidential key) needs a passphrase."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from gmassist.errors import GmassistError
from gmassist.i18n import _

Attempt = Callable[[str], None]
"""Tries a passphrase (in a worker thread); raises a GmassistError when it does not open."""


class UnlockScreen(ModalScreen[bool]):
    """Asks for a passphrase until it opens; Escape gives up (dismisses False)."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="unlock.cancel")]

    def __init__(self, title: str, attempt: Attempt, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.attempt = attempt
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-box"):
            yield Label(self.title_text, id="unlock-title")
            if self.hint:
                yield Static(self.hint, id="unlock-hint")
            yield Input(password=True, placeholder=_("passphrase"), id="unlock-input")
            yield Static("", id="unlock-error")

    @on(Input.Submitted, "#unlock-input")
    def submitted(self, event: Input.Submitted) -> None:
        """Try the passphrase off the event loop (key stretching takes a moment)."""
        event.input.disabled = True
        self.query_one("#unlock-error", Static).update(_("Checking…"))
        self.try_passphrase(event.value)

    @work(thread=True, exclusive=True, group="unlock")
    def try_passphrase(self, passphrase: str) -> None:
        """Run the attempt in a thread; report back on the event loop."""
        try:
            self.attempt(passphrase)
        except GmassistError as exc:
            self.app.call_from_thread(self.failed, str(exc))
        else:
            self.app.call_from_thread(self.dismiss, True)

    def failed(self, message: str) -> None:
        """Keep the screen open with the field marked and the reason shown."""
        field = self.query_one("#unlock-input", Input)
        field.disabled = False
        field.value = ""
        field.add_class("-invalid")
        field.focus()
        self.query_one("#unlock-error", Static).update(message)

    def action_cancel(self) -> None:
        """Give up."""
        self.dismiss(False)
