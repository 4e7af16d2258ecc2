"""ListScreen: the base of the module screens (a heading, one virtual list of records, the status line and
the footer). The screens themselves, by mode, are in `tui.screens.modes`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from gmassist.i18n import _
from gmassist.tui.sources import WindowSource
from gmassist.tui.widgets.footer import QuietFooter
from gmassist.tui.widgets.status import StatusLine
from gmassist.tui.widgets.virtual_list import Column, VirtualList

if TYPE_CHECKING:
    from gmassist.store.queries import Window
    from gmassist.store.store import Store
    from gmassist.tui.app import GmassistApp


class ListScreen(Screen[None]):
    """A screen with a heading, one virtual list of records, the status line and the footer."""

    heading: ClassVar[str] = ""
    area: ClassVar[str] = ""
    """The palette's area name for this screen's commands."""

    @property
    def gm(self) -> GmassistApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        """The open store (the modes are only shown once it is open)."""
        assert self.gm.store is not None
        return self.gm.store

    def columns(self) -> Sequence[Column]:
        """The list's columns."""
        raise NotImplementedError

    def window(self) -> Window:
        """The records to list."""
        raise NotImplementedError

    def cells(self) -> Sequence[Any]:
        """One formatter per column."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Static(self.heading, classes="screen-heading")
        records = VirtualList(self.columns(), id="records")
        records.empty_text = _("Opening the store…") if self.gm.store is None else _("Nothing here yet.")
        yield records
        yield StatusLine()
        yield QuietFooter()

    def on_mount(self) -> None:
        self.refresh_records()

    def on_screen_resume(self) -> None:
        self.refresh_records()

    def refresh_records(self) -> None:
        """Show fresh data (after an unlock, lock, undo or a change elsewhere), keeping the cursor's row."""
        records = self.query_one("#records", VirtualList)
        records.focus()
        if self.gm.store is None:
            return
        if records.source is None:
            records.empty_text = _("Nothing here yet.")
            records.set_source(WindowSource(self.window(), self.cells()))
        else:
            records.reload()
