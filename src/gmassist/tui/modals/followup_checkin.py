"""Check in on follow-ups (what was learnt, when to look again, maybe a new status), and give them a new
due date. Both dialogs work on one follow-up or a selection, and refuse a date they cannot read, or a
check-in after a due date until Save is pressed a second time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from gmassist.domain import followups as rules
from gmassist.domain.agenda_view import read_date
from gmassist.errors import InvalidInput
from gmassist.i18n import _
from gmassist.tui.modals.followup_pick import CSS


@dataclass(frozen=True)
class CheckInResult:
    """A check-in to record on every chosen follow-up."""

    note: str
    next_check_in: date | None
    status: str | None
    """A new status, or None to leave it."""
    confirmed: bool
    """A next check-in after a due date was confirmed."""


def _late(check_in: date | None, dues: Sequence[date | None]) -> date | None:
    """The earliest due date that `check_in` falls after (None when it falls after none)."""
    late = [due for due in dues if check_in is not None and due is not None and check_in > due]
    return min(late) if late else None


class FollowupCheckInModal(ModalScreen[CheckInResult | None]):
    """跟进: what was learnt and the next check-in, for `count` follow-ups due on `dues`."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="followups.check_in.save"),
        Binding("escape", "cancel", _("Cancel"), id="followups.check_in.cancel"),
    ]

    def __init__(
        self, count: int, dues: Sequence[date | None], statuses: Sequence[str], now: datetime
    ) -> None:
        super().__init__()
        self.count = count
        self.dues = list(dues)
        self.statuses = list(statuses)
        self.now = now
        self._confirm_pending = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="fu-dialog", id="fu-check-in-box"):
            title = _("Check in") if self.count == 1 else _("Check in on {n} follow-ups").format(n=self.count)
            yield Label(title, classes="fu-dialog-title")
            yield Horizontal(
                Label(_("What was learnt")),
                Input(placeholder=_("已电话确认，周五前提交"), id="fu-ci-note", compact=True),
                classes="fu-form-row",
            )
            yield Horizontal(
                Label(_("Next check-in")),
                Input(
                    placeholder=_("2026-12-01, 下周一, in 3 days (empty: none)"),
                    id="fu-ci-next",
                    compact=True,
                ),
                classes="fu-form-row",
            )
            yield Horizontal(
                Label(_("Status")),
                Select(
                    [(rules.status_label(s), s) for s in self.statuses],
                    prompt=_("(unchanged)"),
                    id="fu-ci-status",
                    compact=True,
                ),
                classes="fu-form-row",
            )
            yield Static("", classes="fu-dialog-error", id="fu-ci-error")
            yield Static(_("Enter or ctrl+s save · Escape cancel"), classes="fu-dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#fu-ci-note", Input).focus()

    @on(Input.Changed)
    def edited(self) -> None:
        self._confirm_pending = False

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """Check the dates; hand the check-in back, or say what is wrong and stay."""
        error = self.query_one("#fu-ci-error", Static)
        try:
            next_check_in = read_date(self.query_one("#fu-ci-next", Input).value, self.now, "next_check_in")
        except InvalidInput as exc:
            error.update(str(exc))
            self.query_one("#fu-ci-next", Input).focus()
            return
        late = _late(next_check_in, self.dues)
        if late is not None and not self._confirm_pending:
            self._confirm_pending = True
            error.update(
                _(
                    "The next check-in ({check_in}) is after the due date ({due}). Press Enter again to keep it."
                ).format(check_in=next_check_in, due=late)
            )
            return
        status = self.query_one("#fu-ci-status", Select).value
        self.dismiss(
            CheckInResult(
                self.query_one("#fu-ci-note", Input).value,
                next_check_in,
                None if status == Select.NULL else str(status),
                late is not None,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class DueResult:
    """A new due date for every chosen follow-up."""

    due: date | None
    confirmed: bool


class FollowupDueModal(ModalScreen[DueResult | None]):
    """A new due date for `count` follow-ups whose next check-ins are `check_ins`."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="followups.due.save"),
        Binding("escape", "cancel", _("Cancel"), id="followups.due.cancel"),
    ]

    def __init__(
        self, count: int, check_ins: Sequence[date | None], now: datetime, current: date | None = None
    ) -> None:
        super().__init__()
        self.count = count
        self.check_ins = list(check_ins)
        self.now = now
        self.current = current
        self._confirm_pending = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="fu-dialog", id="fu-due-box"):
            yield Label(
                _("New due date")
                if self.count == 1
                else _("New due date for {n} follow-ups").format(n=self.count),
                classes="fu-dialog-title",
            )
            yield Input(
                self.current.isoformat() if self.current else "",
                placeholder=_("2026-12-05, 周五, next friday (empty: none)"),
                id="fu-due-input",
                compact=True,
            )
            yield Static("", classes="fu-dialog-error", id="fu-due-error")
            yield Static(_("Enter save · Escape cancel"), classes="fu-dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#fu-due-input", Input).focus()

    @on(Input.Changed)
    def edited(self) -> None:
        self._confirm_pending = False

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """Check the date; hand it back, or say what is wrong and stay."""
        error = self.query_one("#fu-due-error", Static)
        try:
            due = read_date(self.query_one("#fu-due-input", Input).value, self.now, "due")
        except InvalidInput as exc:
            error.update(str(exc))
            return
        late = [c for c in self.check_ins if c is not None and due is not None and c > due]
        if late and not self._confirm_pending:
            self._confirm_pending = True
            error.update(
                _(
                    "A next check-in ({check_in}) is after this due date. Press Enter again to keep it."
                ).format(check_in=max(late))
            )
            return
        self.dismiss(DueResult(due, bool(late)))

    def action_cancel(self) -> None:
        self.dismiss(None)
