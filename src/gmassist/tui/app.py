"""The Textual app: opens the store off the event loop, then runs the five screens as MODES.

Store I/O and crypto run in thread workers; handlers on the event loop only change state.
"""

from __future__ import annotations

import gc
import importlib
import os
import signal
import threading
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.errors import GmassistError, NeedSecret
from gmassist.i18n import _
from gmassist.tui.screens.help import HelpScreen
from gmassist.tui.screens.modes import MODE_SCREENS
from gmassist.tui.screens.unlock import UnlockScreen
from gmassist.tui.writes import Write, WriteQueue

if TYPE_CHECKING:
    from gmassist.store.store import Store

IDLE_CHECK_SECONDS = 15.0
INTEGRITY_DELAY_SECONDS = 2.0
WARM_MODULES = tuple(
    f"gmassist.services.{name}"
    for name in ("agenda", "board", "brief", "capture", "followups", "inbox", "inbox_files", "minutes")
)
"""The services the screens import when first used (see `GmassistApp.warm_up`)."""


class OpeningScreen(Screen[None]):
    """Shown when the store cannot be opened, with the reason."""

    BINDINGS = [Binding("ctrl+q", "app.quit", _("Quit"), id="opening.quit")]

    def compose(self) -> ComposeResult:
        yield Static("", id="opening")

    def show(self, message: str) -> None:
        """Replace the waiting text by `message`."""
        self.query_one("#opening", Static).update(message)


class GmassistApp(App[int]):
    """gmassist: Today, Agenda, Inbox, Follow-ups and Boards over one encrypted store."""

    TITLE = "gmassist"
    CSS_PATH = Path(__file__).parent / "app.tcss"
    MODES = dict(MODE_SCREENS)
    BINDINGS = [
        Binding("1", "show_mode('today')", _("Today"), id="app.today", tooltip=_("Today's triage")),
        Binding(
            "2", "show_mode('agenda')", _("Agenda"), id="app.agenda", tooltip=_("The manager's schedule")
        ),
        Binding("3", "show_mode('inbox')", _("Inbox"), id="app.inbox", tooltip=_("Documents taken in")),
        Binding(
            "4",
            "show_mode('followups')",
            _("Follow-ups"),
            id="app.followups",
            tooltip=_("Tracked instructions"),
        ),
        Binding("5", "show_mode('board')", _("Boards"), id="app.board", tooltip=_("Project boards")),
        Binding("question_mark", "help", _("Help"), id="app.help", tooltip=_("Every key of this screen")),
        Binding(
            "ctrl+o",
            "unlock_confidential",
            _("Unlock"),
            id="app.unlock",
            tooltip=_("Show confidential items"),
        ),
        Binding("ctrl+l", "lock", _("Lock"), id="app.lock", tooltip=_("Hide confidential items again")),
        Binding("ctrl+z", "undo", _("Undo"), id="app.undo", tooltip=_("Undo the last change")),
        Binding(
            "ctrl+b", "brief", _("Brief"), id="app.brief", tooltip=_("This week's brief for the manager")
        ),
        Binding("ctrl+q", "quit", _("Quit"), id="app.quit", tooltip=_("Leave gmassist")),
    ]

    status_text: reactive[str] = reactive("")
    """The status line's text (store, lock state, counts)."""

    def __init__(
        self,
        store_root: Path,
        settings: Settings,
        clock: Clock,
        *,
        passphrase: str | None = None,
        config_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.store_root = store_root
        self.settings = settings
        self.clock = clock
        self.zone = clock.now().tzinfo
        """The zone times are shown in."""
        self.initial_passphrase = passphrase
        self.config_path = config_path
        """Where the chosen theme is remembered (None: not remembered)."""
        self.store: Store | None = None
        self.last_activity = clock.now()
        """When the user last pressed a key or clicked; drives the idle lock."""
        self.counts: dict[str, int] = {}
        self.writes = WriteQueue(self)
        """Changes shown at once and stored afterwards, in order (the board's moves); undo joins it."""
        self._integrity = _("integrity not checked yet")
        self.warmed = threading.Event()
        """Set once `warm_up` has run (benchmarks wait for it, to measure the app as the user meets it)."""
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        if settings.keymap:
            self.set_keymap(settings.keymap)

    # --- opening ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        # Today is up and answering keys at once; its rows arrive when the store is open.
        self.switch_mode("today")
        self.open_store(self.initial_passphrase)

    @work(thread=True, exclusive=True, group="store")
    def open_store(self, passphrase: str | None) -> None:
        """Open the store in a thread (imports, key unwrapping and SQLCipher all take time)."""
        from gmassist import services

        try:
            store = services.open_store(
                self.store_root, self.settings, self.clock, passphrase=passphrase, check=False
            )
        except NeedSecret as exc:
            self.call_from_thread(self.ask_store_passphrase, str(exc))
        except GmassistError as exc:
            self.call_from_thread(self.cannot_open, str(exc))
        else:
            self.call_from_thread(self.store_opened, store)

    def ask_store_passphrase(self, reason: str) -> None:
        """Show the unlock screen; it tries each passphrase in a worker until one opens."""
        from gmassist import services

        opened: list[Store] = []

        def attempt(passphrase: str) -> None:
            opened.append(
                services.open_store(
                    self.store_root, self.settings, self.clock, passphrase=passphrase, check=False
                )
            )

        def done(ok: bool | None) -> None:
            if ok and opened:
                self.store_opened(opened[-1])
            else:
                self.exit(2, message=_("The store stays locked."))

        self.push_screen(UnlockScreen(_("Unlock the store"), attempt, hint=reason), done)

    def cannot_open(self, message: str) -> None:
        """Say why the store cannot open; the user can only quit."""
        screen = OpeningScreen()
        self.push_screen(screen, wait_for_dismiss=False)
        self.call_after_refresh(screen.show, f"{message}\n\n{_('Press ctrl+q to quit.')}")
        self.notify(message, severity="error", timeout=30)

    def store_opened(self, store: Store) -> None:
        """The store is open: show Today, then check its integrity in the background."""
        self.store = store
        self.last_activity = self.clock.now()
        self.refresh_bindings()
        self.refresh_screen()
        self._write_pidfile()
        self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_lock, name="idle-lock")
        # The full integrity check reads every page: start it once the first screen has its rows.
        self.set_timer(INTEGRITY_DELAY_SECONDS, self.check_integrity, name="integrity")
        self.set_timer(INTEGRITY_DELAY_SECONDS, self.warm_up, name="warm-up")
        from gmassist.tui.screens.inbox import InboxWatcher

        self.inbox_watcher = InboxWatcher(self)
        """Takes in files dropped into the inbox's watched folder while the app runs."""
        self.inbox_watcher.start()
        from gmassist.tui.widgets.agenda_reminders import ReminderWatch

        self.reminders = ReminderWatch(self)
        """Rings the agenda's reminders while the app runs."""
        self.reminders.start()

    @work(thread=True, exclusive=True, group="integrity")
    def check_integrity(self) -> None:
        """Run the full integrity check; a damaged store becomes read-only and says so."""
        from gmassist.store import db

        store = self.store
        assert store is not None
        problems = db.check_integrity(store.engine)
        self.call_from_thread(self.integrity_checked, problems)

    @work(thread=True, exclusive=True, group="warm-up")
    def warm_up(self) -> None:
        """Import what the other screens read through while the user reads Today, so that a screen's first
        visit is not slower than the next ones (the inbox's services alone take about 50 ms to import).

        Then hand what exists now (modules, classes, the store's engine: it lives as long as the app) to
        `gc.freeze`, out of the collector's reach: a full collection walked all of it, stopping the app for
        up to 90 ms at random moments (a keystroke); now its passes take a few milliseconds.
        """
        for name in WARM_MODULES:
            importlib.import_module(name)
        gc.freeze()
        self.warmed.set()

    def integrity_checked(self, problems: list[str]) -> None:
        if self.store is None:
            return
        if problems:
            self.store.damage = problems
            self._integrity = _("DAMAGED, read-only")
            self.notify(
                _("The store is damaged and opened read-only: {detail}. Run `gmassist doctor`.").format(
                    detail=problems[0]
                ),
                severity="error",
                timeout=30,
            )
        else:
            self._integrity = ""
        self.refresh_status()

    # --- status ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="status")
    def refresh_status(self) -> None:
        """Recount the records and rebuild the status line."""
        from gmassist.store.queries import counts

        if self.store is None:
            return
        try:
            self.counts = counts(self.store)
        except Exception as exc:  # the status line must never take the app down
            self.counts = {}
            self.call_from_thread(self.notify, str(exc), severity="error")
        self.call_from_thread(self._set_status)

    def _set_status(self) -> None:
        store = self.store
        if store is None:
            return
        lock = _("🔓 confidential unlocked") if store.confidential_unlocked else _("🔒 confidential locked")
        state = _("store read-only") if store.read_only else _("store open")
        parts = [str(store.paths.root), state, lock]
        if self.counts:
            parts.append(
                _("{events} events · {docs} documents · {followups} follow-ups · {cards} cards").format(
                    events=self.counts.get("event", 0),
                    docs=self.counts.get("document", 0),
                    followups=self.counts.get("followup", 0),
                    cards=self.counts.get("card", 0),
                )
            )
        if self._integrity:
            parts.append(self._integrity)
        self.status_text = "  ·  ".join(parts)

    def refresh_screen(self) -> None:
        """Reload the current list (after unlock, lock or undo)."""
        refresh = getattr(self.screen, "refresh_records", None)
        if callable(refresh):
            refresh()
        self.refresh_status()

    # --- actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that need an open store are greyed out until it is open."""
        if (
            action in ("show_mode", "unlock_confidential", "lock", "undo", "help", "brief")
            and self.store is None
        ):
            return None if action == "help" else False
        if self.store is not None:
            if action == "unlock_confidential" and self.store.confidential_unlocked:
                return None
            if action == "lock" and not self.store.confidential_unlocked:
                return None
        return True

    def action_show_mode(self, mode: str) -> None:
        """Switch to one of the five screens."""
        if self.store is not None:
            self.switch_mode(mode)

    def action_help(self) -> None:
        """Show every key of the current screen."""
        rows = []
        for _key, active in self.screen.active_bindings.items():
            binding = active.binding
            if binding.description:
                rows.append((self.get_key_display(binding), binding.description, binding.tooltip or ""))
        self.push_screen(HelpScreen(sorted(set(rows), key=lambda row: row[0])))

    def action_open_minutes(self, event_id: str, occurrence: str = "") -> None:
        """Write the minutes of a meeting and turn its resolutions into follow-ups. Other screens bind the
        action `app.open_minutes('<event id>', '<original start, ISO>')` or call this method; without the
        occurrence, a series opens at its latest sitting that has begun."""
        if self.store is not None:
            from gmassist.tui.modals.followup_minutes import open_minutes

            open_minutes(self, event_id, occurrence or None)

    def action_unlock_confidential(self) -> None:
        """Unlock confidential items: the keyring answers, or the passphrase is asked."""
        store = self.store
        if store is None:
            return
        if store.confidential_needs_passphrase():
            self._ask_confidential_passphrase(_("Confidential items have their own key."))
        else:
            self._unlock_with_keyring()

    @work(thread=True, exclusive=True, group="confidential")
    def _unlock_with_keyring(self) -> None:
        from gmassist import services

        assert self.store is not None
        try:
            services.unlock_confidential(self.store)
        except NeedSecret as exc:
            self.call_from_thread(self._ask_confidential_passphrase, str(exc))
        except GmassistError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
        else:
            self.call_from_thread(self.confidential_unlocked)

    def _ask_confidential_passphrase(self, hint: str) -> None:
        from gmassist import services

        store = self.store
        assert store is not None

        def done(ok: bool | None) -> None:
            if ok:
                self.confidential_unlocked()

        self.push_screen(
            UnlockScreen(
                _("Unlock confidential items"),
                partial(lambda p: services.unlock_confidential(store, p)),
                hint=hint,
            ),
            done,
        )

    def confidential_unlocked(self) -> None:
        """Confidential items are readable now; they lock again after the idle time."""
        self.last_activity = self.clock.now()
        self.notify(
            _("Confidential items unlocked; they lock after {n} idle minutes.").format(
                n=self.settings.idle_lock_minutes
            )
        )
        self.refresh_bindings()
        self.refresh_screen()

    def action_lock(self) -> None:
        """Lock confidential items now and truncate the WAL."""
        self.lock(_("Confidential items locked."))

    def lock(self, message: str) -> None:
        """Forget the confidential key, truncate the WAL, redraw masked."""
        if self.store is None:
            return
        self.store.lock_confidential()
        self._checkpoint()
        self.notify(message)
        self.refresh_bindings()
        self.refresh_screen()

    @work(thread=True, group="checkpoint")
    def _checkpoint(self) -> None:
        if self.store is not None:
            self.store.checkpoint()

    def check_idle_lock(self) -> None:
        """Lock confidential items once the user has been idle for the configured minutes."""
        store = self.store
        if store is None or not store.confidential_unlocked:
            return
        idle = self.clock.now() - self.last_activity
        if idle >= timedelta(minutes=self.settings.idle_lock_minutes):
            self.lock(
                _("Confidential items locked after {n} idle minutes.").format(
                    n=self.settings.idle_lock_minutes
                )
            )

    def action_brief(self) -> None:
        """Show this week's brief (written to a file with `w`)."""
        from gmassist.tui.screens.brief import BriefScreen

        if self.store is not None:
            self.push_screen(BriefScreen())

    def action_undo(self) -> None:
        """Undo the last change: queued behind the changes not stored yet, so it undoes the one made last."""
        self.writes.submit(Write(lambda store: store.undo(), done=self._undone))

    def _undone(self, label: str | None) -> None:
        self.notify(_("Nothing to undo.") if label is None else _("Undone: {label}").format(label=label))
        self.refresh_screen()

    # --- input, palette, theme --------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Every key press or click counts as activity for the idle lock."""
        if isinstance(event, events.Key | events.MouseDown):
            self.last_activity = self.clock.now()
        await super().on_event(event)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette: Textual's own commands plus every keyed action, named 'area: verb'."""
        yield from super().get_system_commands(screen)
        area = getattr(screen, "area", "") or "gmassist"
        seen = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.id in seen or not active.enabled:
                continue
            seen.add(binding.id)
            owner = "gmassist" if active.node is self else area
            yield SystemCommand(
                f"{owner}: {binding.description}",
                binding.tooltip or binding.description,
                partial(self.run_action, binding.action, active.node),
            )

    def watch_theme(self, theme: str) -> None:
        """Remember the chosen theme in the config file."""
        if self.config_path is not None and self.is_running and theme != self.settings.theme:
            from gmassist.config import remember

            remember(self.config_path, "theme", theme)

    # --- lifecycle -------------------------------------------------------------------------------

    def _write_pidfile(self) -> None:
        """Let `gmassist lock` find this process; SIGUSR1 then locks."""
        if self.store is None or not hasattr(signal, "SIGUSR1"):
            return
        pidfile = self.store.paths.pidfile
        fd = os.open(pidfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(str(os.getpid()))
        try:
            import asyncio

            asyncio.get_running_loop().add_signal_handler(
                signal.SIGUSR1, lambda: self.lock(_("Locked on request (gmassist lock)."))
            )
        except (RuntimeError, NotImplementedError, ValueError):
            pass

    def on_unmount(self) -> None:
        """What `warm_up` froze is the collector's again (another app may run in this process: tests)."""
        gc.unfreeze()

    async def action_quit(self) -> None:
        self.close_store()
        self.exit(0)

    def close_store(self) -> None:
        """Lock, truncate the WAL, close connections and remove the pidfile."""
        store, self.store = self.store, None
        if store is None:
            return
        try:
            if store.paths.pidfile.exists() and store.paths.pidfile.read_text().strip() == str(os.getpid()):
                store.paths.pidfile.unlink()
        except OSError:
            pass
        store.close()


def run_app(store_root: Path, settings: Settings, clock: Clock, *, passphrase: str | None = None) -> int:
    """Run the app full screen; returns its exit code."""
    from gmassist import paths

    app = GmassistApp(store_root, settings, clock, passphrase=passphrase, config_path=paths.config_file())
    try:
        result = app.run()
    finally:
        app.close_store()
    return int(result or app.return_code or 0)
