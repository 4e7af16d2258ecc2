"""The store facade: open and create stores, one transaction per user action, the change log and undo,
and confidential fields sealed on write and opened on read.

Use it from plain Python (examples/headless.py):

    store = Store.open(path, passphrase="...")
    with store.action("event.create") as session:
        session.add(Event(title="董事会", start=..., end=...))
    store.close()
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, event, insert, inspect, select, update
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.attributes import flag_modified, set_committed_value
from sqlmodel import Session

from gmassist.clock import Clock, SystemClock
from gmassist.errors import (
    Damaged,
    Locked,
    NeedSecret,
    StoreExists,
    StoreNotFound,
    StoreReadOnly,
)
from gmassist.i18n import _
from gmassist.paths import StorePaths, ensure_private_dir
from gmassist.store import codec, crypto, db
from gmassist.store.base import StoreBase, damaged, damaged_text, masked_text, unwrap_key
from gmassist.store.keys import CONFIDENTIAL, STORE, KeyFile, Keyring, check_passphrase, new_keyfile
from gmassist.store.models import BY_NAME, Change, Item, Meta, new_id, table_name, table_of


class Store(StoreBase):
    """An open store: its engine, its key file, and the confidential key while unlocked."""

    def __init__(
        self,
        paths: StorePaths,
        engine: Engine,
        keyfile: KeyFile,
        *,
        clock: Clock,
        actor: str,
        keyring: Keyring | None,
        damage: list[str],
    ) -> None:
        super().__init__(keyfile, keyring)
        self.paths = paths
        """The store's folder and files."""
        self.engine = engine
        self.clock = clock
        self.actor = actor
        """Who the change log names for this program's actions."""
        self.damage = damage
        """Problems the integrity check found; a damaged store is read-only."""
        self._subkey_base: bytes | None = None
        """HKDF base for keys derived from the store key (`derived_key`); set when the store is opened."""
        self._sessions = sessionmaker(engine, class_=Session, expire_on_commit=False, autoflush=False)
        event.listen(self._sessions, "before_flush", _before_flush)
        event.listen(self._sessions, "after_flush_postexec", _after_flush)
        _listen_loads()

    # --- lifecycle -------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        root: Path | str,
        *,
        passphrase: str | None = None,
        keyring: Keyring | None = None,
        clock: Clock | None = None,
        actor: str = "assistant",
        check_strength: bool = True,
    ) -> tuple[Store, str]:
        """Make a new store at `root`; returns it and the recovery key (to be shown once, never stored).

        The store key and the confidential key are wrapped by the keyring when one is given, by the
        passphrase when one is given, and always by the recovery key.
        """
        root = Path(root)
        paths = StorePaths(root)
        if paths.keyfile.exists() or paths.database.exists():
            raise StoreExists(_("a store already exists at {path}").format(path=root))
        if passphrase is None and keyring is None:
            raise NeedSecret(_("a new store needs a keyring or a passphrase"))
        if passphrase is not None and check_strength:
            check_passphrase(passphrase)
        created_dir = not root.exists()
        ensure_private_dir(root)
        keyfile, store_key, conf = new_keyfile()
        recovery, recovery_text = crypto.new_recovery_key()
        engine: Engine | None = None
        try:
            for target, key in ((STORE, store_key), (CONFIDENTIAL, conf.key)):
                if keyring is not None:
                    keyfile.add_keyring(target, key, keyring)
                if passphrase is not None:
                    keyfile.add_passphrase(target, key, passphrase)
                keyfile.add_recovery(target, key, recovery)
            db.create_private_file(paths.database)
            engine = db.make_engine(paths.database, store_key)
            with engine.begin() as connection:
                db.check_and_migrate(connection)
                connection.execute(insert(Meta), [{"key": "store_id", "value": keyfile.store_id}])
            keyfile.save(paths.keyfile)
        except BaseException:
            if engine is not None:
                engine.dispose()
            if keyring is not None:
                for target in (STORE, CONFIDENTIAL):
                    with contextlib.suppress(Exception):
                        keyfile.remove(target, "keyring", keyring)
            for path in [paths.database, paths.keyfile, *paths.sidecars()]:
                path.unlink(missing_ok=True)
            if created_dir:
                shutil.rmtree(root, ignore_errors=True)
            raise
        store = cls(
            paths, engine, keyfile, clock=clock or SystemClock(), actor=actor, keyring=keyring, damage=[]
        )
        store._confidential = conf
        store._subkey_base = crypto.derive_subkey(store_key, "base")
        return store, recovery_text

    @classmethod
    def open(
        cls,
        root: Path | str,
        *,
        passphrase: str | None = None,
        recovery: str | None = None,
        keyring: Keyring | None = None,
        clock: Clock | None = None,
        actor: str = "assistant",
        check: bool = True,
    ) -> Store:
        """Open the store at `root` with the keyring, a passphrase or the recovery key.

        WrongKey when the secret does not fit (the files are not touched); a damaged database opens
        read-only with `damage` set (`check=False` skips the full integrity check).
        """
        root = Path(root)
        paths = StorePaths(root)
        if not paths.keyfile.exists():
            if not root.exists():
                raise StoreNotFound(
                    _("no store at {path}; create one with `gmassist init`").format(path=root)
                )
            raise StoreNotFound(_("no store at {path} (key file missing)").format(path=root))
        keyfile = KeyFile.load(paths.keyfile)
        store_key = unwrap_key(keyfile, STORE, passphrase=passphrase, recovery=recovery, keyring=keyring)
        if not paths.database.exists():
            raise StoreNotFound(_("the database of {path} is missing").format(path=root))
        engine = db.make_engine(paths.database, store_key)
        damage: list[str] = []
        try:
            if check:
                damage = db.check_integrity(engine)
            if not damage:
                with engine.begin() as connection:
                    db.check_and_migrate(connection)
        except DatabaseError as exc:
            engine.dispose()
            raise damaged(paths.database, str(exc.orig or exc)) from exc
        except BaseException:
            engine.dispose()
            raise
        store = cls(
            paths,
            engine,
            keyfile,
            clock=clock or SystemClock(),
            actor=actor,
            keyring=keyring,
            damage=damage,
        )
        store._subkey_base = crypto.derive_subkey(store_key, "base")
        return store

    def checkpoint(self) -> None:
        """Fold the WAL into the database and truncate it to zero bytes."""
        db.run_outside_transaction(self.engine, "PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Lock the confidential key, truncate the WAL and close every connection."""
        self.lock_confidential()
        with contextlib.suppress(DatabaseError):
            self.checkpoint()
        self.engine.dispose()

    @property
    def store_id(self) -> str:
        """The store's stable id (also its keyring entry)."""
        return self.keyfile.store_id

    @property
    def read_only(self) -> bool:
        """Whether writes are refused (the store is damaged)."""
        return bool(self.damage)

    # --- keys derived from the store key -----------------------------------------------------------

    def derived_key(self, purpose: str, *, confidential: bool = False) -> bytes:
        """A key for one `purpose` (e.g. the inbox's content digest), derived with HKDF from the store key,
        or from the confidential key when `confidential` (Locked while it is locked). Never stored."""
        if confidential:
            return crypto.derive_subkey(self.confidential_key().key, purpose)
        if self._subkey_base is None:
            raise Locked(_("the store key is not available"))
        return crypto.derive_subkey(self._subkey_base, purpose)

    # --- sessions ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def action(self, label: str) -> Iterator[Session]:
        """One user action: one transaction, logged under one action id for undo."""
        if self.damage:
            raise StoreReadOnly(_("the store is damaged and open read-only; run `gmassist doctor`"))
        session = self._sessions()
        session.info.update(store=self, action_id=new_id(), label=label, now=self.clock.now())
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise damaged(self.paths.database, str(exc.orig or exc)) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; any attempt to write through it fails."""
        session = self._sessions()
        session.info.update(store=self, read_only=True)
        try:
            yield session
        finally:
            session.close()  # ends the transaction; loaded objects stay readable, detached

    def fetch(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of one SQL query (? parameters), each a dict of column name -> stored value."""
        with self.engine.connect() as connection:
            return [dict(row) for row in connection.exec_driver_sql(sql, tuple(parameters)).mappings()]

    # --- showing sealed values ---------------------------------------------------------------------

    def display(self, item: Item, column: str) -> str:
        """What to show for one text field of an item: its text, or the masked or damaged sign."""
        value = getattr(item, column)
        if (table_name(item), item.id) in self.damaged_items and crypto.is_sealed(value):
            return damaged_text()
        if crypto.is_sealed(value):
            return masked_text() if self._confidential is None else damaged_text()
        return "" if value is None else str(value)

    def is_damaged(self, item: Item) -> bool:
        """Whether one of the item's sealed values failed to open."""
        return (table_name(item), item.id) in self.damaged_items

    # --- undo -------------------------------------------------------------------------------------

    def undo(self) -> str | None:
        """Undo the latest action not yet undone; returns its label (None when there is nothing to undo)."""
        if self.damage:
            raise StoreReadOnly(_("the store is damaged and open read-only; run `gmassist doctor`"))
        log = table_of(Change)
        undone = select(log.c.undoes).where(log.c.undoes.is_not(None))
        with self.engine.begin() as connection:
            last = connection.execute(
                select(log.c.action_id, log.c.label)
                .where(log.c.undoes.is_(None), log.c.action_id.not_in(undone))
                .order_by(log.c.seq.desc())
                .limit(1)
            ).first()
            if last is None:
                return None
            rows = connection.execute(
                select(log).where(log.c.action_id == last.action_id).order_by(log.c.seq.desc())
            ).all()
            undo_id, now = new_id(), self.clock.now()
            for change in rows:
                table = table_of(BY_NAME[change.table_name])
                before = codec.row_from_json(table, json.loads(change.before)) if change.before else {}
                self._open_if_plain(change.table_name, before, connection)
                after = codec.row_from_json(table, json.loads(change.after)) if change.after else {}
                if change.op == "insert":
                    connection.execute(delete(table).filter_by(**codec.primary_key(table, after)))
                    op = "delete"
                elif change.op == "update":
                    connection.execute(
                        update(table).filter_by(**codec.primary_key(table, before)).values(before)
                    )
                    op = "update"
                else:
                    connection.execute(insert(table).values(before))
                    op = "insert"
                connection.execute(
                    insert(log).values(
                        action_id=undo_id,
                        at=now,
                        actor=self.actor,
                        label="undo",
                        table_name=change.table_name,
                        row_id=change.row_id,
                        op=op,
                        before=change.after,
                        after=change.before,
                        undoes=last.action_id,
                    )
                )
        return str(last.label)

    def _open_if_plain(self, table: str, values: dict[str, Any], connection: Any = None) -> None:
        """A row put back as not confidential must hold plain text: open values the log kept sealed."""
        if table == "attachment_chunk" and values and connection is not None:
            self._open_chunk_if_plain(values, connection)
            return
        model = BY_NAME[table]
        if not values or not issubclass(model, Item) or values.get("confidential", True):
            return
        for name in model.__sealed__:
            if crypto.is_sealed(values.get(name)):
                values[name] = crypto.open_sealed(
                    self.confidential_key(), table, name, values["id"], values[name]
                )

    def _open_chunk_if_plain(self, values: dict[str, Any], connection: Any) -> None:
        """A file chunk put back under an attachment that is not confidential must hold its plain bytes:
        open a value the log kept sealed (crypto.seal_logged_chunk)."""
        data = values.get("data")
        if not isinstance(data, bytes) or not data.startswith(crypto.LOGGED_CHUNK_MARK):
            return
        attachments = table_of(BY_NAME["attachment"])
        confidential = connection.execute(
            select(attachments.c.confidential).where(attachments.c.id == values["attachment_id"])
        ).scalar()
        if confidential:
            return
        opened = crypto.open_logged_chunk(
            self.confidential_key(), values["attachment_id"], values["seq"], data
        )
        if opened is None:
            raise Damaged(_("a logged file chunk failed to open"))
        values["data"] = opened


# --- session hooks: sealing, change log ---------------------------------------------------------------


def _store_of(session: Session) -> Store | None:
    store = session.info.get("store")
    return store if isinstance(store, Store) else None


def _stored_values(obj: Any) -> dict[str, Any]:
    table = table_of(obj)
    return {column.name: codec.to_json(getattr(obj, column.key)) for column in table.columns}


def _committed_values(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    values = {}
    for column in table_of(obj).columns:
        history = state.attrs[column.key].history
        if history.deleted:
            value = history.deleted[0]
        elif history.unchanged:
            value = history.unchanged[0]
        else:
            value = getattr(obj, column.key)
        values[column.name] = codec.to_json(value)
    return values


def _seal_values(
    store: Store, table: str, row_id: str, sealed: tuple[str, ...], values: dict[str, Any]
) -> None:
    """Seal the plain text fields of a confidential row's logged values, in place."""
    for name in sealed:
        value = values.get(name)
        if isinstance(value, str) and value and not crypto.is_sealed(value):
            values[name] = crypto.seal(store.confidential_key(), table, name, row_id, value)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Seal confidential fields, stamp times, refuse writes to damaged items, and log every change."""
    store = _store_of(session)
    if store is None:
        return
    if session.info.get("read_only"):
        if session.new or session.dirty or session.deleted:
            raise StoreReadOnly("read-only session")
        return
    now: datetime = session.info["now"]
    restore: list[tuple[Any, str, Any]] = session.info.setdefault("restore", [])
    changes: list[dict[str, Any]] = []

    for obj in list(session.new):
        if isinstance(obj, Change):
            continue
        if isinstance(obj, Item):
            if getattr(obj, "created", None) is None:
                obj.created = now
            if getattr(obj, "updated", None) is None:
                obj.updated = now
            if obj.confidential:
                _seal_object(store, obj, restore, all_fields=True)
        changes.append(_change(obj, "insert", None, _stored_values(obj)))

    for obj in list(session.dirty):
        if isinstance(obj, Change) or not session.is_modified(obj):
            continue
        before = _committed_values(obj)
        if isinstance(obj, Item):
            table = table_name(obj)
            if (table, obj.id) in store.damaged_items:
                raise Damaged(_("this item is damaged and cannot be changed"))
            flag = inspect(obj).attrs["confidential"].history
            was_confidential = bool(flag.deleted[0]) if flag.deleted else bool(obj.confidential)
            if flag.has_changes() and not obj.confidential:
                store.confidential_key()  # unmarking needs the plain values, so the key
                for name in type(obj).__sealed__:
                    flag_modified(obj, name)
            obj.updated = now
            if obj.confidential:
                _seal_object(store, obj, restore, all_fields=flag.has_changes())
                if flag.has_changes():
                    _scrub_history(session, store, table, obj.id, type(obj).__sealed__)
            if was_confidential or obj.confidential:
                _seal_values(store, table, obj.id, type(obj).__sealed__, before)
        changes.append(_change(obj, "update", before, _stored_values(obj)))

    for obj in list(session.deleted):
        if isinstance(obj, Change):
            continue
        before = _committed_values(obj)
        if isinstance(obj, Item) and obj.confidential:
            _seal_values(store, table_name(obj), obj.id, type(obj).__sealed__, before)
        changes.append(_change(obj, "delete", before, None))

    action_id, label = session.info.get("action_id"), session.info.get("label")
    if action_id is None:
        return
    for change in changes:
        session.add(
            Change(
                action_id=action_id,
                at=now,
                actor=store.actor,
                label=str(label),
                **change,
            )
        )


def _change(obj: Any, op: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    table = table_of(obj)
    pk = [str((after or before or {}).get(column.name)) for column in table.primary_key.columns]
    return {
        "table_name": table.name,
        "row_id": "|".join(pk),
        "op": op,
        "before": json.dumps(before, ensure_ascii=False, sort_keys=True) if before is not None else "",
        "after": json.dumps(after, ensure_ascii=False, sort_keys=True) if after is not None else "",
    }


def _seal_object(store: Store, obj: Item, restore: list[tuple[Any, str, Any]], *, all_fields: bool) -> None:
    """Replace the plain text fields of a confidential item by sealed ones before they are written."""
    table = table_name(obj)
    state = inspect(obj)
    for name in type(obj).__sealed__:
        value = getattr(obj, name)
        if not isinstance(value, str) or not value or crypto.is_sealed(value):
            continue
        if not all_fields and state.persistent and not state.attrs[name].history.has_changes():
            continue
        key = store.confidential_key()
        setattr(obj, name, crypto.seal(key, table, name, obj.id, value))
        restore.append((obj, name, value))


def _scrub_history(session: Session, store: Store, table: str, row_id: str, sealed: tuple[str, ...]) -> None:
    """An item just marked confidential: seal its earlier values in the change log too."""
    connection = session.connection()
    log = table_of(Change)
    rows = connection.execute(
        select(log.c.seq, log.c.before, log.c.after).where(log.c.table_name == table, log.c.row_id == row_id)
    ).all()
    for seq, before, after in rows:
        fixed = {}
        for name, raw in (("before", before), ("after", after)):
            if raw:
                values = json.loads(raw)
                _seal_values(store, table, row_id, sealed, values)
                fixed[name] = json.dumps(values, ensure_ascii=False, sort_keys=True)
        if fixed:
            connection.execute(update(log).where(log.c.seq == seq).values(**fixed))


def _after_flush(session: Session, _context: Any) -> None:
    """Put the plain values back into the objects in memory once their sealed form is written."""
    for obj, name, value in session.info.pop("restore", []):
        set_committed_value(obj, name, value)


_LOADS_LISTENING = False


def _listen_loads() -> None:
    """Open sealed values of confidential items as they are loaded (once per process)."""
    global _LOADS_LISTENING
    if _LOADS_LISTENING:
        return
    event.listen(Item, "load", _on_load, propagate=True)
    event.listen(Item, "refresh", lambda target, context, _attrs: _on_load(target, context), propagate=True)
    _LOADS_LISTENING = True


def _on_load(target: Item, context: Any) -> None:
    session = getattr(context, "session", None)
    store = _store_of(session) if session is not None else None
    if store is None or not target.confidential or store._confidential is None:
        return
    table = table_name(target)
    for name in type(target).__sealed__:
        value = getattr(target, name)
        if crypto.is_sealed(value):
            try:
                plain = crypto.open_sealed(store._confidential, table, name, target.id, value)
            except Damaged:
                store.damaged_items.add((table, target.id))
                continue
            set_committed_value(target, name, plain)
