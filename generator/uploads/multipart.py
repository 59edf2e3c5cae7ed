"""A multipart/form-data post read as it arrives, never held whole.

The body comes from `request.stream()` in the server's chunks (about 64 KiB)
and goes through python-multipart's streaming `MultipartParser`, whose
callbacks only note what they saw; each chunk's notes are then handled here:
- a text part is kept in memory, all of them together within `max_text_bytes`;
- a file part's bytes are counted against its field's limits BEFORE they are
  written (a file over its size, a field over its total, one file too many:
  `UploadRefused(..., 413)` at once, the rest of the body never read), then go
  to a sha256, to the file's sealed temporary file (`FileStore.upload`: encrypted
  as they arrive, nothing in plain text on disk) and to clamd (`Scanner`);
- at a file's end: the scan's verdict, the type from the first bytes (never the
  name or the declared type), then a PDF's check or an image's re-encoding
  (whose bytes replace the temporary file: size and sha256 are the stored ones).

Never `request.form()`: Starlette spools file parts over 1 MB to an unencrypted
temporary file, and its `max_part_size` does not bound file parts.

Any refusal or failure discards every temporary file made so far before it is
raised; a successful read leaves them in the incoming folder for the writer to
place after COMMIT (or for the caller to discard when the answers are invalid).
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import anyio
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from generator.forms import Form
from generator.forms.model import FileLimits
from generator.submissions.records import Attachment
from generator.submissions.sealed import open_sealed

from .checks import FileRefused, check_pdf, clean_image, detect_type
from .clamav import ScannerUnavailable

if TYPE_CHECKING:
    from generator.submissions.crypto import DataKeys
    from generator.submissions.files import FileStore
    from generator.submissions.sealed import SealedWriter

    from .clamav import Scanner

#: The first bytes of a file kept for detect_type (libmagic reads no further for our types).
HEAD_BYTES = 16 * 1024
#: Parts of one post, text and files together: far above any form, far below a flood.
MAX_PARTS = 200
#: A part's boundary and headers, for the bound on a declared Content-Length.
PART_OVERHEAD = 1024
IMAGE_TYPES = ("image/jpeg", "image/png")
#: The code beside a file field when a post with files is answered with the form again:
#: its files are never kept (they are discarded), so the visitor chooses them again.
FILES_AGAIN = "files-again"
MAX_NAME = 200


class UploadRefused(Exception):
    """A post refused while it was read: `field` ("" for the post as a whole) and a stable
    code (forms/error_texts.py words it beside the field), with the HTTP status."""

    def __init__(self, field: str, code: str, status: int = 413) -> None:
        super().__init__(f"{status} {code} {field}".strip())
        self.field, self.code, self.status = field, code, status
        #: The text answers read before the refusal (the form shows them again).
        self.fields: dict[str, list[str]] = {}


@dataclass(frozen=True)
class ReceivedFile:
    number: int  # 1, 2, … in the order the files came
    field: str
    name: str  # as sent, cleaned: no folder, no control or direction characters, at most 200
    media_type: str  # from the bytes
    size: int  # bytes stored (an image's after its re-encoding)
    sha256: str  # of the stored plaintext
    head: bytes
    scan: str  # "clean" | "unscanned"


@dataclass
class Upload:
    fields: dict[str, list[str]]  # text answers as posted, by name
    files: list[ReceivedFile]
    bytes_read: int  # of the body, boundaries included

    def numbers(self, name: str) -> list[int]:
        """A file field's answer: its files' numbers."""
        return [f.number for f in self.files if f.field == name]

    def attachments(self, keys: DataKeys) -> tuple[Attachment, ...]:
        """The rows stored with the submission, in its transaction."""
        return tuple(Attachment(number=f.number, field=f.field, name=f.name, media_type=f.media_type, size=f.size,
                                sha256=f.sha256, scan=f.scan, key_id=keys.newest) for f in self.files)


class _Scan(Protocol):
    async def feed(self, chunk: bytes) -> None: ...

    async def result(self) -> str: ...


@dataclass
class _FilePart:
    field: str
    limits: FileLimits
    name: str
    number: int = 0  # 0 until its first byte
    size: int = 0
    sha256: Any = dataclasses.field(default_factory=hashlib.sha256)
    head: bytearray = dataclasses.field(default_factory=bytearray)
    writer: SealedWriter | None = None
    scan: _Scan | None = None
    scanning: contextlib.AsyncExitStack = dataclasses.field(default_factory=contextlib.AsyncExitStack)
    unscanned: bool = False
    skipped: bool = False  # after a file was refused for its content: counted, never written


@dataclass
class _TextPart:
    name: str
    data: bytearray = dataclasses.field(default_factory=bytearray)


async def read_upload(request: Request, form: Form, *, reference: str, files: FileStore, keys: DataKeys,
                      scanner: Scanner, max_text_bytes: int, accept_unscanned: bool = False) -> Upload:
    """Read a multipart post to `form` (which has file fields) as it streams in; raises
    UploadRefused, ScannerUnavailable (clamd unreachable, unless `accept_unscanned`),
    or files.DiskFull, with every temporary file of this post discarded first."""
    reader = _Reader(form, reference=reference, files=files, keys=keys, scanner=scanner,
                     max_text_bytes=max_text_bytes, accept_unscanned=accept_unscanned)
    try:
        await reader.read(request)
    except BaseException as exc:
        with anyio.CancelScope(shield=True):  # a visitor who went away leaves nothing either
            await reader.discard()
        if isinstance(exc, UploadRefused):
            exc.fields = reader.fields
        raise
    return Upload(fields=reader.fields, files=reader.received, bytes_read=reader.bytes_read)


async def discard_upload(upload: Upload, *, reference: str, files: FileStore) -> None:
    """Remove the temporary files of a post that will not be stored (invalid answers, a writer failure)."""
    def discard() -> None:
        for received in upload.files:
            files.discard(reference, received.number)
    await anyio.to_thread.run_sync(discard)


def body_budget(form: Form, max_text_bytes: int) -> int:
    """The most a post to `form` can rightly be: its text, every file field's total and the parts' framing."""
    return max_text_bytes + sum(f.files.max_total_bytes + f.files.max_files * PART_OVERHEAD
                                for f in form.file_fields if f.files is not None) + PART_OVERHEAD


def clean_name(raw: bytes) -> str:
    """A file's name as sent, safe to keep and show: UTF-8 (bad bytes replaced), no folder,
    no control, format (bidi) or separator characters, at most MAX_NAME characters."""
    text = raw.decode("utf-8", errors="replace").replace("\\", "/").rpartition("/")[2]
    text = "".join(c for c in text if unicodedata.category(c)[0] not in ("C", "Z") or c == " ")
    return text.strip()[:MAX_NAME].strip()


class _Reader:
    def __init__(self, form: Form, *, reference: str, files: FileStore, keys: DataKeys, scanner: Scanner,
                 max_text_bytes: int, accept_unscanned: bool) -> None:
        self.limits = {f.name: f.files for f in form.file_fields if f.files is not None}
        self.budget = body_budget(form, max_text_bytes)
        self.reference, self.files, self.keys, self.scanner = reference, files, keys, scanner
        self.max_text_bytes, self.accept_unscanned = max_text_bytes, accept_unscanned
        self.fields: dict[str, list[str]] = {}
        self.received: list[ReceivedFile] = []
        self.bytes_read = self.text_bytes = self.parts = 0
        self.counts = dict.fromkeys(self.limits, 0)
        self.totals = dict.fromkeys(self.limits, 0)
        self.numbers: list[int] = []  # every temporary file made: discarded when the post fails
        self.events: list[tuple[str, bytes]] = []
        self.headers: dict[bytes, bytes] = {}
        self.header_name = self.header_value = b""
        self.part: _FilePart | _TextPart | None = None
        self.finished = False
        #: The first file refused for what it holds (422): the rest of the post is still read
        #: (it is within the limits), its files counted but not kept, so every answer stays.
        self.refused: UploadRefused | None = None

    # -- the parser's callbacks only take notes (they cannot await) ----------------------

    def _note(self, kind: str) -> Any:
        def with_data(data: bytes, start: int, end: int) -> None:
            self.events.append((kind, bytes(data[start:end])))

        def without() -> None:
            self.events.append((kind, b""))
        return with_data if kind in ("data", "header-name", "header-value") else without

    def _parser(self, request: Request) -> MultipartParser:
        _, params = parse_options_header(request.headers.get("content-type", ""))
        boundary = params.get(b"boundary", b"")
        if not 0 < len(boundary) <= 70:
            raise UploadRefused("", "bad-request", 400)
        kinds = {"on_part_begin": "begin", "on_part_data": "data", "on_part_end": "end",
                 "on_header_field": "header-name", "on_header_value": "header-value",
                 "on_header_end": "header-end", "on_headers_finished": "headers", "on_end": "finished"}
        return MultipartParser(boundary, {callback: self._note(kind) for callback, kind in kinds.items()})  # type: ignore[arg-type]

    async def read(self, request: Request) -> None:
        # A declared length over every limit together is not refused before reading: the answers
        # before the files are read (and kept on the page), the files counted until a limit is passed.
        declared = request.headers.get("content-length")
        if declared is not None and not declared.strip().isdigit():
            raise UploadRefused("", "bad-length", 400)
        parser = self._parser(request)
        try:
            async for chunk in request.stream():
                self.bytes_read += len(chunk)
                if self.bytes_read > self.budget:
                    raise self._too_large()
                parser.write(chunk)
                await self._handle()
            parser.finalize()
        except MultipartParseError:
            raise UploadRefused("", "bad-request", 400) from None
        except ClientDisconnect:
            raise UploadRefused("", "disconnected", 400) from None
        await self._handle()
        if not self.finished:  # the body ended before its closing boundary
            raise UploadRefused("", "bad-request", 400)
        if self.refused is not None:
            raise self.refused

    def _too_large(self) -> UploadRefused:
        # More than every limit together: the files are what makes a post this large.
        return UploadRefused(next(iter(self.limits), ""), "files-too-large")

    async def _handle(self) -> None:
        events, self.events = self.events, []
        for kind, data in events:
            if kind == "begin":
                self.parts += 1
                if self.parts > MAX_PARTS:
                    raise UploadRefused("", "bad-request", 400)
                self.headers, self.part = {}, None
            elif kind in ("header-name", "header-value"):
                self._count_text(len(data))
                if kind == "header-name":
                    self.header_name += data
                else:
                    self.header_value += data
            elif kind == "header-end":
                self.headers[self.header_name.lower()] = self.header_value
                self.header_name = self.header_value = b""
            elif kind == "headers":
                self.part = self._start_part()
            elif kind == "data":
                await self._data(data)
            elif kind == "end":
                await self._end()
            elif kind == "finished":
                self.finished = True

    def _count_text(self, size: int) -> None:
        self.text_bytes += size
        if self.text_bytes > self.max_text_bytes:
            raise UploadRefused("", "too-large", 413)

    def _start_part(self) -> _FilePart | _TextPart:
        disposition, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        try:
            name = params.get(b"name", b"").decode("utf-8")
        except UnicodeDecodeError:
            raise UploadRefused("", "bad-encoding", 400) from None
        if disposition != b"form-data" or not name:
            raise UploadRefused("", "bad-request", 400)
        if b"filename" in params:
            if name not in self.limits:  # a file where the form asks for none
                raise UploadRefused("", "bad-request", 400)
            return _FilePart(name, self.limits[name], clean_name(params[b"filename"]))
        if name in self.limits:  # text posted for a file field: it would name numbers it has no right to
            raise UploadRefused("", "bad-request", 400)
        return _TextPart(name)

    async def _data(self, data: bytes) -> None:
        part = self.part
        if isinstance(part, _TextPart):
            self._count_text(len(data))
            part.data += data
            return
        if part is None or not data:
            return
        if part.number == 0:
            await self._open(part)
        if part.size + len(data) > part.limits.max_file_bytes:
            raise UploadRefused(part.field, "file-too-large")
        if self.totals[part.field] + len(data) > part.limits.max_total_bytes:
            raise UploadRefused(part.field, "files-too-large")
        part.size += len(data)
        self.totals[part.field] += len(data)
        if part.skipped:
            return
        part.sha256.update(data)
        if len(part.head) < HEAD_BYTES:
            part.head += data[:HEAD_BYTES - len(part.head)]
        assert part.writer is not None
        await anyio.to_thread.run_sync(part.writer.write, data)
        await self._scan(part, data)

    async def _open(self, part: _FilePart) -> None:
        self.counts[part.field] += 1
        if self.counts[part.field] > part.limits.max_files:
            raise UploadRefused(part.field, "files-too-many")
        if self.refused is not None:
            part.number, part.skipped = -1, True
            return
        part.number = len(self.numbers) + 1
        self.numbers.append(part.number)
        part.writer = await anyio.to_thread.run_sync(self.files.upload, self.reference, part.number, self.keys)
        try:
            part.scan = await part.scanning.enter_async_context(self.scanner.session())
        except ScannerUnavailable:
            await self._unscanned(part)

    async def _scan(self, part: _FilePart, data: bytes) -> None:
        if part.scan is None:
            return
        try:
            await part.scan.feed(data)
        except ScannerUnavailable:
            await self._unscanned(part)

    async def _unscanned(self, part: _FilePart) -> None:
        """clamd cannot be reached: refused (raised on), or with QALB_ACCEPT_UNSCANNED marked unscanned."""
        part.scan = None
        with contextlib.suppress(Exception):
            await part.scanning.aclose()
        if not self.accept_unscanned:
            raise ScannerUnavailable("clamd could not be reached")
        part.unscanned = True

    async def _end(self) -> None:
        part, self.part = self.part, None
        if isinstance(part, _TextPart):
            try:
                self.fields.setdefault(part.name, []).append(part.data.decode("utf-8"))
            except UnicodeDecodeError:
                raise UploadRefused("", "bad-encoding", 400) from None
        elif isinstance(part, _FilePart) and not part.skipped:
            try:
                if part.number:
                    await self._finish(part)
                elif part.name:  # a file chosen but empty (no name: the browser's "no file chosen")
                    raise UploadRefused(part.field, "file-empty", 422)
            except UploadRefused as refused:
                if refused.status != 422:
                    raise
                self.refused = self.refused or refused

    async def _finish(self, part: _FilePart) -> None:
        writer, part.writer = part.writer, None
        assert writer is not None
        await anyio.to_thread.run_sync(writer.close)  # sealed, flushed and fsynced
        scan = "unscanned"
        if part.scan is not None:
            try:
                scan = await part.scan.result()
            except FileRefused as refused:
                raise UploadRefused(part.field, refused.code, 422) from None
            except ScannerUnavailable:
                await self._unscanned(part)
            finally:
                with contextlib.suppress(Exception):
                    await part.scanning.aclose()
        media = detect_type(bytes(part.head))
        if media not in part.limits.accept:
            raise UploadRefused(part.field, "file-type", 422)
        size, digest, head = part.size, part.sha256.hexdigest(), bytes(part.head)
        try:
            if media == "application/pdf":
                code = await anyio.to_thread.run_sync(self._check_pdf, writer, part.number)
                if code is not None:
                    raise UploadRefused(part.field, code, 422)
            elif media in IMAGE_TYPES:
                cleaned = await anyio.to_thread.run_sync(self._clean_image, writer, part.number, media)
                size, digest, head = len(cleaned), hashlib.sha256(cleaned).hexdigest(), cleaned[:HEAD_BYTES]
        except FileRefused as refused:
            raise UploadRefused(part.field, refused.code, 422) from None
        self.received.append(ReceivedFile(number=part.number, field=part.field, name=part.name or "file",
                                          media_type=media, size=size, sha256=digest, head=head, scan=scan))

    def _check_pdf(self, writer: SealedWriter, number: int) -> str | None:
        with open_sealed(writer.path, self.keys, self.reference, number) as source:
            return check_pdf(source)

    def _clean_image(self, writer: SealedWriter, number: int, media: str) -> bytes:
        """The image re-encoded without its metadata, sealed in place of what was sent."""
        with open_sealed(writer.path, self.keys, self.reference, number) as source:
            cleaned = clean_image(source, media)
        self.files.discard(self.reference, number)
        with self.files.upload(self.reference, number, self.keys) as replaced:
            replaced.write(cleaned)
        return cleaned

    async def discard(self) -> None:
        part = self.part
        if isinstance(part, _FilePart):
            with contextlib.suppress(Exception):
                await part.scanning.aclose()

        def remove() -> None:
            if isinstance(part, _FilePart) and part.writer is not None:
                part.writer.abort()
            for number in self.numbers:
                with contextlib.suppress(OSError):  # gone already, or the folder could not even be made
                    self.files.discard(self.reference, number)
        await anyio.to_thread.run_sync(remove)

