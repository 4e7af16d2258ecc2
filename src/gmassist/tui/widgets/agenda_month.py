"""The month grid: six weeks of seven day cells, each with the day's number, its holiday or 调休 mark and
as many of its events as fit ("+3 more" for the rest). Line API, like the time grid: the cells are laid
out once per page in the worker thread (`build_month`) and only the visible lines are drawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from gmassist.domain.agenda import Occurrence
from gmassist.domain.agenda_view import by_day, on_day, weekday_name
from gmassist.i18n import _
from gmassist.tui.widgets.agenda_grid import block_title, day_mark

if TYPE_CHECKING:
    from gmassist.services.agenda import Page, Policy


@dataclass(frozen=True)
class MonthCell:
    """One day of the month grid."""

    day: date
    in_month: bool
    today: bool
    working: bool
    mark: str
    holiday: bool
    adjusted: bool
    items: tuple[Occurrence, ...]


@dataclass(frozen=True)
class MonthData:
    """The 42 cells of a month grid and how to draw their events."""

    month: date
    """The first of the month shown."""
    cells: tuple[MonthCell, ...]
    zone: tzinfo
    conflicted: frozenset[tuple[str, datetime]] = frozenset()


def build_month(
    page: Page, first: date, month: date, zone: tzinfo, rules: Policy, now: datetime, language: str
) -> MonthData:
    """Lay out the 42 days from `first` (pure; runs in a worker thread)."""
    today = now.astimezone(zone).date()
    cells = []
    for index, near in enumerate(by_day(page.occurrences, first, 42, zone)):
        day = first + timedelta(days=index)
        mark, banner, holiday, adjusted = day_mark(day, language)
        cells.append(
            MonthCell(
                day=day,
                in_month=day.month == month.month,
                today=day == today,
                working=rules.is_working_day(day),
                mark=banner or mark,
                holiday=holiday,
                adjusted=adjusted,
                items=tuple(on_day(near, day, zone)),
            )
        )
    return MonthData(month, tuple(cells), zone, page.conflicted)


class MonthGrid(Widget, can_focus=True):
    """Six weeks of day cells; arrows move between days, Enter opens the day in the day view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-7)", _("Week before"), show=False, id="agenda.month_up"),
        Binding("down", "move(7)", _("Week after"), show=False, id="agenda.month_down"),
        Binding("left", "move(-1)", _("Day before"), show=False, id="agenda.month_left"),
        Binding("right", "move(1)", _("Day after"), show=False, id="agenda.month_right"),
        Binding("enter", "activate", _("Open day"), id="agenda.open_day", tooltip=_("Show this day")),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "agenda-month--header",
        "agenda-month--day",
        "agenda-month--other-month",
        "agenda-month--off",
        "agenda-month--today",
        "agenda-month--holiday",
        "agenda-month--adjusted",
        "agenda-month--cursor",
        "agenda-month--conflict",
        "agenda-month--more",
    }

    DEFAULT_CSS = """
    MonthGrid {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .agenda-month--header { background: $panel; text-style: bold; }
        & > .agenda-month--day { text-style: bold; }
        & > .agenda-month--other-month { text-style: dim; }
        & > .agenda-month--off { background: $surface-darken-1; }
        & > .agenda-month--today { background: $primary; color: $text; text-style: bold; }
        & > .agenda-month--holiday { color: $text-error; text-style: bold; }
        & > .agenda-month--adjusted { color: $text-warning; text-style: bold; }
        & > .agenda-month--cursor { background: $block-cursor-blurred-background; }
        & > .agenda-month--conflict { color: $text-error; }
        & > .agenda-month--more { color: $text-muted; }
        &:focus > .agenda-month--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    }
    """

    cursor: reactive[int] = reactive(0)
    """Index (0..41) of the day cell under the cursor."""

    @dataclass
    class Activated(Message):
        """Enter on a day."""

        grid: MonthGrid
        day: date

        @property
        def control(self) -> MonthGrid:
            """The grid."""
            return self.grid

    @dataclass
    class Edge(Message):
        """The cursor left the six weeks shown (-1 before, +1 after), `day` is where it wants to be."""

        grid: MonthGrid
        day: date

        @property
        def control(self) -> MonthGrid:
            """The grid."""
            return self.grid

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: MonthData | None = None

    def set_data(self, data: MonthData, cursor_day: date | None = None) -> None:
        """Show a month; put the cursor on `cursor_day` when it is among the cells."""
        self.data = data
        if cursor_day is not None:
            for index, cell in enumerate(data.cells):
                if cell.day == cursor_day:
                    self.cursor = index
        self.refresh()

    @property
    def cursor_day(self) -> date | None:
        """The day under the cursor."""
        if self.data is None:
            return None
        return self.data.cells[self.cursor].day

    def action_move(self, step: int) -> None:
        """Move the cursor by days; leaving the grid turns the page."""
        if self.data is None:
            return
        index = self.cursor + step
        if not 0 <= index < 42:
            self.post_message(self.Edge(self, self.data.cells[self.cursor].day + timedelta(days=step)))
            return
        self.cursor = index

    def action_activate(self) -> None:
        """Open the day under the cursor."""
        if self.data is not None:
            self.post_message(self.Activated(self, self.data.cells[self.cursor].day))

    def on_click(self, event: events.Click) -> None:
        """Click a cell to move there; click the cursor's cell to open it."""
        if self.data is None:
            return
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        width, height = self.size
        row = min(5, (offset.y - 1) // max(1, (height - 1) // 6))
        column = min(6, offset.x // max(1, width // 7))
        index = row * 7 + column
        if index == self.cursor:
            self.action_activate()
        else:
            self.cursor = index

    def watch_cursor(self, _old: int, _new: int) -> None:
        self.refresh()

    def _style(self, name: str) -> Style:
        # Colours of text laid over a cell keep the cell's background (partial); backgrounds are full
        # styles, so the theme's translucent cursor colours are blended.
        overlay = name in ("day", "other-month", "holiday", "adjusted", "conflict", "more")
        return self.get_component_rich_style(f"agenda-month--{name}", partial=overlay)

    def render_line(self, y: int) -> Strip:
        """Line `y`: the weekday names, then six rows of cells of equal height."""
        width, height = self.size
        base = self.rich_style
        if self.data is None:
            return Strip.blank(width, base)
        columns = [(i * width // 7, (i + 1) * width // 7) for i in range(7)]
        if y == 0:
            header = self._style("header")
            segments = []
            for index, (x0, x1) in enumerate(columns):
                name = weekday_name(self.data.cells[index].day)
                segments.append(Segment(set_cell_size(" " + name, x1 - x0), header))
            return Strip(segments).adjust_cell_length(width, header)
        cell_height = max(2, (height - 1) // 6)
        row, line = divmod(y - 1, cell_height)
        if row >= 6:
            return Strip.blank(width, base)
        segments = []
        for column, (x0, x1) in enumerate(columns):
            index = row * 7 + column
            cell = self.data.cells[index]
            segments.extend(self._cell_line(cell, line, cell_height, x1 - x0, index == self.cursor))
        return Strip(segments).adjust_cell_length(width, base)

    def _cell_line(self, cell: MonthCell, line: int, height: int, width: int, cursor: bool) -> list[Segment]:
        assert self.data is not None
        background = self.rich_style if cell.working else self.rich_style + self._style("off")
        if cursor:
            background += self._style("cursor")
        separator = Segment("│", background + Style(dim=True))
        inner = max(0, width - 1)
        if line == 0:
            number = f"{cell.day.day:>2}"
            style = background + self._style("day")
            if cell.today:
                style += self._style("today")
            if not cell.in_month:
                style += self._style("other-month")
            out = [separator, Segment(number, style)]
            rest = inner - cell_len(number)
            if cell.mark and rest > 1:
                mark_style = background + self._style("holiday" if cell.holiday else "adjusted")
                out.append(Segment(set_cell_size(" " + cell.mark, rest), mark_style))
            elif rest > 0:
                out.append(Segment(" " * rest, background))
            return out
        if line == height - 1 and height > 1:
            # a thin rule under each week
            return [separator, Segment("─" * inner, background + Style(dim=True))]
        position = line - 1
        room = height - 2
        items = cell.items
        if position < len(items) and not (position == room - 1 and len(items) > room):
            o = items[position]
            conflicted = o.key in self.data.conflicted
            if o.all_day:
                text = block_title(o, conflicted)
            else:
                text = f"{o.start.astimezone(self.data.zone):%H:%M} {block_title(o, conflicted)}"
            style = background + (self._style("conflict") if conflicted else Style())
            if not cell.in_month:
                style += self._style("other-month")
            return [separator, Segment(set_cell_size(text, inner), style)]
        if position < len(items):
            more = _("+{n} more").format(n=len(items) - position)
            return [separator, Segment(set_cell_size(more, inner), background + self._style("more"))]
        return [separator, Segment(" " * inner, background)]
