"""The five top-level screens (Textual MODES). Each lists its module's records through the virtual list;
the modules' own issues build them out from here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from gmassist.i18n import _
from gmassist.tui.sources import WindowSource, field
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


class InboxScreen(ListScreen):
    """File inbox (key 3): documents taken in."""

    heading = _("Inbox")
    area = _("inbox")

    def columns(self) -> Sequence[Column]:
        return [
            Column("received", _("Received"), 17),
            Column("number", _("Number"), 16),
            Column("title", _("Title")),
            Column("state", _("State"), 12),
        ]

    def cells(self) -> Sequence[Any]:
        return [field("received", self.gm.zone), field("number"), field("title"), field("state")]

    def window(self) -> Window:
        from gmassist.store.models import Document, table_of
        from gmassist.store.queries import Window

        table = table_of(Document)
        return Window(
            self.store, Document, ["received", "number", "title", "state"], [table.c.received.desc()]
        )


class FollowupsScreen(ListScreen):
    """Follow-ups (key 4): instructions and resolutions tracked to done."""

    heading = _("Follow-ups")
    area = _("follow-ups")

    def columns(self) -> Sequence[Column]:
        return [Column("due", _("Due"), 10), Column("title", _("Title")), Column("status", _("Status"), 12)]

    def cells(self) -> Sequence[Any]:
        return [field("due"), field("title"), field("status")]

    def window(self) -> Window:
        from gmassist.store.models import FollowUp, table_of
        from gmassist.store.queries import Window

        table = table_of(FollowUp)
        return Window(self.store, FollowUp, ["due", "title", "status"], [table.c.due])


class BoardScreen(ListScreen):
    """Project boards (key 5): cards of every board."""

    heading = _("Boards")
    area = _("board")

    def columns(self) -> Sequence[Column]:
        return [Column("seq", _("Card"), 6), Column("title", _("Title")), Column("due", _("Due"), 10)]

    def cells(self) -> Sequence[Any]:
        return [field("seq"), field("title"), field("due")]

    def window(self) -> Window:
        from gmassist.store.models import Card, table_of
        from gmassist.store.queries import Window

        table = table_of(Card)
        return Window(self.store, Card, ["seq", "title", "due"], [table.c.board_id, table.c.position])


# The agenda, inbox and board screens subclass ListScreen, so they are imported once ListScreen exists.
from gmassist.tui.screens.agenda import AgendaScreen  # noqa: E402
from gmassist.tui.screens.board import BoardScreen as ProjectBoardScreen  # noqa: E402
from gmassist.tui.screens.inbox import InboxScreen as DocumentInbox  # noqa: E402
from gmassist.tui.screens.today import TodayScreen  # noqa: E402


def followup_tracker() -> ListScreen:
    """The follow-ups screen (screens/followups.py), imported when it is first shown: it subclasses
    ListScreen, so importing it from here at import time would go round in a circle."""
    from gmassist.tui.screens.followups import FollowupsScreen as Tracker

    return Tracker()


MODE_SCREENS: dict[str, Callable[[], Screen[None]]] = {
    "today": TodayScreen,
    "agenda": AgendaScreen,
    "inbox": DocumentInbox,
    "followups": followup_tracker,
    "board": ProjectBoardScreen,
}
