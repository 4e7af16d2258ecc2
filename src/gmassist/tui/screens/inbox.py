"""收文 Inbox (key 3): documents taken in, routed, drafted, searched.

The list shows the latest version of every document, newest first, with its current holder and how long
it has waited in its state (⚑ when longer than [inbox] stale_days). Under it, the highlighted document:
its fields, which rule set what, the routing history (who, when, comment), links, files and versions.
The search box above reads the little language of `domain.inbox.SearchQuery` and answers while typing.

Each routing move has its own key, greyed out when the document's state does not allow it. Store I/O,
extraction and crypto run in thread workers; handlers on the event loop only change widgets. The watched
folder is polled by `InboxWatcher`, which the app starts when the store opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Static

from gmassist.domain.inbox import (
    ACTION_LABELS,
    TRANSITIONS,
    Action,
    HolderRule,
    SearchQuery,
    SearchSyntaxError,
    State,
    Urgency,
    is_waiting_too_long,
)
from gmassist.domain.intake import parse_tags
from gmassist.errors import GmassistError
from gmassist.i18n import _
from gmassist.services.inbox_text import (
    format_wait,
    level_label,
    reason_line,
    state_label,
    type_label,
    urgency_label,
)
from gmassist.tui.screens.records import ListScreen
from gmassist.tui.widgets.footer import QuietFooter
from gmassist.tui.widgets.status import StatusLine
from gmassist.tui.widgets.virtual_list import Column, Row, VirtualList

if TYPE_CHECKING:
    from gmassist.services.inbox import DocumentDetail, DocumentSearch, IntakeResult
    from gmassist.services.inbox_files import SessionFolder
    from gmassist.store.queries import Window
    from gmassist.tui.app import GmassistApp

SEARCH_DELAY_SECONDS = 0.4
"""Typing that stops this long on a search that cannot be read is told what is wrong (not while the
user is still typing `state:…`)."""
POLL_SECONDS = 2.0
"""How often the watched folder is looked at."""

ROUTING_KEYS: dict[str, Action] = {
    "draft_opinion": Action.DRAFT_OPINION,
    "submit": Action.SUBMIT,
    "instruction": Action.RECORD_INSTRUCTION,
    "route": Action.ROUTE,
    "start_work": Action.START,
    "close_document": Action.CLOSE,
    "archive": Action.ARCHIVE,
    "return_document": Action.RETURN,
    "withdraw": Action.WITHDRAW,
    "reopen": Action.REOPEN,
}
"""Screen actions that are routing moves."""

DOCUMENT_ACTIONS = frozenset(
    {"open", "tag", "edit", "export", "followups", "revise", "revise_external", "link"}
)
"""Screen actions that need a highlighted, loaded document."""


class InboxSource:
    """The virtual list's rows for one search (called from the list's worker thread)."""

    def __init__(self, search: DocumentSearch, now: datetime, stale_days: float, zone: Any) -> None:
        self.search = search
        self.now = now
        self.stale_days = stale_days
        self.zone = zone
        self._departments: dict[str, str] | None = None

    def count(self) -> int:
        """How many documents the search finds."""
        return self.search.count()

    def index_of(self, key: str) -> int | None:
        """Where a document is now (keeps the cursor on it across reloads)."""
        return self.search.index_of(key)

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        """One page of rows."""
        from gmassist.services.inbox import department_names, holder_label

        if self._departments is None:
            self._departments = department_names(self.search.store)
        rows = []
        for values in self.search.fetch(offset, limit):
            rows.append(self._row(values, holder_label(values["holder"] or "", self._departments)))
        return rows

    def _row(self, values: dict[str, Any], holder: str) -> Row:
        stale = is_waiting_too_long(values["state"], values["state_since"], self.now, self.stale_days)
        flags = Text()
        flags.append("⚑" if stale else " ", style="bold yellow")
        urgency = values["urgency"]
        flags.append(
            "!!" if urgency == Urgency.VERY_URGENT else ("!" if urgency == Urgency.URGENT else ""),
            style="bold red",
        )
        title = values["title"] or ""
        if values["version"] and values["version"] > 1:
            title = f"{title} (v{values['version']})"
        wait = Text(format_wait(self.now - values["state_since"]), style="bold yellow" if stale else "")
        cells = (
            flags,
            values["received"].astimezone(self.zone).strftime("%Y-%m-%d"),
            values["number"] or "",
            title,
            type_label(values["doc_type"]),
            state_label(values["state"]),
            holder,
            wait,
        )
        style = "bold red" if values["_damaged"] else ("dim" if values["confidential"] else "")
        return Row(key=values["id"], cells=cells, style=style)


class InboxScreen(ListScreen):
    """Inbox (key 3): documents taken in, routed through the office, drafted and searched."""

    CSS_PATH = "inbox.tcss"
    AUTO_FOCUS = "#records"
    heading = _("Inbox (收文)")
    area = _("inbox")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", _("Search"), id="inbox.search", tooltip=_("Search title, number, sender, tags, notes and text")),
        Binding("o", "open", _("Open"), id="inbox.open", tooltip=_("Read the document (text, Markdown, e-mail) or open it in the system viewer")),
        Binding("r", "route", _("Route"), id="inbox.route", tooltip=_("Send it to a department (流转)")),
        Binding("s", "submit", _("Submit"), id="inbox.submit", tooltip=_("Submit it to the manager for approval (呈批)")),
        Binding("i", "instruction", _("Instruction"), id="inbox.instruction", tooltip=_("Record the manager's instruction (批示) and turn it into follow-ups")),
        Binding("c", "close_document", _("Close"), id="inbox.close", tooltip=_("The work is done (办结)")),
        Binding("b", "return_document", _("Return"), id="inbox.return", tooltip=_("Sent back by the manager or a department (退回), with the reason")),
        Binding("t", "tag", _("Tag"), id="inbox.tag", tooltip=_("Set the document's tags")),
        Binding("d", "draft_opinion", _("Draft opinion"), id="inbox.draft_opinion", tooltip=_("Start the assistant's draft opinion (拟办)"), show=False),
        Binding("w", "start_work", _("Start work"), id="inbox.start", tooltip=_("The department has begun (承办)"), show=False),
        Binding("a", "archive", _("Archive"), id="inbox.archive", tooltip=_("File a closed document away (归档)"), show=False),
        Binding("W", "withdraw", _("Withdraw"), id="inbox.withdraw", tooltip=_("Pull it back from the manager or a department (撤回)"), show=False),
        Binding("O", "reopen", _("Reopen"), id="inbox.reopen", tooltip=_("A closed document needs work again"), show=False),
        Binding("F", "followups", _("Follow-ups from instruction"), id="inbox.followups", tooltip=_("Turn the recorded instruction into follow-ups"), show=False),
        Binding("e", "edit", _("Edit"), id="inbox.edit", tooltip=_("Title, number, type, from/to, reply-by, 密级, urgency, notes"), show=False),
        Binding("n", "new_draft", _("New draft"), id="inbox.new_draft", tooltip=_("Write a new draft (拟稿) in Markdown"), show=False),
        Binding("E", "revise", _("Revise"), id="inbox.revise", tooltip=_("Write a new version of this draft in the app"), show=False),
        Binding("ctrl+e", "revise_external", _("Revise in $EDITOR"), id="inbox.revise_external", tooltip=_("Write a new version of this draft in your editor"), show=False),
        Binding("L", "link", _("Link"), id="inbox.link", tooltip=_("Link it to an event, a follow-up or a card"), show=False),
        Binding("x", "export", _("Export"), id="inbox.export", tooltip=_("Write a copy of the file to a path"), show=False),
        Binding("I", "ingest", _("Take in"), id="inbox.ingest", tooltip=_("Take in files or folders now"), show=False),
        Binding("v", "views", _("Views"), id="inbox.views", tooltip=_("Saved searches"), show=False),
        Binding("V", "save_view", _("Save view"), id="inbox.save_view", tooltip=_("Keep this search under a name"), show=False),
        Binding("R", "rules", _("Rules"), id="inbox.rules", tooltip=_("Classification rules"), show=False),
        Binding("escape", "leave_search", _("Back to the list"), id="inbox.leave_search", show=False),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.search_text = ""
        """What the search box holds (the list follows it)."""
        self.source: InboxSource | None = None
        self.current: DocumentDetail | None = None
        """The highlighted document once loaded."""
        self._highlighted: str | None = None
        self._search_timer: Timer | None = None
        self._viewer_folder: SessionFolder | None = None
        self._keys_shown: dict[str, bool | None] = {}
        """What `check_action` said last for each document key (the footer is refreshed on a change)."""
        self._detail_stale = False
        """The list was reloaded: reload the document pane once it has loaded."""

    # --- layout --------------------------------------------------------------------------------------

    def columns(self) -> Sequence[Column]:
        return [
            Column("flags", "", 3),
            Column("received", _("Received"), 10),
            Column("number", _("Number"), 16),
            Column("title", _("Title")),
            Column("type", _("Type"), 8),
            Column("state", _("State"), 12),
            Column("holder", _("Holder"), 10),
            Column("waited", _("In state"), 8, align="right"),
        ]

    def window(self) -> Window:  # pragma: no cover - this screen reads through DocumentSearch
        raise NotImplementedError

    def cells(self) -> Sequence[Any]:  # pragma: no cover
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Static(self.heading, classes="screen-heading")
        yield Input(
            placeholder=_(
                "Search: 预算 state:submitted type:contract tag:… dept:… level:… from:2026-11-01   (/)"
            ),
            id="inbox-search",
            compact=True,
        )
        yield Static("", id="inbox-search-error")
        records = VirtualList(self.columns(), id="records")
        records.empty_text = _("Opening the store…") if self.gm.store is None else _("Nothing here.")
        yield records
        with VerticalScroll(id="inbox-detail-box"):
            yield Static("", id="inbox-detail")
        yield StatusLine()
        yield QuietFooter()

    @property
    def records(self) -> VirtualList:
        """The list."""
        return self.query_one("#records", VirtualList)

    # --- loading ------------------------------------------------------------------------------------

    def refresh_records(self) -> None:
        """Show fresh data (after a change, unlock, lock or undo), keeping the cursor on its document."""
        if not isinstance(self.focused, Input):
            self.records.focus()
        if self.gm.store is None:
            return
        self._show(reset=self.source is None)

    def _search(self) -> DocumentSearch | None:
        from gmassist.services.inbox import DocumentSearch

        store = self.gm.store
        if store is None:
            return None
        try:
            query = SearchQuery.parse(self.search_text)
        except SearchSyntaxError as exc:
            self._syntax_error(exc)
            return None
        self.query_one("#inbox-search-error", Static).update("")
        self.set_class(False, "-search-error")
        return DocumentSearch(store, query, self.gm.zone)

    def _syntax_error(self, exc: SearchSyntaxError) -> None:
        line = Text(self.search_text)
        line.stylize("reverse red", exc.start, max(exc.end, exc.start + 1))
        line.append("   " + exc.message, style="red")
        self.query_one("#inbox-search-error", Static).update(line)
        self.set_class(True, "-search-error")

    def _show(self, reset: bool, cursor_key: str | None = None) -> None:
        """Point the list at the current search: from the top (`reset`) or `cursor_key`'s row, or keeping
        the cursor."""
        search = self._search()
        if search is None:
            return
        now = self.gm.clock.now()
        source = InboxSource(search, now, self.gm.settings.inbox.stale_days, self.gm.zone)
        records = self.records
        records.empty_text = (
            _("Nothing found.")
            if self.search_text.strip()
            else _("No documents yet: drop files into the watched folder, or press I.")
        )
        if reset or self.source is None:
            self.source = source
            records.set_source(source, cursor_key)
        else:
            self.source.search, self.source.now, self.source._departments = search, now, None
            records.reload()
        self._detail_stale = True  # reloaded once the list has (the list first, then the pane)

    # --- search -------------------------------------------------------------------------------------

    @on(Input.Changed, "#inbox-search")
    def search_changed(self, event: Input.Changed) -> None:
        """Results follow every keystroke. A search that cannot be read yet (`state:` half typed) keeps
        the results shown, and says what is wrong only if the typing stops there."""
        self.search_text = event.value
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        try:
            SearchQuery.parse(event.value)
        except SearchSyntaxError:
            self._search_timer = self.set_timer(SEARCH_DELAY_SECONDS, lambda: self._show(reset=True))
            return
        self._show(reset=True)

    @on(Input.Submitted, "#inbox-search")
    def search_submitted(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        self._show(reset=True)
        self.records.focus()

    def action_search(self) -> None:
        """Type in the search box."""
        self.query_one("#inbox-search", Input).focus()

    def action_leave_search(self) -> None:
        """Escape: from the box back to the list; in the list, clear the search."""
        box = self.query_one("#inbox-search", Input)
        if self.focused is box:
            self.records.focus()
        elif box.value:
            box.value = ""
            self.search_text = ""
            self._show(reset=True)

    def set_search(self, text: str) -> None:
        """Put `text` in the search box and show what it finds."""
        self.query_one("#inbox-search", Input).value = text
        self.search_text = text
        if self._search_timer is not None:
            self._search_timer.stop()
        self._show(reset=True)

    # --- the highlighted document ------------------------------------------------------------------

    @on(VirtualList.Highlighted, "#records")
    def highlighted(self, message: VirtualList.Highlighted) -> None:
        self._highlighted = message.key
        self._load_detail(message.key)

    @on(VirtualList.Loaded, "#records")
    def loaded(self, message: VirtualList.Loaded) -> None:
        if message.count == 0:
            self._highlighted = None
            self.current = None
            self.query_one("#inbox-detail", Static).update("")
        if self._detail_stale and self._highlighted:
            self._load_detail(self._highlighted)
        self._detail_stale = False
        self._update_keys()

    @on(VirtualList.Selected, "#records")
    def selected(self, message: VirtualList.Selected) -> None:
        """Enter opens the document."""
        self._open(message.key)

    @work(thread=True, group="inbox-detail")
    def _load_detail(self, document_id: str) -> None:
        from gmassist.services import inbox

        store = self.gm.store
        if store is None:
            return
        try:
            detail = inbox.document_detail(store, document_id, stale_days=self.gm.settings.inbox.stale_days)
        except GmassistError:
            detail = None
        self.app.call_from_thread(self._show_detail, document_id, detail)

    def _show_detail(self, document_id: str, detail: DocumentDetail | None) -> None:
        if document_id != self._highlighted:
            return
        self.current = detail
        self.query_one("#inbox-detail", Static).update(render_detail(detail, self.gm.zone) if detail else "")
        self._update_keys()

    def _update_keys(self) -> None:
        """Grey keys in or out, but only when what they depend on changed (the footer redraws itself
        whole on every refresh, which is the slow part of moving through a long list)."""
        keys = {action: self.check_action(action, ()) for action in (*ROUTING_KEYS, *DOCUMENT_ACTIONS)}
        if keys != self._keys_shown:
            self._keys_shown = keys
            self.refresh_bindings()

    def _document(self) -> DocumentDetail | None:
        """The highlighted document, if its detail is loaded."""
        if self.current is not None and self.current.id == self._highlighted:
            return self.current
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out moves the document's state does not allow, and document keys without a document."""
        if action in ROUTING_KEYS or action in DOCUMENT_ACTIONS:
            if self.gm.store is None:
                return None
            detail = self._document()
            if detail is None:
                return None
            if action in ROUTING_KEYS:
                return True if ROUTING_KEYS[action].value in detail.allowed else None
            if action == "followups":
                return True if any(step.to_state == State.INSTRUCTED for step in detail.steps) else None
            if action in ("revise", "revise_external"):
                return True if detail.editable and not detail.masked and not self._has_newer(detail) else None
            if action in ("open", "export"):
                return True if detail.files else None
        return True

    @staticmethod
    def _has_newer(detail: DocumentDetail) -> bool:
        return bool(detail.versions) and detail.versions[-1][0] != detail.id

    # --- routing -----------------------------------------------------------------------------------

    def _move(self, action: Action) -> None:
        detail = self._document()
        if detail is None or action.value not in detail.allowed:
            return
        move = next(t for t in TRANSITIONS if t.source == detail.state and t.action is action)
        label = _(ACTION_LABELS[action])
        title = f"{label}: {detail.title}"
        from gmassist.tui.modals.inbox_route import InstructionModal, MoveRequest, ReasonModal

        def done(request: MoveRequest | None) -> None:
            if request is not None:
                self._route(detail.id, action, request)

        if action is Action.ROUTE:
            self._ask_department(detail, title, done)
        elif action is Action.RECORD_INSTRUCTION:
            self.app.push_screen(InstructionModal(title, reply_by=detail.reply_by), done)
        elif move.needs_comment:
            self.app.push_screen(ReasonModal(title), done)
        elif move.holder is HolderRule.DEPARTMENT and detail.holder in ("", "assistant", "manager"):
            self._ask_department(detail, title, done)
        else:
            self._route(detail.id, action, MoveRequest())

    @work(thread=True, group="inbox-load")
    def _ask_department(self, detail: DocumentDetail, title: str, done: Any) -> None:
        from gmassist.services.inbox import department_names
        from gmassist.tui.modals.inbox_route import RouteModal

        store = self.gm.store
        if store is None:
            return
        departments = sorted(department_names(store).items(), key=lambda item: item[1])
        self.app.call_from_thread(self.app.push_screen, RouteModal(title, departments, detail.holder), done)

    @work(thread=True, group="inbox-write")
    def _route(self, document_id: str, action: Action, request: Any) -> None:
        from gmassist.services import inbox

        store = self.gm.store
        if store is None:
            return
        try:
            routed = inbox.route(
                store,
                document_id,
                action.value,
                comment=request.comment,
                holder=request.holder,
                actor=self.gm.settings.actor,
                make_followups=request.make_followups,
                due=request.due,
            )
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            return
        message = _("{action}: now “{state}”.").format(
            action=_(ACTION_LABELS[action]), state=state_label(routed.to_state)
        )
        if routed.followup_ids:
            message += " " + _("{n} follow-up(s) made from the instruction.").format(
                n=len(routed.followup_ids)
            )
        self.app.call_from_thread(self._written, message)

    def _written(self, message: str) -> None:
        self.notify(message)
        self.gm.refresh_screen()

    def action_draft_opinion(self) -> None:
        self._move(Action.DRAFT_OPINION)

    def action_submit(self) -> None:
        self._move(Action.SUBMIT)

    def action_instruction(self) -> None:
        self._move(Action.RECORD_INSTRUCTION)

    def action_route(self) -> None:
        self._move(Action.ROUTE)

    def action_start_work(self) -> None:
        self._move(Action.START)

    def action_close_document(self) -> None:
        self._move(Action.CLOSE)

    def action_archive(self) -> None:
        self._move(Action.ARCHIVE)

    def action_return_document(self) -> None:
        self._move(Action.RETURN)

    def action_withdraw(self) -> None:
        self._move(Action.WITHDRAW)

    def action_reopen(self) -> None:
        self._move(Action.REOPEN)

    def action_followups(self) -> None:
        """Turn the recorded instruction into follow-ups linked to the document."""
        detail = self._document()
        if detail is not None:
            self._make_followups(detail.id)

    @work(thread=True, group="inbox-write")
    def _make_followups(self, document_id: str) -> None:
        from gmassist.services import inbox

        store = self.gm.store
        if store is None:
            return
        try:
            made = inbox.followups_from_instruction(store, document_id)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        message = (
            _("{n} follow-up(s) made from the instruction.").format(n=len(made))
            if made
            else _("Every task of the instruction has its follow-up already.")
        )
        self.app.call_from_thread(self._written, message)

    # --- fields and tags ---------------------------------------------------------------------------

    def action_tag(self) -> None:
        detail = self._document()
        if detail is None:
            return
        from gmassist.tui.modals.inbox_prompt import TextPromptModal

        def done(value: str | None) -> None:
            if value is not None:
                self._write("tags", detail.id, parse_tags(value))

        self.app.push_screen(
            TextPromptModal(
                _("Tags of “{title}”").format(title=detail.title),
                value=", ".join(detail.tags),
                hint=_("Separated by commas (，、 work too); empty removes them all."),
                allow_empty=True,
            ),
            done,
        )

    def action_edit(self) -> None:
        detail = self._document()
        if detail is not None:
            self._open_editor(detail)

    @work(thread=True, group="inbox-load")
    def _open_editor(self, detail: DocumentDetail) -> None:
        from gmassist.services.inbox import department_names
        from gmassist.tui.modals.inbox_edit import EditModal

        store = self.gm.store
        if store is None:
            return
        if detail.masked:
            self.app.call_from_thread(
                self.notify, _("Unlock confidential items (ctrl+o) to edit this document.")
            )
            return
        departments = sorted(department_names(store).items(), key=lambda item: item[1])

        def done(changes: dict[str, Any] | None) -> None:
            if changes:
                self._write("edit", detail.id, changes)

        self.app.call_from_thread(self.app.push_screen, EditModal(detail, departments), done)

    @work(thread=True, group="inbox-write")
    def _write(self, what: str, document_id: str, value: Any) -> None:
        from gmassist.services import inbox

        store = self.gm.store
        if store is None:
            return
        try:
            if what == "tags":
                inbox.set_tags(store, document_id, value)
                message = _("Tags saved.")
            else:
                changed = inbox.update_document(store, document_id, value)
                message = (
                    _("Saved: {fields}.").format(fields=", ".join(changed))
                    if changed
                    else _("Nothing changed.")
                )
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            return
        self.app.call_from_thread(self._written, message)

    def action_link(self) -> None:
        """Link the document to an event, a follow-up or a card."""
        detail = self._document()
        store = self.gm.store
        if detail is None or store is None:
            return
        from gmassist.tui.modals.inbox_link import LinkChoice, LinkModal

        def done(choice: LinkChoice | None) -> None:
            if choice is not None:
                self._link(detail.id, choice)

        self.app.push_screen(LinkModal(store, _("Link “{title}” to…").format(title=detail.title)), done)

    @work(thread=True, group="inbox-write")
    def _link(self, document_id: str, choice: Any) -> None:
        from gmassist.services import inbox

        store = self.gm.store
        if store is None:
            return
        try:
            inbox.link(store, document_id, choice.kind, choice.item_id)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._written, _("Linked to “{title}”.").format(title=choice.title))

    # --- opening, viewing, exporting ------------------------------------------------------------------

    def action_open(self) -> None:
        detail = self._document()
        if detail is not None:
            self._open(detail.id)

    @work(thread=True, group="inbox-load")
    def _open(self, document_id: str) -> None:
        """Text, Markdown and e-mail open in the app; anything else in the system viewer."""
        from gmassist.services import inbox
        from gmassist.tui.modals.inbox_view import ViewerModal

        store = self.gm.store
        if store is None:
            return
        try:
            content = inbox.view_content(store, document_id)
            if content is None:
                files = inbox.document_files(store, document_id)
                if not files:
                    raise GmassistError(_("the document has no stored file"))
                self._open_outside(files[0].id, files[0].name)
                return
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.app.push_screen, ViewerModal(content), self._viewer_done)

    def _viewer_done(self, request: Any) -> None:
        if request is None:
            return
        if request.action == "open":
            self._open_file(request.file_id, request.file_name)
        else:
            self._ask_export(request.file_id, request.file_name)

    @work(thread=True, group="inbox-load")
    def _open_file(self, file_id: str, name: str) -> None:
        try:
            self._open_outside(file_id, name)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")

    def viewer_folder(self) -> SessionFolder:
        """The private folder of copies opened in the system viewer (wiped when the app ends)."""
        from gmassist.services.inbox_files import SessionFolder

        if self._viewer_folder is None:
            self._viewer_folder = SessionFolder()
        return self._viewer_folder

    def _open_outside(self, file_id: str, name: str) -> None:
        """Copy a stored file into the private folder and open it in the system viewer (worker thread)."""
        from gmassist.services import inbox, inbox_files

        store = self.gm.store
        assert store is not None
        folder = self.viewer_folder().folder()
        path = folder.write(name, inbox.iter_chunks(store, file_id))
        inbox_files.open_in_viewer(path)
        self.app.call_from_thread(
            self.notify,
            _("Opened {name} in the system viewer; the copy is wiped when gmassist ends.").format(name=name),
        )

    def action_export(self) -> None:
        detail = self._document()
        if detail is not None and detail.files:
            self._ask_export(detail.files[0].id, detail.files[0].name)

    def _ask_export(self, file_id: str, name: str) -> None:
        from gmassist.tui.modals.inbox_prompt import TextPromptModal

        def done(value: str | None) -> None:
            if value:
                self._export(file_id, name, value)

        self.app.push_screen(
            TextPromptModal(
                _("Export {name}").format(name=name),
                value=str(Path.home() / name),
                hint=_("A path, or a folder to put it in. The copy is NOT encrypted."),
            ),
            done,
        )

    @work(thread=True, group="inbox-write")
    def _export(self, file_id: str, name: str, target: str) -> None:
        from gmassist.services import inbox

        store = self.gm.store
        if store is None:
            return
        try:
            path = inbox.export_file(store, file_id, Path(target), name=name)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.notify, _("Written to {path}.").format(path=path))

    def on_unmount(self) -> None:
        """Wipe the copies opened in the system viewer."""
        if self._viewer_folder is not None:
            self._viewer_folder.wipe()

    # --- drafts ------------------------------------------------------------------------------------

    def action_new_draft(self) -> None:
        from gmassist.tui.modals.inbox_draft import DraftModal, DraftRequest

        def done(request: DraftRequest | None) -> None:
            if request is not None:
                self._save_draft(None, request)

        self.app.push_screen(DraftModal(_("New draft (拟稿)")), done)

    def action_revise(self) -> None:
        detail = self._document()
        if detail is not None:
            self._load_draft(detail, external=False)

    def action_revise_external(self) -> None:
        detail = self._document()
        if detail is not None:
            self._load_draft(detail, external=True)

    @work(thread=True, group="inbox-load")
    def _load_draft(self, detail: DocumentDetail, external: bool) -> None:
        from gmassist.services import inbox

        store = self.gm.store
        if store is None:
            return
        try:
            text = inbox.read_text(store, detail.id)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        if external:
            self.app.call_from_thread(self._edit_outside, detail, text)
        else:
            self.app.call_from_thread(self._edit_inside, detail, text)

    def _edit_inside(self, detail: DocumentDetail, text: str) -> None:
        from gmassist.tui.modals.inbox_draft import DraftModal, DraftRequest

        def done(request: DraftRequest | None) -> None:
            if request is not None and (
                request.text != text
                or request.title != detail.title
                or request.level != detail.security_level
            ):
                self._save_draft(detail.id, request)

        heading = _("New version of “{title}” (v{n})").format(title=detail.title, n=detail.version + 1)
        self.app.push_screen(
            DraftModal(heading, title=detail.title, text=text, level=detail.security_level), done
        )

    def _edit_outside(self, detail: DocumentDetail, text: str) -> None:
        """Hand the terminal to $EDITOR (where it can be suspended; a headless run edits in a worker)."""
        from textual.app import SuspendNotSupported

        from gmassist.services import inbox_files
        from gmassist.tui.modals.inbox_draft import DraftRequest

        def after(new_text: str) -> None:
            if new_text != text:
                self._save_draft(detail.id, DraftRequest(detail.title, detail.security_level, new_text))
            else:
                self.notify(_("The draft did not change."))

        try:
            with self.app.suspend():
                new_text = inbox_files.edit_text(text, name=f"{detail.title[:40]}.md")
        except SuspendNotSupported:
            self._edit_in_worker(text, detail.title, after)
            return
        except GmassistError as exc:
            self.notify(str(exc), severity="error")
            return
        self.refresh()
        after(new_text)

    @work(thread=True, group="inbox-editor")
    def _edit_in_worker(self, text: str, title: str, after: Any) -> None:
        from gmassist.services import inbox_files

        try:
            new_text = inbox_files.edit_text(text, name=f"{title[:40]}.md")
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(after, new_text)

    @work(thread=True, group="inbox-write")
    def _save_draft(self, parent_id: str | None, request: Any) -> None:
        from gmassist.services import inbox

        store = self.gm.store
        if store is None:
            return
        try:
            if parent_id is None:
                document_id = inbox.create_draft(store, request.title, request.text, level=request.level)
                message = _("Draft saved.")
            else:
                document_id = inbox.revise_draft(
                    store, parent_id, request.text, title=request.title, level=request.level
                )
                message = _("New version saved.")
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            return
        self.app.call_from_thread(self._draft_saved, document_id, message)

    def _draft_saved(self, document_id: str, message: str) -> None:
        """Show the list from the top, with the cursor on the saved draft."""
        self.notify(message)
        self.query_one("#inbox-search", Input).value = ""
        self.search_text = ""
        self._show(reset=True, cursor_key=document_id)
        self.gm.refresh_status()

    # --- intake, views, rules -------------------------------------------------------------------------

    def action_ingest(self) -> None:
        from gmassist.services.inbox import watch_folder
        from gmassist.tui.modals.inbox_prompt import IngestModal, IngestRequest

        def done(request: IngestRequest | None) -> None:
            if request is not None:
                self._ingest(request.paths, request.level)

        self.app.push_screen(IngestModal(watch_folder(self.gm.settings)), done)

    @work(thread=True, group="inbox-write")
    def _ingest(self, paths: list[str], level: str) -> None:
        from gmassist.services import inbox

        store = self.gm.store
        if store is None:
            return
        try:
            results = inbox.ingest_paths(store, paths, settings=self.gm.settings.inbox, level=level)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        if not results:
            self.app.call_from_thread(self.notify, _("No files there."), severity="warning")
        self.app.call_from_thread(report_intake, self.gm, results)

    def action_views(self) -> None:
        self._load_views()

    @work(thread=True, group="inbox-load")
    def _load_views(self) -> None:
        from gmassist.services.inbox import list_views
        from gmassist.tui.modals.inbox_lists import ViewsModal

        store = self.gm.store
        if store is None:
            return
        views = list_views(store)
        self.app.call_from_thread(self.app.push_screen, ViewsModal(views), self._view_chosen)

    def _view_chosen(self, choice: Any) -> None:
        if choice is None:
            return
        if choice.action == "apply":
            self.set_search(choice.query)
        else:
            self._forget_view(choice.view_id)

    @work(thread=True, group="inbox-write")
    def _forget_view(self, view_id: str) -> None:
        from gmassist.services.inbox import delete_view

        store = self.gm.store
        if store is not None:
            delete_view(store, view_id)
            self.app.call_from_thread(self.notify, _("View deleted."))

    def action_save_view(self) -> None:
        from gmassist.tui.modals.inbox_prompt import TextPromptModal

        if not self.search_text.strip():
            self.notify(_("Search first (/), then keep the search as a view."), severity="warning")
            return

        def done(name: str | None) -> None:
            if name:
                self._keep_view(name, self.search_text)

        self.app.push_screen(TextPromptModal(_("Save this search as a view"), hint=self.search_text), done)

    @work(thread=True, group="inbox-write")
    def _keep_view(self, name: str, query: str) -> None:
        from gmassist.services.inbox import save_view

        store = self.gm.store
        if store is None:
            return
        try:
            save_view(store, name, query)
        except (GmassistError, SearchSyntaxError) as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.notify, _("View “{name}” saved.").format(name=name))

    def action_rules(self) -> None:
        from gmassist.tui.modals.inbox_lists import RulesModal

        store = self.gm.store
        if store is None:
            return

        def done(changed: bool | None) -> None:
            if changed:
                self.gm.refresh_screen()

        self.app.push_screen(RulesModal(store), done)


def render_detail(d: DocumentDetail, zone: Any) -> Text:
    """The document pane: fields, why they are what they are, history, links, files, versions."""

    def when(value: datetime) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    out = Text()
    if d.confidential:
        out.append("🔒 " if d.masked else "🔓 ", style="bold")
    out.append(d.title, style="bold")
    if d.version > 1 or len(d.versions) > 1:
        out.append(f"  v{d.version}/{max(v for _i, v in d.versions)}", style="dim")
    out.append("\n")

    def line(*fields: tuple[str, str, str]) -> None:
        """One line of `label: value` pairs; the empty ones (and a line of only empty ones) left out."""
        shown = [(label, value, style) for label, value, style in fields if value]
        for label, value, style in shown:
            out.append(f"{label}: ", style="dim")
            out.append(value, style=style)
            out.append("   ")
        if shown:
            out.append("\n")

    line(
        (_("Number"), d.number, ""),
        (_("Type"), type_label(d.doc_type), ""),
        (_("密级"), level_label(d.security_level), "bold magenta" if d.confidential else ""),
        (_("Urgency"), urgency_label(d.urgency), "bold red" if d.urgency != Urgency.NORMAL else ""),
    )
    line((_("From"), d.sender, ""), (_("To"), d.recipients, ""), (_("Department"), d.department, ""))
    line(
        (_("Received"), when(d.received), ""),
        (_("Reply by"), d.reply_by.isoformat() if d.reply_by else "", ""),
        (_("State"), state_label(d.state), "bold"),
        (_("Holder"), d.holder_name, ""),
        (
            _("In state"),
            format_wait(d.waited) + (" ⚑ " + _("waiting too long") if d.stale else ""),
            "bold yellow" if d.stale else "",
        ),
    )
    line((_("Tags"), ", ".join(d.tags), "cyan"))
    line((_("Notes"), d.notes, ""))
    if d.reasons:
        out.append(_("Why") + "\n", style="bold")
        for reason in d.reasons:
            out.append("  " + reason_line(reason) + "\n")
    out.append(_("Routing") + "\n", style="bold")
    out.append("  " + _("{at}  taken in").format(at=when(d.received)) + "\n", style="dim")
    for step in d.steps:
        action = (
            _(ACTION_LABELS[Action(step.action)]) if step.action else f"{step.from_state} → {step.to_state}"
        )
        out.append(f"  {when(step.at)}  {action} · {step.actor}")
        if step.holder:
            out.append(f" → {step.holder}", style="dim")
        if step.comment:
            out.append(f"  “{step.comment}”", style="italic")
        out.append("\n")
    if d.links:
        out.append(_("Links") + "\n", style="bold")
        for link in d.links:
            out.append(f"  {link.kind}: {link.title}  ({link.relation})\n")
    if d.files:
        out.append(_("Files") + "\n", style="bold")
        for item in d.files:
            out.append(f"  {item.name}  {item.mime}  {item.size:,} B\n")
    if len(d.versions) > 1:
        out.append(
            _("Versions: ") + ", ".join(f"v{v}" + (" ←" if i == d.id else "") for i, v in d.versions) + "\n",
            style="dim",
        )
    return out


DUPLICATES_SHOWN = 3
"""More duplicates than this in one go are told in one line (a folder of kept originals, at start)."""


def report_intake(app: GmassistApp, results: Sequence[IntakeResult]) -> None:
    """Tell the user what happened to each file, and show new documents."""
    from gmassist.services.inbox import IntakeStatus

    duplicates = [r for r in results if r.status is IntakeStatus.DUPLICATE]
    taken = 0
    for result in results:
        if result.status is IntakeStatus.SKIPPED:
            continue
        if result.status is IntakeStatus.DUPLICATE and len(duplicates) > DUPLICATES_SHOWN:
            continue
        if result.ok:
            severity = "information"
        elif result.status in (IntakeStatus.LOCKED, IntakeStatus.CHANGED):
            severity = "warning"
        else:
            severity = "error"
        app.notify(result.message, severity=severity, timeout=8 if result.ok else 15)  # type: ignore[arg-type]
        taken += result.status is IntakeStatus.TAKEN_IN
    if len(duplicates) > DUPLICATES_SHOWN:
        app.notify(
            _("{n} files are already in the inbox; nothing new was stored for them.").format(
                n=len(duplicates)
            )
        )
    if taken:
        app.refresh_screen()


class InboxWatcher:
    """Polls the watched folder while the app runs, whichever screen is shown; reports each file."""

    def __init__(self, app: GmassistApp) -> None:
        self.app = app
        self.watcher: Any = None
        self.running = False
        """A poll is under way (the next one waits for it)."""
        self.warned = False
        """The user was told the configured folder is missing."""

    def start(self) -> None:
        """Begin polling every POLL_SECONDS."""
        self.app.set_interval(POLL_SECONDS, self.poll, name="inbox-watch")

    def poll(self) -> None:
        """Look at the folder now (in a worker)."""
        if self.app.store is None or self.running:
            return
        self.running = True
        self.app.run_worker(self._poll, thread=True, group="inbox-watch", exit_on_error=False)

    def _poll(self) -> None:
        from gmassist.services.inbox import FolderWatcher, forget_confidential_texts, watch_folder

        try:
            store = self.app.store
            if store is None:
                return
            if not store.confidential_unlocked:  # locked since the last search: drop what it opened
                forget_confidential_texts(store)
            if store.read_only:
                return
            if self.watcher is None:
                self.watcher = FolderWatcher(watch_folder(self.app.settings), self.app.settings.inbox)
            results = self.watcher.poll(store)
            if results:
                self.app.call_from_thread(report_intake, self.app, results)
            if self.watcher.missing and not self.warned:
                self.warned = True
                message = _("The watched folder {folder} does not exist; set [inbox] watch_folder.").format(
                    folder=self.watcher.folder
                )
                self.app.call_from_thread(self.app.notify, message, severity="warning", timeout=15)
        except (GmassistError, OSError) as exc:
            self.app.call_from_thread(
                self.app.notify, _("The watched folder: {error}").format(error=exc), severity="error"
            )
        finally:
            self.running = False
