"""Use cases shared by the command line and the TUI. This package: opening stores with whatever secret is at
hand, creating them, changing their wrappers, checking them; its modules: one per area (agenda, inbox...)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from gmassist.clock import Clock
from gmassist.config import Settings
from gmassist.errors import KeyringUnavailable, NeedSecret, WrongKey
from gmassist.i18n import _
from gmassist.paths import StorePaths
from gmassist.store.base import StoreBase, unwrap_key
from gmassist.store.keys import CONFIDENTIAL, STORE, KeyFile, Keyring, check_passphrase

if TYPE_CHECKING:
    from gmassist.store.reader import Reader
    from gmassist.store.store import Store

_Opened = TypeVar("_Opened")


def passphrase_from_env() -> str | None:
    """GMASSIST_PASSPHRASE, else the first line of GMASSIST_PASSPHRASE_FILE, else None."""
    value = os.environ.get("GMASSIST_PASSPHRASE")
    if value:
        return value
    path = os.environ.get("GMASSIST_PASSPHRASE_FILE")
    if path:
        try:
            return Path(path).expanduser().read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as exc:
            raise WrongKey(_("cannot read GMASSIST_PASSPHRASE_FILE {path}").format(path=path)) from exc
    return None


def native_keyring(settings: Settings) -> Keyring | None:
    """The OS keyring when a native backend answers; None otherwise."""
    keyring = Keyring(timeout=settings.keyring_timeout_seconds)
    return keyring if keyring.available() else None


def keyring_problem(settings: Settings) -> str | None:
    """Why the keyring cannot be used (one translated line), or None when it can."""
    try:
        Keyring(timeout=settings.keyring_timeout_seconds).backend()
    except KeyringUnavailable as exc:
        return str(exc)
    except Exception as exc:  # an import or D-Bus failure inside keyring
        return _("the keyring failed ({error}); the passphrase will be used").format(error=type(exc).__name__)
    return None


def open_store(
    root: Path,
    settings: Settings,
    clock: Clock,
    *,
    passphrase: str | None = None,
    recovery: str | None = None,
    check: bool = True,
) -> Store:
    """Open a store with, in order: the recovery key or passphrase given, GMASSIST_PASSPHRASE(_FILE), the keyring.

    NeedSecret when a passphrase is needed and none was given (the caller asks and calls again).
    """
    from gmassist.store.store import Store

    def opener(passphrase: str | None, recovery: str | None, keyring: Keyring) -> Store:
        return Store.open(
            root,
            passphrase=passphrase,
            recovery=recovery,
            keyring=keyring,
            clock=clock,
            actor=settings.actor,
            check=check,
        )

    return _open(root, settings, opener, passphrase, recovery)


def open_reader(
    root: Path, settings: Settings, clock: Clock, *, passphrase: str | None = None
) -> Reader | Store:
    """Open a store to read it once (a command's table): a `Reader` without SQLAlchemy when it can read the
    store as it is, else the full `Store` (which migrates an older store and tells what is wrong)."""
    from gmassist.store.reader import Reader, Unreadable

    try:
        return _open(root, settings, partial(Reader.open, root), passphrase, None)
    except Unreadable:
        return open_store(root, settings, clock, passphrase=passphrase, check=False)


def _open(
    root: Path,
    settings: Settings,
    opener: Callable[[str | None, str | None, Keyring], _Opened],
    passphrase: str | None,
    recovery: str | None,
) -> _Opened:
    """`opener(passphrase, recovery, keyring)` with the secrets at hand (see `open_store`)."""
    if passphrase is None and recovery is None:
        passphrase = passphrase_from_env()
    try:
        return opener(passphrase, recovery, Keyring(timeout=settings.keyring_timeout_seconds))
    except KeyringUnavailable as exc:
        keyfile = KeyFile.load(StorePaths(root).keyfile)
        if "passphrase" in keyfile.kinds(STORE):
            raise NeedSecret(str(exc)) from exc
        raise KeyringUnavailable(
            _("{problem}; this store has no passphrase: use `gmassist recover`").format(
                problem=str(exc).split(";")[0]
            )
        ) from exc


def unlock_confidential(store: StoreBase, passphrase: str | None = None) -> None:
    """Unlock confidential items with the keyring or the given passphrase (NeedSecret when one is needed)."""
    try:
        store.unlock_confidential(passphrase=passphrase)
    except KeyringUnavailable as exc:
        if "passphrase" in store.keyfile.kinds(CONFIDENTIAL):
            raise NeedSecret(str(exc), CONFIDENTIAL) from exc
        raise


def create_store(
    root: Path, settings: Settings, clock: Clock, *, passphrase: str | None, use_keyring: bool
) -> tuple[Store, str, str | None]:
    """Create a store; returns it, its recovery key and, when the keyring was wanted but refused, why."""
    keyring = None
    problem = None
    if use_keyring:
        problem = keyring_problem(settings)
        if problem is None:
            keyring = Keyring(timeout=settings.keyring_timeout_seconds)
    if keyring is None and passphrase is None:
        raise NeedSecret(problem or _("a passphrase is needed"))
    from gmassist.store.store import Store

    store, recovery = Store.create(
        root, passphrase=passphrase, keyring=keyring, clock=clock, actor=settings.actor
    )
    return store, recovery, problem


def rewrap(
    root: Path,
    settings: Settings,
    *,
    store_key: bytes,
    confidential_key: bytes,
    keyfile: KeyFile,
    to: str | None,
    new_passphrase: str | None = None,
    confidential_passphrase: str | None = None,
) -> list[str]:
    """Replace a store's keyring/passphrase wrappers without touching the data; returns what was done.

    `to` ("keyring", "passphrase" or None to leave the store's wrappers) moves both keys, except a
    confidential key that has its own passphrase; `confidential_passphrase` gives it one (replacing its
    keyring entry). The recovery wrapper always stays.
    """
    done: list[str] = []
    keyring = Keyring(timeout=settings.keyring_timeout_seconds)
    if to == "keyring":
        keyring.backend()  # raises with the reason when no native keyring is usable
    elif to == "passphrase":
        if new_passphrase is None:
            raise NeedSecret(_("a new passphrase is needed"))
        check_passphrase(new_passphrase)
    if confidential_passphrase is not None:
        check_passphrase(confidential_passphrase)
    targets = [(STORE, store_key)] if to else []
    if to and (confidential_passphrase is None and not keyfile.has_own_passphrase(CONFIDENTIAL)):
        targets.append((CONFIDENTIAL, confidential_key))
    for target, key in targets:
        _move_wrapper(keyfile, target, key, to or "", keyring, new_passphrase)
    if to:
        done.append(
            _("the store now opens with the keyring")
            if to == "keyring"
            else _("the store now opens with the passphrase")
        )
    if confidential_passphrase is not None:
        keyfile.add_passphrase(CONFIDENTIAL, confidential_key, confidential_passphrase, own=True)
        _drop_keyring(keyfile, CONFIDENTIAL, keyring)
        done.append(_("the confidential key now has its own passphrase"))
    keyfile.save(StorePaths(root).keyfile)
    return done


def _move_wrapper(
    keyfile: KeyFile, target: str, key: bytes, to: str, keyring: Keyring, passphrase: str | None
) -> None:
    """Wrap `key` the new way and drop the other way's wrapper."""
    if to == "keyring":
        keyfile.add_keyring(target, key, keyring)
        keyfile.remove(target, "passphrase")
    else:
        assert passphrase is not None
        keyfile.add_passphrase(target, key, passphrase)
        _drop_keyring(keyfile, target, keyring)


def _drop_keyring(keyfile: KeyFile, target: str, keyring: Keyring) -> None:
    """Remove a keyring wrapper and, where the keyring answers, its entry."""
    if "keyring" not in keyfile.kinds(target):
        return
    try:
        keyfile.remove(target, "keyring", keyring)
    except KeyringUnavailable:
        keyfile.remove(target, "keyring")


def unwrap_both(
    root: Path,
    settings: Settings,
    *,
    passphrase: str | None = None,
    recovery: str | None = None,
    confidential_passphrase: str | None = None,
) -> tuple[KeyFile, bytes, bytes]:
    """The key file and both unwrapped keys (for rekey and recover)."""
    keyfile = KeyFile.load(StorePaths(root).keyfile)
    keyring = Keyring(timeout=settings.keyring_timeout_seconds)
    if passphrase is None and recovery is None:
        passphrase = passphrase_from_env()
    store_key = unwrap_key(keyfile, STORE, passphrase=passphrase, recovery=recovery, keyring=keyring)
    if recovery is not None:
        conf_key = keyfile.with_recovery(CONFIDENTIAL, recovery)
    elif keyfile.has_own_passphrase(CONFIDENTIAL):
        secret = confidential_passphrase or os.environ.get("GMASSIST_CONFIDENTIAL_PASSPHRASE")
        if secret is None:
            raise NeedSecret(_("the confidential key needs its own passphrase"), CONFIDENTIAL)
        conf_key = keyfile.with_passphrase(CONFIDENTIAL, secret)
    else:
        usable = passphrase if "passphrase" in keyfile.kinds(CONFIDENTIAL) else None
        conf_key = unwrap_key(keyfile, CONFIDENTIAL, passphrase=usable, keyring=keyring)
    return keyfile, store_key, conf_key


@dataclass
class DoctorReport:
    """What `gmassist doctor` found: lines to print and whether anything is wrong."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, label: str, value: str, problem: bool = False) -> None:
        self.lines.append((label, value))
        if problem:
            self.problems.append(f"{label}: {value}")


def permissions_problems(paths: StorePaths) -> list[str]:
    """Files of the store readable by others (the folder must be 0700, its files 0600)."""
    problems = []
    if paths.root.exists() and stat.S_IMODE(paths.root.stat().st_mode) & 0o077:
        problems.append(_("{path} is readable by others (should be 0700)").format(path=paths.root))
    for path in [paths.database, paths.keyfile, *paths.sidecars()]:
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            problems.append(_("{path} is readable by others (should be 0600)").format(path=path))
    return problems
