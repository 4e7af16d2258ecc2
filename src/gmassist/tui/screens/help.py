"""The `?` screen: every key of the screen underneath, with what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gmassist.i18n import _


class HelpScreen(ModalScreen[None]):
    """Lists the active bindings of the screen it was opened over."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", _("Close"), id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows
        """(key, description, tooltip) of every active binding."""

    def compose(self) -> ComposeResult:
        width = max((len(key) for key, _d, _t in self.rows), default=4)
        lines = [f"[b]{_('Keys')}[/b]", ""]
        for key, description, tooltip in self.rows:
            extra = f"  [dim]{tooltip}[/dim]" if tooltip else ""
            lines.append(f"[b]{key.ljust(width)}[/b]  {description}{extra}")
        lines += ["", f"[dim]{_('Escape closes this window; ctrl+p opens the command palette.')}[/dim]"]
        with VerticalScroll(id="help-box"):
            yield Static("\n".join(lines), id="help-text", markup=True)
