"""AES-256-GCM for wrapping keys and sealing confidential fields; key derivation; the recovery key format."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from gmassist.errors import Damaged

KEY_BYTES = 32
NONCE_BYTES = 12
SEAL_PREFIX = "gmc1:"
"""Sealed values start with this: format version 1 of a confidential field."""


def random_key() -> bytes:
    """A fresh random 256-bit key."""
    return secrets.token_bytes(KEY_BYTES)


def b64e(data: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Inverse of b64e; raises ValueError on bad input."""
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


def wrap(kek: bytes, key: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """Encrypt `key` under `kek`: returns (nonce, ciphertext with tag)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(kek).encrypt(nonce, key, aad)


def unwrap(kek: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes | None:
    """Decrypt a wrapped key; None when `kek` is not the right one (or the wrapper was altered)."""
    try:
        return AESGCM(kek).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        return None


# --- key derivation -------------------------------------------------------------------------------

ARGON2_DEFAULTS = {"iterations": 3, "memory_cost": 65536, "lanes": 4}
SCRYPT_DEFAULTS = {"n": 2**15, "r": 8, "p": 1}


def argon2_available() -> bool:
    """Whether this build of cryptography has Argon2id (OpenSSL 3.2+)."""
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        Argon2id(salt=b"0" * 16, length=32, iterations=1, lanes=1, memory_cost=8).derive(b"x")
    except Exception:
        return False
    return True


def derive_from_passphrase(passphrase: str, salt: bytes, kdf: str, params: dict[str, int]) -> bytes:
    """Stretch a passphrase into a key-encryption key with Argon2id (or scrypt where it is missing)."""
    secret = passphrase.encode("utf-8")
    if kdf == "argon2id":
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

        return Argon2id(
            salt=salt,
            length=KEY_BYTES,
            iterations=params["iterations"],
            lanes=params["lanes"],
            memory_cost=params["memory_cost"],
        ).derive(secret)
    if kdf == "scrypt":
        return Scrypt(salt=salt, length=KEY_BYTES, n=params["n"], r=params["r"], p=params["p"]).derive(secret)
    raise Damaged(f"unknown key derivation {kdf!r}")


def derive_from_recovery(recovery: bytes, salt: bytes, info: bytes) -> bytes:
    """A key-encryption key from the recovery key's 160 random bits (no stretching needed)."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(recovery)


def derive_subkey(key: bytes, purpose: str) -> bytes:
    """A 256-bit key for one `purpose` (HKDF-SHA256 over `key`): keys for different purposes are
    independent, and none of them reveals `key`."""
    info = f"gmassist|subkey|1|{purpose}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(key)


# --- the recovery key ------------------------------------------------------------------------------

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_DECODE = {c: i for i, c in enumerate(_ALPHABET)} | {"I": 1, "L": 1, "O": 0}
RECOVERY_BYTES = 20


def _encode32(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(len(data) * 8 // 5):
        chars.append(_ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def new_recovery_key() -> tuple[bytes, str]:
    """(the 20 secret bytes, their printable form): 36 characters in groups of 4, the last 4 a checksum."""
    raw = secrets.token_bytes(RECOVERY_BYTES)
    text = _encode32(raw) + _checksum(raw)
    return raw, "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _checksum(raw: bytes) -> str:
    digest = hashlib.sha256(b"gmassist-recovery" + raw).digest()
    return _encode32(digest[:5])[:4]


def parse_recovery_key(text: str) -> bytes | None:
    """The secret bytes of a typed recovery key, or None when it is mistyped (bad character or checksum)."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\n")
    if len(cleaned) != 36 or any(ch not in _DECODE for ch in cleaned):
        return None
    number = 0
    for ch in cleaned[:32]:
        number = (number << 5) | _DECODE[ch]
    raw = number.to_bytes(RECOVERY_BYTES, "big")
    return raw if _checksum(raw) == cleaned[32:] else None


# --- confidential field sealing --------------------------------------------------------------------


@dataclass(frozen=True)
class ConfidentialKey:
    """The unwrapped confidential key, held in memory only while unlocked."""

    key_id: str
    key: bytes

    def __repr__(self) -> str:  # never print the key
        return f"ConfidentialKey(key_id={self.key_id!r})"


def field_aad(table: str, column: str, row_id: str, key_id: str) -> bytes:
    """Associated data binding a sealed value to its place: moved to another row or column, it fails."""
    return f"gmassist|field|1|{table}|{column}|{row_id}|{key_id}".encode()


def is_sealed(value: object) -> bool:
    """Whether a stored value is a sealed confidential value."""
    return isinstance(value, str) and value.startswith(SEAL_PREFIX)


def seal(ckey: ConfidentialKey, table: str, column: str, row_id: str, plaintext: str) -> str:
    """Seal a text field: 'gmc1:<key id>:<nonce>:<ciphertext>' (base64url)."""
    nonce = os.urandom(NONCE_BYTES)
    ct = AESGCM(ckey.key).encrypt(
        nonce, plaintext.encode("utf-8"), field_aad(table, column, row_id, ckey.key_id)
    )
    return f"{SEAL_PREFIX}{ckey.key_id}:{b64e(nonce)}:{b64e(ct)}"


def seal_bytes(ckey: ConfidentialKey, aad: bytes, data: bytes) -> bytes:
    """Seal a binary value (an attachment chunk): nonce + ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(ckey.key).encrypt(nonce, data, aad + ckey.key_id.encode())


def open_bytes(ckey: ConfidentialKey, aad: bytes, sealed: bytes) -> bytes:
    """Open a value sealed by seal_bytes; Damaged if it was altered or moved."""
    try:
        return AESGCM(ckey.key).decrypt(
            sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad + ckey.key_id.encode()
        )
    except (InvalidTag, ValueError) as exc:
        raise Damaged("sealed data failed to open") from exc


def open_sealed(ckey: ConfidentialKey, table: str, column: str, row_id: str, sealed: str) -> str:
    """Open a sealed text field; Damaged if it was altered, truncated or moved to another place."""
    try:
        _prefix, key_id, nonce, ct = sealed.split(":")
        if key_id != ckey.key_id:
            raise Damaged(f"sealed under another key ({key_id})")
        data = AESGCM(ckey.key).decrypt(b64d(nonce), b64d(ct), field_aad(table, column, row_id, key_id))
        return data.decode("utf-8")
    except (InvalidTag, ValueError, UnicodeDecodeError) as exc:
        raise Damaged(f"{table}.{column} of {row_id} failed to open") from exc


def chunk_aad(attachment_id: str, seq: int) -> bytes:
    """Associated data of one sealed attachment chunk: bound to its attachment and its place."""
    return f"gmassist|chunk|1|{attachment_id}|{seq}|".encode()


LOGGED_CHUNK_MARK = b"gmassist|logged-chunk|1|"
"""Starts a chunk value the change log keeps sealed although the chunk itself was not (see seal_logged_chunk)."""


def seal_logged_chunk(ckey: ConfidentialKey, attachment_id: str, seq: int, data: bytes) -> bytes:
    """The change log's form of a plain chunk whose content has just become confidential: sealed, so the
    log never holds its plain bytes; undo opens it again when it puts the chunk back."""
    return LOGGED_CHUNK_MARK + seal_bytes(ckey, chunk_aad(attachment_id, seq) + b"log", data)


def open_logged_chunk(ckey: ConfidentialKey, attachment_id: str, seq: int, value: bytes) -> bytes | None:
    """The plain bytes of a value made by seal_logged_chunk; None when `value` is not one."""
    if not value.startswith(LOGGED_CHUNK_MARK):
        return None
    try:
        return open_bytes(ckey, chunk_aad(attachment_id, seq) + b"log", value[len(LOGGED_CHUNK_MARK) :])
    except Damaged:
        return None
