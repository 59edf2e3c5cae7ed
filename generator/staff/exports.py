"""The workspace's export zip (issue 33): the validated Data Package (datapackage.json and the
CSV, machine ids: submissions/export.py) and one spreadsheet for people (spreadsheet.py), in
the account's language; the timeline's notes only when asked for (audited apart:
staff-export-notes).

The zip is written to an anonymous temporary file (`tempfile.TemporaryFile`: no name on disk,
gone when closed, even after a crash) and streamed from it in chunks: however many
submissions, the export is never held in memory.
"""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import IO, Any, Iterator

from generator.submissions import export
from generator.submissions.db.cases import CaseEvent
from generator.submissions.records import Attachment, Submission

from .context import StaffContext
from .spreadsheet import Reader, write_workbook
from .wording import names_by_email


class Exported(export.Exported):
    """The store as the export reads it: only the submissions received in [since, until)."""

    def __init__(self, ctx: StaffContext, since: dt.datetime | None, until: dt.datetime | None) -> None:
        self.store, self.since, self.until = ctx.store, since, until

    def schemas(self, form_id: str) -> list[tuple[str, dict[str, Any]]]:
        return self.store.schemas(form_id)

    def submissions(self, form_id: str, *, status: str = "accepted") -> Iterator[Submission]:
        for sub in self.store.submissions(form_id, status=status):
            if (self.since is None or sub.submitted_at >= self.since) and (
                    self.until is None or sub.submitted_at < self.until):
                yield sub

    def attachments_of(self, reference: str) -> list[Attachment]:
        return self.store.attachments_of(reference)


def write_zip(ctx: StaffContext, form_id: str, since: dt.datetime | None, until: dt.datetime | None, *,
              lang: str, notes: bool) -> tuple[IO[bytes], int]:
    """The zip in a temporary file (at its start, for reading) and its row count: the Data Package
    with a form's files (decrypted into the zip as it is written, never onto the disk in clear),
    then the spreadsheet."""
    form, chosen = ctx.forms[form_id], Exported(ctx, since, until)
    reader = Reader(lang=lang, zone=ctx.zone, names=names_by_email(ctx.store))

    def spreadsheet(folder: Path, archive: zipfile.ZipFile) -> None:
        sheet = folder / f"{form_id}.xlsx"
        write_workbook(sheet, form, _with_events(ctx, chosen.submissions(form_id), notes), reader=reader,
                       notes=notes, attachments=chosen.attachments_of if form.file_fields else None)
        archive.write(sheet, sheet.name)

    return export.export_zip_file(chosen, form, files=ctx.files, keys=ctx.store.codec.keys, also=spreadsheet)


def _with_events(ctx: StaffContext, subs: Iterator[Submission],
                 notes: bool) -> Iterator[tuple[Submission, list[CaseEvent]]]:
    for sub in subs:
        yield sub, ctx.store.case_events(sub.reference, with_notes=notes) if sub.case_state else []
