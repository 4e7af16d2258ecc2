"""督办 Follow-ups (key 4): the follow-up tracker.

One virtual list shows a view (active, check-ins due, overdue, by department, by owner, waiting, to
verify, recently done, all, recurring) filtered by the filter bar and sorted by escalation level or
another order; everything is filtered and sorted in SQL, a page at a time. Under the list, the highlighted
follow-up with its timeline of check-ins. Keys act on the marked rows when some are marked (bulk), else on
the highlighted one. Store work runs in thread workers; their results come back to the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from gmassist.domain import followups as rules
from gmassist.domain.followups import Escalation, Status
from gmassist.errors import GmassistError
from gmassist.i18n import _
from gmassist.services import followups as fu
from gmassist.tui.screens.records import ListScreen
from gmassist.tui.widgets.footer import QuietFooter
from gmassist.tui.widgets.status import StatusLine
from gmassist.tui.widgets.virtual_list import Column, Row, VirtualList

if TYPE_CHECKING:
    from gmassist.store.queries import Window

CLIPBOARD_CLEAR_SECONDS = 45.0
"""A confidential nudge is wiped from the clipboard this long after it was copied."""

LEVEL_STYLES: dict[Escalation, str] = {
    Escalation.NONE: "",
    Escalation.REMINDER: "yellow",
    Escalation.OVERDUE: "red",
    Escalation.ESCALATED: "bold red",
}
"""How each escalation level is drawn in the list."""

ROW_NEEDED = frozenset(
    {
        "edit",
        "check_in",
        "status",
        "done",
        "verify",
        "reassign",
        "due",
        "nudge",
        "mark",
    }
)
"""Actions that act on a follow-up, greyed out while the list is empty."""


def row_of(row: fu.FollowupRow, language: str) -> Row:
    """One follow-up as a list row: level, due, title, owner, department, status, next check-in."""
    if row.rrule:
        from gmassist.domain.quickadd import describe_rrule

        level = Text("↻ " + describe_rrule(row.rrule, language))
    else:
        label = rules.escalation_label(row.level) if row.level else ""
        if row.overdue_days:
            label += " " + _("{n}d").format(n=row.overdue_days)
        level = Text(label, style=LEVEL_STYLES[row.level])
    check_in = Text(
        row.next_check_in.isoformat()[5:] if row.next_check_in else "",
        style="bold" if row.check_in_due else "",
    )
    if row.stale:
        check_in.append(" " + _("stale"), style="magenta")
    title = ("↻ " if row.series_id else "") + row.title
    style = "bold red" if row.damaged else ("dim" if row.confidential else "")
    cells = (
        level,
        row.due.isoformat() if row.due else "",
        title,
        row.owner_name,
        row.department_name,
        rules.status_label(row.status),
        check_in,
    )
    return Row(key=row.id, cells=cells, style=style)


class FollowupSource:
    """The list's RowSource: a FollowupQuery read a page at a time (called from the list's worker).

    `query` is replaced on a refresh that keeps the cursor and the marks; `rows` keeps the rows read, by
    id, so the screen knows the status, dates and owner of the rows it acts on.
    """

    def __init__(self, query: fu.FollowupQuery, language: str) -> None:
        self.query = query
        self.language = language
        self.rows: dict[str, fu.FollowupRow] = {}
        self.keep_cursor = True
        """False for the load after a new view or filter: it starts from the top, so the cursor's old row
        is not looked for."""

    def count(self) -> int:
        """How many follow-ups the view holds."""
        return self.query.count()

    def index_of(self, key: str) -> int | None:
        """Where the cursor's row went (the list asks on a reload); None when it is to start at the top."""
        return self.query.index_of(key) if self.keep_cursor else None

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        """One page of rows."""
        found = self.query.fetch(offset, limit)
        if len(self.rows) > 5000:
            self.rows.clear()
        self.rows.update((row.id, row) for row in found)
        return [row_of(row, self.language) for row in found]


class FollowupsScreen(ListScreen):
    """Follow-ups (key 4): instructions and resolutions tracked until done and verified."""

    CSS_PATH = "followups.tcss"
    AUTO_FOCUS = "#records"
    heading = _("Follow-ups")
    area = _("follow-ups")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", _("New"), id="followups.new", tooltip=_("A new follow-up, every field")),
        Binding(
            "a",
            "quick_add",
            _("Quick add"),
            id="followups.quick_add",
            tooltip=_("A follow-up in one line: @owner 周五前 what"),
        ),
        Binding("e", "edit", _("Edit"), id="followups.edit", tooltip=_("Edit the highlighted follow-up")),
        Binding(
            "c",
            "check_in",
            _("Check in"),
            id="followups.check_in",
            tooltip=_("Record what was learnt and the next check-in (on the marked rows, or this one)"),
        ),
        Binding("s", "status", _("Status"), id="followups.status", tooltip=_("Change the status")),
        Binding("d", "done", _("Done"), id="followups.done", tooltip=_("Mark done, awaiting verification")),
        Binding(
            "v", "verify", _("Verify"), id="followups.verify", tooltip=_("Verify a follow-up marked done")
        ),
        Binding("r", "reassign", _("Reassign"), id="followups.reassign", tooltip=_("Give to another owner")),
        Binding("D", "due", _("Due date"), id="followups.due", tooltip=_("Set a new due date"), show=False),
        Binding(
            "u",
            "nudge",
            _("Nudge"),
            id="followups.nudge",
            tooltip=_("Copy a polite reminder to the owner and log it"),
        ),
        Binding(
            "U",
            "nudge(True)",
            _("Nudge (other language)"),
            id="followups.nudge_other",
            tooltip=_("The reminder in the other language"),
            show=False,
        ),
        Binding(
            "x",
            "mark",
            _("Mark"),
            id="followups.mark",
            tooltip=_("Mark the highlighted row for a bulk action, or unmark it"),
            show=False,
        ),
        Binding("m", "minutes", _("Minutes"), id="followups.minutes", tooltip=_("Write a meeting's minutes")),
        Binding(
            "S",
            "scorecard",
            _("Scorecard"),
            id="followups.scorecard",
            tooltip=_("On-time rate per department"),
            show=False,
        ),
        Binding("right_square_bracket", "view(1)", _("Next view"), id="followups.next_view"),
        Binding(
            "left_square_bracket", "view(-1)", _("Previous view"), id="followups.previous_view", show=False
        ),
        Binding("o", "sort", _("Order"), id="followups.sort", tooltip=_("Sort by level, due date, owner…")),
        Binding("slash", "filter", _("Filter"), id="followups.filter", tooltip=_("Type a filter")),
        Binding("escape", "leave_filter", _("Back to the list"), id="followups.leave_filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = fu.View.ACTIVE.value
        """The view shown (a key of services.followups.LIST_VIEWS)."""
        self.sort: str | None = None
        """The order chosen with `o` (None: the view's own)."""
        self.filter_text = ""
        """The filter bar's text."""
        self.directory = fu.Directory()
        """Names of people and departments, reloaded on every refresh."""
        self.source: FollowupSource | None = None
        self._highlighted: str | None = None
        self._drawn: dict[str, str] = {}
        self._records: VirtualList | None = None
        """The list, once composed (the footer asks `check_action` about it many times a refresh)."""

    # --- layout --------------------------------------------------------------------------------------

    def columns(self) -> Sequence[Column]:
        return [
            Column("level", _("Level"), 14),
            Column("due", _("Due"), 10),
            Column("title", _("Title")),
            Column("owner", _("Owner"), 10),
            Column("department", _("Department"), 12),
            Column("status", _("Status"), 12),
            Column("check_in", _("Check-in"), 15),
        ]

    def window(self) -> Window:  # pragma: no cover - this screen reads through FollowupQuery
        raise NotImplementedError

    def cells(self) -> Sequence[Any]:  # pragma: no cover
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Static(self.heading, classes="screen-heading", id="followups-heading")
        yield Static("", id="followups-views")
        yield Input(
            placeholder=_(
                "Filter: owner:张三 dept:销售 overdue 预算   (/ to type, Enter or Esc back to the list)"
            ),
            id="followups-filter",
            compact=True,
        )
        records = self._records = VirtualList(self.columns(), id="records")
        records.empty_text = _("Opening the store…") if self.gm.store is None else _("Nothing here.")
        yield records
        yield Static("", id="followups-detail")
        yield StatusLine()
        yield QuietFooter()

    @property
    def records(self) -> VirtualList:
        """The list."""
        assert self._records is not None, "the list is made in compose"
        return self._records

    # --- loading ------------------------------------------------------------------------------------

    def refresh_records(self) -> None:
        """Reload: recurring instances that came due, names, then the rows (keeping cursor and marks)."""
        if not isinstance(self.focused, Input):
            self.records.focus()
        self._show_views()
        if self.gm.store is None:
            return
        self._prepare()

    @work(thread=True, exclusive=True, group="followups-prepare")
    def _prepare(self) -> None:
        """Make the recurring instances that came due and read the names (worker thread)."""
        store = self.gm.store
        if store is None:
            return
        made = 0
        try:
            if not store.read_only:
                made = fu.generate_instances(store, self.gm.settings.followups)
            directory = fu.load_directory(store)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._prepared, directory, made)

    def _prepared(self, directory: fu.Directory, made: int) -> None:
        self.directory = directory
        if made:
            self.notify(_("{n} recurring follow-up(s) came due.").format(n=made))
        self._show(reset=self.source is None)

    def _query(self) -> fu.FollowupQuery | None:
        store = self.gm.store
        if store is None:
            return None
        now = self.gm.clock.now().astimezone(self.gm.zone)
        return fu.FollowupQuery(
            store, self.directory, self.gm.settings.followups, now, self.view, self.filter_text, self.sort
        )

    def _show(self, reset: bool) -> None:
        """Point the list at the current view, filter and order: from the top (`reset`, a new view or
        filter) or keeping the cursor and the marks (a refresh)."""
        query = self._query()
        if query is None:
            return
        records = self.records
        records.empty_text = _("Nothing here.")
        if self.source is None:
            from gmassist import i18n

            self.source = FollowupSource(query, i18n.language())
            records.set_source(self.source)
        else:
            if reset:
                # A new view or filter: from the top, nothing marked (a bulk action must never touch rows
                # the user can no longer see). The rows on screen stay until the new ones arrive, which
                # spares drawing an empty list in between.
                records.selected_keys.clear()
                records.set_reactive(VirtualList.cursor_index, 0)
                records.scroll_to(y=0, animate=False, force=True)
            self.source.query = query
            self.source.keep_cursor = not reset
            records.reload(hold=reset)
        self._show_views()

    def _show_views(self) -> None:
        """The line of views (the current one highlighted); the order and the marks in the heading."""
        line = Text()
        for key, label in fu.LIST_VIEWS.items():
            if line:
                line.append(" · ", style="dim")
            line.append(_(label), style="bold reverse" if key == self.view else "")
        sort = self.sort or fu.DEFAULT_SORT.get(self.view, "urgency")
        heading = [self.heading, _("order: {sort}").format(sort=_(fu.SORTS[sort]))]
        if self._records is not None and self._records.selected_keys:
            heading.append(_("{n} marked").format(n=len(self.records.selected_keys)))
        self._update("#followups-views", line)
        self._update("#followups-heading", "  ·  ".join(heading))

    def _update(self, selector: str, content: str | Text) -> None:
        """Redraw a one-size Static when its content changed (without a layout pass: the list under it
        would be drawn again for nothing)."""
        key = content.markup if isinstance(content, Text) else content
        if self._drawn.get(selector) != key:
            self._drawn[selector] = key
            self.query_one(selector, Static).update(content, layout=False)

    # --- the highlighted follow-up ------------------------------------------------------------------

    @on(VirtualList.Highlighted, "#records")
    def highlighted(self, message: VirtualList.Highlighted) -> None:
        """Show the highlighted follow-up and its timeline under the list."""
        self._highlighted = message.key
        self._load_detail(message.key)

    @on(VirtualList.Loaded, "#records")
    def loaded(self, message: VirtualList.Loaded) -> None:
        if message.count == 0:
            self._highlighted = None
            self._update("#followups-detail", "")
        self._show_views()

    @work(thread=True, exclusive=True, group="followups-detail")
    def _load_detail(self, followup_id: str) -> None:
        store = self.gm.store
        if store is None:
            return
        try:
            row = fu.load(store, followup_id)
            entries = fu.timeline(store, followup_id)
            text = self._detail_text(row, entries)
        except GmassistError as exc:
            text = Text(str(exc), style="red")
        self.app.call_from_thread(self._show_detail, followup_id, text)

    def _show_detail(self, followup_id: str, text: Text) -> None:
        if followup_id == self._highlighted:
            self._update("#followups-detail", text)

    def _detail_text(self, row: Any, entries: Sequence[fu.CheckInEntry]) -> Text:
        """The follow-up's fields and its timeline (worker thread: builds text only)."""
        store = self.gm.store
        assert store is not None
        zone = self.gm.zone
        today = self.gm.clock.now().astimezone(zone).date()
        text = Text()
        text.append(store.display(row, "title"), style="bold")
        if row.confidential:
            text.append("  " + _("confidential"), style="yellow")
        facts = [
            _("status: {status}").format(status=rules.status_label(row.status)),
            _("owner: {name}").format(name=self.directory.person_name(row.owner_id) or "—"),
            _("department: {name}").format(name=self.directory.department_name(row.department_id) or "—"),
        ]
        if row.requested_by:
            facts.append(_("requested by: {name}").format(name=store.display(row, "requested_by")))
        facts.append(
            _("source: {source}").format(source=_(fu.SOURCE_KINDS.get(row.source_kind, row.source_kind)))
        )
        text.append("\n" + " · ".join(facts))
        dates = [_("created {date}").format(date=row.created.astimezone(zone).date().isoformat())]
        if row.due:
            dates.append(_("due {date}").format(date=row.due.isoformat()))
        if row.next_check_in:
            dates.append(_("next check-in {date}").format(date=row.next_check_in.isoformat()))
        if not row.rrule:
            level = rules.escalation_level(row, today, self.gm.settings.followups)
            dates.append(_("level: {level}").format(level=rules.escalation_label(level)))
        else:
            dates.append(_("repeats: {rule}").format(rule=row.rrule))
        dates.append(_("priority: {p}").format(p=_(fu.PRIORITIES.get(row.priority, "normal"))))
        text.append("\n" + " · ".join(dates))
        notes = store.display(row, "notes")
        if notes:
            text.append("\n" + notes, style="italic")
        text.append("\n" + _("Timeline") + "\n", style="bold")
        if not entries:
            text.append(_("No check-ins yet."), style="dim")
        for entry in entries:
            when = entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            text.append(f"{when}  ", style="dim")
            if entry.kind == "status":
                text.append("⇢ " + _("status → {status}").format(status=rules.status_label(entry.status_to)))
                if entry.note:
                    text.append(": " + entry.note)
            elif entry.kind == "nudge":
                first = entry.note.strip().splitlines()[0] if entry.note.strip() else ""
                text.append("✉ " + _("nudged: {text}").format(text=first[:60] + "…"))
            else:
                text.append("● " + (entry.note or _("checked in")))
                if entry.next_check_in:
                    text.append("  → " + entry.next_check_in.isoformat(), style="dim")
            text.append("\n")
        return text

    # --- which follow-ups a key acts on -------------------------------------------------------------

    def targets(self) -> list[str]:
        """The marked rows, else the highlighted one."""
        records = self.records
        if records.selected_keys:
            return sorted(records.selected_keys)
        key = records.cursor_key
        return [key] if key is not None else []

    def known(self, ids: Sequence[str]) -> list[fu.FollowupRow]:
        """The rows read for these ids (those scrolled past may be missing)."""
        rows = self.source.rows if self.source is not None else {}
        return [rows[i] for i in ids if i in rows]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that act on a follow-up are greyed out while the list is empty; Escape only leaves the
        filter."""
        if action == "leave_filter":
            return isinstance(self.focused, Input)
        if action in ROW_NEEDED:
            records = self._records
            if self.gm.store is None or records is None or not records.is_mounted:
                return None
            # While a view loads its count is unknown: keep the keys as they were rather than grey them
            # out and back (each change of the footer rebuilds it).
            return True if records.row_count or records.is_loading else None
        return True

    def _refuse_if_locked(self, rows: Sequence[fu.FollowupRow]) -> bool:
        """Say so and return True when a confidential row is among `rows` while locked."""
        store = self.gm.store
        if store is not None and not store.confidential_unlocked and any(r.confidential for r in rows):
            self.notify(_("Unlock confidential items first (ctrl+o)."), severity="warning")
            return True
        return False

    # --- writing ----------------------------------------------------------------------------------

    @work(thread=True, group="followups-write")
    def write(self, change: Callable[[], str], clear_marks: bool = False) -> None:
        """Run one change in a worker; say what it did (or why not) and reload."""
        try:
            message = change()
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
            return
        self.app.call_from_thread(self._written, message, clear_marks)

    def _written(self, message: str, clear_marks: bool) -> None:
        if message:
            self.notify(message)
        if clear_marks:
            self.records.selected_keys.clear()
        self.refresh_records()
        self.gm.refresh_status()
        if self._highlighted is not None:
            self._load_detail(self._highlighted)

    def _now(self) -> datetime:
        return self.gm.clock.now().astimezone(self.gm.zone)

    @property
    def _settings(self) -> Any:
        return self.gm.settings.followups

    @staticmethod
    def _warned(message: str, warnings: Sequence[rules.ValidationWarning]) -> str:
        if warnings:
            message += "\n" + _("Note: {warnings}").format(warnings="; ".join(w.message for w in warnings))
        return message

    # --- keys: create and edit ----------------------------------------------------------------------

    def action_new(self) -> None:
        """A new follow-up with every field."""
        from gmassist.tui.modals.followup_form import FollowupFormModal, FormResult

        def save(result: FormResult | None) -> None:
            if result is None:
                return
            store = self.gm.store
            assert store is not None

            def change() -> str:
                saved = fu.create(
                    store, result.draft, self._settings, confirm_checkin_after_due=result.confirmed
                )
                message = _("Follow-up saved: {title}").format(title=result.draft.title)
                if saved.instances:
                    message += "\n" + _("{n} instance(s) of the series are due already.").format(
                        n=saved.instances
                    )
                return self._warned(message, saved.warnings)

            self.write(change)

        self.app.push_screen(FollowupFormModal(self.directory, self._now()), save)

    def action_quick_add(self) -> None:
        """A follow-up in one line; an owner not in the people list is added after asking."""
        from gmassist.tui.modals.followup_quickadd import FollowupQuickAddModal

        def typed(text: str | None) -> None:
            if text:
                self._plan_quick_add(text)

        self.app.push_screen(FollowupQuickAddModal(self._now()), typed)

    @work(thread=True, group="followups-write")
    def _plan_quick_add(self, text: str) -> None:
        try:
            plan = fu.plan_quick_add(self.directory, text, self._now())
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._ask_owner, plan)

    def _ask_owner(self, plan: fu.QuickPlan) -> None:
        from gmassist.tui.modals.followup_pick import ask_owner

        store = self.gm.store
        assert store is not None

        def proceed(owner: fu.PersonInfo | None, add_new_owner: bool) -> None:
            def change() -> str:
                saved = fu.save_quick_add(
                    store, plan, self._settings, owner=owner, add_new_owner=add_new_owner
                )
                message = _("Follow-up saved: {title}").format(title=plan.parsed.title)
                if saved.person_added:
                    message += "\n" + _("Added {name} to the people list.").format(name=saved.person_added)
                return self._warned(message, saved.warnings)

            self.write(change)

        ask_owner(self.app, plan, self.directory.departments, proceed)

    def action_edit(self) -> None:
        """Edit the highlighted follow-up."""
        key = self.records.cursor_key
        if key is None or self._refuse_if_locked(self.known([key])):
            return
        self._open_form(key)

    @on(VirtualList.Selected, "#records")
    def selected(self, message: VirtualList.Selected) -> None:
        """Enter opens the follow-up's form."""
        self.action_edit()

    @work(thread=True, group="followups-detail-load")
    def _open_form(self, followup_id: str) -> None:
        store = self.gm.store
        if store is None:
            return
        try:
            draft = fu.draft_of(fu.load(store, followup_id))
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._show_form, followup_id, draft)

    def _show_form(self, followup_id: str, draft: fu.Draft) -> None:
        from gmassist.tui.modals.followup_form import FollowupFormModal, FormResult

        store = self.gm.store
        assert store is not None

        def save(result: FormResult | None) -> None:
            if result is None:
                return

            def change() -> str:
                saved = fu.update(
                    store, followup_id, result.draft, confirm_checkin_after_due=result.confirmed
                )
                return self._warned(
                    _("Follow-up saved: {title}").format(title=result.draft.title), saved.warnings
                )

            self.write(change)

        self.app.push_screen(FollowupFormModal(self.directory, self._now(), draft), save)

    # --- keys: check-ins and status ----------------------------------------------------------------

    def action_check_in(self) -> None:
        """Check in on the marked rows (or the highlighted one): what was learnt, the next check-in."""
        from gmassist.tui.modals.followup_checkin import CheckInResult, FollowupCheckInModal

        ids = self.targets()
        rows = self.known(ids)
        if not ids or self._refuse_if_locked(rows):
            return
        store = self.gm.store
        assert store is not None
        statuses = self._statuses(rows)

        def save(result: CheckInResult | None) -> None:
            if result is None:
                return

            def change() -> str:
                n = fu.check_in(
                    store,
                    ids,
                    result.note,
                    result.next_check_in,
                    status=result.status,
                    confirm_checkin_after_due=result.confirmed,
                )
                return _("Checked in on {n} follow-up(s).").format(n=n)

            self.write(change, clear_marks=True)

        self.app.push_screen(
            FollowupCheckInModal(len(ids), [r.due for r in rows], statuses, self._now()), save
        )

    @staticmethod
    def _statuses(rows: Sequence[fu.FollowupRow]) -> list[str]:
        """Statuses every one of `rows` may move to (all of them when none is known)."""
        allowed: set[str] | None = None
        for row in rows:
            moves = {s.value for s in rules.allowed_transitions(row.status)}
            allowed = moves if allowed is None else allowed & moves
        order = [s.value for s in Status]
        return [s for s in order if allowed is None or s in allowed]

    def action_status(self) -> None:
        """Move the marked rows (or the highlighted one) to another status."""
        from gmassist.tui.modals.followup_pick import FollowupPickModal

        ids = self.targets()
        if not ids:
            return
        statuses = self._statuses(self.known(ids))

        def chosen(status: str | None) -> None:
            if status is not None:
                self._set_status(ids, status)

        self.app.push_screen(
            FollowupPickModal(
                _("New status") if len(ids) == 1 else _("New status for {n} follow-ups").format(n=len(ids)),
                [(s, rules.status_label(s)) for s in statuses],
            ),
            chosen,
        )

    def _set_status(self, ids: Sequence[str], status: str) -> None:
        store = self.gm.store
        assert store is not None

        def change() -> str:
            n = fu.set_status(store, ids, status)
            return _("{n} follow-up(s) now {status}.").format(n=n, status=rules.status_label(status))

        self.write(change, clear_marks=True)

    def action_done(self) -> None:
        """Mark done (awaiting verification)."""
        ids = self.targets()
        if ids:
            self._set_status(ids, Status.DONE.value)

    def action_verify(self) -> None:
        """Verify follow-ups marked done."""
        ids = self.targets()
        if ids:
            self._set_status(ids, Status.VERIFIED.value)

    # --- keys: bulk changes -----------------------------------------------------------------------

    def action_reassign(self) -> None:
        """Give the marked rows (or the highlighted one) to another owner, with their department."""
        from gmassist.tui.modals.followup_pick import FollowupPickModal, person_label

        ids = self.targets()
        if not ids:
            return
        people = sorted(
            (p for p in self.directory.people.values() if p.readable), key=lambda p: p.name.casefold()
        )
        store = self.gm.store
        assert store is not None

        def chosen(person_id: str | None) -> None:
            if person_id is None:
                return
            person = self.directory.people[person_id]

            def change() -> str:
                n = fu.reassign(store, ids, person.id, person.department_id)
                return _("{n} follow-up(s) now with {name}.").format(n=n, name=person.name)

            self.write(change, clear_marks=True)

        self.app.push_screen(
            FollowupPickModal(
                _("New owner") if len(ids) == 1 else _("New owner for {n} follow-ups").format(n=len(ids)),
                [(p.id, person_label(p, self.directory.departments)) for p in people],
            ),
            chosen,
        )

    def action_due(self) -> None:
        """Give the marked rows (or the highlighted one) a new due date."""
        from gmassist.tui.modals.followup_checkin import DueResult, FollowupDueModal

        ids = self.targets()
        if not ids:
            return
        rows = self.known(ids)
        store = self.gm.store
        assert store is not None

        def save(result: DueResult | None) -> None:
            if result is None:
                return

            def change() -> str:
                warnings = fu.set_due(store, ids, result.due, confirm_checkin_after_due=result.confirmed)
                day = result.due.isoformat() if result.due else _("none")
                return self._warned(
                    _("{n} follow-up(s) now due {date}.").format(n=len(ids), date=day), warnings
                )

            self.write(change, clear_marks=True)

        current = rows[0].due if len(rows) == 1 else None
        self.app.push_screen(
            FollowupDueModal(len(ids), [r.next_check_in for r in rows], self._now(), current), save
        )

    def action_mark(self) -> None:
        """Mark or unmark the highlighted row."""
        self.records.action_toggle_select()
        self._show_views()

    # --- keys: nudge ----------------------------------------------------------------------------------

    def action_nudge(self, other_language: bool = False) -> None:
        """Draft a polite reminder to the owner, copy it to the clipboard and log it as a check-in."""
        key = self.records.cursor_key
        if key is None:
            return
        rows = self.known([key])
        if self._refuse_if_locked(rows):
            return
        language = None
        if other_language:
            from gmassist import i18n

            owner = rows[0].owner_name if rows else ""
            guessed = fu.nudge_language_for(owner, i18n.language())
            language = "en" if guessed == "zh" else "zh"
        self._nudge(key, language)

    @work(thread=True, group="followups-write")
    def _nudge(self, followup_id: str, language: str | None) -> None:
        store = self.gm.store
        if store is None:
            return
        try:
            drafted = fu.nudge(store, followup_id, self.directory, language)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._nudged, drafted)

    def _nudged(self, drafted: fu.Nudge) -> None:
        """Copy the nudge (OSC 52); a confidential one is wiped from the clipboard after a while."""
        self.app.copy_to_clipboard(drafted.text)
        if drafted.confidential:
            self.set_timer(CLIPBOARD_CLEAR_SECONDS, self._clear_clipboard, name="followups-clipboard")
        self.notify(drafted.text, title=_("Nudge copied to the clipboard and logged"), timeout=12)
        self._written("", False)

    def _clear_clipboard(self) -> None:
        self.app.copy_to_clipboard("")

    # --- keys: minutes, scorecard -------------------------------------------------------------------

    def action_minutes(self) -> None:
        """Write a meeting's minutes: pick the meeting, then the editor."""
        from gmassist.tui.modals.followup_minutes import pick_meeting

        pick_meeting(self.gm)

    def action_scorecard(self) -> None:
        """The department scorecard."""
        from gmassist.tui.modals.followup_scorecard import FollowupScorecardModal

        self.app.push_screen(FollowupScorecardModal())

    # --- keys: views, order, filter -----------------------------------------------------------------

    def action_view(self, step: int) -> None:
        """The next (or previous) view."""
        views = list(fu.LIST_VIEWS)
        self.view = views[(views.index(self.view) + step) % len(views)]
        self.sort = None
        self._show(reset=True)

    def show_view(self, view: str) -> None:
        """Show one view (by its key)."""
        self.view = view
        self.sort = None
        self._show(reset=True)

    def action_sort(self) -> None:
        """The next order: level, due date, priority, department, owner, newest, finished."""
        orders = list(fu.SORTS)
        current = self.sort or fu.DEFAULT_SORT.get(self.view, "urgency")
        self.sort = orders[(orders.index(current) + 1) % len(orders)]
        self._show(reset=True)

    def action_filter(self) -> None:
        """Type in the filter bar."""
        self.query_one("#followups-filter", Input).focus()

    def action_leave_filter(self) -> None:
        """Back to the list."""
        self.records.focus()

    @on(Input.Changed, "#followups-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """Every keystroke filters again (in SQL, in the list's worker)."""
        if event.value != self.filter_text:
            self.filter_text = event.value
            self._show(reset=True)

    @on(Input.Submitted, "#followups-filter")
    def filter_submitted(self) -> None:
        self.records.focus()
