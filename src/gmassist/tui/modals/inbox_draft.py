"""拟稿: the in-app Markdown editor for a new draft or a new version of one (a Textual TextArea)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static, TextArea

from gmassist.domain.inbox import SecurityLevel
from gmassist.i18n import _
from gmassist.tui.modals.inbox_prompt import CSS, level_options


@dataclass(frozen=True)
class DraftRequest:
    """A draft's title, security level and Markdown text."""

    title: str
    level: str
    text: str


class DraftModal(ModalScreen[DraftRequest | None]):
    """Write or revise a draft: title, 密级 and the Markdown text. ctrl+s saves (a new version when
    revising), Escape leaves without saving."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="inbox.draft.save", tooltip=_("Save the draft")),
        Binding("escape", "cancel", _("Cancel"), id="inbox.draft.cancel", tooltip=_("Leave without saving")),
    ]

    def __init__(
        self, heading: str, *, title: str = "", text: str = "", level: str = SecurityLevel.INTERNAL.value
    ) -> None:
        super().__init__()
        self.heading = heading
        self.initial = DraftRequest(title, level, text)

    def compose(self) -> ComposeResult:
        with Vertical(classes="ib-dialog -wide"):
            yield Label(self.heading, classes="ib-title")
            with Horizontal(classes="ib-row"):
                yield Input(value=self.initial.title, placeholder=_("Title"), id="ib-draft-title")
                yield Select(
                    level_options(), value=self.initial.level, allow_blank=False, id="ib-draft-level"
                )
            yield TextArea(self.initial.text, id="ib-draft-text", soft_wrap=True, tab_behavior="indent")
            yield Static("", classes="ib-error", id="ib-draft-error")
            yield Static(_("Markdown. ctrl+s saves; Escape leaves without saving."), classes="ib-keys")

    def on_mount(self) -> None:
        if self.initial.title:
            self.query_one("#ib-draft-text", TextArea).focus()
        else:
            self.query_one("#ib-draft-title", Input).focus()

    def on_input_submitted(self) -> None:
        self.query_one("#ib-draft-text", TextArea).focus()

    def action_save(self) -> None:
        title = self.query_one("#ib-draft-title", Input).value.strip()
        if not title:
            self.query_one("#ib-draft-error", Static).update(_("A draft needs a title."))
            self.query_one("#ib-draft-title", Input).focus()
            return
        level = str(self.query_one("#ib-draft-level", Select).value)
        self.dismiss(DraftRequest(title, level, self.query_one("#ib-draft-text", TextArea).text))

    def action_cancel(self) -> None:
        self.dismiss(None)
