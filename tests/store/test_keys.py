"""The key file, the keyring's acceptance rules and its timeout."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from gmassist.errors import KeyringUnavailable, StoreDamaged, StoreNotFound, WrongKey
from gmassist.store import crypto, keys


def test_keyfile_round_trip_and_passphrase(tmp_path: Path) -> None:
    keyfile, store_key, _conf = keys.new_keyfile()
    keyfile.add_passphrase(keys.STORE, store_key, "a long passphrase")
    raw, text = crypto.new_recovery_key()
    keyfile.add_recovery(keys.STORE, store_key, raw)
    path = tmp_path / "keys.json"
    keyfile.save(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert store_key.hex() not in path.read_text() and crypto.b64e(store_key) not in path.read_text()
    loaded = keys.KeyFile.load(path)
    assert loaded.with_passphrase(keys.STORE, "a long passphrase") == store_key
    assert loaded.with_recovery(keys.STORE, text) == store_key
    with pytest.raises(WrongKey, match="wrong passphrase"):
        loaded.with_passphrase(keys.STORE, "not the passphrase")
    _other_raw, other_text = crypto.new_recovery_key()
    with pytest.raises(WrongKey, match="wrong recovery key"):
        loaded.with_recovery(keys.STORE, other_text)
    with pytest.raises(WrongKey, match="not a valid recovery key"):
        loaded.with_recovery(keys.STORE, "ABCD-EFGH")


def test_damaged_keyfile_is_told_apart_from_a_wrong_passphrase(tmp_path: Path) -> None:
    keyfile, store_key, _conf = keys.new_keyfile()
    keyfile.add_passphrase(keys.STORE, store_key, "a long passphrase")
    path = tmp_path / "keys.json"
    keyfile.save(path)
    data = json.loads(path.read_text())
    ct = data["wrappers"]["store"]["passphrase"]["ct"]
    data["wrappers"]["store"]["passphrase"]["ct"] = ("A" if ct[0] != "A" else "B") + ct[1:]
    path.write_text(json.dumps(data))
    with pytest.raises(StoreDamaged, match="damaged"):
        keys.KeyFile.load(path)
    path.write_text("{not json")
    with pytest.raises(StoreDamaged):
        keys.KeyFile.load(path)
    path.unlink()
    with pytest.raises(StoreNotFound):
        keys.KeyFile.load(path)


def _backend(module: str, **attrs: object) -> object:
    cls = type("Keyring", (), {"__module__": module})
    obj = cls()
    for name, value in attrs.items():
        setattr(obj, name, value)
    return obj


@pytest.mark.parametrize(
    ("module", "accepted"),
    [
        ("keyring.backends.SecretService", True),
        ("keyring.backends.macOS", True),
        ("keyring.backends.Windows", True),
        ("keyring.backends.kwallet", True),
        ("keyring.backends.fail", False),
        ("keyring.backends.null", False),
        ("keyrings.alt.file", False),
        ("keyrings.alt.Gnome", False),
        ("my.plaintext.backend", False),
    ],
)
def test_only_native_backends_are_accepted(module: str, accepted: bool) -> None:
    assert keys._is_native(_backend(module)) is accepted


def test_chained_lookalikes_are_rejected() -> None:
    native = _backend("keyring.backends.SecretService")
    alt = _backend("keyrings.alt.file")
    assert keys._is_native(_backend("keyring.backends.chainer", backends=[native]))
    assert not keys._is_native(_backend("keyring.backends.chainer", backends=[native, alt]))
    assert not keys._is_native(_backend("keyring.backends.chainer", backends=[]))


def test_fail_backend_is_refused_with_the_passphrase_message(no_keyring: None) -> None:
    with pytest.raises(KeyringUnavailable, match="passphrase will be used"):
        keys.Keyring(timeout=2).backend()
    assert not keys.Keyring(timeout=2).available()


def test_a_hanging_keyring_call_is_given_up() -> None:
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(KeyringUnavailable, match="did not answer"):
        keys.call_with_timeout(lambda: release.wait(30), timeout=0.3)
    assert time.monotonic() - started < 5
    release.set()


def test_keyring_errors_pass_through_the_timeout_wrapper() -> None:
    def boom() -> None:
        raise RuntimeError("x")

    with pytest.raises(RuntimeError):
        keys.call_with_timeout(boom, timeout=2)


@pytest.mark.keyring
def test_real_keyring_wrapper(secret_service: dict[str, str], tmp_path: Path) -> None:
    ring = keys.Keyring(timeout=10)
    keyfile, store_key, _conf = keys.new_keyfile()
    keyfile.add_keyring(keys.STORE, store_key, ring)
    assert keyfile.with_keyring(keys.STORE, ring) == store_key
    ring.delete(keyfile.store_id)
    with pytest.raises(WrongKey, match="no entry"):
        keyfile.with_keyring(keys.STORE, ring)
