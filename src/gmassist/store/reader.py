"""A read-only look into a store without SQLAlchemy, for one-shot commands.

`gmassist agenda --week` spends most of its run starting up: importing SQLAlchemy, SQLModel and the models
takes about 0.45 s, longer than `khal list` takes in all. A `Reader` opens the same SQLCipher database with
the same key through `sqlcipher3` alone, refuses to write (`PRAGMA query_only`), and answers plain SQL with
plain rows. It reads a store at this program's schema version only: anything else (an older store to
migrate, a missing or damaged file) raises `Unreadable`, and the caller opens the full `Store`, which
migrates or says what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gmassist.paths import StorePaths
from gmassist.store import SCHEMA_VERSION
from gmassist.store.base import StoreBase, damaged, unwrap_key
from gmassist.store.keys import STORE, KeyFile, Keyring


class Unreadable(Exception):
    """The reader cannot read this store as it is; open the full Store instead."""


class Reader(StoreBase):
    """An open, read-only store: plain SQL in, rows (dicts of stored values) out."""

    def __init__(self, paths: StorePaths, connection: Any, keyfile: KeyFile, keyring: Keyring | None) -> None:
        super().__init__(keyfile, keyring)
        self.paths = paths
        self._connection = connection

    @classmethod
    def open(
        cls,
        root: Path,
        passphrase: str | None = None,
        recovery: str | None = None,
        keyring: Keyring | None = None,
    ) -> Reader:
        """Open the store at `root` with the secret given (WrongKey / NeedSecret as `Store.open`)."""
        paths = StorePaths(Path(root))
        if not paths.keyfile.exists() or not paths.database.exists():
            raise Unreadable(str(root))
        keyfile = KeyFile.load(paths.keyfile)
        key = unwrap_key(keyfile, STORE, passphrase=passphrase, recovery=recovery, keyring=keyring)
        from sqlcipher3 import dbapi2

        connection = dbapi2.connect(str(paths.database), isolation_level=None, check_same_thread=False)
        try:
            connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            for pragma in ("cipher_log_level = NONE", "temp_store = MEMORY", "busy_timeout = 5000"):
                connection.execute(f"PRAGMA {pragma}")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            connection.execute("PRAGMA query_only = ON")
        except dbapi2.DatabaseError as exc:
            connection.close()
            raise Unreadable(str(exc)) from exc
        if version != SCHEMA_VERSION:
            connection.close()
            raise Unreadable(f"schema version {version}")
        return cls(paths, connection, keyfile, keyring)

    def fetch(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of one query, each a dict of column name -> stored value."""
        from sqlcipher3 import dbapi2

        try:
            cursor = self._connection.execute(sql, tuple(parameters))
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except dbapi2.DatabaseError as exc:  # a damaged page: one plain line, as the store says it
            raise damaged(self.paths.database, str(exc)) from exc

    def close(self) -> None:
        """Forget the confidential key and close the connection."""
        self.lock_confidential()
        self._connection.close()
