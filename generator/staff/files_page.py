"""A submission's files on the staff side (issue 36, item 5): what the submission page, the
print view and the committee print say of each file, and the two routes that read one.

    GET /staff/submissions/<reference>/files/<number>            the file, downloaded (audited: file-download)
    GET /staff/submissions/<reference>/files/<number>/thumbnail  a small PNG of an image (audited: file-thumbnail)

Both pass the submission page's guard (`require_submission`: a submission someone may not
see answers 404, audited once as the page is); a number the submission has no file of
answers 404 as a page that does not exist. A file is always sent as an attachment: its
type as detected from its bytes when it was received (never the name's), nosniff, never
cached, named with a safe ASCII name whose extension is the detected type's, and the name
as sent in RFC 5987's `filename*`. It is streamed from the sealed file (FileStore.open
decrypts chunk by chunk), never held whole in memory. A thumbnail is drawn here by Pillow
from the decrypted image: at most 240 px, PNG, sent and forgotten.
"""
from __future__ import annotations

import io
import logging
from typing import IO, Any, Iterator
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from generator.core import i18n
from generator.submissions.crypto import KeyProblem
from generator.submissions.export_files import EXTENSIONS, ascii_name, sent_name
from generator.submissions.records import Attachment, Submission

from .context import StaffContext
from .guards import NotFound, require_submission
from .sessions import Current
from .wording import staff_name, when

log = logging.getLogger("qalb.staff")

CHUNK = 64 * 1024
THUMBNAIL_PX = 240
KNOWN_TYPES = EXTENSIONS  # the types a file may have (detected from its bytes when received)
IMAGE_TYPES = ("image/jpeg", "image/png")


def type_words(media_type: str, lang: str) -> str:
    """"PDF", "JPEG image", "PNG image" in the account's language."""
    if media_type == "application/pdf":
        return i18n.gettext(lang, "PDF")
    if media_type == "image/jpeg":
        return i18n.gettext(lang, "JPEG image")
    if media_type == "image/png":
        return i18n.gettext(lang, "PNG image")
    return i18n.gettext(lang, "Other file")


def size_words(size: int, lang: str, digits: str) -> str:
    """"820 KB", "3.4 MB" (1 KB = 1,024 bytes), the digits as the organisation writes them."""
    if size < 1024 * 1024:
        return i18n.gettext(lang, "%(size)s KB", size=i18n.format_number(max(1, round(size / 1024)), lang, digits))
    return i18n.gettext(lang, "%(size)s MB", size=i18n.format_number(round(size / 1024 / 1024, 1), lang, digits))


def file_rows(ctx: StaffContext, sub: Submission, attachments: list[Attachment], lang: str,
              names: dict[str, str]) -> list[dict[str, Any]]:
    """What the pages say of each file, in the order they were added."""
    form = ctx.forms.get(sub.form_id)
    labels = {f.name: f.label.get(lang, f.name) for f in form.fields} if form else {}
    return [{"number": a.number, "name": a.name, "type": type_words(a.media_type, lang),
             "size": size_words(a.size, lang, ctx.digits), "scanned": a.scan == "clean",
             "field": labels.get(a.field, a.field), "image": a.media_type in IMAGE_TYPES,
             "added": _added(a.added_by, when(ctx, a.added_at, lang), names, lang),
             "url": f"/staff/submissions/{sub.reference}/files/{a.number}"}
            for a in sorted(attachments, key=lambda a: a.number)]


def _added(added_by: str, at: str, names: dict[str, str], lang: str) -> str:
    """Who added a file and when: with the form, from the status page, or a staff member by name."""
    if added_by == "applicant":
        return i18n.gettext(lang, "Sent with the form on %(when)s", when=at)
    if added_by == "status-page":
        return i18n.gettext(lang, "Added by the applicant from “Where is my request?” on %(when)s", when=at)
    return i18n.gettext(lang, "Added by %(who)s on %(when)s", who=staff_name(added_by, names), when=at)


def content_disposition(name: str, media_type: str, reference: str, number: int) -> str:
    """attachment, a safe ASCII name, and the name as sent (RFC 5987), both with the detected type's extension."""
    plain, full = ascii_name(name, media_type, reference, number), sent_name(name, media_type)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(full, safe='')}"


class FilePages:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/staff/submissions/{reference}/files/{number:int}", self.download, methods=["GET"]),
            Route("/staff/submissions/{reference}/files/{number:int}/thumbnail", self.thumbnail, methods=["GET"]),
        ]

    async def download(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub, attachment = await self._file(request)
        handle = await self._open(current, sub, attachment)
        await ctx.run(ctx.audit, current.account.email, "file-download", f"{sub.reference} {attachment.number}",
                      form_id=sub.form_id, rows=1)
        media_type = attachment.media_type if attachment.media_type in KNOWN_TYPES else "application/octet-stream"
        return StreamingResponse(_chunks(handle), media_type=media_type, headers={
            "Content-Disposition": content_disposition(attachment.name, attachment.media_type, sub.reference,
                                                       attachment.number),
            "Content-Length": str(attachment.size), "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store"})

    async def thumbnail(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub, attachment = await self._file(request)
        if attachment.media_type not in IMAGE_TYPES:
            raise NotFound(current)
        handle = await self._open(current, sub, attachment)
        png = await ctx.run(_thumbnail, handle)
        if png is None:
            raise NotFound(current)
        await ctx.run(ctx.audit, current.account.email, "file-thumbnail", f"{sub.reference} {attachment.number}",
                      form_id=sub.form_id, rows=1)
        return Response(png, media_type="image/png", headers={
            "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})

    async def _file(self, request: Request) -> tuple[Current, Submission, Attachment]:
        """The submission (refused as the page is) and its file of the path's number."""
        ctx = self.ctx
        current, sub = await require_submission(ctx, request)
        number = request.path_params["number"]
        found = [a for a in await ctx.run(ctx.store.attachments_of, sub.reference) if a.number == number]
        if not found or ctx.files is None:
            raise NotFound(current)
        return current, sub, found[0]

    async def _open(self, current: Current, sub: Submission, attachment: Attachment) -> IO[bytes]:
        ctx = self.ctx
        assert ctx.files is not None  # _file checked
        try:
            handle: IO[bytes] = await ctx.run(ctx.files.open, sub.reference, attachment.number, ctx.store.codec.keys)
        except (OSError, KeyProblem) as exc:  # gone from the files folder, or not the file sealed for it
            log.error("a stored file cannot be read (%s): file %s of a submission", type(exc).__name__,
                      attachment.number)
            raise NotFound(current) from exc
        return handle


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """The plaintext in chunks (Starlette reads a plain iterator on its thread pool); the file
    is closed at the end or when the connection drops."""
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _thumbnail(handle: IO[bytes]) -> bytes | None:
    """A PNG of at most THUMBNAIL_PX on its longer side (None: not an image Pillow can read)."""
    from PIL import Image, UnidentifiedImageError

    with handle:
        try:
            with Image.open(handle, formats=["JPEG", "PNG"]) as image:
                image.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))  # JPEG: decoded at a reduced scale
                image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
                out = io.BytesIO()
                image.save(out, "PNG")
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError, KeyProblem):
            return None
    return out.getvalue()
