"""Staff exports: a frictionless Data Package (CSV + datapackage.json) per form.

The CSV's schema is the form's own Table Schema, widened to cover every
version of the form the database has seen (older rows leave newer fields
empty), plus the columns every submission has: reference, submitted_at,
language, form_version and consent. The package is checked to pass
`frictionless validate` by the tests; the rules that make it pass are here:

* a field that changed type between versions is exported as text;
* a constraint is kept only where every version agreed on it, and `required`
  only where every version had the field;
* text cells that a spreadsheet would run as a formula (starting with = + - @,
  tab or carriage return) get a leading apostrophe, and only for the fields
  where that happened is the schema widened to accept the apostrophe.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Protocol

from frictionless import Schema

from generator.core.languages import LANGUAGE_CODES

from . import references
from .export_files import FilesWriter, Sink, folder_sink
from .records import Attachment, Submission

if TYPE_CHECKING:
    from .crypto import DataKeys
    from .files import FileStore

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CLASS = r"[=+\-@\t\r]"
KEPT_KEYS = ("name", "title", "description", "type", "format", "trueValues", "falseValues",
             "bareNumber", "decimalChar", "groupChar", "delimiter", "arrayItem", "example")
KEPT_CONSTRAINTS = ("required", "minLength", "maxLength", "pattern", "minimum", "maximum",
                    "exclusiveMinimum", "exclusiveMaximum", "enum")
TEXT_TYPES = ("string", "any")

META_BEFORE: list[dict[str, Any]] = [
    {"name": "reference", "type": "string", "title": "Reference number",
     "constraints": {"required": True, "unique": True, "pattern": references.PATTERN}},
    {"name": "submitted_at", "type": "datetime", "title": "Submitted at (UTC)",
     "constraints": {"required": True}},
    {"name": "language", "type": "string", "title": "Language of the form",
     "constraints": {"required": True, "enum": list(LANGUAGE_CODES)}},
    {"name": "form_version", "type": "string", "title": "Version of the form",
     "constraints": {"required": True}},
]
META_AFTER: list[dict[str, Any]] = [
    {"name": "consent", "type": "object", "title": "Consent given (fields and time)"},
]


@dataclass
class ExportResult:
    package: Path
    csv: Path
    rows: int
    neutralised: dict[str, int]
    files_csv: Path | None = None  # the `files` resource (export_files.py), when the form has file fields
    files: int = 0  # how many files it lists


def schema_fields(form: Any) -> list[dict[str, Any]]:
    return list(form.schema.to_descriptor().get("fields", []))


def union_fields(current: list[dict[str, Any]], older: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One field list covering every version: current order first, then fields only older versions had."""
    versions = [current, *older]
    order: list[str] = []
    for fields in versions:
        order += [f["name"] for f in fields if f["name"] not in order]
    result = []
    for name in order:
        seen = [next((f for f in fields if f["name"] == name), None) for fields in versions]
        present = [f for f in seen if f is not None]
        result.append(_merge(name, present, everywhere=len(present) == len(versions)))
    return result


def _merge(name: str, variants: list[dict[str, Any]], *, everywhere: bool) -> dict[str, Any]:
    first = variants[0]
    kinds = {(v.get("type", "any"), v.get("format", "default")) for v in variants}
    if len(kinds) > 1:
        merged: dict[str, Any] = {"name": name, "type": "string"}
    else:
        merged = {k: first[k] for k in KEPT_KEYS if k in first and all(v.get(k) == first[k] for v in variants)}
        merged["name"] = name
    if isinstance(merged.get("title"), dict) or isinstance(merged.get("description"), dict):
        merged.pop("title", None), merged.pop("description", None)
    constraints = {}
    if len(kinds) == 1:
        base = first.get("constraints", {})
        constraints = {k: base[k] for k in KEPT_CONSTRAINTS if k in base
                       and all(v.get("constraints", {}).get(k) == base[k] for v in variants)}
    if not everywhere:
        constraints.pop("required", None)
    if constraints:
        merged["constraints"] = constraints
    return merged


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _RowWriter:
    """Typed cells for one CSV row, with formula neutralisation counted per field."""

    def __init__(self, fields: list[dict[str, Any]]) -> None:
        self.schema = Schema.from_descriptor({"fields": fields})
        self.neutralised: dict[str, int] = {}

    def cells(self, values: dict[str, Any]) -> list[str]:
        out = []
        for field in self.schema.fields:
            value = values.get(field.name)
            if value is None or value == "":
                out.append("")
                continue
            if field.type in TEXT_TYPES and not isinstance(value, str):
                value = _text(value)
            typed, notes = field.read_cell(value)
            text = field.write_cell(typed)[0] if not notes and typed is not None else _text(value)
            if field.type in TEXT_TYPES and text.startswith(FORMULA_START):
                text = "'" + text
                self.neutralised[field.name] = self.neutralised.get(field.name, 0) + 1
            out.append(text or "")
        return out


def widen_for_neutralised(fields: list[dict[str, Any]], neutralised: dict[str, int]) -> list[dict[str, Any]]:
    """Let the schema accept the apostrophe we added, only where we added it."""
    result = []
    for field in fields:
        if field["name"] in neutralised:
            field = json.loads(json.dumps(field))
            field.pop("format", None)
            c = field.get("constraints", {})
            if "pattern" in c:
                c["pattern"] = f"(?:'(?={_FORMULA_CLASS}))?(?:{c['pattern']})"
            if "enum" in c:
                c["enum"] = c["enum"] + ["'" + v for v in c["enum"]
                                         if isinstance(v, str) and v.startswith(FORMULA_START)]
            if "maxLength" in c:
                c["maxLength"] += 1
            field["description"] = (field.get("description", "") + " Cells starting with = + - @ "
                                    "carry a leading apostrophe so spreadsheets do not run them.").strip()
        result.append(field)
    return result


def meta_columns(fields: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The submission columns, renamed `submission_<name>` where a form field (of any
    version) already has the name, so neither hides the other."""
    taken = {f["name"] for f in fields}

    def rename(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**c, "name": f"submission_{c['name']}"} if c["name"] in taken else c for c in columns]

    return rename(META_BEFORE), rename(META_AFTER)


class Exported(Protocol):
    """What an export reads: the store, or a part of it (the workspace exports a date range)."""

    def schemas(self, form_id: str) -> list[tuple[str, dict[str, Any]]]: ...

    def submissions(self, form_id: str, *, status: str = "accepted") -> Iterable[Submission]: ...

    def attachments_of(self, reference: str) -> list[Attachment]: ...


def export_package(store: Exported, form: Any, out_dir: Path, *, status: str = "accepted",
                   files: FileStore | None = None, keys: DataKeys | None = None,
                   sink: Sink | None = None) -> ExportResult:
    """Write `<out_dir>/datapackage.json` and `<out_dir>/<form>.csv`; for a form with file fields,
    given the files and the data keys, its files too (export_files.py: into `sink`, by default
    the folder, and `files.csv`)."""
    older = [list(d.get("fields", [])) for _, d in store.schemas(form.id)]
    fields = union_fields(schema_fields(form), older)
    before, after = meta_columns(fields)
    names = {m["name"]: c["name"] for m, c in zip(META_BEFORE + META_AFTER, before + after, strict=True)}
    name = form.id if status == "accepted" else f"{form.id}-{status}"
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / f"{name}.csv"
    columns = before + fields + after
    writer = _RowWriter(columns)
    rows = 0
    attached = FilesWriter(files, keys, out_dir, sink or folder_sink(out_dir)) \
        if files is not None and keys is not None and form.file_fields else None
    # utf-8-sig: the BOM makes spreadsheet programs read the Arabic correctly.
    try:
        with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle)
            out.writerow([c["name"] for c in columns])
            for sub in store.submissions(form.id, status=status):
                out.writerow(writer.cells(_values(sub, names)))
                rows += 1
                if attached is not None:
                    attached.add(sub.reference, store.attachments_of(sub.reference))
    finally:
        if attached is not None:
            attached.close()
    fields = widen_for_neutralised(fields, writer.neutralised)
    package: dict[str, Any] = {
        "name": name,
        "title": _title(form),
        "created": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [{
            "name": name, "path": csv_path.name, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8-sig",
            "description": f"Submissions of the form {form.id!r} with status {status!r}.",
            "schema": {"fields": before + fields + after, "primaryKey": [names["reference"]]},
        }],
    }
    if attached is not None:
        package["resources"].append(attached.resource(name, names["reference"]))
    package_path = out_dir / "datapackage.json"
    package_path.write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return ExportResult(package_path, csv_path, rows, dict(writer.neutralised),
                        attached.csv_path if attached else None, attached.count if attached else 0)


def export_zip(store: Exported, form: Any, *, status: str = "accepted") -> bytes:
    return export_zip_counted(store, form, status=status)[0]


def export_zip_counted(store: Exported, form: Any, *, status: str = "accepted") -> tuple[bytes, int]:
    """The zip (without files: it is held in memory) and its row count (for the audit log)."""
    handle, rows = export_zip_file(store, form, status=status)
    with handle:
        return handle.read(), rows


def export_zip_file(store: Exported, form: Any, *, status: str = "accepted", files: FileStore | None = None,
                    keys: DataKeys | None = None,
                    also: Callable[[Path, zipfile.ZipFile], None] | None = None) -> tuple[IO[bytes], int]:
    """The zip in an anonymous temporary file (at its start, for reading; gone when closed) and
    its row count; with the files folder and the data keys, a form's files too, decrypted into
    the zip as it is written, never onto the disk in clear (the token export over HTTP, the
    workspace's export). `also(folder, archive)` adds entries last (the workspace's spreadsheet),
    made in the same temporary folder."""
    handle = tempfile.TemporaryFile(prefix="qalb-export-", suffix=".zip")
    try:
        with tempfile.TemporaryDirectory(prefix="qalb-export-") as tmp, \
                zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            result = export_package(store, form, Path(tmp), status=status, files=files, keys=keys,
                                    sink=zip_sink(archive))
            archive.write(result.package, "datapackage.json")
            archive.write(result.csv, result.csv.name)
            if result.files_csv is not None:
                archive.write(result.files_csv, result.files_csv.name)
            if also is not None:
                also(Path(tmp), archive)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle, result.rows


def zip_sink(archive: zipfile.ZipFile) -> Sink:
    """Files written straight into a zip being written (stored: PDFs and images are compressed
    already), so no decrypted copy lands on disk."""

    def write(path: str, source: Any) -> None:
        with archive.open(zipfile.ZipInfo(path), "w", force_zip64=True) as out:
            while chunk := source.read(64 * 1024):
                out.write(chunk)

    return write


def _values(sub: Submission, names: dict[str, str]) -> dict[str, Any]:
    values = dict(sub.answers)
    meta = {"reference": sub.reference, "submitted_at": sub.submitted_at, "language": sub.language,
            "form_version": sub.form_version, "consent": sub.consent}
    values.update({names[key]: value for key, value in meta.items()})
    return values


def _title(form: Any) -> str:
    title = getattr(form, "title", None)
    if isinstance(title, dict):
        return " / ".join(str(title[k]) for k in LANGUAGE_CODES if title.get(k))
    return str(title or form.id)
