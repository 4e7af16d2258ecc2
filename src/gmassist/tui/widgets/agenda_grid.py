"""The day and week time grid: half-hour rows, events as blocks, overlapping ones side by side.

Drawn with the Line API: `render_line(y)` draws one visible line from a layout computed once per page
(`build_grid`, which runs in the screen's worker thread), so scrolling and moving the cursor cost only the
lines on screen. The header (day names, Chinese holidays and 调休 workdays, all-day events) stays on top
while the half-hour rows scroll beneath it. Widths are counted in terminal cells (`rich.cells`), so
Chinese titles line up with English ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gmassist.domain.agenda import TRAVEL, Occurrence
from gmassist.domain.agenda_view import (
    SLOTS_PER_DAY,
    Placed,
    all_day_on,
    by_day,
    day_bounds,
    lay_out_day,
    weekday_name,
)
from gmassist.i18n import _

if TYPE_CHECKING:
    from gmassist.services.agenda import EventRow, Page, Policy

GUTTER = 6
"""Cells of the time gutter on the left ("09:00 ")."""
KIND_MARK = {"travel": "✈", "visit": "⌂", "inspection": "◎", "focus": "◆", "personal": "·"}
"""A one-cell sign before titles of kinds other than meetings."""
MAX_ALL_DAY_LINES = 3


# --- the layout, computed off the event loop -------------------------------------------------------------


KINDS = ("meeting", "visit", "inspection", "travel", "focus", "personal")


@dataclass(frozen=True, slots=True)
class Block:
    """A placed occurrence with what its rows say, worked out once in the worker thread."""

    placed: Placed
    key: tuple[str, datetime]
    """The occurrence's identity (for the selection)."""
    kind: str
    """Its component style: one of KINDS."""
    head: str
    """First row: time (or ↑ when it began earlier), conflict sign, kind sign, title."""
    second: str
    """Second row: the place, or the local arrival time of a flight."""

    @property
    def occurrence(self) -> Occurrence:
        """The occurrence drawn."""
        return self.placed.occurrence

    def text(self, slot: int) -> str:
        """What row `slot` of the block says (a leading space keeps it off the block's edge)."""
        row = slot - self.placed.first_slot
        if row == 0:
            return " " + self.head
        if row == 1 and self.second:
            return " " + self.second
        if slot == self.placed.last_slot - 1 and self.placed.continues_after:
            return " ↓"
        return ""


def make_block(placed: Placed, zone: tzinfo, conflicted: bool, place: str) -> Block:
    """The Block of a placed occurrence."""
    from gmassist.domain.agenda import zone as zone_named

    o = placed.occurrence
    title = block_title(o, conflicted)
    head = f"↑ {title}" if placed.continues_before else f"{o.start.astimezone(zone):%H:%M} {title}"
    second = f"@{place}" if place else ""
    if o.kind == TRAVEL and o.end_tz != o.start_tz:
        arrive = o.end.astimezone(zone_named(o.end_tz))
        second = f"→ {arrive:%H:%M} {o.end_tz.rsplit('/', 1)[-1]}"
    return Block(placed, o.key, o.kind if o.kind in KINDS else "meeting", head, second)


@dataclass(frozen=True)
class DayColumn:
    """One day of the grid: its header and its blocks."""

    day: date
    label: str
    """Weekday and date, e.g. "Wed 11-25"."""
    mark: str
    """"off" (休) on a public holiday, "workday" (班) on a 调休 weekend, else ""."""
    banner: str
    """The holiday's name, or "调休 workday": shown above the day's all-day events."""
    holiday: bool
    adjusted: bool
    today: bool
    all_day: tuple[Occurrence, ...]
    placed: tuple[Block, ...]
    by_slot: tuple[tuple[Block, ...], ...]
    """For each half-hour row, the blocks covering it, by lane."""
    work: tuple[bool, ...]
    """For each half-hour row, whether it lies in working hours on a working day."""


@dataclass(frozen=True)
class GridData:
    """Everything the grid draws for one page, in the display zone."""

    columns: tuple[DayColumn, ...]
    zone: tzinfo
    conflicted: frozenset[tuple[str, datetime]] = frozenset()
    rows: Mapping[str, EventRow] = field(default_factory=dict)
    now: datetime | None = None
    order: tuple[Occurrence, ...] = ()
    """Occurrences of the page by start (for next/previous event)."""


def day_mark(day: date, language: str) -> tuple[str, str, bool, bool]:
    """(short mark, banner, holiday, adjusted workday) of a day from the shipped Chinese holiday data:
    the mark fits next to the date ("off" / "workday", 休 / 班 in Chinese), the banner names it."""
    from gmassist.domain import holidays

    info = holidays.day_info(day)
    if info.holiday:
        name = info.holiday_zh if language == "zh" else info.holiday
        return _("off"), name or "", True, False
    if info.adjusted_workday:
        return _("workday"), _("调休 workday"), False, True
    return "", "", False, False


def build_grid(
    page: Page, first: date, days: int, zone: tzinfo, rules: Policy, now: datetime, language: str
) -> GridData:
    """The grid's layout for `days` days from `first` in `zone` (pure; runs in a worker thread)."""
    columns = []
    work_zone = rules.zone
    begin, finish = rules.hours
    today = now.astimezone(zone).date()
    for index, near in enumerate(by_day(page.occurrences, first, days, zone)):
        day = first + timedelta(days=index)
        placed = []
        for item in lay_out_day(near, day, zone):
            source = page.rows.get(item.occurrence.event_id)
            conflicted = item.occurrence.key in page.conflicted
            placed.append(make_block(item, zone, conflicted, source.location if source is not None else ""))
        by_slot: list[list[Block]] = [[] for _ in range(SLOTS_PER_DAY)]
        for block in placed:
            for slot in range(block.placed.first_slot, block.placed.last_slot):
                by_slot[slot].append(block)
        start, _end = day_bounds(day, zone)
        work = []
        for slot in range(SLOTS_PER_DAY):
            moment = (start + timedelta(minutes=30 * slot)).astimezone(work_zone)
            work.append(rules.is_working_day(moment.date()) and begin <= moment.time() < finish)
        mark, banner, holiday, adjusted = day_mark(day, language)
        columns.append(
            DayColumn(
                day=day,
                label=f"{weekday_name(day)} {day:%m-%d}",
                mark=mark,
                banner=banner,
                holiday=holiday,
                adjusted=adjusted,
                today=day == today,
                all_day=tuple(all_day_on(near, day, zone)),
                placed=tuple(placed),
                by_slot=tuple(tuple(sorted(blocks, key=lambda b: b.placed.lane)) for blocks in by_slot),
                work=tuple(work),
            )
        )
    order = tuple(sorted(page.occurrences, key=lambda o: (o.start, o.end, o.event_id)))
    return GridData(tuple(columns), zone, page.conflicted, page.rows, now, order)


def block_title(o: Occurrence, conflicted: bool) -> str:
    """The title drawn in a block: conflict sign, kind sign, title."""
    sign = ("⚠" if conflicted else "") + KIND_MARK.get(o.kind, "")
    return f"{sign}{o.title}" if sign else o.title


# --- the widget -----------------------------------------------------------------------------------------


class TimeGrid(ScrollView, can_focus=True):
    """Day or week grid. Arrows move the cursor (a half hour, a day); j/k jump between events; Enter
    opens the event under the cursor, or starts a new one at the cursor's time."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(0, -1)", _("Earlier"), show=False, id="agenda.grid_up"),
        Binding("down", "cursor(0, 1)", _("Later"), show=False, id="agenda.grid_down"),
        Binding("left", "cursor(-1, 0)", _("Day before"), show=False, id="agenda.grid_left"),
        Binding("right", "cursor(1, 0)", _("Day after"), show=False, id="agenda.grid_right"),
        Binding(
            "j",
            "jump(1)",
            _("Next event"),
            show=False,
            id="agenda.next_event",
            tooltip=_("Select the next event"),
        ),
        Binding(
            "k",
            "jump(-1)",
            _("Previous event"),
            show=False,
            id="agenda.previous_event",
            tooltip=_("Select the previous event"),
        ),
        Binding("pageup", "page(-1)", _("Page up"), show=False, id="agenda.grid_page_up"),
        Binding("pagedown", "page(1)", _("Page down"), show=False, id="agenda.grid_page_down"),
        Binding(
            "enter",
            "activate",
            _("Open"),
            id="agenda.open",
            tooltip=_("Open the event under the cursor (or add one at that time)"),
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "agenda-grid--header",
        "agenda-grid--today",
        "agenda-grid--holiday",
        "agenda-grid--adjusted",
        "agenda-grid--work",
        "agenda-grid--off",
        "agenda-grid--gutter",
        "agenda-grid--line",
        "agenda-grid--now",
        "agenda-grid--cursor",
        "agenda-grid--selected",
        "agenda-grid--meeting",
        "agenda-grid--visit",
        "agenda-grid--inspection",
        "agenda-grid--travel",
        "agenda-grid--focus",
        "agenda-grid--personal",
    }

    DEFAULT_CSS = """
    TimeGrid {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        background: $surface;
        color: $foreground;
        & > .agenda-grid--header { background: $panel; color: $foreground; text-style: bold; }
        & > .agenda-grid--today { background: $primary; color: $text; text-style: bold; }
        & > .agenda-grid--holiday { background: $panel; color: $text-error; text-style: bold; }
        & > .agenda-grid--adjusted { background: $panel; color: $text-warning; text-style: bold; }
        & > .agenda-grid--work { background: $panel; }
        & > .agenda-grid--off { background: $surface; }
        & > .agenda-grid--gutter { color: $text-muted; }
        & > .agenda-grid--line { color: $text-disabled; }
        & > .agenda-grid--now { color: $text-error; text-style: bold; }
        & > .agenda-grid--cursor { background: $block-cursor-blurred-background; }
        & > .agenda-grid--selected { text-style: reverse bold; }
        & > .agenda-grid--meeting { background: $primary-muted; color: $text; }
        & > .agenda-grid--visit { background: $success-muted; color: $text; }
        & > .agenda-grid--inspection { background: $warning-muted; color: $text; }
        & > .agenda-grid--travel { background: $accent-muted; color: $text; }
        & > .agenda-grid--focus { background: $secondary-muted; color: $text; }
        & > .agenda-grid--personal { background: $boost; color: $text; }
        &:focus > .agenda-grid--cursor { background: $block-cursor-background; }
    }
    """

    cursor_day: reactive[int] = reactive(0)
    """Index of the day column the cursor is in."""
    cursor_slot: reactive[int] = reactive(18)
    """Half-hour row of the cursor (18 = 09:00)."""

    @dataclass
    class Activated(Message):
        """Enter on an event (`occurrence` set) or on a free cell (`day` and `slot` of the cursor)."""

        grid: TimeGrid
        occurrence: Occurrence | None
        day: date
        slot: int

        @property
        def control(self) -> TimeGrid:
            """The grid."""
            return self.grid

    @dataclass
    class Changed(Message):
        """The cursor or the selected event changed."""

        grid: TimeGrid
        occurrence: Occurrence | None

        @property
        def control(self) -> TimeGrid:
            """The grid."""
            return self.grid

    @dataclass
    class Edge(Message):
        """The cursor was moved past the first (-1) or last (+1) day shown."""

        grid: TimeGrid
        direction: int

        @property
        def control(self) -> TimeGrid:
            """The grid."""
            return self.grid

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: GridData | None = None
        self.selected: Occurrence | None = None
        """The event the cursor is on (or that j/k chose)."""
        self._scrolled_once = False
        self._styles: dict[str, Style] = {}

    # --- data --------------------------------------------------------------------------------------

    @property
    def header_height(self) -> int:
        """Lines above the half-hour rows: the day names and the all-day events."""
        if self.data is None:
            return 2
        most = max((len(column.all_day) + bool(column.banner) for column in self.data.columns), default=0)
        return 1 + min(MAX_ALL_DAY_LINES, max(1, most))

    def set_data(self, data: GridData, first_slot: int | None = None) -> None:
        """Show a new page; keep the selected event if it is still there."""
        previous = self.selected.key if self.selected is not None else None
        self.data = data
        self.cursor_day = min(self.cursor_day, max(0, len(data.columns) - 1))
        self.virtual_size = Size(self.size.width, SLOTS_PER_DAY + self.header_height)
        self.selected = None
        if previous is not None:
            self.selected = next((o for o in data.order if o.key == previous), None)
        if self.selected is None:
            self._select_under_cursor()
        if first_slot is not None or not self._scrolled_once:
            self._scrolled_once = True
            self.call_after_refresh(self.scroll_to_slot, first_slot if first_slot is not None else 16)
        self.refresh()
        self.post_message(self.Changed(self, self.selected))

    def scroll_to_slot(self, slot: int) -> None:
        """Scroll so that `slot` is the first row under the header."""
        self.scroll_to(y=max(0, slot), animate=False, force=True)

    def select(self, occurrence: Occurrence) -> None:
        """Select `occurrence` and put the cursor on its first row."""
        if self.data is None:
            return
        for index, column in enumerate(self.data.columns):
            for block in column.placed:
                if block.key == occurrence.key:
                    self.selected = block.occurrence
                    self.cursor_day = index
                    self.cursor_slot = block.placed.first_slot
                    self._keep_cursor_visible()
                    self.refresh()
                    self.post_message(self.Changed(self, self.selected))
                    return
            for o in column.all_day:
                if o.key == occurrence.key:
                    self.selected = o
                    self.cursor_day = index
                    self.refresh()
                    self.post_message(self.Changed(self, self.selected))
                    return

    def cursor_time(self) -> datetime:
        """The start of the cursor's half hour (aware, display zone)."""
        assert self.data is not None
        day = self.data.columns[self.cursor_day].day
        start, _end = day_bounds(day, self.data.zone)
        return (start + timedelta(minutes=30 * self.cursor_slot)).astimezone(self.data.zone)

    def cursor_date(self) -> date:
        """The day the cursor is in."""
        assert self.data is not None
        return self.data.columns[self.cursor_day].day

    def _select_under_cursor(self) -> None:
        if self.data is None or not self.data.columns:
            self.selected = None
            return
        column = self.data.columns[self.cursor_day]
        blocks = column.by_slot[self.cursor_slot]
        self.selected = blocks[0].occurrence if blocks else None

    # --- actions -----------------------------------------------------------------------------------

    def action_cursor(self, days: int, slots: int) -> None:
        """Move the cursor; past the first or last day the screen turns the page."""
        if self.data is None:
            return
        day = self.cursor_day + days
        if day < 0 or day >= len(self.data.columns):
            self.post_message(self.Edge(self, -1 if day < 0 else 1))
            return
        self.cursor_day = day
        self.cursor_slot = max(0, min(SLOTS_PER_DAY - 1, self.cursor_slot + slots))
        self._select_under_cursor()
        self._keep_cursor_visible()
        self.refresh()
        self.post_message(self.Changed(self, self.selected))

    def action_jump(self, step: int) -> None:
        """Select the next (1) or previous (-1) event in time order."""
        if self.data is None or not self.data.order:
            return
        order = list(self.data.order)
        if self.selected is not None and self.selected in order:
            index = order.index(self.selected) + step
        else:
            moment = self.cursor_time().astimezone(UTC)
            later = [i for i, o in enumerate(order) if o.start >= moment]
            index = (
                (later[0] if later else len(order))
                if step > 0
                else (later[0] - 1 if later else len(order) - 1)
            )
        if 0 <= index < len(order):
            self.select(order[index])

    def action_page(self, step: int) -> None:
        """Scroll a screenful."""
        body = max(1, self.size.height - self.header_height)
        self.cursor_slot = max(0, min(SLOTS_PER_DAY - 1, self.cursor_slot + step * body))
        self.scroll_to(y=self.scroll_offset.y + step * body, animate=False, force=True)
        self._select_under_cursor()
        self.refresh()
        self.post_message(self.Changed(self, self.selected))

    def action_activate(self) -> None:
        """Open the selected event, or ask for a new one at the cursor."""
        if self.data is None or not self.data.columns:
            return
        self.post_message(self.Activated(self, self.selected, self.cursor_date(), self.cursor_slot))

    def _keep_cursor_visible(self) -> None:
        body = max(1, self.size.height - self.header_height)
        top = round(self.scroll_offset.y)
        if self.cursor_slot < top:
            self.scroll_to(y=self.cursor_slot, animate=False, force=True)
        elif self.cursor_slot >= top + body:
            self.scroll_to(y=self.cursor_slot - body + 1, animate=False, force=True)

    def on_click(self, event: events.Click) -> None:
        """A click moves the cursor there; a click on the cursor's cell opens it."""
        if self.data is None or not self.data.columns:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        geometry = self._geometry(self.scrollable_content_region.width)
        found = [i for i, (x0, x1) in enumerate(geometry) if x0 <= offset.x < x1]
        if not found:
            return
        index = found[0]
        if offset.y < self.header_height:
            self.cursor_day = index
        else:
            slot = round(self.scroll_offset.y) + offset.y - self.header_height
            if not 0 <= slot < SLOTS_PER_DAY:
                return
            if (index, slot) == (self.cursor_day, self.cursor_slot):
                self.action_activate()
                return
            self.cursor_day, self.cursor_slot = index, slot
        self._select_under_cursor()
        self.refresh()
        self.post_message(self.Changed(self, self.selected))

    def on_resize(self, _event: events.Resize) -> None:
        self.virtual_size = Size(self.size.width, SLOTS_PER_DAY + self.header_height)
        self.refresh()

    # --- drawing -----------------------------------------------------------------------------------

    def _geometry(self, width: int) -> list[tuple[int, int]]:
        """[x0, x1) of each day column (each starts with a one-cell separator)."""
        assert self.data is not None
        count = max(1, len(self.data.columns))
        room = max(count, width - GUTTER)
        base, extra = divmod(room, count)
        out, x = [], GUTTER
        for index in range(count):
            w = base + (1 if index < extra else 0)
            out.append((x, x + w))
            x += w
        return out

    def _style(self, name: str) -> Style:
        """A component style, cached until the styles change (a theme switch)."""
        style = self._styles.get(name)
        if style is None:
            if name == "base":
                style = self.rich_style
            elif name.endswith("-selected"):
                style = self._style(name.removesuffix("-selected")) + self._style("selected")
            elif name.endswith("-bg-cursor"):
                style = self._style(name.removesuffix("-bg-cursor")) + self._style("cursor")
            elif name.endswith("-cursor"):
                style = self._style(name.removesuffix("-cursor")) + Style(underline=True)
            else:
                style = self.get_component_rich_style(f"agenda-grid--{name}")
            self._styles[name] = style
        return style

    def on_focus(self) -> None:
        """The cursor's colour depends on focus."""
        self._styles.clear()

    def on_blur(self) -> None:
        """The cursor's colour depends on focus."""
        self._styles.clear()

    def notify_style_update(self) -> None:
        """The theme or CSS changed: forget the cached styles."""
        super().notify_style_update()
        self._styles.clear()

    def render_line(self, y: int) -> Strip:
        """Line `y` of the view: header lines on top, then the half-hour row under the scroll offset."""
        width = self.scrollable_content_region.width
        base = self._style("base")
        if self.data is None or not self.data.columns:
            return Strip.blank(width, base)
        geometry = self._geometry(width)
        if y < self.header_height:
            return self._header_line(y, geometry, width)
        slot = round(self.scroll_offset.y) + y - self.header_height
        if not 0 <= slot < SLOTS_PER_DAY:
            return Strip.blank(width, base)
        return self._slot_line(slot, geometry, width)

    def _header_line(self, y: int, geometry: Sequence[tuple[int, int]], width: int) -> Strip:
        assert self.data is not None
        header = self._style("header")
        segments = [Segment(" " * GUTTER, header)]
        line = self._style("line")
        for index, (column, (x0, x1)) in enumerate(zip(self.data.columns, geometry, strict=True)):
            inner = x1 - x0 - 1
            segments.append(Segment("│", header + line))
            if y == 0:
                style = self._style("today") if column.today else header
                if index == self.cursor_day:
                    style += Style(underline=True)
                label = column.label
                mark_style = self._style("holiday") if column.holiday else self._style("adjusted")
                text = set_cell_size(label, min(inner, cell_len(label)))
                segments.append(Segment(text, style))
                rest = inner - cell_len(text)
                if column.mark and rest > 1:
                    segments.append(Segment(set_cell_size(" " + column.mark, rest), mark_style))
                elif rest > 0:
                    segments.append(Segment(" " * rest, style))
                continue
            position = y - 1
            if column.banner:
                if position == 0:
                    banner_style = self._style("holiday") if column.holiday else self._style("adjusted")
                    segments.append(Segment(set_cell_size(column.banner, inner), banner_style))
                    continue
                position -= 1
            items = column.all_day
            room = MAX_ALL_DAY_LINES - (1 if column.banner else 0)
            if position < len(items) and not (position == room - 1 and len(items) > room):
                o = items[position]
                text = block_title(o, o.key in self.data.conflicted)
                style = self._style(o.kind if o.kind in KIND_MARK or o.kind == "meeting" else "meeting")
                if self.selected is not None and o.key == self.selected.key:
                    style += self._style("selected")
                segments.append(Segment(set_cell_size(text, inner), style))
            elif position < len(items):
                more = _("+{n} more").format(n=len(items) - position)
                segments.append(Segment(set_cell_size(more, inner), header))
            else:
                segments.append(Segment(" " * inner, header))
        return Strip(segments).adjust_cell_length(width, header)

    def _slot_line(self, slot: int, geometry: Sequence[tuple[int, int]], width: int) -> Strip:
        assert self.data is not None
        data = self.data
        gutter_style = self._style("gutter")
        now_slot = None
        now_day = None
        if data.now is not None:
            local = data.now.astimezone(data.zone)
            now_day = local.date()
            now_slot = (local.hour * 60 + local.minute) // 30
        marker = now_slot == slot and any(c.day == now_day for c in data.columns)
        label = f"{slot // 2:02d}:00" if slot % 2 == 0 else "   30"
        segments = [
            Segment(
                (label + ("▶" if marker else " ")),
                self._style("now") if marker else gutter_style,
            )
        ]
        line = self._style("line")
        separator = "│" if slot % 2 == 0 else "┆"
        cursor_day = self.cursor_day if slot == self.cursor_slot else -1
        selected = self.selected.key if self.selected is not None else None
        for index, (column, (x0, x1)) in enumerate(zip(data.columns, geometry, strict=True)):
            inner = x1 - x0 - 1
            shade = "work" if column.work[slot] else "off"
            background = self._style(shade)
            cursor = index == cursor_day
            segments.append(Segment(separator, background + line))
            blocks = column.by_slot[slot]
            if not blocks:
                fill = self._style(f"{shade}-bg-cursor") if cursor else background
                if marker and column.day == now_day:
                    segments.append(Segment("─" * inner, fill + self._style("now")))
                else:
                    segments.append(Segment(" " * inner, fill))
                continue
            x = 0
            for block in blocks:
                lane, lanes = block.placed.lane, block.placed.lanes
                lx0 = lane * inner // lanes
                lx1 = (lane + 1) * inner // lanes
                if lx0 > x:
                    segments.append(Segment(" " * (lx0 - x), background))
                if lx1 <= lx0:
                    continue
                style = self._style(block.kind)
                if block.key == selected:
                    style = self._style(f"{block.kind}-selected")
                elif cursor:
                    style = self._style(f"{block.kind}-cursor")
                text = block.text(slot)
                segments.append(Segment(fit(text, lx1 - lx0) if text else " " * (lx1 - lx0), style))
                x = lx1
            if x < inner:
                segments.append(Segment(" " * (inner - x), background))
        # Every segment was made to its exact width, so the strip's length is known without measuring.
        return Strip(segments, geometry[-1][1]).adjust_cell_length(width, self._style("base"))


@lru_cache(maxsize=8192)
def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells; remembered, as a grid repaints the same titles (a
    weekly meeting's every week) and measuring CJK text cell by cell is the dearest part of a line."""
    return set_cell_size(text, width)


def slot_time(day: date, slot: int, zone: tzinfo) -> datetime:
    """The aware start of half-hour row `slot` on `day` in `zone`."""
    return datetime.combine(day, time(slot // 2, 30 * (slot % 2)), tzinfo=zone)
