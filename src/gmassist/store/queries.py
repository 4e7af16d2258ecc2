"""Windowed reads for lists: count and fetch one page at a time, sealed values revealed or masked.

Lists never load a whole table: the TUI's virtual list asks for the rows it is about to draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Table, TableClause, func, select
from sqlalchemy import column as sql_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from gmassist.store.models import Item, table_of
from gmassist.store.store import Store


class ReadAs(TableClause):
    """A table that SQLite is told how to read: ``FROM name INDEXED BY index`` or ``FROM name NOT INDEXED``.

    For queries whose best plan SQLite, having no statistics, does not find by itself. Its columns render
    as ``name.<column>``, so conditions are written on it as on the table. (SQLAlchemy's SQLite dialect
    has no table hints, hence this clause.)
    """

    inherit_cache = True
    _traverse_internals = [*TableClause._traverse_internals, ("how", InternalTraversal.dp_string)]

    def __init__(self, table: Table, how: str) -> None:
        super().__init__(table.name, *(sql_column(c.name, c.type) for c in table.columns))
        self.how = how


@compiles(ReadAs)
def _compile_read_as(element: ReadAs, compiler: Any, **kw: Any) -> str:
    name = str(compiler.preparer.quote(element.name))
    return f"{name} {element.how}" if kw.get("asfrom") else name


@dataclass
class Window:
    """A filtered, ordered view of one table that can be counted and read a page at a time."""

    store: Store
    model: type[Item]
    columns: Sequence[str]
    """The columns to read ('id' and 'confidential' are always read)."""
    order_by: Sequence[Any] = ()
    """SQLAlchemy order-by clauses (the id is added last, so pages are stable)."""
    where: Sequence[ColumnElement[bool]] = field(default_factory=tuple)
    source: Any = None
    """The table as read, when SQLite is to be told how (a `ReadAs`); by default the model's table."""

    @property
    def table(self) -> Any:
        """The table as read: `source`, or the model's table."""
        return table_of(self.model) if self.source is None else self.source

    def count(self) -> int:
        """How many rows match."""
        query = select(func.count()).select_from(self.table).where(*self.where)
        with self.store.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def fetch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """Rows offset..offset+limit as dicts, sealed values opened (or masked while locked)."""
        table = self.table
        query = self._select(table).where(*self.where)
        return self._read(query.order_by(*self.order_by, table.c.id).offset(offset).limit(limit))

    def ordered_ids(self) -> list[str]:
        """The id of every matching row, in order: one read that answers the count, every page (with
        `fetch_ids`) and where a row is, for a window whose every read scans the table anyway."""
        table = self.table
        query = select(table.c.id).where(*self.where).order_by(*self.order_by, table.c.id)
        with self.store.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def fetch_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The rows with these ids (a page of `ordered_ids`), in that order, as `fetch` gives them."""
        table = table_of(self.model)  # by primary key, whatever way `source` reads the table
        rows: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), 500):  # bounded IN lists, well under SQLite's variable limit
            chunk = ids[start : start + 500]
            rows.update(
                (row["id"], row) for row in self._read(self._select(table).where(table.c.id.in_(chunk)))
            )
        return [rows[row_id] for row_id in ids if row_id in rows]

    def index_of(self, row_id: str) -> int | None:
        """Where the row with this id is in the window now (None when it is not in it): so that a reload
        keeps the cursor on it however far a change moved it."""
        table = self.table
        position = func.row_number().over(order_by=[*self.order_by, table.c.id]).label("position")
        ranked = select(table.c.id, position).where(*self.where).subquery()
        with self.store.engine.connect() as connection:
            found = connection.execute(select(ranked.c.position).where(ranked.c.id == row_id)).scalar()
        return None if found is None else int(found) - 1

    def _select(self, table: Any) -> Any:
        """SELECT the window's columns (with 'id' and 'confidential') from `table`."""
        names = dict.fromkeys(["id", "confidential", *self.columns])
        return select(*(table.c[name] for name in names))

    def _read(self, query: Any) -> list[dict[str, Any]]:
        """Run `query`; each row as a dict, sealed values opened (or masked while locked), damage marked."""
        with self.store.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        name = self.table.name
        out = []
        for row in rows:
            values = self.store.reveal_row(name, dict(row)) if row["confidential"] else dict(row)
            values["_damaged"] = (name, row["id"]) in self.store.damaged_items
            out.append(values)
        return out


def counts(store: Store) -> dict[str, int]:
    """Rows per main table, for the status line."""
    from gmassist.store.models import Card, Document, Event, FollowUp

    result = {}
    with store.engine.connect() as connection:
        for model in (Event, Document, FollowUp, Card):
            table = table_of(model)
            result[table.name] = int(connection.execute(select(func.count()).select_from(table)).scalar_one())
    return result
