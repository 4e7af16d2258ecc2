"""冲突 of the coming weeks: every occurrence that overlaps another or sits closer than the buffer (the
travel buffer next to travel), recurring ones included; for the highlighted one, what it clashes with
and the nearest free times to move it to. Enter on a free time moves it there ("this one" for a series).

The scan flags occurrences without listing every pair (see `agenda_view.conflicted`), so a crowded year
comes back at once; the pairs and the free times are computed only for the row looked at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from gmassist.domain.agenda import Occurrence, Slot
from gmassist.domain.agenda_view import weekday_name
from gmassist.errors import GmassistError
from gmassist.i18n import _
from gmassist.tui.modals.agenda_base import AgendaModal
from gmassist.tui.widgets.agenda_grid import block_title
from gmassist.tui.widgets.agenda_list import occurrence_key, when_text
from gmassist.tui.widgets.virtual_list import Column, Row, VirtualList

if TYPE_CHECKING:
    from gmassist.services.agenda import ConflictScan


@dataclass(frozen=True)
class ConflictMove:
    """The answer: move `occurrence` into `slot`."""

    occurrence: Occurrence
    slot: Slot


@dataclass
class ScanSource:
    """Rows of the flagged occurrences; what each clashes with is worked out as its row is fetched."""

    scan: ConflictScan
    zone: tzinfo

    def count(self) -> int:
        """How many occurrences are in a conflict."""
        return len(self.scan.flagged)

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        """Rows offset..offset+limit (runs in the list's worker thread)."""
        rows = []
        for o in self.scan.flagged[offset : offset + limit]:
            others = []
            for conflict in self.scan.conflicts_of(o):
                other = conflict.a if conflict.b.key == o.key else conflict.b
                if conflict.kind == "overlap":
                    how = _("overlap {n} min").format(n=conflict.overlap_minutes)
                else:
                    how = _("{n} min apart").format(n=conflict.gap_minutes)
                others.append(f"{other.title} ({how})")
            rows.append(
                Row(
                    key=occurrence_key(o),
                    cells=(when_text(o, self.zone), block_title(o, False), "; ".join(others)),
                )
            )
        return rows


class ConflictsModal(AgendaModal[ConflictMove]):
    """Lists the conflicts; dismisses a ConflictMove when a free time is chosen (None when closed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "tab", "switch", _("Free times"), id="agenda-conflicts.switch", tooltip=_("Go to the free times")
        ),
    ]

    def __init__(
        self,
        scan_of: Callable[[], ConflictScan],
        free_of: Callable[[Occurrence], list[Slot]],
        zone: tzinfo,
        weeks: int,
    ) -> None:
        super().__init__()
        self.scan_of = scan_of
        """Scans the coming weeks (in a worker)."""
        self.free_of = free_of
        """The nearest free times for one occurrence (in a worker)."""
        self.zone = zone
        self.weeks = weeks
        self.scan: ConflictScan | None = None
        self.current: Occurrence | None = None
        self.slots: list[Slot] = []
        self._generation = 0

    def compose(self) -> ComposeResult:
        with Vertical(classes="agenda-box -wide"):
            yield Label(
                _("Conflicts in the next {weeks} weeks").format(weeks=self.weeks),
                id="conflicts-title",
                classes="agenda-title",
            )
            with Horizontal(classes="agenda-columns"):
                table = VirtualList(
                    [
                        Column("when", _("When"), 24),
                        Column("title", _("Event"), 22),
                        Column("with", _("Clashes with")),
                    ],
                    id="conflicts-list",
                )
                table.empty_text = _("Looking for conflicts…")
                yield table
                with Vertical(classes="agenda-side"):
                    yield Label(_("Nearest free times"), classes="agenda-section")
                    yield OptionList(id="conflicts-slots")
            yield Static(
                _("↑↓ choose · Tab to the free times · Enter moves it there · Esc closes"),
                classes="agenda-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#conflicts-list", VirtualList).focus()
        self._scan()

    @work(thread=True, group="agenda-conflict-scan")
    def _scan(self) -> None:
        try:
            scan = self.scan_of()
        except GmassistError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._scanned, scan)

    def _scanned(self, scan: ConflictScan) -> None:
        self.scan = scan
        table = self.query_one("#conflicts-list", VirtualList)
        table.empty_text = _("No conflicts. 👍")
        table.set_source(ScanSource(scan, self.zone))
        self.query_one("#conflicts-title", Label).update(
            _("Conflicts in the next {weeks} weeks: {n}").format(weeks=self.weeks, n=len(scan.flagged))
        )

    @on(VirtualList.Highlighted, "#conflicts-list")
    def _highlighted(self, event: VirtualList.Highlighted) -> None:
        if self.scan is None:
            return
        found = next((o for o in self.scan.flagged if occurrence_key(o) == event.key), None)
        self.current = found
        if found is not None:
            self._generation += 1
            self._free(found, self._generation)

    @on(VirtualList.Selected, "#conflicts-list")
    def _selected(self) -> None:
        self.action_switch()

    @work(thread=True, group="agenda-conflict-free")
    def _free(self, occurrence: Occurrence, generation: int) -> None:
        try:
            slots = self.free_of(occurrence)
        except GmassistError:
            slots = []
        self.app.call_from_thread(self._show_free, slots, generation)

    def _show_free(self, slots: list[Slot], generation: int) -> None:
        if generation != self._generation or not self.is_attached:
            return
        self.slots = slots
        options = self.query_one("#conflicts-slots", OptionList)
        options.clear_options()
        for index, slot in enumerate(slots):
            start, end = slot.start.astimezone(self.zone), slot.end.astimezone(self.zone)
            options.add_option(
                Option(f"{weekday_name(start.date())} {start:%m-%d %H:%M}–{end:%H:%M}", id=str(index))
            )
        if not slots:
            options.add_option(Option(escape(_("none within a week")), disabled=True))
        else:
            options.highlighted = 0

    def action_switch(self) -> None:
        """Move between the list and the free times."""
        table = self.query_one("#conflicts-list", VirtualList)
        options = self.query_one("#conflicts-slots", OptionList)
        (options if table.has_focus else table).focus()

    @on(OptionList.OptionSelected, "#conflicts-slots")
    def _move(self, event: OptionList.OptionSelected) -> None:
        if self.current is None or event.option.id is None:
            return
        self.dismiss(ConflictMove(self.current, self.slots[int(event.option.id)]))
