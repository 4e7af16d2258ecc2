"""The five top-level screens by mode (Textual MODES, keys 1 to 5)."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

from gmassist.tui.screens.agenda import AgendaScreen
from gmassist.tui.screens.board import BoardScreen
from gmassist.tui.screens.inbox import InboxScreen
from gmassist.tui.screens.today import TodayScreen


def followups_screen() -> Screen[None]:
    """The follow-ups screen, imported when it is first shown: with its services it takes 30-40 ms to
    import, which the app's start need not pay (the warm-up imports the services while Today is read)."""
    from gmassist.tui.screens.followups import FollowupsScreen

    return FollowupsScreen()


MODE_SCREENS: dict[str, Callable[[], Screen[None]]] = {
    "today": TodayScreen,
    "agenda": AgendaScreen,
    "inbox": InboxScreen,
    "followups": followups_screen,
    "board": BoardScreen,
}
