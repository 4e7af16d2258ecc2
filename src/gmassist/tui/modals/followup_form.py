"""The follow-up form: every field of one follow-up, checked before it is handed back.

The dialog refuses what cannot be saved (a date it cannot read, an empty title, a repetition it cannot
read) with a message under the fields, and keeps the dialog open; a next check-in after the due date is
refused until Save is pressed a second time (it is sometimes the plan). Saving itself is the screen's job,
in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from gmassist.domain.agenda_view import read_date
from gmassist.domain.followups import InvalidFollowUp
from gmassist.errors import InvalidInput
from gmassist.i18n import _
from gmassist.services import followups as fu
from gmassist.tui.modals.followup_pick import CSS, person_label


@dataclass(frozen=True)
class FormResult:
    """What the form hands back: the follow-up to save and whether a late check-in was confirmed."""

    draft: fu.Draft
    confirmed: bool


class FollowupFormModal(ModalScreen[FormResult | None]):
    """New or edit: the fields of a follow-up. ctrl+s saves (hands the draft back), Escape cancels."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="followups.form.save", tooltip=_("Check and save")),
        Binding("escape", "cancel", _("Cancel"), id="followups.form.cancel"),
    ]

    FIELDS = {
        "title": "#fu-title",
        "owner": "#fu-owner",
        "department_id": "#fu-department",
        "due": "#fu-due",
        "next_check_in": "#fu-check-in",
        "priority": "#fu-priority",
        "source_kind": "#fu-source",
        "rrule": "#fu-rrule",
    }
    """Which widget to focus when a field is refused (keys are the errors' `field`)."""

    def __init__(self, directory: fu.Directory, now: datetime, draft: fu.Draft | None = None) -> None:
        super().__init__()
        self.directory = directory
        self.now = now
        self.draft = draft
        self.editing = draft is not None
        self._confirm_pending = False

    def compose(self) -> ComposeResult:
        draft = self.draft or fu.Draft(title="")
        people = sorted(
            (p for p in self.directory.people.values() if p.readable), key=lambda p: p.name.casefold()
        )
        departments = sorted(self.directory.departments.items(), key=lambda item: item[1].casefold())

        def row(label: str, widget: Any) -> Horizontal:
            return Horizontal(Label(label), widget, classes="fu-form-row")

        with VerticalScroll(classes="fu-dialog", id="fu-form-box"):
            yield Label(
                _("Edit follow-up") if self.editing else _("New follow-up"), classes="fu-dialog-title"
            )
            yield row(
                _("What"), Input(draft.title, placeholder=_("what was asked"), id="fu-title", compact=True)
            )
            yield row(
                _("Owner"),
                Select(
                    [(person_label(p, self.directory.departments), p.id) for p in people],
                    prompt=_("(nobody yet)"),
                    value=draft.owner_id if draft.owner_id in self.directory.people else Select.NULL,
                    id="fu-owner",
                    compact=True,
                ),
            )
            yield row(
                _("Department"),
                Select(
                    [(name, key) for key, name in departments],
                    prompt=_("(none)"),
                    value=draft.department_id
                    if draft.department_id in self.directory.departments
                    else Select.NULL,
                    id="fu-department",
                    compact=True,
                ),
            )
            yield row(
                _("Requested by"),
                Input(draft.requested_by, placeholder=_("总经理"), id="fu-requested", compact=True),
            )
            yield row(
                _("Source"),
                Select(
                    [(_(label), key) for key, label in fu.SOURCE_KINDS.items()],
                    allow_blank=False,
                    value=draft.source_kind if draft.source_kind in fu.SOURCE_KINDS else "instruction",
                    id="fu-source",
                    compact=True,
                ),
            )
            yield row(
                _("Due"),
                Input(
                    _iso(draft.due), placeholder=_("2026-12-05, 周五, next friday"), id="fu-due", compact=True
                ),
            )
            yield row(
                _("Next check-in"),
                Input(
                    _iso(draft.next_check_in),
                    placeholder=_("when to look again"),
                    id="fu-check-in",
                    compact=True,
                ),
            )
            yield row(
                _("Priority"),
                Select(
                    [(_(label), value) for value, label in fu.PRIORITIES.items()],
                    allow_blank=False,
                    value=draft.priority if draft.priority in fu.PRIORITIES else 2,
                    id="fu-priority",
                    compact=True,
                ),
            )
            if not self.editing or draft.rrule:
                yield row(
                    _("Repeats"),
                    Input(
                        draft.rrule or "",
                        placeholder=_("每月5号, every month on the 5th (empty: once)"),
                        id="fu-rrule",
                        compact=True,
                    ),
                )
            yield row(
                _("Confidential"),
                Checkbox(_("confidential (保密)"), draft.confidential, id="fu-confidential", compact=True),
            )
            yield Label(_("Notes and evidence"))
            yield TextArea(draft.notes, id="fu-notes")
            yield Static("", classes="fu-dialog-error", id="fu-form-error")
            yield Static(_("ctrl+s save · Escape cancel"), classes="fu-dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#fu-title", Input).focus()

    @on(Select.Changed, "#fu-owner")
    def owner_chosen(self, event: Select.Changed) -> None:
        """The owner's department goes with them, unless one was chosen already."""
        person = self.directory.people.get(str(event.value)) if event.value != Select.NULL else None
        department = self.query_one("#fu-department", Select)
        if person is not None and person.department_id and department.value == Select.NULL:
            department.value = person.department_id

    @on(Input.Changed)
    def edited(self) -> None:
        """A change after a warning asks for confirmation again."""
        self._confirm_pending = False

    @on(Input.Submitted)
    def submitted(self) -> None:
        """Enter in a line field saves, like ctrl+s."""
        self.action_save()

    def collect(self, confirmed: bool) -> fu.Draft:
        """The draft the fields describe; InvalidInput (with `field`) when one cannot be read or saved."""
        owner = self.query_one("#fu-owner", Select).value
        department = self.query_one("#fu-department", Select).value
        rrule_inputs = self.query("#fu-rrule")
        rrule = fu.read_rrule(rrule_inputs.first(Input).value, self.now) if rrule_inputs else None
        draft = fu.Draft(
            title=self.query_one("#fu-title", Input).value,
            owner_id=None if owner == Select.NULL else str(owner),
            department_id=None if department == Select.NULL else str(department),
            requested_by=self.query_one("#fu-requested", Input).value,
            due=read_date(self.query_one("#fu-due", Input).value, self.now, "due"),
            next_check_in=read_date(self.query_one("#fu-check-in", Input).value, self.now, "next_check_in"),
            priority=int(str(self.query_one("#fu-priority", Select).value)),
            source_kind=str(self.query_one("#fu-source", Select).value),
            source_id=self.draft.source_id if self.draft else None,
            notes=self.query_one("#fu-notes", TextArea).text,
            confidential=self.query_one("#fu-confidential", Checkbox).value,
            rrule=rrule,
        )
        fu.check_draft(draft, self.now.date(), confirmed)
        return draft

    def action_save(self) -> None:
        """Check the fields; hand the draft back, or say what is wrong and stay."""
        error = self.query_one("#fu-form-error", Static)
        confirmed = self._confirm_pending
        try:
            draft = self.collect(confirmed)
        except InvalidFollowUp as exc:
            if exc.code == "checkin_after_due":
                self._confirm_pending = True
                error.update(_("{problem}. Press ctrl+s again to keep it.").format(problem=exc))
            else:
                error.update(str(exc))
            self._focus(exc.field)
            return
        except InvalidInput as exc:
            error.update(str(exc))
            self._focus(exc.field)
            return
        self.dismiss(FormResult(draft, confirmed))

    def _focus(self, field_name: str | None) -> None:
        selector = self.FIELDS.get(field_name or "")
        if selector and self.query(selector):
            self.query_one(selector).focus()

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""
