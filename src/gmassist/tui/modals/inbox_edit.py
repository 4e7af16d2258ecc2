"""The document's details, set by hand: title, 文号, type, from and to, reply-by, 密级, 紧急程度, department
and notes. Type, department and urgency set here stick: classification rules leave them alone after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static, TextArea

from gmassist.domain.inbox import DocType, Urgency
from gmassist.i18n import _
from gmassist.tui.modals.inbox_prompt import CSS, level_options

if TYPE_CHECKING:
    from gmassist.services.inbox import DocumentDetail


class EditModal(ModalScreen[dict[str, Any] | None]):
    """Edits a document's fields; dismisses with the changed fields only (None when cancelled)."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="inbox.edit.save"),
        Binding("escape", "cancel", _("Cancel"), id="inbox.edit.cancel"),
    ]

    def __init__(self, detail: DocumentDetail, departments: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.detail = detail
        self.departments = list(departments)

    def compose(self) -> ComposeResult:
        d = self.detail
        with Vertical(classes="ib-dialog -wide"):
            yield Label(_("Edit the document"), classes="ib-title")
            with VerticalScroll():
                yield Label(_("Title"), classes="ib-label")
                yield Input(d.title, id="ib-edit-title")
                with Horizontal(classes="ib-row"):
                    with Vertical():
                        yield Label(_("Number (文号)"), classes="ib-label")
                        yield Input(d.number, id="ib-edit-number")
                    with Vertical():
                        yield Label(_("Type"), classes="ib-label")
                        yield Select(
                            [(_(t.label), t.value) for t in DocType],
                            value=d.doc_type if d.doc_type in set(DocType) else DocType.OTHER.value,
                            allow_blank=False,
                            id="ib-edit-type",
                        )
                with Horizontal(classes="ib-row"):
                    with Vertical():
                        yield Label(_("From"), classes="ib-label")
                        yield Input(d.sender, id="ib-edit-sender")
                    with Vertical():
                        yield Label(_("To"), classes="ib-label")
                        yield Input(d.recipients, id="ib-edit-recipients")
                with Horizontal(classes="ib-row"):
                    with Vertical():
                        yield Label(_("Security level (密级)"), classes="ib-label")
                        yield Select(
                            level_options(), value=d.security_level, allow_blank=False, id="ib-edit-level"
                        )
                    with Vertical():
                        yield Label(_("Urgency (紧急程度)"), classes="ib-label")
                        yield Select(
                            [(_(u.label), u.value) for u in Urgency],
                            value=d.urgency if d.urgency in set(Urgency) else Urgency.NORMAL.value,
                            allow_blank=False,
                            id="ib-edit-urgency",
                        )
                with Horizontal(classes="ib-row"):
                    with Vertical():
                        yield Label(_("Reply by (YYYY-MM-DD)"), classes="ib-label")
                        yield Input(d.reply_by.isoformat() if d.reply_by else "", id="ib-edit-reply-by")
                    with Vertical():
                        yield Label(_("Department"), classes="ib-label")
                        options = [(name, dept_id) for dept_id, name in self.departments]
                        known = {dept_id for dept_id, _name in self.departments}
                        yield Select(
                            options,
                            value=d.department_id if d.department_id in known else Select.BLANK,
                            prompt=_("None"),
                            id="ib-edit-department",
                        )
                yield Label(_("Notes"), classes="ib-label")
                yield TextArea(d.notes, id="ib-edit-notes", soft_wrap=True)
            yield Static("", classes="ib-error", id="ib-edit-error")
            yield Static(_("ctrl+s saves; Escape cancels."), classes="ib-keys")

    def on_mount(self) -> None:
        self.query_one("#ib-edit-title", Input).focus()

    def action_save(self) -> None:
        d = self.detail
        error = self.query_one("#ib-edit-error", Static)
        values: dict[str, Any] = {
            "title": self.query_one("#ib-edit-title", Input).value.strip(),
            "number": self.query_one("#ib-edit-number", Input).value.strip(),
            "doc_type": str(self.query_one("#ib-edit-type", Select).value),
            "sender": self.query_one("#ib-edit-sender", Input).value.strip(),
            "recipients": self.query_one("#ib-edit-recipients", Input).value.strip(),
            "security_level": str(self.query_one("#ib-edit-level", Select).value),
            "urgency": str(self.query_one("#ib-edit-urgency", Select).value),
            "notes": self.query_one("#ib-edit-notes", TextArea).text,
        }
        if not values["title"]:
            error.update(_("A document needs a title."))
            return
        raw = self.query_one("#ib-edit-reply-by", Input).value.strip()
        try:
            values["reply_by"] = date.fromisoformat(raw) if raw else None
        except ValueError:
            error.update(_("Write the reply-by date as YYYY-MM-DD."))
            return
        department = self.query_one("#ib-edit-department", Select).value
        values["department_id"] = department if isinstance(department, str) else None
        current = {
            "title": d.title,
            "number": d.number,
            "doc_type": d.doc_type,
            "sender": d.sender,
            "recipients": d.recipients,
            "security_level": d.security_level,
            "urgency": d.urgency,
            "notes": d.notes,
            "reply_by": d.reply_by,
            "department_id": d.department_id
            if d.department_id in {i for i, _n in self.departments}
            else None,
        }
        self.dismiss({name: value for name, value in values.items() if current.get(name) != value})

    def action_cancel(self) -> None:
        self.dismiss(None)
