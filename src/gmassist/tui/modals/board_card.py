"""A card's own window: its fields, its checklist (space ticks an item), its links to events, documents and
follow-ups; and the window that finds something to link to by its title.

Store reads and writes run in thread workers; the window dismisses True when something changed, so the
board reloads that card's counts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from gmassist.domain.agenda_view import read_date
from gmassist.errors import GmassistError
from gmassist.i18n import _
from gmassist.services import board as boards

if TYPE_CHECKING:
    from gmassist.store.store import Store

LINK_KIND_LABELS = {
    "event": _("event"),
    "document": _("document"),
    "followup": _("follow-up"),
    "card": _("card"),
}
"""Kinds of linked items as shown."""
_TRAILING_DATE = re.compile(r"\s+(\d{4}-\d{2}-\d{2})\s*$")


class CardDetailModal(ModalScreen[bool]):
    """One card: owner, due date, labels, blocker and notes; its checklist and its links."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Close"), id="card.close", tooltip=_("Back to the board")),
        Binding("n", "new_item", _("New item"), id="card.new_item", tooltip=_("Add a checklist item")),
        Binding(
            "x",
            "remove_item",
            _("Remove item"),
            id="card.remove_item",
            tooltip=_("Delete the highlighted item"),
        ),
        Binding("i", "link", _("Link"), id="card.link", tooltip=_("Link an event, document or follow-up")),
        Binding("d", "unlink", _("Unlink"), id="card.unlink", tooltip=_("Remove the highlighted link")),
    ]

    DEFAULT_CSS = """
    CardDetailModal { align: center middle; }
    CardDetailModal #detail-box {
        width: 90; height: 90%; padding: 1 2; border: thick $primary; background: $surface;
    }
    CardDetailModal #detail-head { text-style: bold; }
    CardDetailModal #detail-meta { color: $text-muted; margin-bottom: 1; }
    CardDetailModal .detail-section { text-style: bold; margin-top: 1; }
    CardDetailModal #detail-checklist { height: auto; max-height: 12; }
    CardDetailModal #detail-links { height: auto; max-height: 8; }
    CardDetailModal #detail-notes { height: auto; color: $text; }
    CardDetailModal #detail-error { color: $error; height: auto; }
    """

    AUTO_FOCUS = "#detail-checklist"

    def __init__(self, store: Store, card_id: str) -> None:
        super().__init__()
        self.store = store
        self.card_id = card_id
        self.detail: boards.CardDetail | None = None
        """The card as last read."""
        self.changed = False
        """Whether anything was written (the board reloads then)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-box"):
            yield Static(_("Loading…"), id="detail-head")
            yield Static("", id="detail-meta")
            yield Label(_("Checklist (space ticks an item)"), classes="detail-section")
            yield SelectionList[str](id="detail-checklist")
            yield Input(
                placeholder=_("New item, optionally ending with a due date 2027-01-20"), id="detail-new-item"
            )
            yield Label(_("Links (i adds, d removes)"), classes="detail-section")
            yield OptionList(id="detail-links")
            yield Label(_("Notes"), classes="detail-section")
            yield Static("", id="detail-notes")
            yield Static("", id="detail-error")

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="card-detail")
    def load(self) -> None:
        """Read the card in a thread."""
        try:
            detail = boards.card_detail(self.store, self.card_id)
        except GmassistError as exc:
            self.app.call_from_thread(self.show_error, str(exc))
            return
        self.app.call_from_thread(self.show, detail)

    def show(self, detail: boards.CardDetail) -> None:
        """Fill the window with the card as read."""
        self.detail = detail
        card = detail.card
        head = f"{card.short_id}  {card.title}"
        if card.milestone:
            head += "  ◆"
        self.query_one("#detail-head", Static).update(head)
        meta = [
            _("Owner: {name}").format(name=card.owner_name or "—"),
            _("Due: {day}").format(day=card.due.isoformat() if card.due else "—"),
        ]
        if card.labels:
            meta.append(_("Labels: {labels}").format(labels=", ".join(card.labels)))
        if detail.blocker_title:
            meta.append(_("Blocked by: {card}").format(card=detail.blocker_title))
        self.query_one("#detail-meta", Static).update("  ·  ".join(meta))
        checklist = self.query_one("#detail-checklist", SelectionList)
        highlighted = checklist.highlighted
        checklist.clear_options()
        checklist.add_options(
            Selection(f"{item.text}  {item.due.isoformat() if item.due else ''}".rstrip(), item.id, item.done)
            for item in detail.checklist
        )
        if highlighted is not None and detail.checklist:
            checklist.highlighted = min(highlighted, len(detail.checklist) - 1)
        links = self.query_one("#detail-links", OptionList)
        links.clear_options()
        links.add_options(
            Option(
                f"{LINK_KIND_LABELS.get(link.kind, link.kind)}  {link.title}  {link.when}".rstrip(), link.id
            )
            for link in detail.links
        )
        self.query_one("#detail-notes", Static).update(detail.notes or "—")
        if self.focused is None or self.focused.id == "detail-box":
            checklist.focus()

    def show_error(self, message: str) -> None:
        """Say why something could not be done."""
        self.query_one("#detail-error", Static).update(message)

    # --- writes -----------------------------------------------------------------------------------

    @work(thread=True, group="card-detail-write")
    def _write(self, job: str, *args: str | bool | None) -> None:
        """Run one store change in a thread, then read the card again."""
        try:
            if job == "tick":
                boards.tick_item(self.store, str(args[0]), bool(args[1]))
            elif job == "add":
                text = str(args[0])
                due = None
                match = _TRAILING_DATE.search(text)
                if match:
                    due = read_date(match[1], self.app.clock.now(), "due")  # type: ignore[attr-defined]
                    text = text[: match.start()]
                boards.add_checklist_item(self.store, self.card_id, text, due)
            elif job == "remove":
                boards.remove_checklist_item(self.store, str(args[0]))
            elif job == "link":
                boards.link_card(self.store, self.card_id, str(args[0]), str(args[1]))
            elif job == "unlink":
                boards.unlink(self.store, str(args[0]))
        except GmassistError as exc:
            self.app.call_from_thread(self.show_error, str(exc))
        else:
            self.changed = True
            self.app.call_from_thread(self.show_error, "")
        self.app.call_from_thread(self.load)

    @on(SelectionList.SelectionToggled, "#detail-checklist")
    def _toggled(self, event: SelectionList.SelectionToggled[str]) -> None:
        item = event.selection.value
        self._write("tick", item, item in event.selection_list.selected)

    @on(Input.Submitted, "#detail-new-item")
    def _add_item(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._write("add", event.value)
            event.input.value = ""

    def action_new_item(self) -> None:
        """Go to the new item field."""
        self.query_one("#detail-new-item", Input).focus()

    def action_remove_item(self) -> None:
        """Delete the highlighted checklist item."""
        checklist = self.query_one("#detail-checklist", SelectionList)
        if checklist.highlighted is not None and self.detail and self.detail.checklist:
            self._write("remove", self.detail.checklist[checklist.highlighted].id)

    def action_link(self) -> None:
        """Find an event, document or follow-up and link it."""

        def chosen(target: boards.LinkTarget | None) -> None:
            if target is not None:
                self._write("link", target.kind, target.id)

        self.app.push_screen(LinkPickerModal(self.store), chosen)

    def action_unlink(self) -> None:
        """Remove the highlighted link."""
        links = self.query_one("#detail-links", OptionList)
        if links.highlighted is not None and self.detail and self.detail.links:
            self._write("unlink", self.detail.links[links.highlighted].id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Typing in the new item field must not trigger n, x, i or d."""
        typing = isinstance(self.focused, Input)
        return not (typing and action in ("new_item", "remove_item", "link", "unlink"))

    def action_close(self) -> None:
        """Back to the board."""
        self.dismiss(self.changed)


class LinkPickerModal(ModalScreen["boards.LinkTarget | None"]):
    """Type part of a title; pick an event, document or follow-up to link."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), id="link.cancel", tooltip=_("Link nothing")),
        Binding(
            "down", "to_results", _("Results"), show=False, id="link.results", tooltip=_("Go to the results")
        ),
    ]

    DEFAULT_CSS = """
    LinkPickerModal { align: center middle; }
    LinkPickerModal #link-box {
        width: 90; height: 80%; padding: 1 2; border: thick $primary; background: $surface;
    }
    LinkPickerModal #link-results { height: 1fr; }
    """

    AUTO_FOCUS = "#link-search"

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.targets: list[boards.LinkTarget] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="link-box"):
            yield Label(_("Link to an event, document or follow-up"), classes="detail-section")
            yield Input(placeholder=_("Part of its title"), id="link-search")
            yield OptionList(id="link-results")

    def on_mount(self) -> None:
        self.search("")

    @on(Input.Changed, "#link-search")
    def _changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#link-search")
    def _submitted(self) -> None:
        if self.targets:
            results = self.query_one("#link-results", OptionList)
            self.dismiss(self.targets[results.highlighted or 0])

    @work(thread=True, exclusive=True, group="link-search")
    def search(self, text: str) -> None:
        """Find candidates in a thread."""
        try:
            found = boards.find_link_targets(self.store, text)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.show, found)

    def show(self, targets: list[boards.LinkTarget]) -> None:
        """List what was found."""
        self.targets = targets
        results = self.query_one("#link-results", OptionList)
        results.clear_options()
        results.add_options(
            Option(f"{LINK_KIND_LABELS.get(t.kind, t.kind):<8} {t.when:<10}  {t.title}", str(i))
            for i, t in enumerate(targets)
        )

    @on(OptionList.OptionSelected, "#link-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.targets[event.option_index])

    def action_to_results(self) -> None:
        """Move from the search field to the results."""
        self.query_one("#link-results", OptionList).focus()

    def action_cancel(self) -> None:
        """Link nothing."""
        self.dismiss(None)
