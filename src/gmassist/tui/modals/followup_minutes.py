"""会议纪要: write a meeting's minutes; each resolution, one per line, becomes a follow-up with one key.

The editor shows, beside the text, the status of the resolutions decided at this sitting and, for a
recurring meeting, the matters arising: resolutions of earlier sittings still with their owners. Other
screens open it with `open_minutes(app, event_id, occurrence)` (the app's `open_minutes` action); the
follow-ups screen opens it through a meeting picker.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from gmassist.errors import GmassistError
from gmassist.i18n import _
from gmassist.services import followups as fu
from gmassist.services import minutes as mn
from gmassist.tui.modals.followup_pick import CSS, FollowupPickModal, ask_owner

if TYPE_CHECKING:
    from gmassist.store.store import Store
    from gmassist.tui.app import GmassistApp


def _store(app: GmassistApp) -> Store:
    if app.store is None:
        raise GmassistError(_("The store is not open yet"))
    return app.store


def _local(app: GmassistApp, moment: datetime) -> datetime:
    return moment.astimezone(app.zone)


def meeting_label(app: GmassistApp, meeting: mn.Meeting) -> str:
    """A meeting as the picker and the editor name it: when, what, where."""
    when = _local(app, meeting.start).strftime("%Y-%m-%d %H:%M")
    parts = [when, meeting.title]
    if meeting.location:
        parts.append(meeting.location)
    if meeting.recurring:
        parts.append("↻")
    return "  ".join(parts)


def open_minutes(app: GmassistApp, event_id: str, occurrence: datetime | str | None = None) -> None:
    """Open the minutes of event `event_id` (for a series, the sitting whose original start is
    `occurrence`, a datetime or ISO text; else its latest sitting that has begun)."""
    if isinstance(occurrence, str):
        occurrence = datetime.fromisoformat(occurrence) if occurrence else None

    def find() -> None:
        try:
            store = _store(app)
            meeting = mn.find_meeting(store, event_id, occurrence, app.clock.now())
        except GmassistError as exc:
            app.call_from_thread(app.notify, str(exc), severity="error")
            return
        app.call_from_thread(app.push_screen, FollowupMinutesModal(meeting))

    app.run_worker(find, thread=True, group="followups-minutes-open")


def pick_meeting(app: GmassistApp) -> None:
    """Show the meetings of the last 30 days and the next 7; open the minutes of the one chosen."""

    def load() -> None:
        try:
            found = mn.meetings(_store(app), app.clock.now())
        except GmassistError as exc:
            app.call_from_thread(app.notify, str(exc), severity="error")
            return
        app.call_from_thread(show, found)

    def show(found: list[mn.Meeting]) -> None:
        by_key = {f"{m.event_id}|{m.occurrence.isoformat()}": m for m in found}
        now = app.clock.now()
        begun = [key for key, m in by_key.items() if m.start <= now]

        def chosen(key: str | None) -> None:
            if key is not None:
                app.push_screen(FollowupMinutesModal(by_key[key]))

        app.push_screen(
            FollowupPickModal(
                _("Minutes of which meeting?"),
                [(key, meeting_label(app, m)) for key, m in by_key.items()],
                hint=_("Meetings of the last 30 days and the next 7, the latest first."),
                highlight=begun[0] if begun else None,
            ),
            chosen,
        )

    app.run_worker(load, thread=True, group="followups-minutes-pick")


class FollowupMinutesModal(ModalScreen[None]):
    """The minutes of one sitting, with its resolutions' status and the matters arising."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="followups.minutes.save", tooltip=_("Save the minutes")),
        Binding(
            "ctrl+r",
            "resolution",
            _("Resolution"),
            id="followups.minutes.resolution",
            tooltip=_("Make the line under the cursor a follow-up of this meeting"),
        ),
        Binding("escape", "close", _("Close"), id="followups.minutes.close", tooltip=_("Save and close")),
    ]

    def __init__(self, meeting: mn.Meeting) -> None:
        super().__init__()
        self.meeting = meeting
        """The sitting whose minutes these are."""
        self.minutes: mn.Minutes | None = None
        """What was loaded last (None until the first load)."""
        self.directory = fu.Directory()
        self._saved_text = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="fu-dialog", id="fu-minutes-box"):
            yield Label(
                _("Minutes: {meeting}").format(meeting=meeting_label(self.gm, self.meeting)),
                classes="fu-dialog-title",
            )
            yield Static(
                _(
                    "One resolution per line (@owner 周五前 what was decided); ctrl+r on a line makes it a "
                    "follow-up · ctrl+s save · Escape save and close"
                ),
                classes="fu-dialog-hint",
            )
            with Horizontal(id="fu-minutes-body"):
                yield TextArea(id="fu-minutes-text", soft_wrap=True)
                with VerticalScroll(id="fu-minutes-side"):
                    yield Static(_("Loading…"), id="fu-minutes-status")
                    yield Static("", id="fu-minutes-arising")
            yield Static("", classes="fu-dialog-error", id="fu-minutes-error")

    def on_mount(self) -> None:
        self.query_one("#fu-minutes-text", TextArea).focus()
        self.load(first=True)

    @property
    def gm(self) -> GmassistApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def text(self) -> str:
        """The minutes as typed now."""
        return self.query_one("#fu-minutes-text", TextArea).text

    # --- loading and saving (workers) ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="followups-minutes")
    def load(self, first: bool = False, save: str | None = None) -> None:
        """Read the minutes (after saving `save` as their text, when given) and the resolutions."""
        try:
            store = _store(self.gm)
            if save is not None:
                mn.save_minutes(store, self.meeting, save)
            directory = fu.load_directory(store)
            minutes = mn.load_minutes(store, self.meeting, directory)
        except GmassistError as exc:
            self.app.call_from_thread(self.failed, str(exc), first)
            return
        self.app.call_from_thread(self.loaded, directory, minutes, first)

    def loaded(self, directory: fu.Directory, minutes: mn.Minutes, first: bool) -> None:
        """Show what was read; the text only the first time (later the user's typing stays)."""
        self.directory = directory
        self.minutes = minutes
        if first:
            self.query_one("#fu-minutes-text", TextArea).text = minutes.text
            self._saved_text = minutes.text
        elif minutes.minutes_id is not None:
            self._saved_text = minutes.text
        self.query_one("#fu-minutes-error", Static).update("")
        self.query_one("#fu-minutes-status", Static).update(self._status_text(minutes))
        self.query_one("#fu-minutes-arising", Static).update(self._arising_text(minutes))

    def failed(self, message: str, first: bool) -> None:
        """Say what went wrong; a first load that fails closes the editor."""
        if first:
            self.app.notify(message, severity="error")
            self.dismiss(None)
        else:
            self.query_one("#fu-minutes-error", Static).update(message)

    def _status_text(self, minutes: mn.Minutes) -> Text:
        text = Text(_("Resolutions"), style="bold")
        text.append("\n" + minutes.summary() + "\n")
        for resolution in minutes.resolutions:
            text.append(f"\n• {resolution.title}\n", style="")
            details = [resolution.status_text]
            if resolution.owner:
                details.append(resolution.owner)
            if resolution.due:
                details.append(_("due {date}").format(date=resolution.due.isoformat()))
            text.append("  " + " · ".join(details), style="dim")
        return text

    def _arising_text(self, minutes: mn.Minutes) -> Text:
        if not minutes.matters_arising:
            return Text("")
        text = Text(_("Matters arising"), style="bold")
        for resolution in minutes.matters_arising:
            text.append(f"\n• {resolution.title}\n")
            details = [resolution.status_text]
            if resolution.owner:
                details.append(resolution.owner)
            if resolution.due:
                details.append(_("due {date}").format(date=resolution.due.isoformat()))
            text.append("  " + " · ".join(details), style="dim")
        return text

    # --- keys --------------------------------------------------------------------------------------

    def action_save(self) -> None:
        """Save the minutes."""
        self.load(save=self.text)

    def action_resolution(self) -> None:
        """Make the line under the cursor a follow-up of this meeting (saving the minutes first)."""
        area = self.query_one("#fu-minutes-text", TextArea)
        line = area.document.get_line(area.cursor_location[0])
        self._plan(self.text, line)

    @work(thread=True, exclusive=True, group="followups-minutes")
    def _plan(self, text: str, line: str) -> None:
        try:
            store = _store(self.gm)
            if self.minutes is None or self.minutes.minutes_id is None or text != self._saved_text:
                mn.save_minutes(store, self.meeting, text)
                self._saved_text = text
            directory = fu.load_directory(store)
            minutes = mn.load_minutes(store, self.meeting, directory)
            self.app.call_from_thread(self.loaded, directory, minutes, False)
            plan = mn.plan_resolution(store, minutes, line, directory, self.gm.clock.now())
        except GmassistError as exc:
            self.app.call_from_thread(self.failed, str(exc), False)
            return
        self.app.call_from_thread(self._ask_owner, plan)

    def _ask_owner(self, plan: fu.QuickPlan) -> None:
        def proceed(owner: fu.PersonInfo | None, add_new_owner: bool) -> None:
            self._add(plan, owner, add_new_owner)

        ask_owner(self.app, plan, self.directory.departments, proceed)

    @work(thread=True, exclusive=True, group="followups-minutes")
    def _add(self, plan: fu.QuickPlan, owner: fu.PersonInfo | None, add_new_owner: bool) -> None:
        try:
            store = _store(self.gm)
            assert self.minutes is not None
            saved = mn.add_resolution(
                store,
                self.minutes,
                plan,
                self.gm.settings.followups,
                owner=owner,
                add_new_owner=add_new_owner,
            )
            directory = fu.load_directory(store)
            minutes = mn.load_minutes(store, self.meeting, directory)
        except GmassistError as exc:
            self.app.call_from_thread(self.failed, str(exc), False)
            return
        self.app.call_from_thread(self.loaded, directory, minutes, False)
        message = _("Resolution recorded as a follow-up: {title}").format(title=plan.parsed.title)
        if saved.person_added:
            message += "\n" + _("Added {name} to the people list.").format(name=saved.person_added)
        self.app.call_from_thread(self.app.notify, message)

    def action_close(self) -> None:
        """Close at once; what changed is saved in the background (a failure is notified)."""
        text, meeting, app = self.text, self.meeting, self.gm
        if text != self._saved_text:

            def save() -> None:
                try:
                    mn.save_minutes(_store(app), meeting, text)
                except GmassistError as exc:
                    app.call_from_thread(app.notify, str(exc), severity="error")

            app.run_worker(save, thread=True, group="followups-minutes-save")
        self.dismiss(None)
