"""What the agenda's dialogs share: a centred box styled by agenda.tcss, and Escape to close."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, ScreenResultType

from gmassist.i18n import _

CSS = Path(__file__).parent / "agenda.tcss"


class AgendaModal(ModalScreen[ScreenResultType]):
    """A dialog of the agenda; Escape closes it without an answer (None)."""

    CSS_PATH = CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Close"), id="agenda-dialog.close", tooltip=_("Close without saving")),
    ]

    def action_close(self) -> None:
        """Close without an answer."""
        self.dismiss(None)
