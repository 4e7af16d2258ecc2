"""Export a store to JSON and import it back, with full fidelity.

The format (``gmassist-export``, version 1)::

    {
      "format": "gmassist-export", "version": 1, "schema": <schema version>,
      "exported_at": "<UTC ISO 8601>", "includes_confidential": false, "left_out": <rows left out>,
      "tables": {"<table>": [{"<column>": <value>, ...}, ...], ...}
    }

Tables come parents first, rows sorted by primary key, every column present. Datetimes are UTC ISO 8601,
dates ISO, bytes base64; confidential text is exported in the clear only with `include_confidential`
(else confidential rows, and the rows that hang on them, are left out and counted in ``left_out``). The
change log (undo history) is local to a store and not exported. Importing needs an empty store (ids are
kept), runs as one transaction and seals confidential rows under the target store's key.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, insert, select

from gmassist.errors import InvalidInput, StoreReadOnly
from gmassist.i18n import _
from gmassist.store import codec, crypto, db
from gmassist.store.models import ALL_TABLES, AttachmentChunk, Change, Item, Meta, table_name, table_of
from gmassist.store.store import Store

FORMAT = "gmassist-export"
VERSION = 1
TABLES = [t for t in ALL_TABLES if t not in (Change, Meta)]
"""The exported tables, parents first."""


def _reference_columns(table: Any) -> list[str]:
    """Columns that hold the id of another item (used to leave out rows that hang on confidential ones)."""
    return [c.name for c in table.columns if (c.name.endswith("_id") or c.name == "blocked_by")]


def export_data(store: Store, *, include_confidential: bool = False) -> dict[str, Any]:
    """The whole store as a JSON-ready dict (see the module docstring)."""
    if include_confidential:
        conf = store.confidential_key()
    left_out: set[str] = set()
    confidential_attachments: set[str] = set()
    tables: dict[str, list[dict[str, Any]]] = {}
    with store.engine.connect() as connection:
        for model in TABLES:
            table = table_of(model)
            references = _reference_columns(table)
            order = list(table.primary_key.columns)
            rows = []
            for row in connection.execute(select(table).order_by(*order)).mappings():
                values = dict(row)
                if any(values.get(name) in left_out for name in references):
                    if "id" in values:
                        left_out.add(values["id"])
                    else:
                        left_out.add(json.dumps(codec.row_to_json(table, values), sort_keys=True))
                    continue
                if issubclass(model, Item) and values["confidential"]:
                    if not include_confidential:
                        left_out.add(values["id"])
                        continue
                    values = store.reveal_row(table.name, values)
                    if table.name == "attachment":
                        confidential_attachments.add(values["id"])
                if model is AttachmentChunk and values["attachment_id"] in confidential_attachments:
                    aad = crypto.chunk_aad(values["attachment_id"], values["seq"])
                    values["data"] = crypto.open_bytes(conf, aad, values["data"])
                rows.append(codec.row_to_json(table, values))
            tables[table.name] = rows
        schema = db.schema_version(connection)
    return {
        "format": FORMAT,
        "version": VERSION,
        "schema": schema,
        "exported_at": codec.to_json(store.clock.now()),
        "includes_confidential": include_confidential,
        "left_out": len(left_out),
        "tables": tables,
    }


def dumps(data: dict[str, Any]) -> str:
    """The export as text: sorted keys, readable CJK, one stable form."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def import_data(store: Store, data: Any) -> dict[str, int]:
    """Load an export into an empty store as one transaction; returns rows per table."""
    if store.read_only:
        raise StoreReadOnly(_("the store is damaged and open read-only; run `gmassist doctor`"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput(_("not a gmassist export file"))
    if data.get("version") != VERSION:
        raise InvalidInput(_("unsupported export version {v}").format(v=data.get("version")))
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise InvalidInput(_("the export has no tables"))
    known = {table_name(model) for model in TABLES}
    unknown = set(tables) - known
    if unknown:
        raise InvalidInput(
            _("unknown table(s) in the export: {names}").format(names=", ".join(sorted(unknown)))
        )
    counts: dict[str, int] = {}
    confidential_attachments: set[str] = set()
    with store.engine.begin() as connection:
        for model in TABLES:
            table = table_of(model)
            if connection.execute(select(func.count()).select_from(table)).scalar_one():
                raise InvalidInput(
                    _("import needs an empty store; {table} already has rows").format(table=table.name)
                )
            rows = tables.get(table.name, [])
            if not isinstance(rows, list):
                raise InvalidInput(_("table {table} is not a list").format(table=table.name))
            prepared = []
            for number, raw in enumerate(rows, 1):
                try:
                    if not isinstance(raw, dict):
                        raise ValueError("not an object")
                    values = codec.row_from_json(table, raw)
                except ValueError as exc:
                    raise InvalidInput(
                        _("{table} row {n}: {error}").format(table=table.name, n=number, error=exc)
                    ) from exc
                if issubclass(model, Item) and values.get("confidential"):
                    conf = store.confidential_key()
                    for name in model.__sealed__:
                        value = values.get(name)
                        if isinstance(value, str) and value:
                            values[name] = crypto.seal(conf, table.name, name, values["id"], value)
                    if table.name == "attachment":
                        confidential_attachments.add(values["id"])
                if model is AttachmentChunk and values["attachment_id"] in confidential_attachments:
                    aad = crypto.chunk_aad(values["attachment_id"], values["seq"])
                    values["data"] = crypto.seal_bytes(store.confidential_key(), aad, values["data"])
                prepared.append(values)
            if prepared:
                connection.execute(insert(table), prepared)
            counts[table.name] = len(prepared)
    return counts
