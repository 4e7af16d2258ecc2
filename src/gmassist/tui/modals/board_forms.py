"""The board's form windows: a card, a board (blank or from a template), its columns, a crisis log entry
and a crisis contact list.

Each form saves through a function it is given, run in a thread worker; when the store refuses (a
blocker on another board, a code already taken, a column that still holds cards) the window stays open
with the reason, so nothing typed is lost. Escape closes without saving; ctrl+s or Enter in a field saves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from gmassist.domain.agenda_view import read_date
from gmassist.domain.board import TEMPLATES
from gmassist.errors import GmassistError, InvalidInput
from gmassist.i18n import _, language
from gmassist.services.board import (
    KIND_LABELS,
    KINDS,
    STATUSES,
    BoardForm,
    BoardInfo,
    CardForm,
    CardInfo,
    ColumnForm,
    ColumnInfo,
    ContactForm,
    ContactInfo,
    parse_labels,
)

Saver = Callable[[Any], None]
"""Stores what the form read (called in a worker thread); raises a GmassistError to refuse."""

STATUS_LABELS = {
    "auto": _("auto (from overdue cards)"),
    "green": _("green"),
    "amber": _("amber"),
    "red": _("red"),
}
"""Status settings as shown."""


def row(label: str, field: Widget) -> Horizontal:
    """A form line: a label and its field."""
    return Horizontal(Label(label, classes="form-label"), field, classes="form-row")


class FormModal(ModalScreen[bool]):
    """A form in a box: fields, the reason of a refusal, Save and Cancel. Dismisses True once saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), id="board-form.cancel", tooltip=_("Close without saving")),
        Binding("ctrl+s", "save", _("Save"), id="board-form.save", tooltip=_("Save and close")),
    ]

    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal .form-box {
        width: 80; height: auto; max-height: 90%; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    FormModal .form-title { text-style: bold; margin-bottom: 1; }
    FormModal .form-row { height: auto; }
    FormModal .form-row Input, FormModal .form-row Select { width: 1fr; }
    FormModal .form-label { width: 16; padding: 1 1 0 0; color: $text-muted; }
    FormModal .form-hint { color: $text-muted; height: auto; margin-top: 1; }
    FormModal .form-error { color: $error; height: auto; }
    FormModal .form-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    FormModal .form-buttons Button { margin-left: 1; }
    FormModal TextArea { height: 6; }
    """

    hint: ClassVar[str] = ""
    """A line of help under the fields."""
    AUTO_FOCUS = "Input, Select, TextArea"
    """The first field has the focus (not the scrolling box)."""

    def __init__(self, title: str, saver: Saver) -> None:
        super().__init__()
        self.heading = title
        """The window's title."""
        self.saver = saver

    def day(self, selector: str, field: str) -> date | None:
        """The date typed into the input `selector` (empty: None; 2027-01-20, 周五, 下月1号...)."""
        now = self.app.clock.now()  # type: ignore[attr-defined]
        return read_date(self.query_one(selector, Input).value, now, field)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form-box"):
            yield Label(self.heading, classes="form-title")
            yield from self.fields()
            if self.hint:
                yield Static(self.hint, classes="form-hint")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="form-buttons"):
                yield Button(_("Save"), variant="primary", id="form-save")
                yield Button(_("Cancel"), id="form-cancel")

    def fields(self) -> ComposeResult:
        """The form's fields."""
        raise NotImplementedError

    def read(self) -> Any:
        """What the fields say, checked; InvalidInput for a field that cannot be read."""
        raise NotImplementedError

    def show_error(self, message: str) -> None:
        """Keep the window open with the reason."""
        self.query_one("#form-error", Static).update(message)
        self.query_one("#form-save", Button).disabled = False

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_save(self) -> None:
        """Read the fields and save them in a worker."""
        try:
            form = self.read()
        except InvalidInput as exc:
            self.show_error(str(exc))
            return
        self.query_one("#form-error", Static).update(_("Saving…"))
        self.query_one("#form-save", Button).disabled = True
        self._save(form)

    @work(thread=True, exclusive=True, group="board-form")
    def _save(self, form: Any) -> None:
        try:
            self.saver(form)
        except GmassistError as exc:
            self.app.call_from_thread(self.show_error, str(exc))
        else:
            self.app.call_from_thread(self.dismiss, True)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(False)


class CardModal(FormModal):
    """A new card, or the fields of one: title, owner, due date, labels, blocker, milestone, notes."""

    hint = _("Owner: a name (a new name adds the person). Blocked by: a card of this board, P3-12 or 12.")

    def __init__(
        self,
        title: str,
        saver: Saver,
        *,
        card: CardInfo | None = None,
        notes: str = "",
        people: Sequence[str] = (),
        labels: Sequence[str] = (),
    ) -> None:
        super().__init__(title, saver)
        self.card = card
        self.notes = notes
        self.people = list(people)
        self.labels = list(labels)

    def fields(self) -> ComposeResult:
        card = self.card
        yield row(_("Title"), Input(card.title if card else "", id="card-title"))
        yield row(
            _("Owner"),
            Input(
                card.owner_name if card else "",
                id="card-owner",
                suggester=SuggestFromList(self.people, case_sensitive=False),
            ),
        )
        yield row(
            _("Due"),
            Input(
                card.due.isoformat() if card and card.due else "",
                placeholder=_("2026-12-05, 周五, next friday"),
                id="card-due",
            ),
        )
        yield row(
            _("Labels"),
            Input(
                ", ".join(card.labels) if card else "",
                placeholder=", ".join(self.labels[:3]) or "vendor, VIP",
                id="card-labels",
            ),
        )
        yield row(
            _("Blocked by"),
            Input(card.blocker_short_id if card else "", placeholder="P3-12", id="card-blocked"),
        )
        yield row("", Checkbox(_("Milestone"), card.milestone if card else False, id="card-milestone"))
        yield row(_("Notes"), TextArea(self.notes, id="card-notes"))

    def read(self) -> CardForm:
        title = self.query_one("#card-title", Input).value
        if not title.strip():
            raise InvalidInput(_("A card needs a title"), field="title")
        return CardForm(
            title=title,
            owner=self.query_one("#card-owner", Input).value,
            due=self.day("#card-due", "due"),
            labels=parse_labels(self.query_one("#card-labels", Input).value),
            notes=self.query_one("#card-notes", TextArea).text,
            blocked_by=self.query_one("#card-blocked", Input).value,
            milestone=self.query_one("#card-milestone", Checkbox).value,
        )


class BoardDraft:
    """What the board window read: the board's fields and, for a new board, the template to lay it out."""

    def __init__(self, form: BoardForm, template: str | None) -> None:
        self.form = form
        """The board's fields."""
        self.template = template
        """annual_meeting, client_event, project_launch, crisis, or None for the standard columns only."""


class BoardModal(FormModal):
    """A new board (blank, or from a template laid out around the event date) or a board's fields."""

    hint = _("A template adds its columns and cards, due relative to the event date.")

    def __init__(
        self, title: str, saver: Saver, *, board: BoardInfo | None = None, people: Sequence[str] = ()
    ) -> None:
        super().__init__(title, saver)
        self.board = board
        self.people = list(people)

    def fields(self) -> ComposeResult:
        board = self.board
        lang = language()
        if board is None:
            options = [(template.name.pick(lang), key) for key, template in TEMPLATES.items()]
            yield row(
                _("Template"),
                Select(options, prompt=_("(blank board)"), id="board-template"),
            )
        yield row(_("Name"), Input(board.name if board else "", id="board-name"))
        yield row(
            _("Code"),
            Input(
                board.code if board else "", placeholder=_("automatic: the next P-number"), id="board-code"
            ),
        )
        yield row(
            _("Kind"),
            Select(
                [(_(KIND_LABELS[kind]), kind) for kind in KINDS],
                value=board.kind if board else "project",
                allow_blank=False,
                id="board-kind",
            ),
        )
        yield row(
            _("Owner"),
            Input(
                board.owner_name if board else "",
                id="board-owner",
                suggester=SuggestFromList(self.people, case_sensitive=False),
            ),
        )
        yield row(
            _("Event date"),
            Input(
                board.event_date.isoformat() if board and board.event_date else "",
                placeholder=_("2026-12-05, 周五, next friday"),
                id="board-event-date",
            ),
        )
        yield row(
            _("Start"), Input(board.start.isoformat() if board and board.start else "", id="board-start")
        )
        yield row(_("End"), Input(board.end.isoformat() if board and board.end else "", id="board-end"))
        yield row(
            _("Status"),
            Select(
                [(STATUS_LABELS[status], status) for status in STATUSES],
                value=board.status if board else "auto",
                allow_blank=False,
                id="board-status",
            ),
        )

    def read(self) -> BoardDraft:
        template: str | None = None
        if self.board is None:
            chosen = self.query_one("#board-template", Select).value
            template = chosen if isinstance(chosen, str) else None
        name = self.query_one("#board-name", Input).value
        event_date = self.day("#board-event-date", "event_date")
        if template is None and not name.strip():
            raise InvalidInput(_("A board needs a name"), field="name")
        if template is not None and event_date is None:
            raise InvalidInput(_("A template needs the event date"), field="event_date")
        kind = self.query_one("#board-kind", Select).value
        status = self.query_one("#board-status", Select).value
        form = BoardForm(
            name=name,
            code=self.query_one("#board-code", Input).value,
            kind=kind if isinstance(kind, str) else "project",
            owner=self.query_one("#board-owner", Input).value,
            start=self.day("#board-start", "start"),
            end=self.day("#board-end", "end"),
            event_date=event_date,
            status=status if isinstance(status, str) else "auto",
        )
        return BoardDraft(form, template)


class ColumnRow(Horizontal):
    """A line of the columns window; remembers which column it edits (None: a new one)."""

    def __init__(self, *children: Widget, column_id: str | None) -> None:
        super().__init__(*children, classes="form-row column-row")
        self.column_id = column_id


class ContactRow(Horizontal):
    """A line of the contact list window; remembers which line it edits (None: a new one)."""

    def __init__(self, *children: Widget, contact_id: str | None) -> None:
        super().__init__(*children, classes="form-row contact-row")
        self.contact_id = contact_id


class ColumnsModal(FormModal):
    """A board's columns: name, WIP limit and whether cards there are done; columns can be added, and one
    whose name is emptied is removed (when it holds no cards)."""

    hint = _("WIP limit: at most that many cards (empty: none). Empty a name to remove its column.")

    def __init__(self, title: str, saver: Saver, columns: Sequence[ColumnInfo]) -> None:
        super().__init__(title, saver)
        self.columns = list(columns)

    def _column_row(self, column: ColumnInfo | None) -> ColumnRow:
        return ColumnRow(
            Input(column.name if column else "", placeholder=_("Column name"), classes="column-name"),
            Input(
                str(column.wip_limit) if column and column.wip_limit else "",
                placeholder=_("WIP"),
                restrict=r"[0-9]*",
                classes="column-wip",
            ),
            Checkbox(_("Done"), column.is_done if column else False, classes="column-done"),
            column_id=column.id if column else None,
        )

    def fields(self) -> ComposeResult:
        for column in self.columns:
            yield self._column_row(column)
        yield Button(_("Add a column"), id="add-column")

    @on(Button.Pressed, "#add-column")
    def add_column(self) -> None:
        """Another empty column line, before the button."""
        button = self.query_one("#add-column", Button)
        line = self._column_row(None)
        self.query_one(".form-box").mount(line, before=button)
        line.query_one(".column-name", Input).focus()

    def read(self) -> list[ColumnForm]:
        forms = []
        for line in self.query(ColumnRow):
            name = line.query_one(".column-name", Input).value.strip()
            if not name:
                continue
            wip = line.query_one(".column-wip", Input).value.strip()
            forms.append(
                ColumnForm(
                    name=name,
                    wip_limit=int(wip) if wip else None,
                    is_done=line.query_one(".column-done", Checkbox).value,
                    id=line.column_id,
                )
            )
        if not forms:
            raise InvalidInput(_("A board needs at least one column"), field="columns")
        return forms

    DEFAULT_CSS = """
    ColumnsModal .column-name { width: 1fr; }
    ColumnsModal .column-wip { width: 10; }
    ColumnsModal .column-done { width: 12; }
    """


class LogModal(FormModal):
    """One entry of a crisis board's log, stamped with the time it is saved."""

    hint = _("Stamped with the current time.")

    def fields(self) -> ComposeResult:
        yield Input(placeholder=_("What happened, what was decided, who was told"), id="log-text")

    def read(self) -> str:
        text = self.query_one("#log-text", Input).value
        if not text.strip():
            raise InvalidInput(_("A log entry needs some text"), field="log")
        return text


class ContactsModal(FormModal):
    """A crisis board's contact list: role, name and phone per line."""

    hint = _("Empty a line's role and name to remove it.")

    def __init__(self, title: str, saver: Saver, contacts: Sequence[ContactInfo]) -> None:
        super().__init__(title, saver)
        self.contacts = list(contacts)

    def _contact_row(self, contact: ContactInfo | None) -> ContactRow:
        return ContactRow(
            Input(contact.role if contact else "", placeholder=_("Role"), classes="contact-role"),
            Input(contact.name if contact else "", placeholder=_("Name"), classes="contact-name"),
            Input(contact.phone if contact else "", placeholder=_("Phone"), classes="contact-phone"),
            contact_id=contact.id if contact else None,
        )

    def fields(self) -> ComposeResult:
        for contact in self.contacts:
            yield self._contact_row(contact)
        yield Button(_("Add a line"), id="add-contact")

    @on(Button.Pressed, "#add-contact")
    def add_contact(self) -> None:
        """Another empty line, before the button."""
        button = self.query_one("#add-contact", Button)
        line = self._contact_row(None)
        self.query_one(".form-box").mount(line, before=button)
        line.query_one(".contact-role", Input).focus()

    def read(self) -> list[ContactForm]:
        return [
            ContactForm(
                role=line.query_one(".contact-role", Input).value,
                name=line.query_one(".contact-name", Input).value,
                phone=line.query_one(".contact-phone", Input).value,
                id=line.contact_id,
            )
            for line in self.query(ContactRow)
        ]

    DEFAULT_CSS = """
    ContactsModal .contact-role { width: 1fr; }
    ContactsModal .contact-name { width: 1fr; }
    ContactsModal .contact-phone { width: 18; }
    """
