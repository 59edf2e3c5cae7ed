"""The submissions' files in an export (issue 36): each file decrypted into the package
under `files/<reference>/<number>-<safe name>`, and a `files` resource (files.csv) listing
reference, field, number, name, media_type, size, sha256 and path, so `frictionless
validate` checks it and anyone can check each file against its SHA-256.

Used by the Data Package export (export.py: a folder, or a zip written without a
decrypted copy on disk) and by `subject export` (subject.py). A file whose bytes do not
hash to the digest stored with it stops the export (FileMismatch): a package never hands
over a file that is not the one received.
"""
from __future__ import annotations

import csv
import hashlib
import os
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterable, Protocol

from generator.core.i18n import to_western_digits

from . import references
from .records import Attachment

if TYPE_CHECKING:
    from .crypto import DataKeys
    from .files import FileStore

CHUNK = 64 * 1024
FILES_CSV = "files.csv"
#: Each known type's extension: a file is named by its detected type, never by the name it was sent with.
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


#: (path inside the package, plaintext) -> None: where a file's bytes go.
Sink = Callable[[str, Readable], None]


class FileMismatch(RuntimeError):
    """A stored file whose bytes are not the ones its row's SHA-256 names."""


def _ascii_stem(name: str) -> str:
    """The name without its extension, in ASCII letters, digits (Arabic-Indic ones made Western)
    and . _ - only (at most 80)."""
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    plain = unicodedata.normalize("NFKD", to_western_digits(stem)).encode("ascii", "ignore").decode()
    return _UNSAFE.sub("-", plain).strip("-.")[:80]


def ascii_name(name: str, media_type: str, reference: str, number: int) -> str:
    """`<reference>-<number>[-<the name's ASCII letters>].<ext>`: safe in a header and on any disk."""
    plain = _ascii_stem(name)
    return f"{reference}-{number}" + (f"-{plain}" if plain else "") + f".{EXTENSIONS.get(media_type, 'bin')}"


def sent_name(name: str, media_type: str) -> str:
    """The name as sent, its extension the detected type's (for RFC 5987's `filename*`)."""
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    stem = stem.replace("/", " ").replace("\\", " ").strip(" .") or "file"
    return f"{stem}.{EXTENSIONS.get(media_type, 'bin')}"


def package_path(reference: str, attachment: Attachment) -> str:
    """Where a file sits in a package: files/<reference>/<number>-<safe name>.<the detected type's extension>."""
    ext = EXTENSIONS.get(attachment.media_type, "bin")
    return f"files/{reference}/{attachment.number}-{_ascii_stem(attachment.name) or 'file'}.{ext}"


def folder_sink(out_dir: Path) -> Sink:
    """Files written into a folder (the `export` and `subject export` commands), readable by their owner only."""

    def write(path: str, source: Readable) -> None:
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)

    return write


class Checked:
    """A plaintext reader that hashes what is read; `check` compares with the stored digest."""

    def __init__(self, source: BinaryIO) -> None:
        self.source, self.digest = source, hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data

    def check(self, attachment: Attachment) -> None:
        if self.source.read(1) or self.digest.hexdigest() != attachment.sha256:
            raise FileMismatch(f"file {attachment.number} does not match its SHA-256")


class FilesWriter:
    """Collects the files of the submissions an export walks; `resource` describes files.csv."""

    def __init__(self, files: FileStore, keys: DataKeys, out_dir: Path, sink: Sink) -> None:
        self.files, self.keys, self.sink = files, keys, sink
        self.csv_path = out_dir / FILES_CSV
        fd = os.open(self.csv_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: owner only
        self._handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._out = csv.writer(self._handle)
        self._out.writerow(["reference", "field", "number", "name", "media_type", "size", "sha256", "path"])
        self.count = 0

    def add(self, reference: str, attachments: Iterable[Attachment]) -> list[dict[str, Any]]:
        """Copy each file into the package and list it; what was listed, as the CSV has it."""
        listed = []
        for attachment in sorted(attachments, key=lambda a: a.number):
            path = package_path(reference, attachment)
            with self.files.open(reference, attachment.number, self.keys) as handle:
                checked = Checked(handle)
                self.sink(path, checked)
                checked.check(attachment)
            row = {"reference": reference, "field": attachment.field, "number": attachment.number,
                   "name": attachment.name, "media_type": attachment.media_type, "size": attachment.size,
                   "sha256": attachment.sha256, "path": path}
            name = "'" + attachment.name if attachment.name.startswith(FORMULA_START) else attachment.name
            self._out.writerow([reference, attachment.field, attachment.number, name, attachment.media_type,
                                attachment.size, attachment.sha256, path])
            listed.append(row)
            self.count += 1
        return listed

    def close(self) -> None:
        self._handle.close()

    def resource(self, submissions: str, reference_column: str) -> dict[str, Any]:
        """The `files` resource, its references checked against the submissions' resource."""
        return {
            "name": "files", "path": FILES_CSV, "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8",
            "description": "The files sent with the submissions, each under `path` in this package. A name "
                           "starting with = + - @ carries a leading apostrophe so spreadsheets do not run it.",
            "schema": {"fields": [
                {"name": "reference", "type": "string", "constraints": {"required": True,
                                                                        "pattern": references.PATTERN}},
                {"name": "field", "type": "string", "constraints": {"required": True}},
                {"name": "number", "type": "integer", "constraints": {"required": True, "minimum": 1}},
                {"name": "name", "type": "string", "constraints": {"required": True}},
                {"name": "media_type", "type": "string", "constraints": {"required": True}},
                {"name": "size", "type": "integer", "constraints": {"required": True, "minimum": 0}},
                {"name": "sha256", "type": "string", "constraints": {"required": True,
                                                                     "pattern": "[0-9a-f]{64}"}},
                {"name": "path", "type": "string", "constraints": {"required": True, "unique": True}},
            ], "primaryKey": ["reference", "number"],
                "foreignKeys": [{"fields": ["reference"],
                                 "reference": {"resource": submissions, "fields": [reference_column]}}]},
        }
