"""The store's keys: a key file of wrapped keys, the OS keyring, passphrases and the recovery key.

Two random 256-bit keys exist per store: the *store key* opens the SQLCipher database, the *confidential
key* seals confidential fields. Neither is ever written unwrapped. Each is wrapped (AES-256-GCM) by any of:

- ``keyring``: a random key-encryption key held in the OS keyring (service ``gmassist``);
- ``passphrase``: a key stretched from a passphrase with Argon2id (scrypt where Argon2id is missing);
- ``recovery``: a key derived from the recovery key shown once at ``init``.

The key file carries a SHA-256 digest of its content, so a damaged file is told apart from a wrong key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gmassist.errors import Damaged, KeyringUnavailable, StoreDamaged, StoreNotFound, WrongKey
from gmassist.i18n import _
from gmassist.store import crypto

SERVICE = "gmassist"
FORMAT = "gmassist-keys"
VERSION = 1
STORE, CONFIDENTIAL = "store", "confidential"
MIN_PASSPHRASE = 8

T = TypeVar("T")

# --- the OS keyring ---------------------------------------------------------------------------------

NATIVE_BACKENDS = (
    "keyring.backends.SecretService",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
)


def _is_native(backend: object) -> bool:
    module = type(backend).__module__
    if module == "keyring.backends.chainer":
        members = list(getattr(backend, "backends", []))
        return bool(members) and all(_is_native(member) for member in members)
    return module.startswith(NATIVE_BACKENDS)


def call_with_timeout(func: Callable[[], T], timeout: float) -> T:
    """Run a keyring call in a daemon thread; a call that hangs past `timeout` is given up.

    A daemon thread (not an executor) so that a keyring that never answers cannot hold the process at exit.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, name="gmassist-keyring", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise KeyringUnavailable(
            _("the keyring did not answer within {seconds:g} s; the passphrase will be used").format(
                seconds=timeout
            )
        )
    if "error" in box:
        raise box["error"]
    return box["value"]


@dataclass
class Keyring:
    """The OS keyring, accepted only when its backend is a native one."""

    timeout: float = 5.0

    def backend(self) -> Any:
        """The native backend in use; KeyringUnavailable (saying the passphrase will be used) otherwise."""
        import keyring

        backend = call_with_timeout(keyring.get_keyring, self.timeout)
        if not _is_native(backend):
            name = f"{type(backend).__module__}.{type(backend).__name__}"
            raise KeyringUnavailable(
                _("no native keyring (backend {name} is not accepted); the passphrase will be used").format(
                    name=name
                )
            )
        return backend

    def available(self) -> bool:
        """Whether a native keyring can be used."""
        try:
            self.backend()
        except Exception:
            return False
        return True

    def _call(self, what: Callable[[Any], T]) -> T:
        import keyring.errors

        backend = self.backend()
        try:
            return call_with_timeout(lambda: what(backend), self.timeout)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(
                _("the keyring refused the request ({error}); the passphrase will be used").format(
                    error=type(exc).__name__
                )
            ) from exc

    def get(self, entry: str) -> bytes | None:
        """The secret stored under `entry`, or None when there is none."""
        value = self._call(lambda backend: backend.get_password(SERVICE, entry))
        return None if value is None else crypto.b64d(value)

    def set(self, entry: str, secret: bytes) -> None:
        """Store `secret` under `entry` and read it back to be sure it is there."""
        self._call(lambda backend: backend.set_password(SERVICE, entry, crypto.b64e(secret)))
        if self.get(entry) != secret:
            raise KeyringUnavailable(_("the keyring did not keep the key; the passphrase will be used"))

    def delete(self, entry: str) -> None:
        """Remove `entry`; a missing entry is fine."""
        import keyring.errors

        def remove(backend: Any) -> None:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                backend.delete_password(SERVICE, entry)

        self._call(remove)


# --- the key file ------------------------------------------------------------------------------------


def _aad(store_id: str, target: str, kind: str) -> bytes:
    return f"gmassist|wrap|1|{store_id}|{target}|{kind}".encode()


def _entry(store_id: str, target: str) -> str:
    return store_id if target == STORE else f"{store_id}/{target}"


@dataclass
class KeyFile:
    """The content of keys.json: the store's id and, per key, its wrappers."""

    store_id: str
    confidential_key_id: str
    wrappers: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {STORE: {}, CONFIDENTIAL: {}}
    )

    def body(self) -> dict[str, Any]:
        """Everything but the digest."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "store_id": self.store_id,
            "confidential_key_id": self.confidential_key_id,
            "wrappers": self.wrappers,
        }

    @staticmethod
    def digest(body: dict[str, Any]) -> str:
        """SHA-256 over the canonical JSON of the body."""
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def save(self, path: Path) -> None:
        """Write atomically, 0600: a temp file in the same folder, fsync, rename."""
        body = self.body()
        text = json.dumps(body | {"digest": self.digest(body)}, indent=2, sort_keys=True) + "\n"
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        path.chmod(0o600)

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """Read and check keys.json; StoreDamaged when it is not intact, StoreNotFound when missing."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise StoreNotFound(_("no store at {path} (key file missing)").format(path=path.parent)) from exc
        damaged = StoreDamaged(_("the key file {path} is damaged").format(path=path))
        try:
            data = json.loads(raw.decode("ascii"))
            digest = data.pop("digest")
        except (ValueError, AttributeError, KeyError, TypeError) as exc:
            raise damaged from exc
        if not isinstance(data, dict) or cls.digest(data) != digest or data.get("format") != FORMAT:
            raise damaged
        if data.get("version") != VERSION:
            raise damaged
        try:
            return cls(data["store_id"], data["confidential_key_id"], data["wrappers"])
        except KeyError as exc:
            raise damaged from exc

    def kinds(self, target: str) -> list[str]:
        """The wrapper kinds present for `target` (store or confidential)."""
        return sorted(self.wrappers.get(target, {}))

    # -- wrapping --

    def add_keyring(self, target: str, key: bytes, keyring: Keyring) -> None:
        """Wrap `key` under a new random key-encryption key kept in the OS keyring."""
        kek = crypto.random_key()
        keyring.set(_entry(self.store_id, target), kek)
        nonce, ct = crypto.wrap(kek, key, _aad(self.store_id, target, "keyring"))
        self.wrappers[target]["keyring"] = {"nonce": crypto.b64e(nonce), "ct": crypto.b64e(ct)}

    def add_passphrase(self, target: str, key: bytes, passphrase: str, *, own: bool = False) -> None:
        """Wrap `key` under a key stretched from `passphrase` (`own`: a passphrase of its own, not the store's)."""
        if crypto.argon2_available():
            kdf, params = "argon2id", dict(crypto.ARGON2_DEFAULTS)
        else:
            kdf, params = "scrypt", dict(crypto.SCRYPT_DEFAULTS)
        salt = os.urandom(16)
        kek = crypto.derive_from_passphrase(passphrase, salt, kdf, params)
        nonce, ct = crypto.wrap(kek, key, _aad(self.store_id, target, "passphrase"))
        self.wrappers[target]["passphrase"] = {
            "kdf": kdf,
            "params": params,
            "salt": crypto.b64e(salt),
            "nonce": crypto.b64e(nonce),
            "ct": crypto.b64e(ct),
            "own": own,
        }

    def has_own_passphrase(self, target: str) -> bool:
        """Whether `target` opens with a passphrase of its own (the confidential key's second key)."""
        return bool(self.wrappers.get(target, {}).get("passphrase", {}).get("own"))

    def add_recovery(self, target: str, key: bytes, recovery: bytes) -> None:
        """Wrap `key` under a key derived from the recovery key."""
        salt = os.urandom(16)
        kek = crypto.derive_from_recovery(recovery, salt, _aad(self.store_id, target, "recovery"))
        nonce, ct = crypto.wrap(kek, key, _aad(self.store_id, target, "recovery"))
        self.wrappers[target]["recovery"] = {
            "salt": crypto.b64e(salt),
            "nonce": crypto.b64e(nonce),
            "ct": crypto.b64e(ct),
        }

    def remove(self, target: str, kind: str, keyring: Keyring | None = None) -> None:
        """Drop a wrapper (and its keyring entry)."""
        self.wrappers[target].pop(kind, None)
        if kind == "keyring" and keyring is not None:
            keyring.delete(_entry(self.store_id, target))

    # -- unwrapping --

    def _open(self, target: str, kind: str, kek: bytes) -> bytes | None:
        wrapper = self.wrappers[target][kind]
        try:
            nonce, ct = crypto.b64d(wrapper["nonce"]), crypto.b64d(wrapper["ct"])
        except (KeyError, ValueError) as exc:
            raise StoreDamaged(_("the key file is damaged")) from exc
        return crypto.unwrap(kek, nonce, ct, _aad(self.store_id, target, kind))

    def with_keyring(self, target: str, keyring: Keyring) -> bytes:
        """Unwrap through the keyring; WrongKey when the entry is missing or does not fit."""
        if "keyring" not in self.wrappers[target]:
            raise WrongKey(_("this store has no keyring wrapper; give the passphrase or the recovery key"))
        kek = keyring.get(_entry(self.store_id, target))
        if kek is None:
            raise WrongKey(
                _("the keyring has no entry for this store; use the passphrase or `gmassist recover`")
            )
        key = self._open(target, "keyring", kek)
        if key is None:
            raise WrongKey(_("the keyring entry does not open this store; use `gmassist recover`"))
        return key

    def with_passphrase(self, target: str, passphrase: str) -> bytes:
        """Unwrap with a passphrase; WrongKey ("wrong passphrase") when it does not fit."""
        wrapper = self.wrappers[target].get("passphrase")
        if wrapper is None:
            raise WrongKey(_("this store has no passphrase; it opens with the keyring or the recovery key"))
        try:
            kek = crypto.derive_from_passphrase(
                passphrase, crypto.b64d(wrapper["salt"]), wrapper["kdf"], wrapper["params"]
            )
        except (KeyError, ValueError, Damaged) as exc:
            raise StoreDamaged(_("the key file is damaged")) from exc
        key = self._open(target, "passphrase", kek)
        if key is None:
            raise WrongKey(_("wrong passphrase"))
        return key

    def with_recovery(self, target: str, recovery_text: str) -> bytes:
        """Unwrap with the recovery key; WrongKey when it is mistyped or belongs to another store."""
        recovery = crypto.parse_recovery_key(recovery_text)
        if recovery is None:
            raise WrongKey(_("that is not a valid recovery key (check for typing mistakes)"))
        wrapper = self.wrappers[target].get("recovery")
        if wrapper is None:
            raise WrongKey(_("this store has no recovery key wrapper"))
        try:
            salt = crypto.b64d(wrapper["salt"])
        except (KeyError, ValueError) as exc:
            raise StoreDamaged(_("the key file is damaged")) from exc
        kek = crypto.derive_from_recovery(recovery, salt, _aad(self.store_id, target, "recovery"))
        key = self._open(target, "recovery", kek)
        if key is None:
            raise WrongKey(_("wrong recovery key for this store"))
        return key


def new_keyfile() -> tuple[KeyFile, bytes, crypto.ConfidentialKey]:
    """A key file for a new store with fresh keys (no wrappers yet)."""
    store_key = crypto.random_key()
    conf = crypto.ConfidentialKey(key_id=uuid.uuid4().hex[:8], key=crypto.random_key())
    return KeyFile(store_id=str(uuid.uuid4()), confidential_key_id=conf.key_id), store_key, conf


def check_passphrase(passphrase: str) -> None:
    """Refuse passphrases too short to protect anything."""
    from gmassist.errors import InvalidInput

    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(
            _("the passphrase must have at least {n} characters").format(n=MIN_PASSPHRASE), "passphrase"
        )
