"""The inbox's full-text index: SQLite FTS5 with the trigram tokenizer, inside the SQLCipher database.

Trigrams find any substring of three or more characters, which is what Chinese needs (there are no
spaces between words). Shorter terms cannot be a trigram query, and a LIKE over the documents would read
the text of the whole inbox on every keystroke; instead every value is indexed with two spaces after it
(`SENTINEL`), so each character begins at least one trigram, and a term of one or two characters is
looked up as the trigrams that begin with it, found by a range query on the index's vocabulary
(`short_terms`, an fts5vocab table). The index is *contentless* (`content=''`): it holds the trigrams
only, never a second copy of the text, and it deletes securely (`secure-delete`), so text removed from
it does not linger in free pages.

Confidential documents are never indexed: the triggers below skip every row whose `confidential` flag is
set (their text is sealed anyway), and a document marked confidential later is taken out at once. They
are searched in memory while unlocked (see services.inbox).

Triggers keep the index in step with the `document` table however a row changes: the ORM, undo, import,
the demo's bulk inserts. Index rows are numbered by `document_fts_map` (document id -> index rowid), not
by the document's implicit rowid, which VACUUM may renumber.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, text

FTS_TABLE = "document_fts"
"""The FTS5 table."""
MAP_TABLE = "document_fts_map"
"""Document id -> rowid in the FTS5 table."""
COLUMNS: tuple[str, ...] = ("title", "number", "sender", "notes", "body_text")
"""The document columns that are indexed."""
MIN_TRIGRAM_CHARS = 3
"""Shorter terms cannot use the trigram index (the caller falls back to LIKE)."""

_metadata = MetaData()  # apart from SQLModel's, so create_all never tries to create these
fts_table = Table(FTS_TABLE, _metadata, Column("rowid", Integer), Column(FTS_TABLE, String))
"""The FTS5 table for queries: `fts_table.c.document_fts.op("MATCH")(...)`."""
map_table = Table(MAP_TABLE, _metadata, Column("doc_id", String), Column("fts_rowid", Integer))
"""The id map for queries."""

SENTINEL = "  "
"""Appended to every indexed value, so each character starts a trigram: then a term of one or two
characters is found through the trigrams that begin with it (see `short_terms`)."""
VOCAB_TABLE = "document_fts_terms"
"""An fts5vocab table over the index: its distinct trigrams, searchable by range."""

_COLS = ", ".join(COLUMNS)
_NEW = ", ".join(f"coalesce(new.{c}, '') || '{SENTINEL}'" for c in COLUMNS)
_OLD_ROW = ", ".join(f"coalesce(d.{c}, '') || '{SENTINEL}'" for c in COLUMNS)
_NEXT_ROWID = f"(SELECT coalesce(max(fts_rowid), 0) + 1 FROM {MAP_TABLE})"

_DELETE_OLD = f"""
    DELETE FROM {FTS_TABLE} WHERE rowid = (SELECT fts_rowid FROM {MAP_TABLE} WHERE doc_id = old.id);
    DELETE FROM {MAP_TABLE} WHERE doc_id = old.id;"""

_INSERT_NEW = f"""
    INSERT INTO {FTS_TABLE}(rowid, {_COLS}) SELECT {_NEXT_ROWID}, {_NEW} WHERE new.confidential = 0;
    INSERT INTO {MAP_TABLE}(doc_id, fts_rowid) SELECT new.id, {_NEXT_ROWID} WHERE new.confidential = 0;"""

STATEMENTS: tuple[str, ...] = (
    f"CREATE TABLE {MAP_TABLE} (doc_id VARCHAR NOT NULL PRIMARY KEY, fts_rowid INTEGER NOT NULL UNIQUE)",
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({_COLS}, content='', contentless_delete=1, "
    "tokenize='trigram')",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('secure-delete', 1)",
    f"CREATE VIRTUAL TABLE {VOCAB_TABLE} USING fts5vocab({FTS_TABLE}, 'row')",
    f"CREATE TRIGGER document_fts_insert AFTER INSERT ON document BEGIN {_INSERT_NEW}\nEND",
    f"CREATE TRIGGER document_fts_delete AFTER DELETE ON document BEGIN {_DELETE_OLD}\nEND",
    f"CREATE TRIGGER document_fts_update AFTER UPDATE OF id, confidential, {_COLS} ON document "
    f"BEGIN {_DELETE_OLD}{_INSERT_NEW}\nEND",
)
"""The schema of the index: map table, FTS5 table, its options, and the three triggers."""


def create(connection: Any) -> None:
    """Create the index and its triggers, and index the documents already there (a migration)."""
    for statement in STATEMENTS:
        connection.execute(text(statement))
    rebuild(connection)


def rebuild(connection: Any) -> None:
    """Index every document that is not confidential again, from scratch."""
    connection.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')"))
    connection.execute(text(f"DELETE FROM {MAP_TABLE}"))
    connection.execute(
        text(
            f"INSERT INTO {MAP_TABLE}(doc_id, fts_rowid) "
            "SELECT id, row_number() OVER (ORDER BY rowid) FROM document WHERE confidential = 0"
        )
    )
    connection.execute(
        text(
            f"INSERT INTO {FTS_TABLE}(rowid, {_COLS}) "
            f"SELECT m.fts_rowid, {_OLD_ROW} "
            f"FROM document AS d JOIN {MAP_TABLE} AS m ON m.doc_id = d.id"
        )
    )


def phrase(term: str) -> str:
    """An FTS5 query that finds `term` as a substring (quoted, so no character is read as syntax)."""
    return '"' + term.replace('"', '""') + '"'


MAX_SHORT_EXPANSION = 4000
"""A short term that begins more distinct trigrams than this is looked for in the first ones only."""


def short_terms(connection: Any, term: str) -> list[str]:
    """The trigrams of the index that begin with a term of one or two characters (case folded as the
    tokenizer folds it). A document contains the term exactly when it has one of them, thanks to the
    sentinel after every value; OR-ed phrases of them make the query."""
    folded = term.lower()
    rows = connection.execute(
        text(f"SELECT term FROM {VOCAB_TABLE} WHERE term >= :low AND term < :high LIMIT :most"),
        {"low": folded, "high": folded + "\U0010ffff", "most": MAX_SHORT_EXPANSION},
    )
    return [str(row[0]) for row in rows]
