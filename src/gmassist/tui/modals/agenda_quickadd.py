"""Quick add (快速添加): one line of Chinese or English becomes an event.

The parse is shown as it is typed (`quickadd.explain`), with what the event would clash with; a part that
is not understood is pointed at in the line and nothing can be saved until it is fixed. Enter saves
through the function the screen gives (in a worker); a refusal keeps the window open with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from gmassist.domain.agenda_view import QUICKADD_PROBLEMS
from gmassist.errors import GmassistError
from gmassist.i18n import _, language
from gmassist.tui.modals.agenda_base import AgendaModal

if TYPE_CHECKING:
    from gmassist.domain.quickadd import QuickAdd


def pointed(text: str, span: tuple[int, int], message: str) -> Text:
    """The line with the part not understood marked, a caret line under it, and why."""
    start, end = span
    end = max(end, start + 1)
    line = Text(text)
    line.stylize("bold reverse red", start, min(end, len(text)) if text else 0)
    from rich.cells import cell_len

    indent = cell_len(text[:start])
    width = max(1, cell_len(text[start:end]))
    out = Text()
    out.append_text(line)
    out.append("\n" + " " * indent + "^" * width, style="bold red")
    out.append("\n" + message, style="red")
    return out


class QuickAddModal(AgendaModal[str]):
    """Dismisses the line to announce once the event is saved (None on Escape: nothing saved)."""

    def __init__(
        self,
        now: datetime,
        save: Callable[[QuickAdd], str],
        check: Callable[[QuickAdd], Sequence[str]],
        text: str = "",
    ) -> None:
        super().__init__()
        self.now = now
        self.save = save
        """Saves the parsed line (in a worker); returns what to announce; raises GmassistError to refuse."""
        self.check = check
        """The conflicts the parsed event would have, one line each (in a worker)."""
        self.initial = text
        self.parsed: QuickAdd | None = None
        """The current line's parse when it is a savable event."""
        self._generation = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="agenda-box"):
            yield Label(_("Quick add"), classes="agenda-title")
            yield Input(
                self.initial,
                placeholder=_("周五下午3点 与财务总监讨论并购方案 @3号会议室 1h"),
                id="quickadd-input",
            )
            yield Static("", id="quickadd-preview", classes="agenda-preview")
            yield Static("", id="quickadd-conflicts", classes="agenda-warning")
            yield Static(
                _(
                    "Enter saves · Escape cancels · e.g. every monday 9am staff meeting, 下周二到周四 出差深圳"
                ),
                classes="agenda-hint",
            )

    def on_mount(self) -> None:
        if self.initial:
            self._read(self.initial)

    @on(Input.Changed, "#quickadd-input")
    def _changed(self, event: Input.Changed) -> None:
        self._read(event.value)

    def _read(self, text: str) -> None:
        from gmassist.domain.quickadd import QuickAddError, explain, parse

        preview = self.query_one("#quickadd-preview", Static)
        self.query_one("#quickadd-conflicts", Static).update("")
        self.parsed = None
        if not text.strip():
            preview.update("")
            return
        try:
            parsed = parse(text, self.now)
        except QuickAddError as exc:
            preview.update(pointed(text, exc.span, _(QUICKADD_PROBLEMS.get(exc.code, exc.message))))
            return
        if parsed.kind != "event":
            preview.update(
                Text(
                    _("Not an event yet: give it a day or a time (周五下午3点, tomorrow 9am)."),
                    style="bold " + "yellow",
                )
            )
            return
        self.parsed = parsed
        preview.update(Text("✓ " + explain(parsed, language(), now=self.now), style="bold"))
        self._generation += 1
        self._check(parsed)

    # Not exclusive: a cancelled thread worker keeps running anyway; a stale answer is dropped instead.
    @work(thread=True, group="agenda-quickadd-check")
    def _check(self, parsed: QuickAdd) -> None:
        try:
            lines = list(self.check(parsed))
        except GmassistError as exc:
            lines = [str(exc)]
        self.app.call_from_thread(self._show_conflicts, parsed, lines)

    def _show_conflicts(self, parsed: QuickAdd, lines: list[str]) -> None:
        if parsed is self.parsed:
            self.query_one("#quickadd-conflicts", Static).update("\n".join(lines))

    @on(Input.Submitted, "#quickadd-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.parsed is None:
            self.app.bell()
            return
        event.input.disabled = True
        self._save(self.parsed)

    @work(thread=True, group="agenda-quickadd-save")
    def _save(self, parsed: QuickAdd) -> None:
        try:
            message = self.save(parsed)
        except GmassistError as exc:
            self.app.call_from_thread(self._refused, str(exc))
            return
        self.app.call_from_thread(self.dismiss, message)

    def _refused(self, message: str) -> None:
        field = self.query_one("#quickadd-input", Input)
        field.disabled = False
        field.focus()
        self.query_one("#quickadd-preview", Static).update(Text(message, style="bold red"))
