"""The in-app viewer: Markdown rendered, plain text and e-mail (headers, body, attachments) read-only.

Files the app cannot show (Word, PDF, images, an e-mail's attachments) open in the system viewer from a
private copy; the viewer asks the screen for that by dismissing with the file's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from gmassist.i18n import _
from gmassist.tui.modals.inbox_prompt import CSS

if TYPE_CHECKING:
    from gmassist.services.inbox import ViewContent


@dataclass(frozen=True)
class ViewRequest:
    """What the viewer asks the screen to do when it closes."""

    action: str
    """open (in the system viewer) or export."""
    file_id: str
    file_name: str


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


class ViewerModal(ModalScreen[ViewRequest | None]):
    """Shows a text, Markdown or e-mail document; o opens the highlighted file outside, x exports it."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [
        Binding("escape,q", "cancel", _("Close"), id="inbox.viewer.close"),
        Binding(
            "o",
            "open_file",
            _("Open outside"),
            id="inbox.viewer.open",
            tooltip=_("Open in the system viewer"),
        ),
        Binding(
            "x", "export_file", _("Export"), id="inbox.viewer.export", tooltip=_("Write a copy to a path")
        ),
    ]

    def __init__(self, content: ViewContent) -> None:
        super().__init__()
        self.content = content

    def compose(self) -> ComposeResult:
        content = self.content
        with Vertical(classes="ib-dialog -wide"):
            yield Label(content.title, classes="ib-title", markup=False)
            if content.headers:
                head = Text()
                for name, value in content.headers:
                    head.append(f"{name}: ", style="bold")
                    head.append(f"{value}\n")
                yield Static(head, classes="ib-viewer-head")
            if content.kind == "markdown":
                with VerticalScroll(classes="ib-viewer-body", id="ib-viewer-body"):
                    yield Markdown(content.text, id="ib-viewer-markdown")
            else:
                yield TextArea(
                    content.text,
                    read_only=True,
                    soft_wrap=True,
                    classes="ib-viewer-body",
                    id="ib-viewer-text",
                )
            if content.cut:
                yield Static(
                    _("Only the beginning is shown; export the file to read it all."), classes="ib-hint"
                )
            if len(content.files) > 1 or content.kind == "email":
                yield Label(_("Files"), classes="ib-label")
                yield OptionList(
                    *(
                        Option(f"{item.name}  ({item.mime}, {_size(item.size)})", id=item.id)
                        for item in content.files
                    ),
                    id="ib-viewer-files",
                    markup=False,
                )
            yield Static(
                _("o opens a file in the system viewer · x exports it · Escape closes"), classes="ib-keys"
            )

    def on_mount(self) -> None:
        body = self.query("#ib-viewer-text, #ib-viewer-body")
        if body:
            body.first().focus()

    def _chosen(self) -> tuple[str, str]:
        files = self.content.files
        lists = self.query("#ib-viewer-files")
        if lists:
            options = lists.first(OptionList)
            index = options.highlighted
            if index is not None and 0 <= index < len(files):
                return files[index].id, files[index].name
        return files[0].id, files[0].name

    @on(OptionList.OptionSelected, "#ib-viewer-files")
    def selected(self) -> None:
        self.action_open_file()

    def action_open_file(self) -> None:
        if self.content.files:
            file_id, name = self._chosen()
            self.dismiss(ViewRequest("open", file_id, name))

    def action_export_file(self) -> None:
        if self.content.files:
            file_id, name = self._chosen()
            self.dismiss(ViewRequest("export", file_id, name))

    def action_cancel(self) -> None:
        self.dismiss(None)
