"""What the store and its light reader share: unwrapping the store's keys, the confidential key that opens
sealed values while it is unlocked, and the data version. No SQLAlchemy here: `gmassist.store.reader` stays
quick to import.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from gmassist.errors import Damaged, Locked, NeedSecret, StoreDamaged
from gmassist.i18n import _
from gmassist.store import crypto
from gmassist.store.keys import CONFIDENTIAL, KeyFile, Keyring

_T = TypeVar("_T")

MASK = "🔒"
"""Shown in place of a confidential value while the confidential key is locked (with the word)."""
DAMAGE = "⚠"
"""Shown in place of a sealed value that failed to open."""


def masked_text() -> str:
    """What a locked confidential value shows."""
    return f"{MASK} {_('confidential')}"


def damaged_text() -> str:
    """What a damaged sealed value shows."""
    return f"{DAMAGE} {_('damaged')}"


def damaged(path: Path, detail: str) -> StoreDamaged:
    """The error for a database that the right key cannot read."""
    return StoreDamaged(_("the database {path} is damaged: {detail}").format(path=path, detail=detail))


def unwrap_key(
    keyfile: KeyFile,
    target: str,
    *,
    passphrase: str | None = None,
    recovery: str | None = None,
    keyring: Keyring | None = None,
) -> bytes:
    """The unwrapped key `target` (store or confidential) from whichever secret was given.

    With no secret, the keyring is tried when the key has a keyring wrapper; otherwise NeedSecret.
    """
    if recovery is not None:
        return keyfile.with_recovery(target, recovery)
    if passphrase is not None:
        return keyfile.with_passphrase(target, passphrase)
    if keyring is not None and "keyring" in keyfile.kinds(target):
        return keyfile.with_keyring(target, keyring)
    if target == CONFIDENTIAL:
        message = _("the confidential key needs its passphrase")
    else:
        message = _("this store needs its passphrase (or GMASSIST_PASSPHRASE)")
    raise NeedSecret(message, target)


class StoreBase:
    """An open store (or reader): plain SQL reads, the confidential key, and sealed values opened with it."""

    keyfile: KeyFile
    keyring: Keyring | None

    def __init__(self, keyfile: KeyFile, keyring: Keyring | None) -> None:
        self.keyfile = keyfile
        self.keyring = keyring
        self.damaged_items: set[tuple[str, str]] = set()
        """(table, id) of items with a sealed value that failed to open."""
        self._confidential: crypto.ConfidentialKey | None = None

    # --- the confidential key ---------------------------------------------------------------------

    @property
    def confidential_unlocked(self) -> bool:
        """Whether confidential items can be read and written now."""
        return self._confidential is not None

    def confidential_needs_passphrase(self) -> bool:
        """Whether unlocking asks for a passphrase (no keyring wrapper, or no usable keyring)."""
        return "keyring" not in self.keyfile.kinds(CONFIDENTIAL) or self.keyring is None

    def unlock_confidential(self, *, passphrase: str | None = None, recovery: str | None = None) -> None:
        """Unwrap the confidential key into memory (WrongKey / NeedSecret when it cannot be)."""
        key = unwrap_key(
            self.keyfile, CONFIDENTIAL, passphrase=passphrase, recovery=recovery, keyring=self.keyring
        )
        self._confidential = crypto.ConfidentialKey(self.keyfile.confidential_key_id, key)
        self.damaged_items.clear()

    def lock_confidential(self) -> None:
        """Forget the confidential key."""
        self._confidential = None

    def confidential_key(self) -> crypto.ConfidentialKey:
        """The unlocked confidential key; Locked when it is not unlocked."""
        if self._confidential is None:
            raise Locked(_("confidential items are locked; unlock them first"))
        return self._confidential

    # --- reading sealed values --------------------------------------------------------------------

    def reveal(self, table: str, column: str, row_id: str, value: Any) -> Any:
        """The plain value of a stored value: opened when sealed and unlocked; masked or damaged text else."""
        if not crypto.is_sealed(value):
            return value
        if self._confidential is None:
            return masked_text()
        try:
            return crypto.open_sealed(self._confidential, table, column, row_id, value)
        except Damaged:
            self.damaged_items.add((table, row_id))
            return damaged_text()

    def reveal_row(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """A stored row with every sealed value revealed (see `reveal`)."""
        row_id = row["id"]
        return {key: self.reveal(table, key, row_id, value) for key, value in row.items()}

    # --- reading --------------------------------------------------------------------------------------

    def fetch(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of one SQL query (? parameters), each a dict of column name -> stored value."""
        raise NotImplementedError

    def data_version(self) -> tuple[int, int, bool]:
        """What cached views of the store depend on: the last change logged (by any process), the number
        of events (a bulk .ics import writes no log) and whether confidential text is readable."""
        found = self.fetch(
            'SELECT (SELECT max(seq) FROM "change") AS seq, (SELECT count(*) FROM event) AS events'
        )
        return (found[0]["seq"] or 0, found[0]["events"] or 0, self.confidential_unlocked)


class PerStore(Generic[_T]):
    """One `_T` per open store (a cache, opened texts), made on first use and dropped with the store."""

    def __init__(self, make: Callable[[], _T]) -> None:
        self._make = make
        self._items: weakref.WeakKeyDictionary[StoreBase, _T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def of(self, store: StoreBase) -> _T:
        """The one of `store`, made now if it has none yet."""
        with self._lock:
            item = self._items.get(store)
            if item is None:
                item = self._items[store] = self._make()
            return item

    def peek(self, store: StoreBase) -> _T | None:
        """The one of `store` if it has one (None: nothing to forget)."""
        with self._lock:
            return self._items.get(store)
