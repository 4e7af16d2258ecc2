"""The board's two drawing widgets: a column of cards and the week timeline, both on the Line API.

A board of 500 cards must open and move cards at once (kanban-tui, which mounts a widget per card, takes
seconds at 200). So a column is one widget that keeps its cards as plain data and draws only the lines on
screen (`render_line`); a move hands the two touched columns their new card lists and they repaint, and
no widget is created or removed. The timeline is drawn the same way, a row per card or milestone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gmassist.i18n import _

if TYPE_CHECKING:
    from gmassist.domain.board import TimelineRow
    from gmassist.services.board import CardInfo, ColumnInfo

CARD_HEIGHT = 3
"""Lines per card: the id and title, the owner, due date, checklist and labels, a blank line."""
HEADER_HEIGHT = 2
"""The column's name and count, and a rule under it."""


@dataclass(frozen=True)
class Slot:
    """One block of a column's lines: a card, a swimlane heading, or the gap that keeps lanes aligned."""

    kind: str
    """'card', 'lane' or 'gap'."""
    card: int = -1
    """For a card: its index in the column's cards."""
    text: str = ""
    """For a lane: the owner's name."""

    @property
    def height(self) -> int:
        """Lines it takes."""
        return 1 if self.kind == "lane" else CARD_HEIGHT


@dataclass(frozen=True)
class CardMarks:
    """What the board knows about cards that a column cannot tell on its own."""

    today: date
    """Cards due before this day and not in a done column are overdue."""
    blocked: frozenset[str] = frozenset()
    """Ids of the cards whose blocker is not done."""


def fit(text: Text, width: int) -> Text:
    """`text` cut to `width` terminal cells (ending in '…'; wide characters never split) and padded."""
    text = text.copy()
    text.truncate(max(width, 0), overflow="ellipsis", pad=True)
    return text


class CardColumn(ScrollView, can_focus=False, inherit_bindings=False):
    """One column of a board: its name, count and WIP limit, then its cards, drawn line by line.

    The column holds the cards it shows (already filtered and ordered by the screen) and a cursor; it has
    no key bindings and never takes the focus: the board screen's bindings move the cursor, the active
    column and the cards. Which column is active is drawn (its header and cursor), not styled through
    CSS, so that moving a card to the next column repaints two columns and restyles nothing.
    """

    DEFAULT_CSS = """
    CardColumn {
        width: 1fr;
        height: 1fr;
        min-width: 16;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        background: $surface;
        border-right: vkey $panel;
        & > .card-column--header { background: $panel; color: $foreground; text-style: bold; }
        & > .card-column--rule { color: $panel-lighten-2; }
        & > .card-column--full { background: $warning 30%; color: $foreground; text-style: bold; }
        & > .card-column--over { background: $error 40%; color: $foreground; text-style: bold; }
        & > .card-column--id { color: $accent; text-style: bold; }
        & > .card-column--meta { color: $text-muted; }
        & > .card-column--overdue { color: $text-warning; text-style: bold; }
        & > .card-column--blocked { color: $text-error; text-style: bold; }
        & > .card-column--milestone { color: $text-success; text-style: bold; }
        & > .card-column--lane { background: $primary-muted; color: $text; text-style: bold; }
        & > .card-column--empty { color: $text-muted; text-style: dim; }
        & > .card-column--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        & > .card-column--cursor-active {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .card-column--header-active { background: $primary; color: $text; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "card-column--header",
        "card-column--rule",
        "card-column--full",
        "card-column--over",
        "card-column--id",
        "card-column--meta",
        "card-column--overdue",
        "card-column--blocked",
        "card-column--milestone",
        "card-column--lane",
        "card-column--empty",
        "card-column--cursor",
        "card-column--cursor-active",
        "card-column--header-active",
    }

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another card (or the column became the active one)."""

        column: CardColumn
        card_id: str | None

        @property
        def control(self) -> CardColumn:
            return self.column

    @dataclass
    class Clicked(Message):
        """The column was clicked: make it the active one."""

        column: CardColumn

        @property
        def control(self) -> CardColumn:
            return self.column

    @dataclass
    class Chosen(Message):
        """A card was double-clicked: open it."""

        column: CardColumn
        card_id: str

        @property
        def control(self) -> CardColumn:
            return self.column

    @dataclass
    class Scrolled(Message):
        """The active column scrolled (swimlanes keep the other columns level with it)."""

        column: CardColumn
        y: int

    def __init__(self, column: ColumnInfo, marks: CardMarks, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.column = column
        """The column drawn (name, WIP limit, done)."""
        self.marks = marks
        """Board-wide facts for the markers."""
        self.cards: tuple[CardInfo, ...] = ()
        """The cards shown, top first."""
        self.total = 0
        """Cards in the column, filtered out ones included (the count and the WIP limit use it)."""
        self.cursor = 0
        """Index of the highlighted card in `cards`."""
        self.empty_text = _("No cards")
        self.active = False
        """Whether the keys act on this column (drawn with a bright header and cursor)."""
        self._styles: dict[str, Style] = {}
        self._slots: tuple[Slot, ...] = ()
        self._starts: list[int] = []
        self._card_slot: dict[int, int] = {}
        self._lines = 0

    # --- data -------------------------------------------------------------------------------------

    def set_cards(
        self,
        cards: Sequence[CardInfo],
        total: int,
        *,
        slots: Sequence[Slot] | None = None,
        keep: str | None = None,
    ) -> None:
        """Show these cards (`slots` for swimlanes; default one slot per card); the cursor goes to the card
        `keep` when given and shown, else stays at its index, clamped."""
        self.cards = tuple(cards)
        self.total = total
        self._slots = tuple(slots) if slots is not None else tuple(Slot("card", i) for i in range(len(cards)))
        self._starts = []
        self._card_slot = {}
        line = 0
        for index, slot in enumerate(self._slots):
            self._starts.append(line)
            if slot.kind == "card":
                self._card_slot[slot.card] = index
            line += slot.height
        self._lines = line
        if keep is not None:
            found = next((i for i, card in enumerate(self.cards) if card.id == keep), None)
            if found is not None:
                self.cursor = found
        self.cursor = min(max(self.cursor, 0), max(len(self.cards) - 1, 0))
        if self.is_mounted:
            self._set_virtual_height(self._lines + HEADER_HEIGHT)
            self.refresh()
            self.scroll_to_cursor()
            self._announce()

    def _set_virtual_height(self, height: int) -> None:
        """Resize the scrollable area. While the scrollbar neither appears nor goes, only the scrollbar's
        thumb changes, so the screen's layout pass (most of a move's cost) is skipped."""
        size = Size(self.virtual_size.width or self.size.width, height)
        if size == self.virtual_size:
            return
        window = self.scrollable_content_region.height
        if self.virtual_size.width and (self.virtual_size.height > window) == (height > window):
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size

    def set_active(self, active: bool) -> None:
        """Make this the column the keys act on, or not."""
        if active != self.active:
            self.active = active
            self.refresh()
            if active:
                self._announce()

    def set_column(self, column: ColumnInfo) -> None:
        """A renamed or re-limited column."""
        self.column = column
        self.refresh()

    @property
    def cursor_card(self) -> CardInfo | None:
        """The highlighted card, if the column shows any."""
        return self.cards[self.cursor] if 0 <= self.cursor < len(self.cards) else None

    def move_cursor(self, delta: int) -> None:
        """Highlight the card `delta` places down (negative: up), stopping at the ends."""
        if not self.cards:
            return
        new = min(max(self.cursor + delta, 0), len(self.cards) - 1)
        if new != self.cursor:
            self.cursor = new
            self.refresh()
            self.scroll_to_cursor()
            self._announce()

    def scroll_to_cursor(self) -> None:
        """Scroll the least needed to show the highlighted card."""
        slot = self._card_slot.get(self.cursor)
        if slot is None:
            return
        start = self._starts[slot]
        body = max(1, self.scrollable_content_region.height - HEADER_HEIGHT)
        top = self.scroll_offset.y
        if start < top:
            self.scroll_to(y=start, animate=False, force=True)
        elif start + CARD_HEIGHT > top + body:
            self.scroll_to(y=start + CARD_HEIGHT - body, animate=False, force=True)

    def _announce(self) -> None:
        card = self.cursor_card
        self.post_message(self.Highlighted(self, card.id if card else None))

    # --- events -----------------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Cards given before the column was mounted are laid out now."""
        self.virtual_size = Size(self.size.width, self._lines + HEADER_HEIGHT)
        self.call_after_refresh(self.scroll_to_cursor)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self._lines + HEADER_HEIGHT)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.active:
            self.post_message(self.Scrolled(self, round(new_value)))

    def _card_at(self, y: int) -> int | None:
        """Index of the card drawn at view line `y`, if any."""
        line = self.scroll_offset.y + y - HEADER_HEIGHT
        if y < HEADER_HEIGHT or not 0 <= line < self._lines:
            return None
        slot = self._slots[bisect_right(self._starts, line) - 1]
        return slot.card if slot.kind == "card" else None

    def on_click(self, event: events.Click) -> None:
        """A click highlights the card under it; a double click opens it."""
        offset = event.get_content_offset(self)
        event.stop()
        self.post_message(self.Clicked(self))
        index = None if offset is None else self._card_at(offset.y)
        if index is None:
            return
        if index != self.cursor:
            self.cursor = index
            self.refresh()
            self._announce()
        if event.chain >= 2:
            self.post_message(self.Chosen(self, self.cards[index].id))

    # --- drawing ----------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        """A component class's style, worked out once per style change (not once per line drawn)."""
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(name) if name else self.rich_style
            self._styles[name] = style
        return style

    def _base_style(self) -> Style:
        return self._style("")

    def notify_style_update(self) -> None:
        """The theme or the CSS changed: work the styles out again."""
        self._styles.clear()
        super().notify_style_update()

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text = fit(text, width)
        text.stylize_before(style)
        return Strip(text.render(self.app.console), width).adjust_cell_length(width, style)

    def _header(self, width: int, base: Style) -> Strip:
        column = self.column
        limit = column.wip_limit
        shown = len(self.cards)
        count = f"{self.total}/{limit}" if limit else str(self.total)
        if shown != self.total:
            count = _("{shown} of {count}").format(shown=shown, count=count)
        style = base + self._style("card-column--header-active" if self.active else "card-column--header")
        if limit and self.total > limit:
            style += self._style("card-column--over")
        elif limit and self.total >= limit:
            style += self._style("card-column--full")
        mark = " ✓" if column.is_done else ""
        text = Text(f" {column.name}{mark}", no_wrap=True, end="")
        text.append(" " * max(1, width - text.cell_len - len(count) - 1) + count + " ")
        return self._strip(text, width, style)

    def render_line(self, y: int) -> Strip:
        """Line `y` of the view: the header, the rule, then the lines of the slots scrolled into view."""
        width = self.scrollable_content_region.width
        base = self._base_style()
        if y == 0:
            return self._header(width, base)
        if y == 1:
            return Strip([Segment("─" * width, base + self._style("card-column--rule"))], width)
        line = self.scroll_offset.y + y - HEADER_HEIGHT
        if not self.cards and line == 1:
            return self._strip(Text(f" {self.empty_text}"), width, base + self._style("card-column--empty"))
        if not 0 <= line < self._lines:
            return Strip.blank(width, base)
        index = bisect_right(self._starts, line) - 1
        slot = self._slots[index]
        row = line - self._starts[index]
        if slot.kind == "lane":
            return self._strip(Text(f" {slot.text}"), width, base + self._style("card-column--lane"))
        if slot.kind == "gap" or row >= CARD_HEIGHT - 1:
            return Strip.blank(width, base)
        card = self.cards[slot.card]
        style = base
        if slot.card == self.cursor:
            style += self._style("card-column--cursor-active" if self.active else "card-column--cursor")
        text = self._title_line(card) if row == 0 else self._meta_line(card)
        return self._strip(text, width, style)

    def _title_line(self, card: CardInfo) -> Text:
        text = Text(" ", no_wrap=True, end="")
        text.append(card.short_id, self._style("card-column--id"))
        text.append(" ")
        if card.id in self.marks.blocked:
            text.append("⛔ ", self._style("card-column--blocked"))
        if card.milestone:
            text.append("◆ ", self._style("card-column--milestone"))
        text.append(
            card.title, Style(dim=True) if card.confidential and card.title.startswith("🔒") else None
        )
        return text

    def _meta_line(self, card: CardInfo) -> Text:
        meta = self._style("card-column--meta")
        text = Text("   ", no_wrap=True, end="")
        parts: list[tuple[str, Style | None]] = []
        if card.owner_name:
            parts.append((f"@{card.owner_name}", None))
        if card.due is not None:
            late = card.due < self.marks.today and not self.column.is_done
            parts.append((card.due.strftime("%m-%d"), self._style("card-column--overdue") if late else None))
        if card.checklist_total:
            parts.append((f"☑{card.checklist_done}/{card.checklist_total}", None))
        if card.blocker_short_id and card.id in self.marks.blocked:
            parts.append(
                (
                    _("waits for {card}").format(card=card.blocker_short_id),
                    self._style("card-column--blocked"),
                )
            )
        parts.extend((f"#{label}", None) for label in card.labels)
        for index, (part, style) in enumerate(parts):
            if index:
                text.append(" ")
            text.append(part, style or meta)
        return text


# --- the timeline ----------------------------------------------------------------------------------------

LABEL_WIDTH = 34
"""Cells of the label column of the timeline."""
WEEK_WIDTH = 7
"""Cells of one week of the timeline."""


class BoardTimeline(ScrollView, can_focus=True):
    """Cards and milestones of a board along a week axis; overdue ones in the warning colour.

    Line 0 is the axis (the first day of each week, this week marked); each row below has its label and a
    mark in the week it falls in: ◆ a milestone, ■ a card, ✓ a card done.
    """

    DEFAULT_CSS = """
    BoardTimeline {
        width: 1fr;
        height: 1fr;
        background: $surface;
        & > .board-timeline--axis { background: $panel; text-style: bold; }
        & > .board-timeline--today { background: $primary 40%; }
        & > .board-timeline--overdue { color: $text-warning; text-style: bold; }
        & > .board-timeline--milestone { color: $text-success; text-style: bold; }
        & > .board-timeline--done { color: $text-muted; }
        & > .board-timeline--empty { color: $text-muted; text-style: dim; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "board-timeline--axis",
        "board-timeline--today",
        "board-timeline--overdue",
        "board-timeline--milestone",
        "board-timeline--done",
        "board-timeline--empty",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[TimelineRow] = []
        self.start = date.min
        self.weeks = 0
        self.today = date.min
        self.done: Callable[[str | None], bool] = lambda _card: False
        """Whether a row's card is done (drawn as ✓)."""

    def show(
        self,
        rows: Sequence[TimelineRow],
        start: date,
        weeks: int,
        today: date,
        done: Mapping[str, bool] | None = None,
    ) -> None:
        """Draw these rows from the week starting `start` for `weeks` weeks."""
        finished = dict(done or {})
        self.rows, self.start, self.weeks, self.today = list(rows), start, weeks, today
        self.done = lambda card: bool(card and finished.get(card))
        self.virtual_size = Size(LABEL_WIDTH + WEEK_WIDTH * weeks, len(self.rows) + 1)
        self.scroll_to(y=0, animate=False, force=True)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        this_week = (self.today - self.start).days // 7
        text = Text(no_wrap=True, end="")
        if y == 0:
            text.append(fit(Text(" " + _("Card or milestone")), LABEL_WIDTH))
            for week in range(self.weeks):
                first_day = self.start + timedelta(weeks=week)
                style = self.get_component_rich_style("board-timeline--today") if week == this_week else None
                text.append(first_day.strftime("%m-%d").center(WEEK_WIDTH), style)
            style = base + self.get_component_rich_style("board-timeline--axis")
        else:
            index = self.scroll_offset.y + y - 1
            style = base
            if not self.rows:
                if y == 2:
                    text.append(" " + _("No dated cards on this board."))
                    style += self.get_component_rich_style("board-timeline--empty")
                return self._crop(text, width, style, with_label=True)
            if index >= len(self.rows):
                return Strip.blank(width, base)
            row = self.rows[index]
            done = self.done(row.card_id)
            if row.overdue:
                style += self.get_component_rich_style("board-timeline--overdue")
            elif done:
                style += self.get_component_rich_style("board-timeline--done")
            label = Text(f" {row.due.strftime('%m-%d')} {row.label}")
            text.append(fit(label, LABEL_WIDTH))
            mark = "◆" if row.milestone else ("✓" if done else "■")
            mark_style = (
                self.get_component_rich_style("board-timeline--milestone")
                if row.milestone and not row.overdue
                else None
            )
            for week in range(self.weeks):
                cell = mark.center(WEEK_WIDTH) if week == row.week else "·".center(WEEK_WIDTH)
                today_style = (
                    self.get_component_rich_style("board-timeline--today") if week == this_week else None
                )
                text.append(cell, mark_style if week == row.week else today_style)
        return self._crop(text, width, style, with_label=True)

    def _crop(self, text: Text, width: int, style: Style, *, with_label: bool) -> Strip:
        """Scroll the weeks sideways but keep the labels in place."""
        text.stylize_before(style)
        strip = Strip(text.render(self.app.console))
        x = self.scroll_offset.x
        if x and with_label:
            label = strip.crop(0, LABEL_WIDTH)
            strip = Strip.join([label, strip.crop(LABEL_WIDTH + x, LABEL_WIDTH + x + width)])
        return strip.adjust_cell_length(width, style).crop(0, width)

    def on_resize(self, event: events.Resize) -> None:
        self.refresh()
