"""Today (key 1): the morning triage. Rows from all four modules; every row takes the same keys; a handled
row leaves the list; `u` undoes; the capture line files any quick-add text where it belongs."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Static

from gmassist.domain.agenda_view import weekday_name
from gmassist.domain.today import SECTIONS, SHORT_LABELS, TriageItem
from gmassist.errors import GmassistError
from gmassist.i18n import _, language
from gmassist.tui.widgets.footer import QuietFooter
from gmassist.tui.widgets.status import StatusLine
from gmassist.tui.widgets.virtual_list import Column, Row, VirtualList

if TYPE_CHECKING:
    from gmassist.store.store import Store
    from gmassist.tui.app import GmassistApp

MODE_OF_KIND = {
    "event": "agenda",
    "reminder": "agenda",
    "prep": "agenda",
    "followup": "followups",
    "document": "inbox",
    "card": "board",
}


@dataclass
class ListSource:
    """Rows already in memory (Today's are few): the virtual list's source."""

    rows: Sequence[Row]

    def count(self) -> int:
        return len(self.rows)

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        return self.rows[offset : offset + limit]

    def index_of(self, key: str) -> int | None:
        return next((i for i, row in enumerate(self.rows) if row.key == key), None)


def _when(value: datetime | date | None, zone: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%m-%d")
    return ""


class AskScreen(ModalScreen[str | None]):
    """One question with a line to answer it and a live check of the answer; Escape gives up."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="ask.cancel")]

    def __init__(self, title: str, value: str, check: Callable[[str], str]) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.check = check
        """Returns what the answer means, or raises GmassistError saying what is wrong."""

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Label(self.title_text, id="ask-title")
            yield Input(self.value, id="ask-input")
            yield Static("", id="ask-hint")

    def on_mount(self) -> None:
        self._show(self.value)

    @on(Input.Changed, "#ask-input")
    def changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, value: str) -> bool:
        hint = self.query_one("#ask-hint", Static)
        field = self.query_one("#ask-input", Input)
        try:
            hint.update(self.check(value))
        except GmassistError as exc:
            hint.update(f"⚠ {exc}")
            field.add_class("-invalid")
            return False
        field.remove_class("-invalid")
        return True

    @on(Input.Submitted, "#ask-input")
    def submitted(self, event: Input.Submitted) -> None:
        if self._show(event.value):
            self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TodayScreen(Screen[None]):
    """Today's and tomorrow's agenda, preparation, check-ins, documents, cards and reminders, to triage."""

    heading = _("Today")
    area = _("today")
    BINDINGS = [
        Binding("d", "triage('done')", _("Done"), id="today.done", tooltip=_("Done, closed or handled")),
        Binding(
            "s", "snooze", _("Snooze"), id="today.snooze", tooltip=_("Out of Today until a day (+2d, 周五)")
        ),
        Binding(
            "f", "delegate", _("Delegate"), id="today.delegate", tooltip=_("A follow-up for someone else")
        ),
        Binding(
            "v",
            "triage('block')",
            _("Block time"),
            id="today.block",
            tooltip=_("An hour for it in the agenda"),
        ),
        Binding(
            "a",
            "triage('archive')",
            _("Archive"),
            id="today.archive",
            tooltip=_("Archive it, or drop it from Today"),
        ),
        Binding(
            "c",
            "triage('confidential')",
            _("Confidential"),
            id="today.confidential",
            tooltip=_("Mark it confidential"),
        ),
        Binding("u", "undo", _("Undo"), id="today.undo", tooltip=_("Undo the last triage key")),
        Binding(
            "colon,ctrl+n",
            "capture",
            _("Capture"),
            id="today.capture",
            tooltip=_("File a quick-add line where it belongs"),
        ),
        Binding("escape", "close_capture", _("Close"), show=False, id="today.close_capture"),
        Binding("r", "reload", _("Reload"), id="today.reload", tooltip=_("Gather the rows again")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, TriageItem] = {}
        """The rows shown, by key."""
        self._gathered: Hashable = None
        """The store's data version and the minute the rows shown were gathered at."""

    @property
    def gm(self) -> GmassistApp:
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        assert self.gm.store is not None
        return self.gm.store

    def compose(self) -> ComposeResult:
        yield Static(self.heading, classes="screen-heading", id="today-heading")
        yield Static("", id="today-counts")
        records = VirtualList(
            [
                Column("section", _("Section"), 10),
                Column("when", _("When"), 11),
                Column("title", _("Title")),
                Column("detail", _("Detail"), 18),
                Column("flag", _("Flag"), 10),
            ],
            id="records",
        )
        records.empty_text = (
            _("Opening the store…") if self.gm.store is None else _("Nothing left to triage.")
        )
        yield records
        yield Input(
            placeholder=_("周五下午3点 与财务总监讨论 @3号会议室 · @销售经理 周五前 提交预算 · #年会 订场地"),
            id="capture",
        )
        yield Static("", id="capture-preview")
        yield StatusLine()
        yield QuietFooter()

    def on_mount(self) -> None:
        self.query_one("#records", VirtualList).focus()
        self.refresh_records()

    def on_screen_resume(self) -> None:
        self.refresh_records()

    # --- loading ---------------------------------------------------------------------------------

    def refresh_records(self) -> None:
        """Gather the rows again (after a key, an unlock, a lock or an undo)."""
        if self.gm.store is not None:
            self.load()

    @work(thread=True, exclusive=True, group="today-load")
    def load(self) -> None:
        """Gather the rows, unless nothing changed since the last gathering in this same minute (coming back
        to Today then costs nothing, and leaves the other screens' workers the whole interpreter)."""
        from gmassist.services import today

        now = self.gm.clock.now()
        try:
            version = (self.store.data_version(), now.replace(second=0, microsecond=0))
            if version == self._gathered:
                return
            result = today.load(self.store, self.gm.settings, now)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self._gathered = version
        self.app.call_from_thread(self.show, result.items, result.totals)

    def show(self, items: list[TriageItem], totals: dict[str, int]) -> None:
        self.items = {item.key: item for item in items}
        zone = self.gm.zone
        rows = [
            Row(
                item.key,
                (_(SHORT_LABELS[item.section]), _when(item.when, zone), item.title, item.detail, item.flag),
                style="dim"
                if item.confidential and not self.store.confidential_unlocked
                else ("yellow" if item.flag else ""),
            )
            for item in items
        ]
        records = self.query_one("#records", VirtualList)
        records.empty_text = _("Nothing left to triage.")
        if isinstance(records.source, ListSource):
            records.source.rows = rows
            records.reload()
        else:
            records.set_source(ListSource(rows))
        self.query_one("#today-heading", Static).update(
            _("Today · {day} · {n} left to triage").format(
                day=f"{self.gm.clock.now().astimezone(zone):%Y-%m-%d} {weekday_name(self.gm.clock.now().astimezone(zone).date())}",
                n=sum(totals.values()),
            )
        )
        self.query_one("#today-counts", Static).update(
            "  ·  ".join(f"{_(SHORT_LABELS[name])} {totals.get(name, 0)}" for name, _label in SECTIONS)
        )

    # --- the triage keys -------------------------------------------------------------------------

    def current(self) -> TriageItem | None:
        key = self.query_one("#records", VirtualList).cursor_key
        return self.items.get(key) if key else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("triage", "snooze", "delegate"):
            item = self.current()
            if item is None:
                return False
            wanted = str(parameters[0]) if parameters else action
            return wanted in item.actions or None
        return True

    @on(VirtualList.Highlighted, "#records")
    def highlighted(self) -> None:
        self.refresh_bindings()

    @on(VirtualList.Selected, "#records")
    def opened(self, event: VirtualList.Selected) -> None:
        item = self.items.get(event.key)
        if item is not None:
            self.app.switch_mode(MODE_OF_KIND[item.kind])

    def action_triage(self, action: str) -> None:
        item = self.current()
        if item is not None:
            self.run_triage(action, item)

    @work(thread=True, exclusive=True, group="today-write")
    def run_triage(self, action: str, item: TriageItem, *args: Any) -> None:
        from gmassist.services import today

        steps: dict[str, Callable[..., Any]] = {
            "done": today.done,
            "archive": today.archive,
            "confidential": today.mark_confidential,
            "snooze": today.snooze,
            "delegate": today.delegate,
            "block": lambda store, it: today.block_time(store, it, self.gm.settings),
        }
        try:
            steps[action](self.store, item, *args)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.handled, item, action)

    def handled(self, item: TriageItem, action: str) -> None:
        from gmassist.domain.today import ACTIONS

        self.notify(_("{action}: {title}").format(action=_(ACTIONS[action]), title=item.title), timeout=3)
        self.refresh_records()
        self.gm.refresh_status()

    def action_snooze(self) -> None:
        item = self.current()
        if item is None:
            return
        from gmassist.domain.quickadd import QuickAddError, parse_day

        now = self.gm.clock.now()

        def check(text: str) -> str:
            try:
                day = parse_day(text, now)
            except QuickAddError as exc:
                raise GmassistError(_("not a day: {text}").format(text=text)) from exc
            return _("until {day}").format(day=f"{day:%Y-%m-%d} {weekday_name(day)}")

        def done(answer: str | None) -> None:
            if answer:
                self.run_triage("snooze", item, parse_day(answer, now))

        self.app.push_screen(AskScreen(_("Snooze until (+2d, 周五, 12/5)"), "+1d", check), done)

    def action_delegate(self) -> None:
        item = self.current()
        if item is None:
            return
        from gmassist.domain.quickadd import QuickAddError, parse_day
        from gmassist.services import followups

        now = self.gm.clock.now()
        directory = followups.load_directory(self.store)

        def read(text: str) -> tuple[str | None, str, date | None]:
            name, _sep, when = text.partition(" ")
            name = name.lstrip("@")
            if not name:
                raise GmassistError(_("type the owner, then the due day: 张三 周五"))
            found = followups.match_people(directory, name)
            if len(found) > 1:
                raise GmassistError(
                    _("{name} fits {n} people; type more of the name").format(name=name, n=len(found))
                )
            try:
                due = parse_day(when, now) if when.strip() else None
            except QuickAddError as exc:
                raise GmassistError(_("not a day: {text}").format(text=when)) from exc
            return (found[0].id if found else None), name, due

        def check(text: str) -> str:
            owner_id, name, due = read(text)
            who = name if owner_id else _("{name} (new: added to the people list)").format(name=name)
            return _("a follow-up for {who}, due {due}").format(who=who, due=due or "—")

        def done(answer: str | None) -> None:
            if not answer:
                return
            owner_id, name, due = read(answer)
            if owner_id is None:
                owner_id = followups.add_person(self.store, name)
            self.run_triage("delegate", item, owner_id, name, due)

        self.app.push_screen(AskScreen(_("Delegate to (owner and due day: 张三 周五)"), "", check), done)

    def action_undo(self) -> None:
        self.gm.action_undo()

    def action_reload(self) -> None:
        self._gathered = None
        self.refresh_records()

    # --- the capture line ------------------------------------------------------------------------

    def action_capture(self) -> None:
        field = self.query_one("#capture", Input)
        field.add_class("-open")
        self.query_one("#capture-preview", Static).add_class("-open")
        field.focus()

    def action_close_capture(self) -> None:
        field = self.query_one("#capture", Input)
        if field.has_class("-open"):
            field.value = ""
            field.remove_class("-open")
            self.query_one("#capture-preview", Static).remove_class("-open")
            self.query_one("#records", VirtualList).focus()

    @on(Input.Changed, "#capture")
    def capture_changed(self, event: Input.Changed) -> None:
        self.preview(event.value)

    @work(thread=True, exclusive=True, group="today-capture")
    def preview(self, text: str) -> None:
        from gmassist.services import capture

        if not text.strip():
            self.app.call_from_thread(self.query_one("#capture-preview", Static).update, "")
            return
        try:
            planned = capture.plan(self.store, text, self.gm.clock.now(), language())
        except GmassistError as exc:
            message = f"⚠ {exc}"
        else:
            message = f"→ {planned.where}: {planned.preview}"
            if planned.new_person:
                message += "  " + _("(adds {name} to the people list)").format(name=planned.new_person)
        self.app.call_from_thread(self.query_one("#capture-preview", Static).update, message)

    @on(Input.Submitted, "#capture")
    def capture_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.save_capture(event.value)

    @work(thread=True, exclusive=True, group="today-write")
    def save_capture(self, text: str) -> None:
        from gmassist.services import capture

        try:
            message = capture.save(self.store, text, self.gm.settings)
        except GmassistError as exc:
            self.app.call_from_thread(self.query_one("#capture-preview", Static).update, f"⚠ {exc}")
            return
        self.app.call_from_thread(self.captured, message)

    def captured(self, message: str) -> None:
        self.notify(message)
        self.query_one("#capture", Input).value = ""
        self.action_close_capture()
        self.refresh_records()
        self.gm.refresh_status()
