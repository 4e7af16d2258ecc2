"""The department scorecard: on-time rate per department over a period, with what is still overdue."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.table import Table
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from gmassist.errors import GmassistError
from gmassist.i18n import N_, _
from gmassist.services import followups as fu
from gmassist.tui.modals.followup_pick import CSS

if TYPE_CHECKING:
    from gmassist.tui.app import GmassistApp

PERIODS: dict[str, str] = {
    "30d": N_("last 30 days"),
    "month": N_("this month"),
    "last_month": N_("last month"),
    "quarter": N_("this quarter"),
    "year": N_("this year"),
}
"""The periods the scorecard cycles through, with the English source of their names."""


def period_bounds(period: str, today: date) -> tuple[date, date]:
    """First and last day (both included) of `period` as of `today`."""
    if period == "month":
        return today.replace(day=1), today
    if period == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if period == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    if period == "year":
        return today.replace(month=1, day=1), today
    return today - timedelta(days=29), today


class FollowupScorecardModal(ModalScreen[None]):
    """Per department: finished, on time, late, the on-time rate, and overdue at the end of the period."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("right,p", "period(1)", _("Next period"), id="followups.scorecard.next"),
        Binding("left", "period(-1)", _("Previous period"), id="followups.scorecard.previous"),
        Binding("escape,q", "close", _("Close"), id="followups.scorecard.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period = "30d"

    def compose(self) -> ComposeResult:
        with Vertical(classes="fu-dialog", id="fu-scorecard-box"):
            yield Label(_("Department scorecard"), classes="fu-dialog-title", id="fu-scorecard-title")
            yield Static(_("Loading…"), id="fu-scorecard-table")
            yield Static(_("← → change the period · Escape close"), classes="fu-dialog-hint")

    def on_mount(self) -> None:
        self.load()

    def action_period(self, step: int) -> None:
        """Show the next or previous period."""
        keys = list(PERIODS)
        self.period = keys[(keys.index(self.period) + step) % len(keys)]
        self.load()

    @work(thread=True, exclusive=True, group="followups-scorecard")
    def load(self) -> None:
        """Compute the scorecard of the current period."""
        app: GmassistApp = self.app  # type: ignore[assignment]
        today = app.clock.now().astimezone(app.zone).date()
        start, end = period_bounds(self.period, today)
        store = app.store
        if store is None:
            return
        try:
            lines = fu.scorecard(store, start, end, fu.load_directory(store))
        except GmassistError as exc:
            app.call_from_thread(app.notify, str(exc), severity="error")
            return
        app.call_from_thread(self.show, lines, start, end)

    def show(self, lines: list[fu.ScoreLine], start: date, end: date) -> None:
        """Draw the table."""
        self.query_one("#fu-scorecard-title", Label).update(
            _("Department scorecard: {period} ({start} – {end})").format(
                period=_(PERIODS[self.period]), start=start.isoformat(), end=end.isoformat()
            )
        )
        table = Table(expand=True, box=None, pad_edge=False)
        table.add_column(_("Department"))
        for heading in (_("Finished"), _("On time"), _("Late"), _("On-time rate"), _("Overdue")):
            table.add_column(heading, justify="right")
        for line in lines:
            score = line.score
            rate = "—" if score.rate is None else f"{score.rate:.0%}"
            style = (
                "" if score.rate is None or score.rate >= 0.8 else ("yellow" if score.rate >= 0.5 else "red")
            )
            table.add_row(
                line.department,
                str(score.done),
                str(score.on_time),
                str(score.late),
                rate,
                str(score.overdue),
                style=style,
            )
        self.query_one("#fu-scorecard-table", Static).update(
            table if lines else _("Nothing finished or overdue in this period.")
        )

    def action_close(self) -> None:
        self.dismiss(None)
