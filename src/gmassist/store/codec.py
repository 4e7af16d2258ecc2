"""Stored column values <-> JSON values, by column type: used by the change log, undo, export and import."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.sql.sqltypes import Boolean, Date, DateTime, Integer, LargeBinary
from sqlalchemy.types import TypeDecorator


def to_json(value: Any) -> Any:
    """A JSON-safe form of a stored value (datetimes in UTC ISO 8601, bytes in base64)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def from_json(column_type: Any, value: Any) -> Any:
    """The stored value of a JSON value for a column of `column_type`; ValueError when it does not fit."""
    if value is None:
        return None
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, DateTime):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError(f"datetime without a time zone: {value!r}")
        return parsed
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value, validate=True)
    if isinstance(column_type, Boolean):
        if not isinstance(value, bool):
            raise ValueError(f"not a boolean: {value!r}")
        return value
    if isinstance(column_type, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"not an integer: {value!r}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a string: {value!r}")
    return value


def row_to_json(table: Table, row: Any) -> dict[str, Any]:
    """A row mapping (or ORM object) as a JSON-safe dict of every column."""
    if hasattr(row, "_mapping"):
        row = row._mapping
    get = row.get if isinstance(row, dict) or hasattr(row, "get") else lambda name: getattr(row, name)
    return {column.name: to_json(get(column.name)) for column in table.columns}


def row_from_json(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """Column values for `table` from a JSON dict; ValueError on an unknown column or a bad value."""
    unknown = set(data) - {column.name for column in table.columns}
    if unknown:
        raise ValueError(f"unknown column(s) {sorted(unknown)} in {table.name}")
    values = {}
    for column in table.columns:
        if column.name in data:
            try:
                values[column.name] = from_json(column.type, data[column.name])
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{table.name}.{column.name}: {exc}") from exc
    return values


def primary_key(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """The primary-key part of a row's values."""
    return {column.name: values[column.name] for column in table.primary_key.columns}
