"""One form's submissions as a spreadsheet people can open (issue 33): the question texts in
the account's language as headers, choice labels rather than codes, consent in words, mobile
numbers in one shape (05…), the case's columns, and (only when asked for) a second sheet
with the timeline's notes. The Data Package beside it in the export zip keeps the machine
ids (submissions/export.py).

Every cell is written as text (openpyxl would otherwise take a value starting with "=" for a
formula), so no apostrophe is needed to keep a spreadsheet from running one. An Arabic
sheet reads right to left. Dates are the organisation's local time, as YYYY-MM-DD HH:MM
(text that sorts). The workbook is written in openpyxl's write-only mode: rows go to the
file as they are made, not held in memory.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from generator.core import i18n
from generator.forms import not_asked
from generator.submissions import identifiers
from generator.submissions.db.cases import CaseEvent
from generator.submissions.records import Attachment, Submission


def N_(text: str) -> str:
    return text


#: Case columns shown when the submission record has them (priority: issue 33 c; when an answer
#: was corrected: issue 33 e). A field of `Submission` by that name becomes a column.
OPTIONAL_CASE = (("priority", N_("Priority")), ("corrected_at", N_("Corrected")))
EVENT_WORDS = {"state": N_("Change of state"), "assign": N_("Assignment"), "note": N_("Note")}


@dataclasses.dataclass(frozen=True)
class Reader:
    """Who reads the sheet: their language, the organisation's time zone and the staff's names."""

    lang: str
    zone: dt.tzinfo
    names: Mapping[str, str]  # e-mail address -> name

    def _(self, message: str, **params: object) -> str:
        return i18n.gettext(self.lang, message, **params)

    def time(self, value: dt.datetime | None, *, clock: bool = True) -> str:
        if value is None:
            return ""
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M" if clock else "%Y-%m-%d")

    def person(self, email: str | None) -> str:
        return self.names.get(email, email) if email else ""


def write_workbook(path: Path, form: Any, rows: Iterable[tuple[Submission, Sequence[CaseEvent]]], *,
                   reader: Reader, notes: bool = False,
                   attachments: Callable[[str], Sequence[Attachment]] | None = None) -> int:
    """Write `path` (.xlsx); the number of submissions written. A file field's cell holds the
    names of its files (`attachments`: a submission's files by reference), never their bytes."""
    book = Workbook(write_only=True)
    answers_sheet = _sheet(book, reader._("Submissions"), reader)
    notes_sheet = _sheet(book, reader._("Notes"), reader) if notes else None
    workflow = form.workflow
    optional = [(name, words) for name, words in OPTIONAL_CASE
                if name in {f.name for f in dataclasses.fields(Submission)}]
    headers = [reader._("Reference"), reader._("Received"), reader._("Language of the form")]
    headers += [str(f.label.get(reader.lang, f.name)) for f in form.fields if f.name not in form.consent_fields]
    headers += [reader._("Consent")]
    if workflow is not None:
        headers += [reader._("State"), reader._("Due"), reader._("Closed"), reader._("Assigned to"),
                    reader._("Reason"), *(reader._(words) for _, words in optional)]
    _row(answers_sheet, headers)
    if notes_sheet is not None:
        _row(notes_sheet, [reader._("Reference"), reader._("Time"), reader._("By"), reader._("Event"),
                           reader._("Note")])
    mobiles = {name for name, kind in identifiers.identifier_kinds(form).items() if kind == "mobile"}
    count = 0
    for sub, events in rows:
        cells = [sub.reference, reader.time(sub.submitted_at), _language(sub.language)]
        files = attachments(sub.reference) if attachments is not None else ()
        cells += _answers(form, sub, reader, mobiles, files)
        cells.append(_consent(form, sub.consent, reader))
        if workflow is not None:
            reasons = [e.reason for e in events if e.kind == "state" and e.reason]
            cells += [_state(workflow, sub.case_state, reader), "" if sub.closed_at else reader.time(sub.due_at,
                      clock=False), reader.time(sub.closed_at), reader.person(sub.assigned_to),
                      _reason(workflow, reasons[-1], reader) if reasons else ""]
            cells += [_text(getattr(sub, name, None), reader) for name, _ in optional]
        _row(answers_sheet, cells)
        if notes_sheet is not None:
            for event in events:
                if event.note:
                    _row(notes_sheet, [sub.reference, reader.time(event.at), reader.person(event.actor),
                                       reader._(EVENT_WORDS.get(event.kind, event.kind)), event.note])
        count += 1
    book.save(path)
    return count


def _sheet(book: Workbook, title: str, reader: Reader) -> WriteOnlyWorksheet:
    sheet: WriteOnlyWorksheet = book.create_sheet(title)
    sheet.sheet_view.rightToLeft = i18n.language(reader.lang).direction == "rtl"
    return sheet


def _row(sheet: WriteOnlyWorksheet, values: list[str]) -> None:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, even "=…": never a formula
        cells.append(cell)
    sheet.append(cells)


def _answers(form: Any, sub: Submission, reader: Reader, mobiles: set[str],
             files: Sequence[Attachment] = ()) -> list[str]:
    skipped = not_asked(form, sub.answers)
    cells = []
    separator = "، " if reader.lang == "ar" else ", "
    for field in form.fields:
        if field.name in form.consent_fields:
            continue
        value = sub.answers.get(field.name)
        if field.files is not None:  # the names of its files (later ones from the status page too)
            cells.append(separator.join(a.name for a in sorted(files, key=lambda a: a.number)
                                        if a.field == field.name))
        elif field.name in skipped or value in (None, "", []):
            cells.append("")
        elif field.name in mobiles:
            cells.append(local_mobile(str(value)))
        else:
            labels = {str(o.value): str(o.label.get(reader.lang, o.value)) for o in field.options}
            items = value if isinstance(value, list) else [value]
            cells.append(separator.join(labels.get(str(i), _text(i, reader)) for i in items))
    return cells


def local_mobile(value: str) -> str:
    """A Saudi mobile number in the one shape people dial: 05XXXXXXXX (anything else as typed)."""
    normal = identifiers.normalise("mobile", value)
    return "0" + normal[3:] if normal.startswith("9665") and len(normal) == 12 else value


def _consent(form: Any, consent: Mapping[str, Any], reader: Reader) -> str:
    if not consent:
        return ""
    agreed = [str(form.field(name).label.get(reader.lang, name)) if name in {f.name for f in form.fields} else name
              for name, given in (consent.get("fields") or {}).items() if given]
    parts = []
    if agreed:
        given_at = consent.get("given_at")
        at = reader.time(dt.datetime.fromisoformat(str(given_at).replace("Z", "+00:00"))) if given_at else ""
        parts.append(reader._("Agreed to: %(items)s (%(time)s)", items=" · ".join(agreed), time=at))
    if consent.get("notice_version"):
        parts.append(reader._("Privacy notice version %(version)s", version=consent["notice_version"]))
    return "; ".join(parts)


def _state(workflow: Any, state: str | None, reader: Reader) -> str:
    if state is None:
        return ""
    try:
        return str(workflow.state(state).name.get(reader.lang, state))
    except (KeyError, ValueError):
        return state


def _reason(workflow: Any, reason: str, reader: Reader) -> str:
    for item in workflow.reasons:
        if item.id == reason:
            return str(item.name.get(reader.lang, reason))
    return reason


def _language(code: str) -> str:
    try:
        return i18n.language(code).name
    except ValueError:
        return code


def _text(value: Any, reader: Reader) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return reader.time(value)
    if isinstance(value, bool):
        return reader._("Yes") if value else reader._("No")
    return str(value)
