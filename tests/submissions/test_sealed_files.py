"""Sealed files (submissions/sealed.py) and the files folder (submissions/files.py), on a real
file system: round trips at the chunk edges, reads from anywhere, and every kind of tampering
refused (a flipped byte, the last chunk dropped, chunks swapped, a file moved)."""
from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
from pathlib import Path

import pytest

from generator.submissions.crypto import DataKeys, KeyProblem, new_key
from generator.submissions.files import INCOMING, DiskFull, FileStore
from generator.submissions.records import Attachment
from generator.submissions.sealed import CHUNK, HEADER_BYTES, SEALED_CHUNK, SealedWriter, open_sealed
from tests.support.small_disk import small_disk

REFERENCE = "7KQ2M-X9PHD"
OTHER = "AB3CD-EF4GH"


@pytest.fixture(scope="module")
def keys() -> DataKeys:
    return DataKeys([new_key()])


def seal(path: Path, keys: DataKeys, data: bytes, *, reference: str = REFERENCE, number: int = 1,
         piece: int = 10_000) -> None:
    with SealedWriter(path, keys, reference, number) as writer:
        for start in range(0, len(data), piece):
            writer.write(data[start:start + piece])
    assert writer.size == len(data)


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 10 * 1024 * 1024])
def test_a_sealed_file_reads_back_whole(tmp_path: Path, keys: DataKeys, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f"
    seal(path, keys, data, piece=7_777)
    chunks = max(1, -(-size // CHUNK))
    assert path.stat().st_size == HEADER_BYTES + size + 16 * chunks  # the layout docs/security.md states
    assert path.stat().st_mode & 0o777 == 0o600
    assert size < 16 or data[:64] not in path.read_bytes()  # no plaintext on disk
    with open_sealed(path, keys, REFERENCE, 1) as reader:
        assert hashlib.sha256(reader.read()).digest() == hashlib.sha256(data).digest()
        assert reader.read() == b""


def test_a_sealed_file_reads_from_anywhere(tmp_path: Path, keys: DataKeys) -> None:
    data = os.urandom(3 * CHUNK + 123)
    path = tmp_path / "f"
    seal(path, keys, data)
    with open_sealed(path, keys, REFERENCE, 1) as reader:
        assert reader.seekable()
        for offset, length in ((0, 10), (CHUNK - 5, 10), (2 * CHUNK + 7, CHUNK + 200), (len(data) - 3, 50), (5, 0)):
            reader.seek(offset)
            assert reader.read(length) == data[offset:offset + length]
            assert reader.tell() == min(offset + length, len(data))
        assert reader.seek(-4, io.SEEK_END) == len(data) - 4
        assert reader.read() == data[-4:]
        reader.seek(len(data) + 10)
        assert reader.read(5) == b""


def read_all(path: Path, keys: DataKeys, reference: str = REFERENCE, number: int = 1) -> bytes:
    with open_sealed(path, keys, reference, number) as reader:
        return reader.read()


def test_tampering_is_refused(tmp_path: Path, keys: DataKeys) -> None:
    data = os.urandom(3 * CHUNK + 500)
    original = tmp_path / "f"
    seal(original, keys, data)
    sealed = original.read_bytes()
    damaged = tmp_path / "damaged"

    def refused(content: bytes, reference: str = REFERENCE, number: int = 1) -> str:
        damaged.write_bytes(content)
        with pytest.raises(KeyProblem) as problem:
            read_all(damaged, keys, reference, number)
        return str(problem.value)

    flipped = bytearray(sealed)
    flipped[HEADER_BYTES + SEALED_CHUNK + 100] ^= 1
    assert "altered, cut, or moved" in refused(bytes(flipped))
    # The last chunk dropped: the chunk now last was sealed as not last.
    assert "altered, cut, or moved" in refused(sealed[:HEADER_BYTES + 3 * SEALED_CHUNK])
    # Cut inside a chunk, or down to the header.
    refused(sealed[:-1])
    assert "cut short" in refused(sealed[:HEADER_BYTES + 5])
    # Two chunks swapped.
    first = slice(HEADER_BYTES, HEADER_BYTES + SEALED_CHUNK)
    second = slice(HEADER_BYTES + SEALED_CHUNK, HEADER_BYTES + 2 * SEALED_CHUNK)
    swapped = sealed[:HEADER_BYTES] + sealed[second] + sealed[first] + sealed[HEADER_BYTES + 2 * SEALED_CHUNK:]
    refused(swapped)
    # Not a sealed file at all; a key not in the file.
    other = DataKeys([new_key()])
    assert "not a sealed file" in refused(b"X" + sealed[1:])
    # Moved to another submission or another number.
    refused(sealed, reference=OTHER)
    refused(sealed, number=2)
    # And the untouched file still reads.
    assert read_all(original, keys) == data
    with pytest.raises(KeyProblem) as missing:
        read_all(original, other)
    assert "not in the data key file" in str(missing.value)


def test_a_changed_key_id_in_the_header_is_refused(tmp_path: Path) -> None:
    old, new = new_key(), new_key()
    keys = DataKeys([old, new])
    path = tmp_path / "f"
    seal(path, DataKeys([old]), b"report")  # under the older key
    sealed = path.read_bytes()
    newest = keys.newest.encode()
    old_id = sealed[8:16]
    assert old_id != newest and read_all(path, keys) == b"report"
    path.write_bytes(sealed[:8] + newest + sealed[16:])
    with pytest.raises(KeyProblem):
        read_all(path, keys)


def test_an_aborted_writer_leaves_nothing(tmp_path: Path, keys: DataKeys) -> None:
    path = tmp_path / "f"
    with pytest.raises(RuntimeError):
        with SealedWriter(path, keys, REFERENCE, 1) as writer:
            writer.write(os.urandom(CHUNK * 2))
            raise RuntimeError("the upload was refused")
    assert not path.exists()


def attachment(number: int) -> Attachment:
    return Attachment(number=number, field="medical_reports", name="report.pdf", media_type="application/pdf",
                      size=1, sha256="0" * 64, scan="clean", key_id="00000000")


class Rows:
    def __init__(self, rows: dict[str, list[int]]) -> None:
        self.rows = rows

    def attachments_of(self, reference: str) -> list[Attachment]:
        return [attachment(n) for n in self.rows.get(reference, [])]


def test_files_are_received_placed_opened_and_deleted(tmp_path: Path, keys: DataKeys) -> None:
    files = FileStore(tmp_path / "files")
    for number, content in ((1, b"first"), (2, b"second")):
        with files.upload(REFERENCE, number, keys) as writer:
            writer.write(content)
    with files.upload(REFERENCE, 3, keys) as writer:
        writer.write(b"refused")
    files.discard(REFERENCE, 3)
    incoming = files.incoming()
    assert sorted(p.name for p in incoming.iterdir()) == [".lock", f"{REFERENCE}.1", f"{REFERENCE}.2"]
    files.place(REFERENCE, 1)
    files.place(REFERENCE, 2)
    with files.open(REFERENCE, 2, keys) as reader:
        assert reader.read() == b"second"
    assert sorted(p.name for p in (tmp_path / "files" / REFERENCE).iterdir()) == ["1", "2"]
    # A file moved by hand onto another submission's place does not open there.
    (tmp_path / "files" / OTHER).mkdir()
    shutil.copy(files.path(REFERENCE, 1), files.path(OTHER, 1))
    with pytest.raises(KeyProblem):
        files.open(OTHER, 1, keys)
    assert files.delete(REFERENCE) == 2
    assert not (tmp_path / "files" / REFERENCE).exists()
    assert files.delete(REFERENCE) == 0
    with pytest.raises(ValueError):
        files.upload("../etc", 1, keys)
    with pytest.raises(ValueError):
        files.delete("..")
    files.close()


def test_the_incoming_folder_is_this_users_only_and_goes_with_its_process_when_empty(tmp_path: Path) -> None:
    files = FileStore(tmp_path / "files")
    folder = files.incoming()
    assert files.incoming() == folder and list((tmp_path / "files" / INCOMING).iterdir()) == [folder]
    for made in (tmp_path / "files", tmp_path / "files" / INCOMING, folder):
        assert made.stat().st_mode & 0o777 == 0o700
    files.close()
    assert list((tmp_path / "files" / INCOMING).iterdir()) == []


def test_the_sweep_places_committed_files_and_deletes_the_rest_but_not_a_living_process(
        tmp_path: Path, keys: DataKeys) -> None:
    root = tmp_path / "files"
    dead, living = FileStore(root), FileStore(root)
    for number in (1, 2):
        with dead.upload(REFERENCE, number, keys) as writer:
            writer.write(b"committed %d" % number)
    with dead.upload(OTHER, 1, keys) as writer:
        writer.write(b"never committed")
    partial = dead.upload(OTHER, 2, keys)
    partial.write(os.urandom(CHUNK + 10))  # killed mid-upload: never closed
    with living.upload(OTHER, 3, keys) as writer:
        writer.write(b"still being received")
    dead.close()  # its lock released, as a killed process's is
    rows = Rows({REFERENCE: [1, 2]})
    sweeper = FileStore(root)
    assert sweeper.sweep(rows) == (2, 2)
    partial.abort()  # (only closes its handle: the sweep deleted the file)
    assert list((root / INCOMING).iterdir()) == [living.incoming()]
    with sweeper.open(REFERENCE, 2, keys) as reader:
        assert reader.read() == b"committed 2"
    assert not (root / OTHER).exists()
    assert (living.incoming() / f"{OTHER}.3").exists()
    living.close()
    assert sweeper.sweep(rows) == (0, 1)
    assert list((root / INCOMING).iterdir()) == []
    # A folder with no lock file yet: a process being born is left alone; one that died so, swept.
    unborn = root / INCOMING / "4242-00000000"
    unborn.mkdir()
    (unborn / f"{OTHER}.1").write_bytes(b"x")
    assert sweeper.sweep(rows) == (0, 0) and unborn.exists()
    os.utime(unborn, (1, 1))
    assert sweeper.sweep(rows) == (0, 1) and not unborn.exists()


def test_a_full_disk_raises_disk_full_and_keeps_nothing_of_the_file(tmp_path: Path, keys: DataKeys) -> None:
    with small_disk(tmp_path / "files", "1m") as root:
        files = FileStore(root)
        with pytest.raises(DiskFull) as full:
            with files.upload(REFERENCE, 1, keys) as writer:
                for _ in range(40):  # 2.5 MB into 1 MB
                    writer.write(os.urandom(CHUNK))
        assert isinstance(full.value, OSError) and full.value.errno == errno.ENOSPC
        assert [p.name for p in files.incoming().iterdir()] == [".lock"]  # nothing half-stored
        with files.upload(REFERENCE, 2, keys) as writer:  # and the space is free again
            writer.write(b"a small report")
        files.place(REFERENCE, 2)
        with files.open(REFERENCE, 2, keys) as reader:
            assert reader.read() == b"a small report"
        files.close()
