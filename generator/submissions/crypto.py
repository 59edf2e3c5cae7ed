"""Encryption of answers at rest, and the keyed hashes that find a person's rows.

Two keys, in two files, never in the database or the repository:

* the **data key file** (QALB_DATA_KEY_FILE): AES-256-GCM keys, one per line,
  newest last. New answers are encrypted with the newest; older lines stay so
  rows (and backups) written with them can still be read. Each stored value
  names its key by a short id, so a missing key is reported by id at start.
* the **lookup key file** (QALB_LOOKUP_KEY_FILE): one HMAC-SHA256 key for the
  hashes of national IDs, mobiles and e-mails (subject requests). It is kept
  apart from the data key: a leak of one does not open the other.
* the **staff key file** (QALB_STAFF_KEY_FILE): one HMAC-SHA256 key of the staff
  workspace, which binds each form's token to its session (staff/form_tokens.py).
  Every process serving the workspace on one database reads the same file.

Stored answers look like `enc1:<key id>:<base64 nonce+ciphertext>`. The row's
reference is the associated data, so a ciphertext copied onto another row
does not decrypt. Answers stored before encryption (plain JSON, starting with
`{`) are still read, and encrypted at the next start (see secure_store.py).
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc1:"
KEY_BYTES = 32
_NONCE_BYTES = 12
DATA_HEADER = ("# qalb data keys (AES-256-GCM), newest last. New answers use the last line; keep the\n"
               "# older lines while any row or backup may still use them. Back this file up apart\n"
               "# from the database: without it the answers cannot be read.\n")
LOOKUP_HEADER = ("# qalb lookup key (HMAC-SHA256) for finding a person's submissions. Back it up apart\n"
                 "# from the database and from the data key file.\n")
STAFF_HEADER = ("# qalb staff workspace key (HMAC-SHA256): the form tokens bound to each session. Every\n"
                "# `staff serve` process on one database needs this same file.\n")


class KeyProblem(RuntimeError):
    """A key file is missing, unreadable, or does not fit the database."""


def key_id(key: bytes) -> str:
    """A short public name for a key: 8 hex digits of a hash, not the key."""
    return hashlib.sha256(b"qalb-key-id:" + key).hexdigest()[:8]


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def read_keys(path: Path) -> list[bytes]:
    """The keys in a key file, oldest first. Raises KeyProblem with a sentence."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise KeyProblem(f"the key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyProblem(f"the key file {path} cannot be read ({exc.__class__.__name__})") from None
    keys = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            key = base64.urlsafe_b64decode(line.encode("ascii"))
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise KeyProblem(f"{path}:{number}: not a key (expected {KEY_BYTES} bytes, base64)")
        keys.append(key)
    if not keys:
        raise KeyProblem(f"the key file {path} holds no key")
    return keys


def write_keys(path: Path, keys: list[bytes], header: str) -> None:
    """Write a key file readable by its owner only (0600, folder 0700), replacing atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(header)
        for key in keys:
            handle.write(base64.urlsafe_b64encode(key).decode("ascii") + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def loose_permissions(path: Path) -> bool:
    return path.exists() and bool(path.stat().st_mode & 0o077)


class DataKeys:
    """Encrypts with the newest key, decrypts with any key of the file."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one data key is needed")
        self._by_id = {key_id(k): AESGCM(k) for k in keys}
        self.newest = key_id(keys[-1])

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def aead(self, kid: str) -> AESGCM:
        """The cipher of one key by its id (sealed files, sealed.py); KeyProblem when absent."""
        aead = self._by_id.get(kid)
        if aead is None:
            raise KeyProblem(f"a file is encrypted with key {kid}, which is not in the data key file")
        return aead

    def encrypt(self, plaintext: bytes, associated: bytes) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)  # random 96-bit nonce: safe far beyond our row counts
        sealed = self._by_id[self.newest].encrypt(nonce, plaintext, associated)
        return f"{PREFIX}{self.newest}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, stored: str, associated: bytes) -> bytes:
        _, kid, body = stored.split(":", 2)
        aead = self._by_id.get(kid)
        if aead is None:
            raise KeyProblem(f"answers encrypted with key {kid}, which is not in the data key file")
        raw = base64.b64decode(body)
        try:
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], associated)
        except InvalidTag:
            raise KeyProblem(f"answers under key {kid} do not decrypt: the row was altered or moved") from None


def stored_key_id(stored: str) -> str | None:
    """The key id of a stored value, or None for plain JSON from before encryption."""
    return stored.split(":", 2)[1] if stored.startswith(PREFIX) else None


class EncryptedCodec:
    """The answers column, encrypted: the `AnswersCodec` interface of store.py."""

    def __init__(self, keys: DataKeys) -> None:
        self.keys = keys

    def encode(self, answers: dict[str, Any], reference: str) -> str:
        text = json.dumps(answers, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return self.keys.encrypt(text.encode("utf-8"), reference.encode("ascii"))

    def decode(self, stored: str, reference: str) -> dict[str, Any]:
        plain = stored if stored_key_id(stored) is None else self.keys.decrypt(stored, reference.encode("ascii"))
        answers: dict[str, Any] = json.loads(plain)  # a row from before encryption is plain JSON
        return answers

    def is_current(self, stored: str) -> bool:
        return stored_key_id(stored) == self.keys.newest


@dataclass(frozen=True)
class LookupKey:
    key: bytes

    @functools.cached_property  # asked for each stored hash
    def id(self) -> str:
        return key_id(self.key)

    def digest(self, kind: str, normalised: str) -> str:
        # hmac.digest: OpenSSL in one call, ~3x faster than hmac.new(...).hexdigest(); same value.
        return hmac.digest(self.key, f"{kind}:{normalised}".encode("utf-8"), "sha256").hex()
