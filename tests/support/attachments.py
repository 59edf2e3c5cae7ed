"""A help request stored with files, as the endpoint stores one (issue 36): each file sealed
into the FileStore's incoming folder, the rows committed by insert_batch, then placed."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

from generator.submissions.cases import WorkingCalendar, open_case
from generator.submissions.files import FileStore
from generator.submissions.records import Attachment, Submission
from generator.submissions.references import new_reference
from tests.support.samples import valid_answers

FIELD = "medical_reports"


def pdf_bytes(text: str = "report") -> bytes:
    """A one-page PDF made by pikepdf (a real PDF, as an applicant's would be)."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.docinfo["/Title"] = text
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (800, 400)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (140, 26, 44)).save(out, kind)
    return out.getvalue()


def store_with_files(store: Any, files: FileStore, form: Any, items: list[tuple[str, str, bytes]], *,
                     at: dt.datetime, calendar: WorkingCalendar | None = None, scans: tuple[str, ...] = (),
                     status: str = "accepted", **answers: Any) -> str:
    """A help request with these (name, media type, bytes) files; its reference. `scans`: each
    file's scan result ("clean" when not given); a case opened with `calendar` (not for spam)."""
    reference = new_reference()
    keys = store.codec.keys
    attachments = []
    for number, (name, media_type, data) in enumerate(items, 1):
        with files.upload(reference, number, keys) as writer:
            writer.write(data)
        attachments.append(Attachment(
            number=number, field=FIELD, name=name, media_type=media_type, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), scan=scans[number - 1] if len(scans) >= number else "clean",
            key_id=keys.newest, added_at=at))
    case = open_case(form, at, calendar) if calendar is not None and status == "accepted" else {}
    store.insert_batch([Submission(
        reference=reference, form_id=form.id, form_version=str(form.version), language="ar", submitted_at=at,
        consent={}, status=status, attachments=tuple(attachments),
        answers={**valid_answers(form), FIELD: [a.number for a in attachments], **answers}, **case)])
    for attachment in attachments:
        files.place(reference, attachment.number)
    return reference
