"""Project boards (key 5): the list of boards with their health and progress, one board's columns of
cards, and its week timeline.

The screen stays instant with hundreds of cards: the board is read once (one worker, a few milliseconds),
each column is one Line-API widget that draws only the lines on screen, and a move is decided by the
domain on the cards in memory, shown at once in the two columns it touches, then written as one store
action (so ctrl+z undoes it) through the app's write queue (tui.writes): writes run one after another, in
order, in a single worker, and ctrl+z joins the same queue, so it undoes the move just made even before it
is stored. When the store refuses one (the board changed underneath), the board is read again and the
reason shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, Static

from gmassist.domain import board as rules
from gmassist.domain.board import Blocker, BoardError, WipLimitReached
from gmassist.errors import GmassistError
from gmassist.i18n import _, language
from gmassist.services import board as boards
from gmassist.tui.screens.records import ListScreen
from gmassist.tui.widgets.board import BoardTimeline, CardColumn, CardMarks, Slot
from gmassist.tui.widgets.footer import QuietFooter
from gmassist.tui.widgets.status import StatusLine
from gmassist.tui.widgets.virtual_list import Column, Row, VirtualList
from gmassist.tui.writes import Write

if TYPE_CHECKING:
    from gmassist.store.store import Store


class BoardColumns(Horizontal, can_focus=True):
    """The columns of the open board, side by side. It holds the focus while a board is shown (the
    columns themselves never take it: see CardColumn), so moving between columns changes no focus."""


LIST_ACTIONS = frozenset({"new_board", "edit_board", "archive_board"})
"""Actions of the list of boards."""
BOARD_ACTIONS = frozenset(
    {
        "focus_column",
        "cursor",
        "move_card",
        "reorder_card",
        "new_card",
        "edit_card",
        "open_card",
        "tick",
        "archive_card",
        "filter",
        "toggle_lanes",
        "edit_columns",
        "edit_open_board",
    }
)
"""Actions of an open board."""
CARD_ACTIONS = frozenset({"move_card", "reorder_card", "edit_card", "open_card", "tick", "archive_card"})
"""Board actions that need a highlighted card."""
CRISIS_ACTIONS = frozenset({"log_entry", "contacts"})
"""Actions of a crisis board only."""
WRITE_ACTIONS = frozenset(
    {
        "new_board",
        "edit_board",
        "archive_board",
        "move_card",
        "reorder_card",
        "new_card",
        "edit_card",
        "tick",
        "archive_card",
        "edit_columns",
        "edit_open_board",
        "log_entry",
        "contacts",
    }
)
"""Actions that write (greyed out while the store is read-only)."""


def _binding(key: str, action: str, description: str, verb: str, tooltip: str, **extra: Any) -> Binding:
    return Binding(key, action, description, id=f"board.{verb}", tooltip=tooltip, **extra)


class BoardListSource:
    """The list of boards as rows for the virtual list (read in its worker thread)."""

    def __init__(self, store: Store, today: date, colours: dict[str, str]) -> None:
        self.store = store
        self.today = today
        self.colours = colours
        """Theme colours of green, amber and red."""
        self._rows: list[Row] = []

    def count(self) -> int:
        """Read every board with its summary (boards are few; their cards are only counted)."""
        self._rows = [self._row(overview) for overview in boards.list_boards(self.store, self.today)]
        return len(self._rows)

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        return self._rows[offset : offset + limit]

    def _row(self, overview: boards.BoardOverview) -> Row:
        board, summary = overview.board, overview.summary
        health = summary.status.value
        status = Text("● ", style=self.colours.get(health, ""))
        status.append(_(rules.HEALTH_LABELS[summary.status]))
        if not summary.set_by_hand:
            status.append("*", style="dim")
        filled = round(summary.progress * 10)
        progress = Text("█" * filled, style=self.colours["green"])
        progress.append("░" * (10 - filled), style="dim")
        progress.append(f" {summary.progress:4.0%} {summary.done}/{summary.total}")
        overdue = Text(str(summary.overdue), style=self.colours["amber"] if summary.overdue else "dim")
        day = board.event_date or board.end
        upcoming = ""
        if overview.next_milestone is not None:
            upcoming = f"{overview.next_milestone[0]:%m-%d} {overview.next_milestone[1]}"
        style = "bold red" if board.damaged else ("dim" if board.confidential else "")
        return Row(
            board.id,
            (
                board.code,
                board.name,
                _(boards.KIND_LABELS.get(board.kind, board.kind)),
                status,
                progress,
                overdue,
                day.isoformat() if day else "",
                upcoming,
                board.owner_name,
            ),
            style,
        )


class BoardScreen(ListScreen):
    """Boards (key 5): every board with its progress; Enter opens one as columns of cards."""

    CSS_PATH = Path(__file__).with_name("board.tcss")
    heading = _("Boards")
    area = _("board")

    BINDINGS: ClassVar[list[BindingType]] = [
        # the list of boards (Enter opens, from the list itself)
        _binding("n", "new_board", _("New board"), "new_board", _("A blank board or one from a template")),
        _binding("e", "edit_board", _("Edit board"), "edit_board", _("Name, code, owner, dates, status")),
        _binding(
            "a", "archive_board", _("Archive board"), "archive_board", _("Hide the board; ctrl+z undoes")
        ),
        # an open board: focus and cursor
        _binding(
            "h,left",
            "focus_column(-1)",
            _("Left"),
            "left",
            _("Focus the column on the left"),
            key_display="h ←",
        ),
        _binding(
            "l,right",
            "focus_column(1)",
            _("Right"),
            "right",
            _("Focus the column on the right"),
            key_display="l →",
        ),
        _binding("k,up", "cursor(-1)", _("Up"), "up", _("Highlight the card above"), key_display="k ↑"),
        _binding("j,down", "cursor(1)", _("Down"), "down", _("Highlight the card below"), key_display="j ↓"),
        # moving cards
        _binding(
            "H", "move_card(-1)", _("Move left"), "move_left", _("Move the card to the column on the left")
        ),
        _binding(
            "L", "move_card(1)", _("Move right"), "move_right", _("Move the card to the column on the right")
        ),
        _binding("K", "reorder_card(-1)", _("Move up"), "move_up", _("Move the card up its column")),
        _binding("J", "reorder_card(1)", _("Move down"), "move_down", _("Move the card down its column")),
        # cards
        _binding("n", "new_card", _("New card"), "new_card", _("Add a card to the focused column")),
        _binding("e", "edit_card", _("Edit card"), "edit_card", _("Title, owner, due date, labels, blocker")),
        _binding("enter", "open_card", _("Open card"), "open_card", _("Checklist, links and notes")),
        _binding("space", "tick", _("Tick"), "tick", _("Tick the card's next checklist item")),
        _binding(
            "a",
            "archive_card",
            _("Archive card"),
            "archive_card",
            _("Take the card off the board; ctrl+z undoes"),
        ),
        # the board
        _binding(
            "slash",
            "filter",
            _("Filter"),
            "filter",
            _("Owner, label, overdue, due this week"),
            key_display="/",
        ),
        _binding("s", "toggle_lanes", _("Swimlanes"), "swimlanes", _("Group the cards by owner, or not")),
        _binding("t", "timeline", _("Timeline"), "timeline", _("Cards and milestones along the weeks")),
        _binding("c", "edit_columns", _("Columns"), "columns", _("Rename, limit, add or remove columns")),
        _binding("B", "edit_open_board", _("Board"), "board", _("This board's name, owner, dates, status")),
        _binding(
            "i", "log_entry", _("Log entry"), "log_entry", _("Add a timestamped entry to the crisis log")
        ),
        _binding("p", "contacts", _("Contacts"), "contacts", _("The crisis contact list")),
        _binding("escape", "back", _("Back"), "back", _("Back to the board, or to the list of boards")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "list"
        """What is shown: list, board or timeline."""
        self.board_id: str | None = None
        """The open board."""
        self.snapshot: boards.BoardSnapshot | None = None
        """The open board as last read (its cards as they were then)."""
        self.cards: dict[str, boards.CardInfo] = {}
        """The open board's live cards as they are now (moves applied)."""
        self.order: dict[str, tuple[str, ...]] = {}
        """Card ids of each column, top first, filtered ones included."""
        self.filter = boards.CardFilter()
        self.lanes = False
        """Swimlanes by owner."""
        self.marks = CardMarks(date.min)
        """Board-wide marks for the columns (today is set when a board is shown: time is injected)."""
        self.column_widgets: dict[str, CardColumn] = {}
        self._generation = 0
        self._pending_keep: str | None = None
        self._own_window = False
        self._no_card = False
        self._static_text: dict[str, tuple[str, tuple[Any, ...]]] = {}
        self._shown_board: str | None = None
        self.active_column: str | None = None
        """The column the keys act on."""

    # --- layout -------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self.heading, classes="screen-heading", id="board-heading")
        with ContentSwitcher(initial="board-list", id="board-switcher"):
            with Vertical(id="board-list"):
                records = VirtualList(self.list_columns(), id="records")
                records.empty_text = _("No boards yet: n makes one (from a template, too).")
                yield records
            with Vertical(id="board-view"):
                yield Static("", id="board-summary")
                with Horizontal(id="board-body"):
                    yield BoardColumns(id="board-columns")
                    with VerticalScroll(id="crisis-panel"):
                        yield Static("", id="crisis-contacts")
                        yield Static("", id="crisis-log")
                yield Static("", id="card-info")
            with Vertical(id="timeline-view"):
                yield Static("", id="timeline-summary")
                yield BoardTimeline(id="board-timeline")
        yield StatusLine()
        yield QuietFooter()

    def list_columns(self) -> list[Column]:
        """Columns of the list of boards."""
        return [
            Column("code", _("Code"), 6),
            Column("name", _("Board")),
            Column("kind", _("Kind"), 8),
            Column("status", _("Status"), 9),
            Column("progress", _("Progress"), 21),
            Column("overdue", _("Overdue"), 7, "right"),
            Column("date", _("Date"), 10),
            Column("next", _("Next milestone"), 26),
            Column("owner", _("Owner"), 10),
        ]

    @property
    def today(self) -> date:
        """Today in the app's zone."""
        return self.gm.clock.now().astimezone(self.gm.zone).date()

    @property
    def starts_monday(self) -> bool:
        """Whether weeks start on Monday (else Sunday): config agenda.week_starts."""
        return self.gm.settings.agenda.week_starts == "monday"

    def _colours(self) -> dict[str, str]:
        variables = self.app.theme_variables
        return {
            "green": variables.get("success", "green"),
            "amber": variables.get("warning", "yellow"),
            "red": variables.get("error", "red"),
        }

    # --- loading ------------------------------------------------------------------------------------

    def refresh_records(self) -> None:
        """Fresh data after an unlock, lock, undo or a change elsewhere: the list, and the open board.

        Back from one of this screen's own windows (ListScreen calls this on every resume) nothing is
        read: each window's closing reads what it changed, and keeps the focus where the change is.
        """
        if self.gm.store is None:
            return
        if self._own_window:
            self._own_window = False
            return
        records = self.query_one("#records", VirtualList)
        if records.source is None:
            records.set_source(BoardListSource(self.gm.store, self.today, self._colours()))
        else:
            source = records.source
            if isinstance(source, BoardListSource):
                source.today = self.today
            records.reload()
        if self.view == "list":
            records.focus()
        elif self.board_id is not None:
            self.load_board()

    def _push(self, screen: Any, callback: Callable[[Any], None] | None = None) -> None:
        """Open one of this screen's windows."""
        self._own_window = True
        self.app.push_screen(screen, callback)

    def open_board(self, board_id: str) -> None:
        """Open a board (from the list, or a new one)."""
        if board_id != self.board_id:
            self.filter = boards.CardFilter()
        self.board_id = board_id
        self.view = "board"
        self.load_board()

    def load_board(self, keep: str | None = None) -> None:
        """Read the open board again; the cursor stays on `keep` (default: the highlighted card)."""
        if self.board_id is None or self.gm.store is None:
            return
        keep = keep or self._pending_keep or self._current_card_id()
        self._generation += 1
        self._read_board(self._generation, self.gm.store, self.board_id, keep)

    @work(thread=True, group="board-read", exit_on_error=False)
    def _read_board(self, generation: int, store: Store, board_id: str, keep: str | None) -> None:
        try:
            snapshot = boards.load_board(store, board_id)
        except GmassistError as exc:
            self.app.call_from_thread(self._board_gone, generation, str(exc))
            return
        self.app.call_from_thread(self.show_board, generation, snapshot, keep)

    def _board_gone(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.notify(message, severity="error")
        self.board_id = None
        self.show_view("list")

    def show_board(self, generation: int, snapshot: boards.BoardSnapshot, keep: str | None) -> None:
        """Draw a board as read: its column widgets are reused unless its columns changed."""
        if generation != self._generation or snapshot.board.id != self.board_id:
            return
        if keep == self._pending_keep:
            self._pending_keep = None
        self.snapshot = snapshot
        self.cards = {card.id: card for card in snapshot.cards}
        self.order = {state.column_id: tuple(state.card_ids) for state in snapshot.column_states()}
        self.marks = CardMarks(self.today, self._blocked())
        active_column = self._current_column_id()
        new_board = self._shown_board != snapshot.board.id
        self._shown_board = snapshot.board.id
        self._reuse_columns(snapshot.columns, new_board)
        self._lay_out(keep)
        self._show_summary()
        self._show_crisis()
        if self.view == "list":
            self.view = "board"
        if self.view == "board":
            target = self._column_of(keep) or active_column
            widget = self.column_widgets.get(target or "") or next(iter(self.column_widgets.values()), None)
            if widget is not None:
                self.activate(widget)
        self.show_view(self.view)
        if self.view == "timeline":
            self._show_timeline()

    def _reuse_columns(self, columns: Sequence[boards.ColumnInfo], new_board: bool) -> None:
        """Give the column widgets their columns: the widgets on screen are kept (another board, a renamed
        column), and only the difference in number is mounted or removed, so the focus stays put."""
        container = self.query_one("#board-columns")
        widgets = list(self.column_widgets.values())
        extra = widgets[len(columns) :]
        for widget in extra:
            widget.remove()
        added = [CardColumn(column, self.marks) for column in columns[len(widgets) :]]
        if added:
            container.mount_all(added)
        self.column_widgets = {}
        for column, widget in zip(columns, [*widgets[: len(columns)], *added], strict=True):
            widget.set_column(column)
            if new_board:
                widget.cursor = 0
                widget.scroll_to(y=0, animate=False, force=True)
            self.column_widgets[column.id] = widget

    def _focus(self, widget: Any) -> None:
        """Focus a widget now (Widget.focus waits a cycle, which costs the board another repaint)."""
        if widget.is_attached:
            self.set_focus(widget)
        else:
            widget.focus()

    def show_view(self, view: str) -> None:
        """Switch between the list, the board and the timeline."""
        self.view = view
        self.query_one("#board-switcher", ContentSwitcher).current = {
            "list": "board-list",
            "board": "board-view",
            "timeline": "timeline-view",
        }[view]
        heading = self.heading
        if view != "list" and self.snapshot is not None:
            heading = f"{self.heading} › {self.snapshot.board.label}"
            if view == "timeline":
                heading += f" › {_('Timeline')}"
        self._update_static("#board-heading", Text(heading))
        if view == "list":
            self._focus(self.query_one("#records", VirtualList))
        elif view == "board":
            self._focus(self.query_one(BoardColumns))
        elif view == "timeline":
            self._focus(self.query_one("#board-timeline", BoardTimeline))
        self.refresh_bindings()

    # --- what the columns show ------------------------------------------------------------------------

    def _states(self) -> list[rules.ColumnState]:
        """The columns as the domain sees them now."""
        assert self.snapshot is not None
        return [
            rules.ColumnState(c.id, self.order.get(c.id, ()), c.wip_limit, c.is_done, c.name)
            for c in self.snapshot.columns
        ]

    def _done_columns(self) -> frozenset[str]:
        return self.snapshot.done_columns if self.snapshot else frozenset()

    def _blocked(self) -> frozenset[str]:
        """Cards whose blocker is on the board and not done."""
        done = self._done_columns()
        return frozenset(
            card.id
            for card in self.cards.values()
            if card.blocked_by in self.cards and self.cards[card.blocked_by].column_id not in done
        )

    def _visible(self, column_id: str) -> list[boards.CardInfo]:
        """The cards of a column that pass the filter, top first."""
        cards = [self.cards[card_id] for card_id in self.order.get(column_id, ())]
        if not self.filter.active:
            return cards
        done, today = self._done_columns(), self.today
        return [card for card in cards if self.filter.matches(card, done, today, self.starts_monday)]

    def _lay_out(self, keep: str | None = None, only: Iterable[str] | None = None) -> None:
        """Give the columns their cards (only the columns named, unless swimlanes must stay level)."""
        if self.lanes:
            self._lay_out_lanes(keep)
            return
        for column_id in only if only is not None else self.column_widgets:
            widget = self.column_widgets.get(column_id)
            if widget is None:
                continue
            widget.marks = self.marks
            widget.set_cards(
                self._visible(column_id),
                len(self.order.get(column_id, ())),
                keep=keep if keep in self.order.get(column_id, ()) else None,
            )

    def _lay_out_lanes(self, keep: str | None) -> None:
        """Swimlanes: one band per owner across every column, as tall as its fullest column."""
        visible = {column_id: self._visible(column_id) for column_id in self.column_widgets}
        owners = sorted(
            {card.owner_name for cards in visible.values() for card in cards}, key=lambda n: (not n, n)
        )
        for column_id, widget in self.column_widgets.items():
            ordered: list[boards.CardInfo] = []
            slots: list[Slot] = []
            for owner in owners:
                slots.append(Slot("lane", text=owner or _("(no owner)")))
                mine = [card for card in visible[column_id] if card.owner_name == owner]
                tallest = max(
                    sum(1 for card in cards if card.owner_name == owner) for cards in visible.values()
                )
                for card in mine:
                    slots.append(Slot("card", len(ordered)))
                    ordered.append(card)
                slots.extend(Slot("gap") for _gap in range(tallest - len(mine)))
            widget.marks = self.marks
            widget.set_cards(
                ordered,
                len(self.order.get(column_id, ())),
                slots=slots,
                keep=keep if keep in self.order.get(column_id, ()) else None,
            )

    def _show_summary(self) -> None:
        """The board's header: health, progress, overdue, dates, filter."""
        if self.snapshot is None:
            return
        board = self.snapshot.board
        summary = rules.summarize(board.status, self.cards.values(), self._done_columns(), self.today)
        colours = self._colours()
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {board.code} ", style="bold reverse")
        text.append(f" {board.name}  ", style="bold")
        text.append(f"{_(boards.KIND_LABELS.get(board.kind, board.kind))}  ")
        text.append("● ", style=colours.get(summary.status.value, ""))
        how = _("set") if summary.set_by_hand else _("auto")
        text.append(f"{_(rules.HEALTH_LABELS[summary.status])} ({how})  ")
        text.append(
            _("{done}/{total} done ({percent})").format(
                done=summary.done, total=summary.total, percent=f"{summary.progress:.0%}"
            )
        )
        if summary.overdue:
            text.append("  " + _("{n} overdue").format(n=summary.overdue), style=colours["amber"])
        if summary.due_soon:
            text.append("  " + _("{n} due soon").format(n=summary.due_soon))
        if board.start or board.end:
            start = board.start.isoformat() if board.start else "…"
            end = board.end.isoformat() if board.end else "…"
            text.append(f"  {start} → {end}")
        if board.event_date:
            text.append("  " + _("event {day}").format(day=board.event_date.isoformat()))
        if board.owner_name:
            text.append(f"  @{board.owner_name}")
        if self.filter.active:
            shown = sum(len(self._visible(column_id)) for column_id in self.order)
            text.append("\n ")
            text.append(
                _("Filter: {filter} ({shown} of {total} cards; / changes it)").format(
                    filter=self.filter.describe(), shown=shown, total=len(self.cards)
                ),
                style="italic",
            )
        if self.lanes:
            text.append("\n " if not self.filter.active else "  ·  ")
            text.append(_("Swimlanes by owner (s turns them off)"), style="italic")
        self._update_static("#board-summary", text)

    def _update_static(self, selector: str, text: Text) -> None:
        """Change one of the fixed-size lines (heading, summary, card line) only when its text changed."""
        key = (text.plain, tuple(text.spans))
        if self._static_text.get(selector) != key:
            self._static_text[selector] = key
            self.query_one(selector, Static).update(text, layout=False)  # fixed sizes: no layout pass

    def _show_crisis(self) -> None:
        """A crisis board's contact list and log, at the side."""
        panel = self.query_one("#crisis-panel")
        snapshot = self.snapshot
        crisis = snapshot is not None and snapshot.board.kind == "crisis"
        panel.display = crisis
        if not crisis or snapshot is None:
            return
        contacts = Text(_("Contacts (p)") + "\n", style="bold")
        for contact in snapshot.contacts:
            contacts.append(f"{contact.role}: ", style="bold")
            contacts.append(f"{contact.name or '—'} {contact.phone}".rstrip() + "\n", style="")
        self.query_one("#crisis-contacts", Static).update(contacts)
        log = Text(_("Log (i)") + "\n", style="bold")
        for entry in reversed(snapshot.log):
            log.append(f"{entry.at.astimezone(self.gm.zone):%m-%d %H:%M} ", style="dim")
            log.append(entry.text + "\n", style="")
        self.query_one("#crisis-log", Static).update(log)

    def _show_card_info(self, card_id: str | None) -> None:
        """The highlighted card in one line under the board."""
        card = self.cards.get(card_id or "")
        if card is None:
            self._update_static("#card-info", Text())
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {card.short_id} ", style="bold")
        text.append(card.title)
        if card.owner_name:
            text.append(f"  @{card.owner_name}")
        if card.due is not None:
            late = (self.today - card.due).days
            done = card.column_id in self._done_columns()
            if late > 0 and not done:
                text.append(
                    "  " + _("due {day}, {n} d overdue").format(day=card.due.isoformat(), n=late),
                    style=self._colours()["amber"],
                )
            else:
                text.append("  " + _("due {day}").format(day=card.due.isoformat()))
        if card.checklist_total:
            text.append(f"  ☑ {card.checklist_done}/{card.checklist_total}")
        if card.id in self.marks.blocked:
            text.append("  " + _("waits for {card}").format(card=card.blocker_short_id), style="bold")
        if card.labels:
            text.append("  " + " ".join(f"#{label}" for label in card.labels))
        self._update_static("#card-info", text)

    # --- focus and cursor ---------------------------------------------------------------------------

    def _current_widget(self) -> CardColumn | None:
        """The active column, else the first one."""
        widget = self.column_widgets.get(self.active_column or "")
        return widget or next(iter(self.column_widgets.values()), None)

    def activate(self, widget: CardColumn) -> None:
        """Make `widget` the column the keys act on."""
        self.active_column = widget.column.id
        for other in self.column_widgets.values():
            other.set_active(other is widget)

    def _current_column_id(self) -> str | None:
        widget = self._current_widget()
        return widget.column.id if widget else None

    def _current_card(self) -> boards.CardInfo | None:
        widget = self._current_widget() if self.view == "board" else None
        return widget.cursor_card if widget else None

    def _current_card_id(self) -> str | None:
        card = self._current_card()
        return card.id if card else None

    def _column_of(self, card_id: str | None) -> str | None:
        card = self.cards.get(card_id or "")
        return card.column_id if card else None

    @on(CardColumn.Clicked)
    def _clicked(self, event: CardColumn.Clicked) -> None:
        self.activate(event.column)
        self._focus(self.query_one(BoardColumns))

    @on(CardColumn.Highlighted)
    def _highlighted(self, event: CardColumn.Highlighted) -> None:
        if event.column.active:
            self._show_card_info(event.card_id)
            if (event.card_id is None) != self._no_card:
                self._no_card = event.card_id is None
                self.refresh_bindings()  # the keys that need a card grey out, or come back

    @on(CardColumn.Chosen)
    def _chosen(self, event: CardColumn.Chosen) -> None:
        self.action_open_card()

    @on(CardColumn.Scrolled)
    def _scrolled(self, event: CardColumn.Scrolled) -> None:
        if self.lanes:
            for widget in self.column_widgets.values():
                if widget is not event.column and widget.scroll_offset.y != event.y:
                    widget.scroll_to(y=event.y, animate=False, force=True)

    @on(VirtualList.Selected, "#records")
    def _board_chosen(self, event: VirtualList.Selected) -> None:
        self.open_board(event.key)

    def action_focus_column(self, step: int) -> None:
        """Focus the column `step` places to the right (negative: left)."""
        ids = list(self.column_widgets)
        current = self._current_column_id()
        if not ids or current is None:
            return
        index = min(max(ids.index(current) + step, 0), len(ids) - 1)
        self.activate(self.column_widgets[ids[index]])

    def action_cursor(self, delta: int) -> None:
        """Highlight the card `delta` places down (negative: up)."""
        widget = self._current_widget()
        if widget is not None:
            widget.move_cursor(delta)

    # --- moving cards -------------------------------------------------------------------------------

    def action_move_card(self, step: int) -> None:
        """Move the highlighted card to the bottom of the column `step` places to the right."""
        card = self._current_card()
        if card is None or self.snapshot is None:
            return
        target = rules.adjacent_column(self._states(), card.column_id, step)
        if target is None:
            self.app.bell()
            return
        self.try_move(card.id, target, None)

    def action_reorder_card(self, delta: int) -> None:
        """Move the highlighted card up (negative) or down past the next card shown in its column."""
        widget = self._current_widget()
        card = self._current_card()
        if widget is None or card is None:
            return
        shown = widget.cards
        index = widget.cursor + delta
        if not 0 <= index < len(shown) or (self.lanes and shown[index].owner_name != card.owner_name):
            self.app.bell()
            return
        others = [card_id for card_id in self.order[card.column_id] if card_id != card.id]
        position = others.index(shown[index].id) + (1 if delta > 0 else 0)
        self.try_move(card.id, card.column_id, position)

    def _blocker(self, card: boards.CardInfo) -> Blocker | None:
        if not card.blocked_by:
            return None
        return Blocker(card.blocked_by, card.blocker_short_id or "?")

    def try_move(
        self, card_id: str, to_column: str, position: int | None, override_wip: bool = False
    ) -> None:
        """Let the domain decide on the cards in memory; show the move at once, then store it."""
        card = self.cards[card_id]
        try:
            move = rules.move_card(
                self._states(),
                card_id,
                to_column,
                position,
                blocked_by=self._blocker(card),
                override_wip=override_wip,
            )
        except WipLimitReached as exc:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.try_move(card_id, to_column, position, override_wip=True)

            question = exc.reason + "\n\n" + _("Move {card} there anyway?").format(card=card.short_id)
            from gmassist.tui.modals.board_filter import ConfirmModal

            self._push(ConfirmModal(question), answered)
            return
        except BoardError as exc:
            self.notify(exc.reason, title=_("Not moved"), severity="warning")
            return
        if not move.changed:
            return
        self.apply_move(move)
        self.submit(
            Write(
                lambda store: boards.move_card(
                    store, card_id, to_column, move.position, override_wip=override_wip
                )
            )
        )

    def apply_move(self, move: rules.Move) -> None:
        """Show a move: the two columns it touched (and any card it unblocked) redraw; nothing else does."""
        for state in move.columns:
            self.order[state.column_id] = tuple(state.card_ids)
        card = self.cards[move.card_id]
        if card.column_id != move.to_column:
            self.cards[move.card_id] = replace(card, column_id=move.to_column)
        before = self.marks.blocked
        self.marks = CardMarks(self.marks.today, self._blocked())
        touched = {move.from_column, move.to_column}
        touched.update(self.cards[card_id].column_id for card_id in before ^ self.marks.blocked)
        self._lay_out(keep=move.card_id, only=[c for c in self.column_widgets if c in touched])
        target = self.column_widgets.get(move.to_column)
        if target is not None and not target.active:
            self.activate(target)
        self._show_summary()
        self._show_card_info(move.card_id)

    # --- the write queue ------------------------------------------------------------------------------

    def submit(self, write: Write) -> None:
        """Queue a store change in the app's write queue: changes are stored one after another, in the
        order they were made, and ctrl+z waits its turn behind them."""
        self.gm.writes.submit(replace(write, failed=self._write_failed))

    def _write_failed(self, message: str) -> None:
        """The store refused a change shown already: say why and show the board as stored."""
        self.notify(message, title=_("Not saved"), severity="error")
        self.load_board()

    def _check_writable(self, card: boards.CardInfo | None = None) -> bool:
        """Whether a change may start: a confidential card's text needs the confidential key."""
        store = self.gm.store
        if store is None:
            return False
        locked = not store.confidential_unlocked
        if locked and ((card and card.confidential) or (self.snapshot and self.snapshot.board.confidential)):
            self.notify(_("Unlock confidential items first (ctrl+o)."), severity="warning")
            return False
        return True

    # --- cards ----------------------------------------------------------------------------------------

    def _people(self) -> list[str]:
        return sorted({card.owner_name for card in self.cards.values() if card.owner_name})

    def _labels(self) -> list[str]:
        return sorted({label for card in self.cards.values() for label in card.labels}, key=str.casefold)

    def action_new_card(self) -> None:
        """A new card at the bottom of the focused column."""
        if self.snapshot is None or not self._check_writable():
            return
        from gmassist.tui.modals.board_forms import CardModal

        board_id = self.snapshot.board.id
        column_id = self._current_column_id()
        created: list[boards.CardRef] = []

        def save(form: boards.CardForm) -> None:
            assert self.gm.store is not None
            created.append(boards.create_card(self.gm.store, board_id, form, column_id=column_id))

        def closed(saved: bool | None) -> None:
            if saved and created:
                self.notify(_("Added {card}").format(card=created[0]))
                self._pending_keep = created[0].id
                self.load_board(created[0].id)
                self.gm.refresh_status()

        title = _("New card on {board}").format(board=self.snapshot.board.label)
        self._push(CardModal(title, save, people=self._people(), labels=self._labels()), closed)

    def action_edit_card(self) -> None:
        """Edit the highlighted card (its notes are read first)."""
        card = self._current_card()
        if card is None or not self._check_writable(card):
            return
        self._open_editor(card.id)

    @work(thread=True, group="board-read", exit_on_error=False)
    def _open_editor(self, card_id: str) -> None:
        assert self.gm.store is not None
        try:
            detail = boards.card_detail(self.gm.store, card_id)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._edit, detail)

    def _edit(self, detail: boards.CardDetail) -> None:
        from gmassist.tui.modals.board_forms import CardModal

        card_id = detail.card.id

        def save(form: boards.CardForm) -> None:
            assert self.gm.store is not None
            boards.update_card(self.gm.store, card_id, form)

        def closed(saved: bool | None) -> None:
            if saved:
                self._pending_keep = card_id
                self.load_board(card_id)

        title = _("Edit {card}").format(card=detail.card.short_id)
        modal = CardModal(
            title, save, card=detail.card, notes=detail.notes, people=self._people(), labels=self._labels()
        )
        self._push(modal, closed)

    def action_open_card(self) -> None:
        """The card's window: checklist, links, notes."""
        card = self._current_card()
        store = self.gm.store
        if card is None or store is None:
            return
        from gmassist.tui.modals.board_card import CardDetailModal

        def closed(changed: bool | None) -> None:
            if changed:
                self._pending_keep = card.id
                self.load_board(card.id)

        self._push(CardDetailModal(store, card.id), closed)

    def action_tick(self) -> None:
        """Tick the highlighted card's next checklist item (the earliest due)."""
        card = self._current_card()
        if card is None or not self._check_writable(card):
            return
        if card.checklist_done >= card.checklist_total:
            self.notify(_("{card} has no open checklist item").format(card=card.short_id))
            return
        ticked = replace(card, checklist_done=card.checklist_done + 1)
        self.cards[card.id] = ticked
        self._lay_out(keep=card.id, only=[card.column_id])
        self._show_card_info(card.id)

        def done(item: boards.ChecklistInfo | None) -> None:
            if item is not None:
                self.notify(
                    _("Ticked: {item} ({done}/{total})").format(
                        item=item.text, done=ticked.checklist_done, total=ticked.checklist_total
                    )
                )

        self.submit(Write(lambda store: boards.tick_next_item(store, card.id), done=done))

    def action_archive_card(self) -> None:
        """Take the highlighted card off the board (ctrl+z brings it back)."""
        card = self._current_card()
        if card is None or not self._check_writable():
            return
        self.order[card.column_id] = tuple(c for c in self.order[card.column_id] if c != card.id)
        del self.cards[card.id]
        self.marks = CardMarks(self.marks.today, self._blocked())
        self._lay_out(only=[card.column_id])
        self._show_summary()
        widget = self.column_widgets.get(card.column_id)
        self._show_card_info(widget.cursor_card.id if widget and widget.cursor_card else None)

        def done(_result: object) -> None:
            self.notify(_("Archived {card}; ctrl+z brings it back").format(card=card.short_id))

        self.submit(Write(lambda store: boards.archive_card(store, card.id), done=done, recount=True))

    # --- the board --------------------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Choose which cards show: by owner, label, overdue, due this week, text."""
        from gmassist.tui.modals.board_filter import FilterModal

        def chosen(new: boards.CardFilter | None) -> None:
            if new is not None:
                self.filter = new
                self._lay_out(self._current_card_id())
                self._show_summary()

        self._push(FilterModal(self.filter, self._people(), self._labels()), chosen)

    def action_toggle_lanes(self) -> None:
        """Swimlanes by owner, on or off."""
        self.lanes = not self.lanes
        keep = self._current_card_id()
        if not self.lanes:
            for widget in self.column_widgets.values():
                widget.scroll_to(y=0, animate=False, force=True)
        self._lay_out(keep)
        self._show_summary()

    def action_timeline(self) -> None:
        """The week timeline of the board, or back to its columns."""
        if self.view == "timeline":
            self.show_view("board")
            return
        self.show_view("timeline")
        self._show_timeline()

    def _show_timeline(self) -> None:
        if self.snapshot is None:
            return
        live = replace(self.snapshot, cards=tuple(self.cards.values()))
        start, weeks, rows = boards.timeline_rows(live, self.today, starts_monday=self.starts_monday)
        done = self._done_columns()
        self.query_one("#board-timeline", BoardTimeline).show(
            rows, start, weeks, self.today, {card.id: card.column_id in done for card in self.cards.values()}
        )
        overdue = sum(1 for row in rows if row.overdue)
        self.query_one("#timeline-summary", Static).update(
            Text(
                " "
                + _("{n} cards and milestones over {weeks} weeks from {start}; {late} overdue").format(
                    n=len(rows), weeks=weeks, start=start.isoformat(), late=overdue
                )
                + "  ·  ◆ "
                + _("milestone")
                + "  ■ "
                + _("card")
                + "  ✓ "
                + _("done")
            )
        )

    def action_back(self) -> None:
        """From the timeline to the board; from the board to the list of boards."""
        if self.view == "timeline":
            self.show_view("board")
        elif self.view == "board":
            self.show_view("list")
            self.query_one("#records", VirtualList).reload()

    def action_edit_columns(self) -> None:
        """Rename, re-limit, add or remove the board's columns."""
        if self.snapshot is None or not self._check_writable():
            return
        from gmassist.tui.modals.board_forms import ColumnsModal

        board_id = self.snapshot.board.id

        def save(forms: list[boards.ColumnForm]) -> None:
            assert self.gm.store is not None
            boards.save_columns(self.gm.store, board_id, forms)

        def closed(saved: bool | None) -> None:
            if saved:
                self.load_board()

        title = _("Columns of {board}").format(board=self.snapshot.board.label)
        self._push(ColumnsModal(title, save, self.snapshot.columns), closed)

    def action_log_entry(self) -> None:
        """Add a timestamped entry to a crisis board's log."""
        if self.snapshot is None or not self._check_writable():
            return
        from gmassist.tui.modals.board_forms import LogModal

        board_id = self.snapshot.board.id

        def save(text: str) -> None:
            assert self.gm.store is not None
            boards.add_log_entry(self.gm.store, board_id, text, self.gm.clock.now())

        def closed(saved: bool | None) -> None:
            if saved:
                self.load_board()

        self._push(LogModal(_("Log of {board}").format(board=self.snapshot.board.label), save), closed)

    def action_contacts(self) -> None:
        """Edit a crisis board's contact list."""
        if self.snapshot is None or not self._check_writable():
            return
        from gmassist.tui.modals.board_forms import ContactsModal

        board_id = self.snapshot.board.id

        def save(forms: list[boards.ContactForm]) -> None:
            assert self.gm.store is not None
            boards.save_contacts(self.gm.store, board_id, forms)

        def closed(saved: bool | None) -> None:
            if saved:
                self.load_board()

        title = _("Contacts of {board}").format(board=self.snapshot.board.label)
        self._push(ContactsModal(title, save, self.snapshot.contacts), closed)

    # --- boards ------------------------------------------------------------------------------------------

    def _highlighted_board(self) -> str | None:
        return self.query_one("#records", VirtualList).cursor_key

    def action_new_board(self) -> None:
        """A new board: blank with the standard columns, or laid out from a template."""
        if not self._check_writable():
            return
        from gmassist.tui.modals.board_forms import BoardDraft, BoardModal

        created: list[boards.BoardInfo] = []

        def save(draft: BoardDraft) -> None:
            store = self.gm.store
            assert store is not None
            form = draft.form
            if draft.template is not None:
                assert form.event_date is not None
                created.append(
                    boards.create_board_from_template(
                        store,
                        draft.template,
                        form.event_date,
                        name=form.name,
                        code=form.code,
                        owner=form.owner,
                        lang=language(),
                        clock=self.gm.clock,
                    )
                )
            else:
                created.append(boards.create_board(store, form, lang=language()))

        def closed(saved: bool | None) -> None:
            if saved and created:
                self.notify(_("Made board {board}").format(board=created[0].label))
                self.query_one("#records", VirtualList).reload()
                self.gm.refresh_status()
                self.open_board(created[0].id)

        self._push(BoardModal(_("New board"), save, people=self._people()), closed)

    def action_edit_board(self) -> None:
        """Edit the highlighted board of the list."""
        board_id = self._highlighted_board()
        if board_id is not None:
            self._edit_board(board_id)

    def action_edit_open_board(self) -> None:
        """Edit the open board's name, code, owner, dates and status."""
        if self.board_id is not None:
            self._edit_board(self.board_id)

    def _edit_board(self, board_id: str) -> None:
        if not self._check_writable():
            return
        self._read_board_for_edit(board_id)

    @work(thread=True, group="board-read", exit_on_error=False)
    def _read_board_for_edit(self, board_id: str) -> None:
        store = self.gm.store
        assert store is not None
        try:
            board = boards.load_board(store, board_id).board
            people = boards.person_names(store)
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._edit_board_window, board, people)

    def _edit_board_window(self, board: boards.BoardInfo, people: list[str]) -> None:
        if board.confidential and self.gm.store is not None and not self.gm.store.confidential_unlocked:
            self.notify(_("Unlock confidential items first (ctrl+o)."), severity="warning")
            return
        from gmassist.tui.modals.board_forms import BoardDraft, BoardModal

        def save(draft: BoardDraft) -> None:
            assert self.gm.store is not None
            boards.update_board(self.gm.store, board.id, draft.form)

        def closed(saved: bool | None) -> None:
            if saved:
                self.query_one("#records", VirtualList).reload()
                if self.board_id == board.id:
                    self.load_board()

        title = _("Edit board {board}").format(board=board.label)
        self._push(BoardModal(title, save, board=board, people=people), closed)

    def action_archive_board(self) -> None:
        """Archive the highlighted board (ctrl+z brings it back)."""
        board_id = self._highlighted_board()
        if board_id is None or not self._check_writable():
            return

        def done(_result: object) -> None:
            self.notify(_("Board archived; ctrl+z brings it back"))
            self.query_one("#records", VirtualList).reload()

        self.submit(Write(lambda store: boards.archive_board(store, board_id), done=done))

    # --- which keys apply ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys of the list show in the list, keys of a board on a board; keys that need a card, a crisis
        board or a writable store are greyed out without one."""
        view = self.view
        if action in LIST_ACTIONS:
            if view != "list":
                return False
            if action != "new_board" and self._highlighted_board() is None:
                return None
        elif action in BOARD_ACTIONS:
            if view != "board":
                return False
            if action in CARD_ACTIONS and self._current_card() is None:
                return None
        elif action in CRISIS_ACTIONS:
            if view != "board" or self.snapshot is None or self.snapshot.board.kind != "crisis":
                return False
        elif action == "timeline":
            if view == "list" or self.snapshot is None:
                return False
        elif action == "back" and view == "list":
            return False
        store = self.gm.store
        if action in WRITE_ACTIONS and (store is None or store.read_only):
            return None
        return True
