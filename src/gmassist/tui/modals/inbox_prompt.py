"""Small inbox dialogs: one line of text (tags, a path, a view's name), and taking files in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from gmassist.domain.inbox import SecurityLevel
from gmassist.i18n import _

CSS = Path(__file__).parent / "inbox.tcss"
"""The inbox dialogs' styles."""


def level_options() -> list[tuple[str, str]]:
    """(label, code) of every security level, for a Select."""
    return [(_(level.label), level.value) for level in SecurityLevel]


class TextPromptModal(ModalScreen[str | None]):
    """Asks for one line; Enter gives it (trimmed), Escape gives None. Empty answers are refused unless
    `allow_empty`."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="inbox.prompt.cancel")]

    def __init__(self, title: str, *, value: str = "", hint: str = "", allow_empty: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.hint = hint
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="ib-dialog"):
            yield Label(self.title_text, classes="ib-title")
            if self.hint:
                yield Static(self.hint, classes="ib-hint", markup=False)
            yield Input(value=self.value, id="ib-prompt-input")
            yield Static("", classes="ib-error", id="ib-prompt-error")

    def on_mount(self) -> None:
        self.query_one("#ib-prompt-input", Input).focus()

    @on(Input.Submitted, "#ib-prompt-input")
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value and not self.allow_empty:
            self.query_one("#ib-prompt-error", Static).update(_("Type something, or Escape to cancel."))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class IngestRequest:
    """Files to take in and the security level they get."""

    paths: list[str]
    level: str


class IngestModal(ModalScreen[IngestRequest | None]):
    """Asks which files or folders to take in (separated by ;) and at which security level."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="inbox.ingest.cancel")]

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(classes="ib-dialog"):
            yield Label(_("Take in files"), classes="ib-title")
            yield Static(
                _(
                    "Files or folders, separated by ; — the watched folder {folder} is taken in by itself "
                    "(its sub-folders 机密/confidential and 绝密/secret set the level)."
                ).format(folder=self.folder),
                classes="ib-hint",
                markup=False,
            )
            yield Input(placeholder=_("~/Downloads/关于预算的请示.pdf"), id="ib-ingest-paths")
            yield Label(_("Security level (密级)"), classes="ib-label")
            yield Select(
                level_options(), value=SecurityLevel.INTERNAL.value, allow_blank=False, id="ib-ingest-level"
            )
            yield Static("", classes="ib-error", id="ib-ingest-error")

    def on_mount(self) -> None:
        self.query_one("#ib-ingest-paths", Input).focus()

    @on(Input.Submitted, "#ib-ingest-paths")
    def submitted(self, event: Input.Submitted) -> None:
        paths = [part.strip() for part in event.value.split(";") if part.strip()]
        if not paths:
            self.query_one("#ib-ingest-error", Static).update(_("Name at least one file or folder."))
            return
        level = self.query_one("#ib-ingest-level", Select).value
        self.dismiss(IngestRequest(paths, str(level)))

    def action_cancel(self) -> None:
        self.dismiss(None)
