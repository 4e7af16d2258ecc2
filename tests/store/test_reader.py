"""The light read-only reader (`gmassist agenda` reads through it): same rows as the store, no writes, no
SQLAlchemy, and the full store whenever it cannot read a store as it is."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import NOW, PASSPHRASE
from gmassist import services
from gmassist.config import Settings
from gmassist.errors import NeedSecret, StoreDamaged, StoreTooNew, WrongKey
from gmassist.services import agenda, agenda_read
from gmassist.store import SCHEMA_VERSION
from gmassist.store.models import Event
from gmassist.store.reader import Reader, Unreadable
from gmassist.store.store import Store

FIXTURE_V1 = Path(__file__).parent.parent / "fixtures" / "store_v1"


def _two_events(store: Store) -> None:
    rules = agenda.policy(Settings(), "Asia/Shanghai")
    for title, confidential, hour in (("经营分析会", False, 10), ("并购谈判", True, 14)):
        start = NOW.replace(hour=hour, minute=0)
        agenda.create_event(
            store,
            agenda.EventDraft(
                title=title,
                kind="meeting",
                start=start,
                end=start + timedelta(hours=1),
                start_tz=rules.zone_name,
                end_tz=rules.zone_name,
                location="3号会议室",
                confidential=confidential,
            ),
            prep=True,
        )


def _week() -> tuple[datetime, datetime]:
    start = NOW.replace(hour=0, minute=30) - timedelta(days=NOW.weekday())
    return start, start + timedelta(days=7)


def test_reader_shows_the_page_the_store_shows(store_factory) -> None:
    store, _recovery = store_factory()
    _two_events(store)
    rules = agenda.policy(Settings(), "Asia/Shanghai")
    start, end = _week()
    store.lock_confidential()  # a new store starts unlocked
    expected = agenda.page(store, start, end, rules, cache=False)
    store.unlock_confidential(passphrase=PASSPHRASE)
    unlocked = agenda.page(store, start, end, rules, cache=False)
    root = store.paths.root
    store.close()

    reader = Reader.open(root, passphrase=PASSPHRASE)
    try:
        page = agenda_read.page(reader, start, end, rules, cache=False)
        assert page.occurrences == expected.occurrences
        assert dict(page.rows) == dict(expected.rows)
        assert page.prep == expected.prep and sum(total for _done, total in page.prep.values()) > 0
        titles = sorted(row.title for row in page.rows.values())
        assert titles[0] == "经营分析会" and titles[1].startswith("🔒")  # masked while locked
        reader.unlock_confidential(passphrase=PASSPHRASE)
        page = agenda_read.page(reader, start, end, rules, cache=False)
        assert dict(page.rows) == dict(unlocked.rows)
        assert "并购谈判" in {row.title for row in page.rows.values()}
    finally:
        reader.close()


def test_reader_refuses_to_write(store_factory) -> None:
    store, _recovery = store_factory()
    root = store.paths.root
    store.close()
    reader = Reader.open(root, passphrase=PASSPHRASE)
    try:
        with pytest.raises(Exception, match=r"readonly|read-only|query_only"):
            reader.fetch("DELETE FROM meta")
        assert reader.fetch("SELECT count(*) AS n FROM meta")[0]["n"] == 1
    finally:
        reader.close()


def test_reader_wants_the_right_secret(store_factory) -> None:
    store, _recovery = store_factory()
    root = store.paths.root
    store.close()
    with pytest.raises(WrongKey):
        Reader.open(root, passphrase="not the passphrase")
    with pytest.raises(NeedSecret):
        Reader.open(root)


def test_a_store_the_reader_cannot_read_opens_whole(tmp_path: Path, clock) -> None:
    """An older store (to migrate) and a missing database: Unreadable, and `open_reader` falls back to
    the full store, which migrates the one and says what is wrong with the other."""
    copy = tmp_path / "v1"
    shutil.copytree(FIXTURE_V1, copy)
    with pytest.raises(Unreadable):
        Reader.open(copy, passphrase="fixture passphrase v1")
    opened = services.open_reader(copy, Settings(), clock, passphrase="fixture passphrase v1")
    try:
        assert isinstance(opened, Store)
    finally:
        opened.close()
    assert isinstance(
        services.open_reader(copy, Settings(), clock, passphrase="fixture passphrase v1"), Reader
    )  # migrated: now the reader reads it

    missing = tmp_path / "missing"
    shutil.copytree(FIXTURE_V1, missing)
    (missing / "gmassist.db").unlink()
    with pytest.raises(Unreadable):
        Reader.open(missing, passphrase="fixture passphrase v1")
    with pytest.raises(Exception, match=r"database .* is missing"):
        services.open_reader(missing, Settings(), clock, passphrase="fixture passphrase v1")


def test_agenda_command_never_imports_sqlalchemy(store_factory) -> None:
    """The point of the reader: `gmassist agenda` starts without the ORM (about 0.45 s of imports)."""
    store, _recovery = store_factory()
    _two_events(store)
    root = store.paths.root
    store.close()
    script = (
        "import sys\n"
        "from gmassist.__main__ import main\n"
        "code = main(['--store', sys.argv[1], 'agenda', '--week', '2026-11-23', '--format', 'tsv'])\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('sqlalchemy', 'sqlmodel'))\n"
        "print('LOADED', loaded)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "GMASSIST_PASSPHRASE": PASSPHRASE, "TZ": "Asia/Shanghai"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "经营分析会" in done.stdout
    assert "LOADED []" in done.stdout


def test_a_damaged_page_is_one_plain_error(store_factory) -> None:
    """Flipped bytes in the pages behind the header: a read says the database is damaged, no traceback."""
    store, _recovery = store_factory()
    with store.action("create") as session:
        session.add_all(
            [
                Event(title=f"event {i}", notes="x" * 500, created=NOW, updated=NOW, start=NOW, end=NOW)
                for i in range(200)
            ]
        )
    root, database = store.paths.root, store.paths.database
    store.close()
    data = bytearray(database.read_bytes())
    for page in range(1, len(data) // 4096):  # every page but the first (the header opens; reads fail)
        data[page * 4096 + 100] ^= 0x01
    database.write_bytes(bytes(data))
    reader = Reader.open(root, passphrase=PASSPHRASE)
    try:
        with pytest.raises(StoreDamaged, match="is damaged"):
            reader.fetch("SELECT title, notes FROM event")
    finally:
        reader.close()


def test_a_newer_store_is_refused_through_the_reader_too(store_factory, clock) -> None:
    store, _recovery = store_factory()
    root = store.paths.root
    with store.engine.begin() as connection:
        connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    store.close()
    with pytest.raises(Unreadable):
        Reader.open(root, passphrase=PASSPHRASE)
    with pytest.raises(StoreTooNew):
        services.open_reader(root, Settings(), clock, passphrase=PASSPHRASE)
