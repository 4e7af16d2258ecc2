"""Adapters from store windows to the virtual list's rows: formatting and masking of cells."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text

from gmassist.tui.widgets.virtual_list import Row

if TYPE_CHECKING:
    from gmassist.store.queries import Window


def format_value(value: Any, zone: Any = None) -> str:
    """A cell's text: datetimes in the local zone, dates ISO, booleans as ✓."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "✓" if value else ""
    return str(value)


Formatter = Callable[[dict[str, Any]], str | Text]


@dataclass
class WindowSource:
    """A RowSource over a store Window; called from the virtual list's worker thread."""

    window: Window
    cells: Sequence[Formatter]
    """One formatter per column, from the revealed row dict to the cell."""

    def count(self) -> int:
        """How many rows the window holds."""
        return self.window.count()

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        """Rows offset..offset+limit, confidential ones dim, damaged ones marked."""
        rows = []
        for values in self.window.fetch(offset, limit):
            style = "bold red" if values["_damaged"] else ("dim" if values.get("confidential") else "")
            rows.append(Row(key=values["id"], cells=tuple(cell(values) for cell in self.cells), style=style))
        return rows


def field(name: str, zone: Any = None) -> Formatter:
    """A formatter that shows one column's value."""
    return lambda values: format_value(values.get(name), zone)
