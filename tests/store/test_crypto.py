"""Sealing, wrapping and the recovery key format."""

from __future__ import annotations

import pytest

from gmassist.errors import Damaged
from gmassist.store import crypto


def key(key_id: str = "k1") -> crypto.ConfidentialKey:
    return crypto.ConfidentialKey(key_id, crypto.random_key())


def test_seal_round_trip_and_format() -> None:
    k = key()
    sealed = crypto.seal(k, "event", "title", "row-1", "并购谈判 secret")
    assert sealed.startswith("gmc1:k1:")
    assert "并购" not in sealed and "secret" not in sealed
    assert crypto.open_sealed(k, "event", "title", "row-1", sealed) == "并购谈判 secret"


@pytest.mark.parametrize(
    ("table", "column", "row_id"),
    [("event", "title", "row-2"), ("event", "notes", "row-1"), ("document", "title", "row-1")],
)
def test_a_value_moved_elsewhere_fails(table: str, column: str, row_id: str) -> None:
    k = key()
    sealed = crypto.seal(k, "event", "title", "row-1", "secret")
    with pytest.raises(Damaged):
        crypto.open_sealed(k, table, column, row_id, sealed)


def test_tampered_or_foreign_values_fail() -> None:
    k = key()
    sealed = crypto.seal(k, "event", "title", "row-1", "secret")
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(Damaged):
        crypto.open_sealed(k, "event", "title", "row-1", flipped)
    with pytest.raises(Damaged):
        crypto.open_sealed(key("k1"), "event", "title", "row-1", sealed)  # same id, other key
    with pytest.raises(Damaged):
        crypto.open_sealed(key("k2"), "event", "title", "row-1", sealed)
    with pytest.raises(Damaged):
        crypto.open_sealed(k, "event", "title", "row-1", "gmc1:garbage")


def test_bytes_sealing_is_bound_to_its_place() -> None:
    k = key()
    sealed = crypto.seal_bytes(k, crypto.chunk_aad("a", 0), b"\x00file bytes")
    assert crypto.open_bytes(k, crypto.chunk_aad("a", 0), sealed) == b"\x00file bytes"
    with pytest.raises(Damaged):
        crypto.open_bytes(k, crypto.chunk_aad("a", 1), sealed)


def test_recovery_key_is_grouped_and_checked() -> None:
    raw, text = crypto.new_recovery_key()
    groups = text.split("-")
    assert len(groups) == 9 and all(len(g) == 4 for g in groups)
    assert crypto.parse_recovery_key(text) == raw
    assert crypto.parse_recovery_key(text.lower().replace("-", " ")) == raw
    # one mistyped character is caught by the checksum
    wrong = ("1" if text[0] != "1" else "2") + text[1:]
    assert crypto.parse_recovery_key(wrong) is None
    assert crypto.parse_recovery_key("too-short") is None


def test_wrap_unwrap() -> None:
    kek, secret = crypto.random_key(), crypto.random_key()
    nonce, ct = crypto.wrap(kek, secret, b"aad")
    assert crypto.unwrap(kek, nonce, ct, b"aad") == secret
    assert crypto.unwrap(crypto.random_key(), nonce, ct, b"aad") is None
    assert crypto.unwrap(kek, nonce, ct, b"other") is None


def test_passphrase_kdfs_differ_by_salt() -> None:
    params = {"n": 2**10, "r": 8, "p": 1}
    a = crypto.derive_from_passphrase("pw", b"s" * 16, "scrypt", params)
    b = crypto.derive_from_passphrase("pw", b"t" * 16, "scrypt", params)
    assert a != b and len(a) == 32
    if crypto.argon2_available():
        fast = {"iterations": 1, "memory_cost": 1024, "lanes": 1}
        assert crypto.derive_from_passphrase("pw", b"s" * 16, "argon2id", fast) != a
