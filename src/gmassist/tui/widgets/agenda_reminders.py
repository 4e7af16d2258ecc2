"""Reminders while the app runs: every half minute, the reminders that rang since the last look become
notifications ("in 15 min: 与财务总监讨论 15:00 @3号会议室"). `gmassist remind` does the same for cron.

Started by the app once the store is open; each look runs in a thread worker.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from gmassist.errors import GmassistError
from gmassist.i18n import _

if TYPE_CHECKING:
    from gmassist.domain.agenda_view import Reminder
    from gmassist.tui.app import GmassistApp

CHECK_SECONDS = 30.0
"""How often the reminders are looked at."""


class ReminderWatch:
    """Looks for due reminders every CHECK_SECONDS and notifies each once."""

    def __init__(self, app: GmassistApp) -> None:
        self.app = app
        self.last: datetime = app.clock.now()
        """Reminders ringing before this were already shown (or rang before the app started)."""

    def start(self) -> None:
        """Look every CHECK_SECONDS from now on."""
        self.app.set_interval(CHECK_SECONDS, self.check, name="agenda-reminders")

    def check(self) -> None:
        """Look now (in a worker)."""
        if self.app.store is None:
            return
        since, until = self.last, self.app.clock.now()
        if until <= since:
            return
        self.last = until
        self.app.run_worker(lambda: self._look(since, until), thread=True, group="agenda-reminders")

    def _look(self, since: datetime, until: datetime) -> None:
        from gmassist.services import agenda as service

        store = self.app.store
        if store is None:
            return
        try:
            due = service.reminders_between(store, since, until)
            rows = service.rows_for(store, [reminder.occurrence for reminder in due])
        except GmassistError:
            return
        for reminder in due:
            row = rows.get(reminder.occurrence.event_id)
            place = row.location if row is not None else ""
            self.app.call_from_thread(self._ring, reminder, place)

    def _ring(self, reminder: Reminder, place: str) -> None:
        o = reminder.occurrence
        zone = self.app.zone
        start = o.start.astimezone(zone)
        where = f" @{place}" if place else ""
        self.app.notify(
            _("In {minutes} min: {title} {time}{where}").format(
                minutes=reminder.minutes, title=o.title, time=f"{start:%H:%M}", where=where
            ),
            title=_("Reminder"),
            timeout=60,
        )
