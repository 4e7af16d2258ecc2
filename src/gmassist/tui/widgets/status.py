"""The status line: which store is open, its lock state (store and confidential) and its counts."""

from __future__ import annotations

from textual.widgets import Static


class StatusLine(Static):
    """One line at the bottom of every screen, following the app's `status_text`."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "status_text", self.show, init=True)

    def show(self, text: str) -> None:
        """Redraw with the app's new status text."""
        self.update(text)
