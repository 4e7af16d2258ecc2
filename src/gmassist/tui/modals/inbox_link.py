"""Link a document to an event, a follow-up or a card: choose the kind, type part of its title, pick it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from gmassist.errors import GmassistError
from gmassist.i18n import _
from gmassist.tui.modals.inbox_prompt import CSS

if TYPE_CHECKING:
    from gmassist.store.store import Store

KINDS: tuple[tuple[str, str], ...] = (("event", "Event"), ("followup", "Follow-up"), ("card", "Card"))
"""(kind, English label) of what a document links to."""


@dataclass(frozen=True)
class LinkChoice:
    """The item chosen."""

    kind: str
    item_id: str
    title: str


class LinkModal(ModalScreen[LinkChoice | None]):
    """Finds events, follow-ups or cards by title as you type; Enter on one links it, Escape cancels."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="inbox.link.cancel")]

    def __init__(self, store: Store, title: str) -> None:
        super().__init__()
        self.store = store
        self.title_text = title
        self.found: list[tuple[str, str]] = []
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="ib-dialog"):
            yield Label(self.title_text, classes="ib-title")
            yield Select(
                [(_(label), kind) for kind, label in KINDS],
                value="event",
                allow_blank=False,
                id="ib-link-kind",
            )
            yield Input(placeholder=_("Part of its title"), id="ib-link-text")
            yield OptionList(id="ib-link-found", markup=False)
            yield Static(_("Type to find; ↓ and Enter link it; Escape cancels."), classes="ib-keys")

    def on_mount(self) -> None:
        self.query_one("#ib-link-text", Input).focus()
        self._search()

    @on(Select.Changed, "#ib-link-kind")
    @on(Input.Changed, "#ib-link-text")
    def changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.15, self._search)

    @on(Input.Submitted, "#ib-link-text")
    def to_results(self) -> None:
        self.query_one("#ib-link-found", OptionList).focus()

    def _search(self) -> None:
        kind = self.query_one("#ib-link-kind", Select).value
        self._find(str(kind), self.query_one("#ib-link-text", Input).value)

    @work(thread=True, exclusive=True, group="inbox-link")
    def _find(self, kind: str, text: str) -> None:
        from gmassist.services.inbox import find_linkable

        try:
            found = find_linkable(self.store, kind, text)
        except GmassistError:
            found = []
        self.app.call_from_thread(self._show, found)

    def _show(self, found: list[tuple[str, str]]) -> None:
        self.found = found
        options = self.query_one("#ib-link-found", OptionList)
        options.clear_options()
        options.add_options([Option(title, id=item_id) for item_id, title in found])
        if found:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#ib-link-found")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        index = event.option_index
        if 0 <= index < len(self.found):
            kind = str(self.query_one("#ib-link-kind", Select).value)
            item_id, title = self.found[index]
            self.dismiss(LinkChoice(kind, item_id, title))

    def action_cancel(self) -> None:
        self.dismiss(None)
