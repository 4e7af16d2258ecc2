"""The SQLCipher engine, its pragmas, the schema version and the ordered migrations."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError

from gmassist.errors import StoreTooNew
from gmassist.i18n import _
from gmassist.store import SCHEMA_VERSION


def make_engine(database: Path, key: bytes) -> Engine:
    """An engine on the SQLCipher database at `database`, opened with the raw 256-bit `key`.

    A raw key (x'...') skips SQLCipher's key stretching on every connection; the key file already did it.
    """
    import sqlcipher3

    engine = create_engine(
        f"sqlite:///{database}",
        module=sqlcipher3.dbapi2,
        connect_args={"check_same_thread": False},
        # The connection returned last is taken first: its page cache (SQLCipher decrypts each page into
        # the connection's own cache) is the warmest.
        pool_use_lifo=True,
    )
    pragma_key = f"PRAGMA key = \"x'{key.hex()}'\""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver would not begin a transaction before DDL (so a failed migration would stay half
        # done): take transactions out of its hands and begin them ourselves (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(pragma_key)
        cursor.execute("PRAGMA cipher_log_level = NONE")
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def run_outside_transaction(engine: Engine, sql: str) -> None:
    """Run a statement that must not be inside a transaction (a WAL checkpoint)."""
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute(sql)


def create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only (SQLite gives its WAL the same mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def schema_version(connection: Connection) -> int:
    """The store's schema version (SQLite's user_version)."""
    return int(connection.execute(text("PRAGMA user_version")).scalar_one())


def set_schema_version(connection: Connection, version: int) -> None:
    """Record the schema version."""
    connection.execute(text(f"PRAGMA user_version = {int(version)}"))


# --- migrations -----------------------------------------------------------------------------------------


def _v1_to_v2(connection: Connection) -> None:
    """v2: events get their own end time zone (a flight across zones), trips their items, Today its marks."""
    connection.execute(text("ALTER TABLE event ADD COLUMN end_tz VARCHAR NOT NULL DEFAULT 'Asia/Shanghai'"))
    connection.execute(text("UPDATE event SET end_tz = start_tz"))
    from gmassist.store.models import TriageMark, TripItem, table_of

    table_of(TripItem).create(connection)
    table_of(TriageMark).create(connection)
    from gmassist.store.models import BoardContact

    table_of(BoardContact).create(connection)
    from gmassist.store import fts
    from gmassist.store.models import InboxRule, SavedView

    table_of(InboxRule).create(connection)
    table_of(SavedView).create(connection)
    connection.execute(text("CREATE INDEX ix_document_parent ON document (parent_id)"))
    connection.execute(
        text(
            "CREATE INDEX ix_document_list ON document (received, state, confidential, doc_type, "
            "security_level, urgency, holder, department_id, id)"
        )
    )
    fts.create(connection)  # the inbox's search index (FTS5, trigram), filled from existing documents


def _v2_to_v3(connection: Connection) -> None:
    """v3: check-ins are indexed by (follow-up, time), so a list page finds each one's latest check-in
    from the index alone (the old index on the follow-up alone is its prefix and goes); follow-ups by
    due date with "none" last, then priority, the order of their list."""
    from gmassist.store.models import FOLLOWUP_DUE_LAST

    connection.execute(text("DROP INDEX IF EXISTS ix_check_in_followup_id"))
    connection.execute(text("CREATE INDEX ix_check_in_followup_at ON check_in (followup_id, at)"))
    connection.execute(text(f"CREATE INDEX ix_followup_due_last ON followup ({FOLLOWUP_DUE_LAST}, priority)"))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3}
"""MIGRATIONS[n] upgrades a store from version n to n + 1."""


def check_and_migrate(connection: Connection) -> int:
    """Create the schema in a new database or upgrade an older one; refuse a newer one.

    Runs inside the caller's transaction, so a failed migration leaves the store as it was.
    Returns the version found before migrating (0 for a new database).
    """
    from sqlmodel import SQLModel

    from gmassist.store import models  # noqa: F401  (registers the tables)

    found = schema_version(connection)
    if found > SCHEMA_VERSION:
        raise StoreTooNew(
            _(
                "this store has schema version {found}, newer than this gmassist knows ({ours}); update gmassist"
            ).format(found=found, ours=SCHEMA_VERSION)
        )
    if found == 0:
        SQLModel.metadata.create_all(connection)
        from gmassist.store import fts

        fts.create(connection)  # virtual tables and triggers are not in the SQLModel metadata
    else:
        for version in range(found, SCHEMA_VERSION):
            MIGRATIONS[version](connection)
    if found != SCHEMA_VERSION:
        set_schema_version(connection, SCHEMA_VERSION)
    return found


def integrity_problems(connection: Connection) -> list[str]:
    """Every problem SQLCipher's page check and SQLite's integrity check find (empty when intact)."""
    problems: list[str] = []
    try:
        for row in connection.execute(text("PRAGMA cipher_integrity_check")):
            problems.append(str(row[0]))
        for row in connection.execute(text("PRAGMA integrity_check")):
            if row[0] != "ok":
                problems.append(str(row[0]))
    except DatabaseError as exc:
        problems.append(str(exc.orig) if exc.orig is not None else str(exc))
    return problems


def check_integrity(engine: Engine) -> list[str]:
    """integrity_problems on a connection of its own, whose transaction is rolled back (it only read)."""
    with engine.connect() as connection:
        problems = integrity_problems(connection)
        with contextlib.suppress(DatabaseError):
            connection.rollback()
    return problems
