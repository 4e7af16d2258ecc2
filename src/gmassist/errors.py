"""Errors that reach the user: each carries one plain, translated line of explanation."""

from __future__ import annotations


class GmassistError(Exception):
    """Base of every error that the command line prints as one line and the TUI as a notification."""

    exit_code = 1


class ConfigError(GmassistError):
    """The config file cannot be read or holds an unknown or invalid setting."""


class StoreError(GmassistError):
    """Something is wrong with the store as a whole."""


class StoreNotFound(StoreError):
    """No store exists at the chosen path."""


class StoreExists(StoreError):
    """`init` was asked to create a store where one already is."""


class StoreDamaged(StoreError):
    """The database or key file failed an integrity check; the store is opened read-only or not at all."""

    exit_code = 3


class StoreTooNew(StoreError):
    """The store was written by a newer gmassist with a schema this program does not know."""


class StoreReadOnly(StoreError):
    """A write was attempted on a store that was opened read-only (because it is damaged)."""


class WrongKey(GmassistError):
    """The passphrase, keyring entry or recovery key does not open this store."""

    exit_code = 2


class KeyringUnavailable(GmassistError):
    """No usable native keyring: the backend is missing, rejected, locked or did not answer in time."""

    exit_code = 2


class Locked(GmassistError):
    """A confidential value was needed while the confidential key is locked."""


class Damaged(GmassistError):
    """One sealed value failed to open: it was altered or moved. The rest of the store is fine."""


class InvalidInput(GmassistError):
    """Bad user input: a date that cannot be read, an empty title, an illegal transition."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NeedSecret(GmassistError):
    """The store needs a passphrase (or the recovery key) to open: the caller asks the user and tries again."""

    exit_code = 2

    def __init__(self, message: str, target: str = "store") -> None:
        super().__init__(message)
        self.target = target
