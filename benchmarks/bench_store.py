"""The store: 100k rows inserted and read through SQLCipher against plain SQLite (same code, same run),
and `gmassist demo --size 100000 --no-tui` against a raw sqlite3 insert of as many rows.

    python benchmarks/bench_store.py
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import report, timed
from sqlalchemy import create_engine, insert, select, text
from sqlmodel import SQLModel

from gmassist.store import db
from gmassist.store.models import Event, new_id, table_of

N = 100_000


def rows() -> list[dict[str, object]]:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    return [
        {
            "id": new_id(),
            "created": now,
            "updated": now,
            "confidential": False,
            "title": f"经营分析会 Board prep {i}",
            "kind": "meeting",
            "start": now + timedelta(minutes=i),
            "start_tz": "Asia/Shanghai",
            "end": now + timedelta(minutes=i + 60),
            "end_tz": "Asia/Shanghai",
            "all_day": False,
            "location": "3号会议室",
            "notes": "",
            "rrule": None,
            "exdates": "",
            "series_id": None,
            "recurrence_id": None,
            "reminders": "",
            "uid": None,
            "sequence": 0,
        }
        for i in range(N)
    ]


def make_engine(path: Path, key: bytes | None):
    """SQLCipher through gmassist's own engine factory, or plain SQLite with the same WAL setting."""
    if key is not None:
        if not path.exists():
            db.create_private_file(path)
        return db.make_engine(path, key)
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.execute(text("PRAGMA journal_mode = WAL"))
    return engine


def insert_and_read(folder: Path, encrypted: bool) -> tuple[float, float]:
    """Median times to bulk-insert N events into a new database, and to read them all back."""
    data = rows()
    key = os.urandom(32) if encrypted else None
    paths = (folder / f"{'enc' if encrypted else 'plain'}-{i}.db" for i in range(100))
    made: list[Path] = []

    def insert_all() -> None:
        path = next(paths)
        engine = make_engine(path, key)
        SQLModel.metadata.create_all(engine, tables=[table_of(Event)])
        with engine.begin() as connection:
            connection.execute(insert(table_of(Event)), data)
        engine.dispose()
        made.append(path)

    def read_all() -> None:
        engine = make_engine(made[-1], key)
        with engine.connect() as connection:
            assert len(connection.execute(select(table_of(Event))).all()) == N
        engine.dispose()

    return timed(insert_all), timed(read_all)


def raw_sqlite_insert(folder: Path) -> float:
    data = [(new_id(), f"title {i}", i) for i in range(N)]
    counter = iter(range(100))

    def run() -> None:
        connection = sqlite3.connect(folder / f"raw-{next(counter)}.db")
        connection.execute("create table t (id text primary key, title text, n integer)")
        connection.executemany("insert into t values (?, ?, ?)", data)
        connection.commit()
        connection.close()

    return timed(run)


def demo_build(folder: Path) -> float:
    counter = iter(range(100))

    def run() -> None:
        target = folder / f"demo-{next(counter)}"
        subprocess.run(
            [sys.executable, "-m", "gmassist", "demo", "--store", str(target), "--size", str(N), "--no-tui"],
            check=True,
            capture_output=True,
            env=os.environ | {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
        )

    return timed(run, repeat=1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain_insert, plain_read = insert_and_read(folder, encrypted=False)
        enc_insert, enc_read = insert_and_read(folder, encrypted=True)
        report("sqlite_insert_100k", plain_insert, "sqlite_insert_100k", plain_insert)
        report("sqlcipher_insert_100k", enc_insert, "sqlite_insert_100k", plain_insert, "ratio <= 1.5")
        report("sqlite_read_100k", plain_read, "sqlite_read_100k", plain_read)
        report("sqlcipher_read_100k", enc_read, "sqlite_read_100k", plain_read, "ratio <= 1.5")
        raw = raw_sqlite_insert(folder)
        report("raw_sqlite3_insert_100k", raw, "raw_sqlite3_insert_100k", raw)
        demo = demo_build(folder)
        report("demo_size_100000", demo, "raw_sqlite3_insert_100k", raw, "< 60 s")


if __name__ == "__main__":
    main()
