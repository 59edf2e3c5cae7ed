"""Files encrypted at rest, written and read in chunks (docs/security.md, "Attached files").

One-shot AES-GCM needs the whole file in memory, so a file is sealed with the
STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, 2015) over AES-256-GCM
with the data key:

    header  = MAGIC (8 bytes) ‖ key id (8 ASCII hex digits) ‖ nonce prefix (7 random bytes)
    chunk i = AES-GCM(key, nonce = prefix ‖ i (32-bit big-endian) ‖ last (1 byte: 1 on the
              last chunk, else 0), plaintext[64 KiB * i : 64 KiB * (i + 1)],
              associated data = "<reference>:<number>" ‖ header)

Every chunk but the last holds exactly 64 KiB of plaintext; the last holds 0 to 64
KiB (an empty file is one empty last chunk). So chunk i starts at a known offset
and a reader can seek without reading what comes before; the counter stops
chunks being reordered, the last-chunk flag stops a file being cut at a chunk
boundary, and the associated data stops a file being moved to another
submission or number (the reference is drawn before the file is written; the
row's id is not known yet). The header is part of the associated data, so its
key id cannot be changed either.
"""
from __future__ import annotations

import errno
import io
import os
import secrets
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Callable

from cryptography.exceptions import InvalidTag

from .crypto import DataKeys, KeyProblem

MAGIC = b"QALBSF1\n"
KEY_ID_BYTES = 8
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES + PREFIX_BYTES
CHUNK = 64 * 1024
TAG = 16
SEALED_CHUNK = CHUNK + TAG
_MAX_CHUNKS = 2**32
#: The errors that mean the disk (or the user's quota) is full.
_FULL = {errno.ENOSPC, errno.EDQUOT}


class DiskFull(OSError):
    """No room left for a file: nothing of it is kept (the endpoint answers 503)."""


def associated(reference: str, number: int, header: bytes) -> bytes:
    return f"{reference}:{number}".encode("ascii") + header


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= _MAX_CHUNKS:
        raise ValueError("a sealed file holds at most 2**32 chunks")
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _full(exc: OSError) -> bool:
    return exc.errno in _FULL


class SealedWriter:
    """Writes one sealed file: `write` as bytes arrive, then `close` (seal the last chunk,
    flush, fsync). `abort` removes the partial file. As a context manager: `close` on
    success, `abort` on an exception. Disk full (ENOSPC, EDQUOT) raises DiskFull, the
    partial file already removed."""

    def __init__(self, path: Path, keys: DataKeys, reference: str, number: int) -> None:
        self.path = path
        self.key_id = keys.newest
        self._aead = keys.aead(self.key_id)
        prefix = secrets.token_bytes(PREFIX_BYTES)
        self._header = MAGIC + self.key_id.encode("ascii") + prefix
        self._prefix = prefix
        self._associated = associated(reference, number, self._header)
        self._buffer = bytearray()
        self._index = 0
        self.size = 0  # plaintext bytes written so far
        self.closed = False
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb")
        self._guard(self._file.write, self._header)

    def _guard(self, action: Callable[..., object], *args: Any) -> None:
        try:
            action(*args)
        except OSError as exc:
            self.abort()
            if _full(exc):
                raise DiskFull(exc.errno, "no space left for an attached file") from exc
            raise

    def _seal(self, plain: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), plain, self._associated)
        self._index += 1
        self._guard(self._file.write, sealed)

    def write(self, data: bytes) -> None:
        if self.closed:
            raise ValueError("write to a closed SealedWriter")
        self._buffer += data
        self.size += len(data)
        # A full chunk is sealed only once a byte after it has arrived: the last chunk must be flagged.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def close(self) -> None:
        if self.closed:
            return
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._guard(self._file.flush)
        self._guard(os.fsync, self._file.fileno())
        self._file.close()
        self.closed = True

    def abort(self) -> None:
        if not self._file.closed:
            try:
                self._file.close()
            except OSError:
                pass  # a failed flush of a file being deleted anyway
        self.closed = True
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> SealedWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


class _SealedReader(io.RawIOBase):
    """The plaintext of a sealed file, decrypted one chunk at a time (seekable)."""

    def __init__(self, path: Path, keys: DataKeys, reference: str, number: int) -> None:
        self._file = open(path, "rb", buffering=0)  # closed by close()
        try:
            self._open(keys, reference, number, os.fstat(self._file.fileno()).st_size)
        except BaseException:
            self._file.close()
            raise

    def _open(self, keys: DataKeys, reference: str, number: int, stored: int) -> None:
        header = self._file.read(HEADER_BYTES)
        if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
            raise KeyProblem("an attached file is not a sealed file (or its header is damaged)")
        kid = header[len(MAGIC):len(MAGIC) + KEY_ID_BYTES].decode("ascii", "replace")
        self.key_id = kid
        self._aead = keys.aead(kid)
        self._prefix = header[len(MAGIC) + KEY_ID_BYTES:]
        self._associated = associated(reference, number, header)
        body = stored - HEADER_BYTES
        self._chunks = max(1, -(-body // SEALED_CHUNK))
        last_sealed = body - (self._chunks - 1) * SEALED_CHUNK
        if last_sealed < TAG:
            raise KeyProblem(f"an attached file under key {kid} was cut short")
        self.length = (self._chunks - 1) * CHUNK + last_sealed - TAG
        self._position = 0
        self._cached: tuple[int, bytes] | None = None
        self._chunk(self._chunks - 1)  # the last chunk proves the length: a cut file fails at once

    def _chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        last = index == self._chunks - 1
        self._file.seek(HEADER_BYTES + index * SEALED_CHUNK)
        sealed = self._file.read(SEALED_CHUNK)
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, index, last), sealed, self._associated)
        except InvalidTag:
            raise KeyProblem(f"an attached file under key {self.key_id} does not decrypt: "
                             "it was altered, cut, or moved") from None
        self._cached = (index, plain)
        return plain

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.length}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._position >= self.length:
            return 0
        index, start = divmod(self._position, CHUNK)
        plain = self._chunk(index)[start:start + len(buffer)]
        view = memoryview(buffer).cast("B")
        view[:len(plain)] = plain
        self._position += len(plain)
        return len(plain)

    def close(self) -> None:
        self._file.close()
        self._cached = None
        super().close()


def open_sealed(path: Path, keys: DataKeys, reference: str, number: int) -> BinaryIO:
    """A readable, seekable plaintext view of a sealed file (pikepdf and Pillow read
    through it). Raises KeyProblem when the file was altered, cut short, reordered,
    or belongs to another reference or number (at once when the last chunk is wrong,
    otherwise when the damaged chunk is read); FileNotFoundError when it is missing."""
    return io.BufferedReader(_SealedReader(path, keys, reference, number), buffer_size=CHUNK)
