"""The store: files and modes, transactions, the change log and undo, sealing, damage, migrations."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy import text
from sqlmodel import select

from gmassist.errors import Damaged, Locked, StoreReadOnly, StoreTooNew, WrongKey
from gmassist.store import crypto, db
from gmassist.store.keys import STORE, KeyFile
from gmassist.store.models import Change, Event, FollowUp, Person
from gmassist.store.store import Store
from tests.conftest import NOW, PASSPHRASE

FIXTURE_V1 = Path(__file__).parent.parent / "fixtures" / "store_v1"


def event(title: str = "董事会准备", **values: object) -> Event:
    return Event(title=title, start=NOW, end=NOW + timedelta(hours=1), **values)


def raw_rows(store: Store, sql: str) -> list[tuple]:
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_files_are_private_and_the_database_is_encrypted(store_factory) -> None:
    store, _recovery = store_factory()
    with store.action("event.create") as session:
        session.add(event("Plain title"))
    store.close()
    root = store.paths.root
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for path in root.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # plain SQLite cannot read it: the whole file is encrypted
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(store.paths.database).execute("select * from sqlite_master").fetchall()
    assert store.paths.database.read_bytes()[:16] != b"SQLite format 3\x00"


def test_pragmas(store_factory) -> None:
    store, _ = store_factory()
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
        assert connection.execute(text("PRAGMA temp_store")).scalar() == 2
        assert connection.execute(text("PRAGMA user_version")).scalar() == db.SCHEMA_VERSION


def test_wal_is_truncated_on_close(store_factory) -> None:
    store, _ = store_factory()
    with store.action("event.create") as session:
        session.add(event())
    wal = store.paths.database.with_name("gmassist.db-wal")
    assert wal.exists() and wal.stat().st_size > 0
    store.close()
    assert not wal.exists() or wal.stat().st_size == 0


def test_an_action_is_one_transaction(store_factory) -> None:
    store, _ = store_factory()
    with pytest.raises(RuntimeError), store.action("two events") as session:
        session.add(event("first"))
        session.flush()
        session.add(event("second"))
        raise RuntimeError("the user's action failed half way")
    assert raw_rows(store, "select count(*) from event") == [(0,)]
    assert raw_rows(store, "select count(*) from change") == [(0,)]


def test_change_log_and_undo(store_factory) -> None:
    store, _ = store_factory()
    with store.action("event.create") as session:
        item = event("v1")
        session.add(item)
    with store.action("event.edit") as session:
        session.get(Event, item.id).title = "v2"
    with store.action("event.delete") as session:
        session.delete(session.get(Event, item.id))
    log = raw_rows(store, "select label, op, actor from change order by seq")
    assert log == [
        ("event.create", "insert", "assistant"),
        ("event.edit", "update", "assistant"),
        ("event.delete", "delete", "assistant"),
    ]
    assert store.undo() == "event.delete"
    assert raw_rows(store, "select title from event") == [("v2",)]
    assert store.undo() == "event.edit"
    assert raw_rows(store, "select title from event") == [("v1",)]
    assert store.undo() == "event.create"
    assert raw_rows(store, "select count(*) from event") == [(0,)]
    assert store.undo() is None
    # append-only: nothing was removed from the log, undos were added
    assert raw_rows(store, "select count(*) from change") == [(6,)]


def test_timestamps_are_set_and_tz_aware(store_factory, clock) -> None:
    store, _ = store_factory()
    with store.action("event.create") as session:
        item = event()
        session.add(item)
    clock.advance(timedelta(minutes=5))
    with store.action("event.edit") as session:
        session.get(Event, item.id).location = "3号会议室"
    with store.read() as session:
        loaded = session.get(Event, item.id)
        assert loaded.created == NOW and loaded.updated == NOW + timedelta(minutes=5)
        assert loaded.start.tzinfo is not None


def test_read_sessions_refuse_writes(store_factory) -> None:
    store, _ = store_factory()
    with pytest.raises(StoreReadOnly), store.read() as session:
        session.add(event())
        session.flush()


def test_confidential_fields_are_sealed_in_rows_and_in_the_log(store_factory) -> None:
    store, _ = store_factory()
    with store.action("event.create") as session:
        secret = event("并购谈判 canary", confidential=True, location="董事会议室", notes="底价3.2亿")
        session.add(secret)
        plain = event("公开会议")
        session.add(plain)
    assert secret.title == "并购谈判 canary"  # in memory, plain for the user who unlocked it
    stored = dict(raw_rows(store, "select id, title from event"))
    assert crypto.is_sealed(stored[secret.id]) and stored[plain.id] == "公开会议"
    for before, after in raw_rows(store, "select before, after from change"):
        assert "并购" not in before + after and "底价" not in before + after
    with store.action("event.edit") as session:
        session.get(Event, secret.id).notes = "底价调整为3.5亿"
    for before, after in raw_rows(store, "select before, after from change"):
        assert "底价" not in before + after
    assert store.undo() == "event.edit"
    with store.read() as session:
        assert session.get(Event, secret.id).notes == "底价3.2亿"


def test_locked_items_are_masked_and_cannot_be_written(store_factory) -> None:
    store, _ = store_factory()
    with store.action("create") as session:
        secret = event("机密会议", confidential=True)
        session.add(secret)
    store.lock_confidential()
    with store.read() as session:
        loaded = session.get(Event, secret.id)
        assert store.display(loaded, "title") == "🔒 confidential"
    with pytest.raises(Locked), store.action("create") as session:
        session.add(event("another secret", confidential=True))
    # a change to a field that is not sealed works while locked, and keeps the sealed ones intact
    with store.action("move") as session:
        session.get(Event, secret.id).start = NOW + timedelta(days=1)
    store.unlock_confidential(passphrase=PASSPHRASE)
    with store.read() as session:
        assert session.get(Event, secret.id).title == "机密会议"


def test_marking_confidential_seals_the_history_too(store_factory) -> None:
    store, _ = store_factory()
    with store.action("create") as session:
        person = Person(name="周律师 canary")
        session.add(person)
    with store.action("mark confidential") as session:
        session.get(Person, person.id).confidential = True
    for before, after in raw_rows(store, "select before, after from change"):
        assert "周律师" not in before + after
    assert crypto.is_sealed(raw_rows(store, "select name from person")[0][0])
    with store.action("unmark") as session:
        session.get(Person, person.id).confidential = False
    assert raw_rows(store, "select name from person") == [("周律师 canary",)]


def test_a_damaged_sealed_value_marks_only_that_item(store_factory) -> None:
    store, _ = store_factory()
    with store.action("create") as session:
        a = event("机密甲", confidential=True)
        b = event("机密乙", confidential=True)
        c = event("公开丙")
        session.add_all([a, b, c])
    sealed = raw_rows(store, f"select title from event where id = '{a.id}'")[0][0]
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with store.engine.begin() as connection:
        connection.execute(text("update event set title = :t where id = :i"), {"t": flipped, "i": a.id})
    with store.read() as session:
        rows = {e.id: e for e in session.exec(select(Event)).all()}
        assert store.display(rows[a.id], "title") == "⚠ damaged"
        assert store.display(rows[b.id], "title") == "机密乙"
        assert store.display(rows[c.id], "title") == "公开丙"
    with pytest.raises(Damaged), store.action("edit damaged") as session:
        session.get(Event, a.id).location = "overwrite attempt"
    assert raw_rows(store, f"select title, location from event where id = '{a.id}'") == [(flipped, "")]


def test_a_value_swapped_between_rows_is_damaged(store_factory) -> None:
    store, _ = store_factory()
    with store.action("create") as session:
        a, b = event("机密甲", confidential=True), event("机密乙", confidential=True)
        session.add_all([a, b])
    ta = raw_rows(store, f"select title from event where id = '{a.id}'")[0][0]
    tb = raw_rows(store, f"select title from event where id = '{b.id}'")[0][0]
    with store.engine.begin() as connection:
        connection.execute(text("update event set title = :t where id = :i"), {"t": tb, "i": a.id})
        connection.execute(text("update event set title = :t where id = :i"), {"t": ta, "i": b.id})
    with store.read() as session:
        for item in session.exec(select(Event)).all():
            assert store.display(item, "title") == "⚠ damaged"
            assert store.is_damaged(item)


def test_wrong_passphrase_and_recovery_key(store_factory) -> None:
    store, recovery = store_factory()
    store.close()
    root = store.paths.root
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    with pytest.raises(WrongKey, match="wrong passphrase"):
        Store.open(root, passphrase="not it at all")
    _raw, other = crypto.new_recovery_key()
    with pytest.raises(WrongKey):
        Store.open(root, recovery=other)
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before
    reopened = Store.open(root, recovery=recovery)
    reopened.close()


def test_a_flipped_byte_in_the_database_is_found_and_writes_are_refused(store_factory) -> None:
    store, _ = store_factory()
    with store.action("create") as session:
        session.add_all([event(f"event {i}", notes="x" * 500) for i in range(200)])
    store.close()
    database = store.paths.database
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0x01
    database.write_bytes(bytes(data))
    damaged = Store.open(store.paths.root, passphrase=PASSPHRASE)
    assert damaged.damage and damaged.read_only
    with pytest.raises(StoreReadOnly), damaged.action("write"):
        pass
    with pytest.raises(StoreReadOnly):
        damaged.undo()
    damaged.engine.dispose()


def test_a_newer_store_is_refused(store_factory) -> None:
    store, _ = store_factory()
    with store.engine.begin() as connection:
        connection.execute(text(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}"))
    store.close()
    with pytest.raises(StoreTooNew, match="newer"):
        Store.open(store.paths.root, passphrase=PASSPHRASE)


def _schema(connection_factory) -> dict[str, set[tuple]]:
    schema = {}
    with connection_factory() as connection:
        tables = [r[0] for r in connection.execute(text("select name from sqlite_master where type='table'"))]
        for name in tables:
            columns = {
                (r[1], r[2].upper(), r[3]) for r in connection.execute(text(f"PRAGMA table_info('{name}')"))
            }
            indexes = {r[1] for r in connection.execute(text(f"PRAGMA index_list('{name}')"))}
            schema[name] = columns | {("index", i, 0) for i in indexes}
    return schema


def test_v1_fixture_migrates_to_the_current_schema(tmp_path: Path, store_factory, clock) -> None:
    copy = tmp_path / "v1"
    shutil.copytree(FIXTURE_V1, copy)
    copy.chmod(0o700)
    store = Store.open(copy, passphrase="fixture passphrase v1", clock=clock)
    with store.engine.connect() as connection:
        assert db.schema_version(connection) == db.SCHEMA_VERSION
    store.unlock_confidential(passphrase="fixture passphrase v1")
    with store.read() as session:
        events = {e.id: e for e in session.exec(select(Event)).all()}
    assert events["e-1"].title == "周一例会" and events["e-1"].end_tz == "Asia/Shanghai"
    assert events["e-2"].title == "v1 机密会议"
    fresh, _ = store_factory("fresh")
    assert _schema(store.engine.connect) == _schema(fresh.engine.connect)
    store.close()


def test_a_failed_migration_leaves_the_store_as_it_was(tmp_path: Path, monkeypatch, clock) -> None:
    copy = tmp_path / "v1"
    shutil.copytree(FIXTURE_V1, copy)
    before = (copy / "gmassist.db").read_bytes()

    def broken(connection) -> None:
        connection.execute(text("ALTER TABLE event ADD COLUMN end_tz VARCHAR"))
        raise RuntimeError("migration bug")

    monkeypatch.setitem(db.MIGRATIONS, 1, broken)
    with pytest.raises(RuntimeError):
        Store.open(copy, passphrase="fixture passphrase v1", clock=clock)
    keyfile = KeyFile.load(copy / "keys.json")
    key = keyfile.with_passphrase(STORE, "fixture passphrase v1")
    connection = sqlcipher3.dbapi2.connect(str(copy / "gmassist.db"))
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
    columns = [r[1] for r in connection.execute("PRAGMA table_info('event')")]
    assert "end_tz" not in columns
    connection.close()
    assert before is not None


def test_followup_instances_are_unique_per_series(store_factory) -> None:
    from sqlalchemy.exc import IntegrityError

    store, _ = store_factory()
    from datetime import date

    with store.action("template") as session:
        template = FollowUp(title="月度销售报告", rrule="FREQ=MONTHLY;BYMONTHDAY=5")
        session.add(template)
    with store.action("instance") as session:
        session.add(FollowUp(title="月度销售报告", series_id=template.id, instance_date=date(2026, 12, 5)))
    with pytest.raises(IntegrityError), store.action("instance again") as session:
        session.add(FollowUp(title="月度销售报告", series_id=template.id, instance_date=date(2026, 12, 5)))
    assert raw_rows(store, "select count(*) from followup") == [(2,)]
    assert Change is not None


def test_undo_of_marking_confidential_restores_plain_text(store_factory) -> None:
    store, _ = store_factory()
    with store.action("create") as session:
        person = Person(name="李娜")
        session.add(person)
    with store.action("mark confidential") as session:
        session.get(Person, person.id).confidential = True
    assert store.undo() == "mark confidential"
    assert raw_rows(store, "select name, confidential from person") == [("李娜", 0)]


def test_read_as_tells_sqlite_how_to_read_a_table_and_each_way_is_compiled_apart(store_factory) -> None:
    from sqlalchemy import event, func

    from gmassist.store.models import table_of
    from gmassist.store.queries import ReadAs, Window

    store, _ = store_factory()
    table = table_of(FollowUp)
    sent: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    with store.engine.connect() as connection:
        for how in ("NOT INDEXED", "INDEXED BY ix_followup_due", "NOT INDEXED"):
            read = ReadAs(table, how)
            count = select(func.count()).select_from(read).where(read.c.priority > 0)
            assert connection.execute(count).scalar_one() == 0
    assert [s for s in sent if "count" in s] == [
        "SELECT count(*) AS count_1 \nFROM followup NOT INDEXED \nWHERE followup.priority > ?",
        "SELECT count(*) AS count_1 \nFROM followup INDEXED BY ix_followup_due \nWHERE followup.priority > ?",
        "SELECT count(*) AS count_1 \nFROM followup NOT INDEXED \nWHERE followup.priority > ?",
    ]
    window = Window(store, FollowUp, ["title"], source=ReadAs(table, "NOT INDEXED"))
    assert window.count() == 0 and window.fetch(0, 10) == []
