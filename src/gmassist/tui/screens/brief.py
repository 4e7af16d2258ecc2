"""The weekly brief (周报) in the app: shown as Markdown, written to a file on request."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from gmassist.errors import GmassistError
from gmassist.i18n import _, language
from gmassist.tui.widgets.footer import QuietFooter

if TYPE_CHECKING:
    from gmassist.tui.app import GmassistApp


class BriefScreen(ModalScreen[None]):
    """This week's brief; `w` writes it (and remembers its numbers for the next one's comparison)."""

    area = _("brief")
    BINDINGS = [
        Binding(
            "w", "write", _("Write file"), id="brief.write", tooltip=_("Write the brief to a Markdown file")
        ),
        Binding(
            "i",
            "toggle_confidential",
            _("Confidential"),
            id="brief.confidential",
            tooltip=_("Include confidential items (they must be unlocked)"),
        ),
        Binding("escape,q", "dismiss", _("Close"), id="brief.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.include_confidential = False
        self.data: Any = None
        self.text = ""

    @property
    def gm(self) -> GmassistApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(_("Weekly brief"), classes="screen-heading", id="brief-heading")
        with VerticalScroll(id="brief-box"):
            yield Markdown(_("Writing the brief…"), id="brief-text")
        yield QuietFooter()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="brief")
    def load(self) -> None:
        from gmassist.services import brief

        store = self.gm.store
        assert store is not None
        try:
            data, text = brief.make(
                store,
                self.gm.clock,
                language(),
                include_confidential=self.include_confidential,
                settings=self.gm.settings,
            )
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.show, data, text)

    def show(self, data: Any, text: str) -> None:
        self.data, self.text = data, text
        self.query_one("#brief-text", Markdown).update(text)
        self.query_one("#brief-heading", Static).update(_("Weekly brief {week}").format(week=data.week))

    def action_toggle_confidential(self) -> None:
        store = self.gm.store
        if store is None or not store.confidential_unlocked:
            self.notify(_("Unlock confidential items first (ctrl+o)."), severity="warning")
            return
        self.include_confidential = not self.include_confidential
        self.load()

    def action_write(self) -> None:
        if self.data is not None:
            self.write(self.data, self.text)

    @work(thread=True, exclusive=True, group="brief-write")
    def write(self, data: Any, text: str) -> None:
        from gmassist import paths
        from gmassist.services import brief

        folder = paths.ensure_private_dir(paths.data_dir() / "briefs")
        target = folder / f"{data.week}.{language()}.md"
        write_private(target, text)
        store = self.gm.store
        assert store is not None
        brief.remember(store, data)
        self.app.call_from_thread(self.notify, _("Brief written to {path}").format(path=target))


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
