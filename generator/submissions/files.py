"""Attached files on disk: sealed (sealed.py) in a temporary place first, in place after COMMIT.

    <files_dir>/.incoming/<process id>-<random>/<reference>.<number>   being received
    <files_dir>/<reference>/<number>                                    stored

A file's bytes never go through the single writer's transaction: the upload is
sealed into this process's incoming folder and fsynced, the submission's row (and
its attachments rows) committed, then the file renamed into place and its folder
fsynced. A process killed anywhere in between leaves the file in its incoming
folder; `sweep` at the next start places it when its row was committed and
deletes it otherwise, so a submission and its files are stored together or not
at all. Each process holds an flock on its incoming folder while it lives, so a
sweep (on this machine or another sharing the folder) leaves the folders of
living processes alone. Several endpoint machines share one files folder (a
shared mount) as they share the database.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import secrets
import shutil
import threading
import time
from pathlib import Path
from typing import BinaryIO, Protocol

from .crypto import DataKeys
from .records import Attachment
from .references import is_reference
from .sealed import CHUNK, SealedWriter, open_sealed
from .sealed import DiskFull as DiskFull

INCOMING = ".incoming"
LOCK = ".lock"
_UNLOCKED_GRACE = 60.0  # seconds
_INCOMING_NAME = re.compile(r"(?P<reference>[0-9A-Z]{5}-[0-9A-Z]{5})\.(?P<number>[1-9][0-9]{0,8})\Z")


class AttachmentRows(Protocol):
    def attachments_of(self, reference: str) -> list[Attachment]: ...


class SealedRows(Protocol):
    def attachment_files(self, *, after: tuple[str, int] = ..., limit: int = ...) -> list[tuple[str, int, str]]: ...
    def set_attachment_key(self, reference: str, number: int, key_id: str) -> None: ...


def reseal_all(files: FileStore, store: SealedRows, keys: DataKeys) -> tuple[int, int]:
    """Every stored file not sealed under the newest key, sealed again under it and its row
    updated (`keys rotate`). Returns (files resealed, files missing on disk)."""
    done = missing = 0
    after = ("", 0)
    while rows := store.attachment_files(after=after):
        for reference, number, kid in rows:
            if kid == keys.newest:
                continue
            try:
                now = files.reseal(reference, number, keys)
            except FileNotFoundError:
                missing += 1
                continue
            store.set_attachment_key(reference, number, now)
            done += 1
        after = rows[-1][:2]
    return done, missing


def _checked(reference: str, number: int) -> None:
    """Names on disk come from references and numbers only: refuse anything else (no path in them)."""
    if not is_reference(reference) or not isinstance(number, int) or number < 1:
        raise ValueError(f"not a reference and file number: {reference!r}, {number!r}")


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._incoming: Path | None = None
        self._lock_fd: int | None = None
        self._owner = 0  # the process that made the incoming folder (a forked child makes its own)
        self.last_sweep = (0, 0)  # what the last sweep did: (placed, deleted)
        self._making = threading.Lock()

    # -- receiving ---------------------------------------------------------------------------

    def incoming(self) -> Path:
        """This process's incoming folder, made and locked on first use (uploads run on several
        threads at once: one folder per process all the same)."""
        with self._making:
            return self._make_incoming()

    def _make_incoming(self) -> Path:
        if self._incoming is None or self._lock_fd is None or self._owner != os.getpid():
            folder = self.root / INCOMING / f"{os.getpid()}-{secrets.token_hex(4)}"
            try:
                for made in (self.root, folder.parent):
                    made.mkdir(parents=True, exist_ok=True, mode=0o700)
                folder.mkdir(mode=0o700)
                fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise DiskFull(exc.errno, "no space left for an attached file") from exc
                raise
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._incoming, self._lock_fd, self._owner = folder, fd, os.getpid()
        return self._incoming

    def _incoming_path(self, reference: str, number: int) -> Path:
        _checked(reference, number)
        return self.incoming() / f"{reference}.{number}"

    def upload(self, reference: str, number: int, keys: DataKeys) -> SealedWriter:
        """A writer sealing file `number` of `reference` into this process's incoming folder."""
        return SealedWriter(self._incoming_path(reference, number), keys, reference, number)

    def place(self, reference: str, number: int) -> None:
        """After COMMIT: move the received file into place, durably."""
        self._move(self._incoming_path(reference, number), reference, number)

    def _move(self, source: Path, reference: str, number: int) -> None:
        folder = self.root / reference
        try:
            made = not folder.exists()
            folder.mkdir(mode=0o700, exist_ok=True)
            os.replace(source, folder / str(number))
            _fsync_folder(folder)
            if made:
                _fsync_folder(self.root)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFull(exc.errno, "no space left for an attached file") from exc
            raise

    def discard(self, reference: str, number: int) -> None:
        """Remove a received file whose submission was refused or failed."""
        self._incoming_path(reference, number).unlink(missing_ok=True)

    # -- stored files ------------------------------------------------------------------------

    def path(self, reference: str, number: int) -> Path:
        _checked(reference, number)
        return self.root / reference / str(number)

    def open(self, reference: str, number: int, keys: DataKeys) -> BinaryIO:
        """The plaintext of a stored file (seekable); KeyProblem when it was tampered with."""
        return open_sealed(self.path(reference, number), keys, reference, number)

    def delete(self, reference: str) -> int:
        """Remove every stored file of a submission and its folder; the number of files removed."""
        if not is_reference(reference):
            raise ValueError(f"not a reference: {reference!r}")
        folder = self.root / reference
        if not folder.is_dir():
            return 0
        removed = 0
        for entry in folder.iterdir():
            entry.unlink()
            removed += 1
        folder.rmdir()
        _fsync_folder(self.root)
        return removed

    def reseal(self, reference: str, number: int, keys: DataKeys) -> str:
        """Seal a stored file again under the newest data key (`keys rotate`): the new version is
        written beside it, fsynced, then renamed over it (atomic: a reader, or a kill, sees
        the old file or the new one). Returns the key id it is sealed with now. A kill before
        the row's key_id is updated leaves it naming the old key: the file still opens (its
        header names its key) and the next rotation seals it again."""
        folder = self.root / reference
        fresh = folder / f".{number}.new"
        fresh.unlink(missing_ok=True)  # left by a rotation that was killed
        with self.open(reference, number, keys) as old, SealedWriter(fresh, keys, reference, number) as new:
            while piece := old.read(CHUNK):
                new.write(piece)
        os.replace(fresh, folder / str(number))
        _fsync_folder(folder)
        return new.key_id

    # -- start-up ----------------------------------------------------------------------------

    def sweep(self, store: AttachmentRows) -> tuple[int, int]:
        """Incoming folders no living process holds: a file whose attachments row exists is placed,
        any other deleted, then the folder. Returns (placed, deleted)."""
        placed = deleted = 0
        base = self.root / INCOMING
        if not base.is_dir():
            return 0, 0
        for folder in sorted(base.iterdir()):
            if folder == self._incoming or not folder.is_dir():
                continue
            try:
                fd = os.open(folder / LOCK, os.O_RDWR)
            except FileNotFoundError:
                # No lock file: a process that died between making its folder and locking it (nothing
                # was received there), or one doing so right now: left alone for a minute.
                if time.time() - folder.stat().st_mtime < _UNLOCKED_GRACE:
                    continue
                fd = None
            try:
                if fd is not None:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # a living process's folder
                numbers: dict[str, set[int]] = {}
                for entry in sorted(folder.iterdir()):
                    match = _INCOMING_NAME.match(entry.name)
                    if match is not None:
                        reference, number = match["reference"], int(match["number"])
                        if reference not in numbers:
                            numbers[reference] = {a.number for a in store.attachments_of(reference)}
                        if number in numbers[reference]:
                            self._move(entry, reference, number)
                            placed += 1
                            continue
                    if entry.name != LOCK:
                        entry.unlink()
                        deleted += 1
                shutil.rmtree(folder, ignore_errors=True)
            finally:
                if fd is not None:
                    os.close(fd)
        self.last_sweep = (placed, deleted)
        return placed, deleted

    def close(self) -> None:
        """Release this process's incoming folder, removed when nothing is left in it (the endpoint
        stops; a killed process's lock goes with it, and the next sweep removes its folder)."""
        if self._lock_fd is not None and self._owner == os.getpid():
            assert self._incoming is not None
            if [p.name for p in self._incoming.iterdir()] == [LOCK]:
                shutil.rmtree(self._incoming, ignore_errors=True)
            os.close(self._lock_fd)
        self._lock_fd = None
        self._incoming = None
