"""Exports are Data Packages that `frictionless validate` passes, across form versions."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import types
import zipfile
from pathlib import Path

from frictionless import Schema, validate

from generator.submissions.export import export_package, export_zip, union_fields
from generator.submissions.records import Submission, consent_record, json_ready
from generator.submissions.references import new_reference
from generator.submissions.store import Store

V1 = {"fields": [
    {"name": "name", "type": "string", "constraints": {"required": True, "maxLength": 40}},
    {"name": "mobile", "type": "string", "constraints": {"pattern": "05[0-9]{8}", "maxLength": 10}},
    {"name": "age", "type": "integer", "constraints": {"minimum": 0, "maximum": 130}},
    {"name": "kind", "type": "string", "constraints": {"enum": ["question", "-other"]}},
    {"name": "consent", "type": "boolean", "constraints": {"required": True, "enum": [True]}},
]}
V2 = {"fields": [
    {"name": "name", "type": "string", "constraints": {"required": True, "maxLength": 60}},
    {"name": "age", "type": "string", "constraints": {"maxLength": 5}},
    {"name": "born", "type": "date", "constraints": {"required": True}},
    {"name": "topics", "type": "array", "arrayItem": {"type": "string"}},
    {"name": "agree", "type": "boolean", "constraints": {"required": True, "enum": [True]}},
]}


def form(descriptor: dict, version: int) -> types.SimpleNamespace:
    return types.SimpleNamespace(id="contact", version=version, schema=Schema.from_descriptor(descriptor),
                                 title={"ar": "استفسار", "en": "Contact"}, consent_fields=["agree"])


def store_row(store: Store, f: types.SimpleNamespace, row: dict, *, status: str = "accepted") -> Submission:
    at = dt.datetime.now(dt.timezone.utc)
    sub = Submission(reference=new_reference(), form_id=f.id, form_version=str(f.version), language="en",
                     submitted_at=at, consent=consent_record(["agree"], row, at), status=status,  # type: ignore[arg-type]
                     answers=json_ready(f.schema, row))
    assert store.insert_batch([sub]) == [sub]
    return sub


def assert_valid(package: Path) -> None:
    report = validate(str(package))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_a_changed_form_exports_old_and_new_rows_in_one_valid_package(store: Store, tmp_path: Path) -> None:
    v1, v2 = form(V1, 1), form(V2, 2)
    store.remember_schema("contact", "1", V1, "h1")
    store_row(store, v1, {"name": "سارة", "mobile": "0512345678", "age": 40, "kind": "-other", "consent": True})
    store.remember_schema("contact", "2", V2, "h2")
    store_row(store, v2, {"name": "=HYPERLINK(\"http://x\")", "age": "forty", "born": dt.date(1990, 5, 1),
                          "topics": ["a", "+b"], "agree": True})
    store_row(store, v2, {"name": "spam", "born": dt.date(1990, 5, 1), "agree": True}, status="suspected-spam")

    result = export_package(store, v2, tmp_path / "out")
    assert result.rows == 2
    assert_valid(result.package)
    rows = list(csv.DictReader(io.StringIO(result.csv.read_text(encoding="utf-8-sig"))))
    assert [r["form_version"] for r in rows] == ["1", "2"]
    assert rows[0]["born"] == "" and rows[1]["mobile"] == ""  # each version leaves the other's fields empty
    assert rows[0]["kind"] == "'-other"  # formula characters neutralised
    assert rows[1]["name"].startswith("'=HYPERLINK")
    assert rows[1]["topics"] == '["a", "+b"]'  # JSON array cells start with [ and are safe
    assert "spam" not in result.csv.read_text(encoding="utf-8-sig")
    fields = {f["name"]: f for f in json.loads(result.package.read_text())["resources"][0]["schema"]["fields"]}
    assert fields["age"]["type"] == "string"  # integer in v1, text in v2
    assert "required" not in fields["born"].get("constraints", {})  # v1 rows have no date of birth
    assert fields["name"]["constraints"]["required"] is True
    assert list(fields)[:4] == ["reference", "submitted_at", "language", "form_version"]
    # v1 had a field named "consent": the submission's consent column steps aside
    assert fields["consent"]["type"] == "boolean" and fields["submission_consent"]["type"] == "object"
    assert json.loads(rows[1]["submission_consent"]) == {
        "fields": {"agree": True}, "given_at": rows[1]["submitted_at"]}


def test_suspected_spam_exports_separately_for_review(store: Store, tmp_path: Path) -> None:
    v2 = form(V2, 2)
    store_row(store, v2, {"name": "bot", "born": dt.date(2000, 1, 1), "agree": True}, status="suspected-spam")
    result = export_package(store, v2, tmp_path, status="suspected-spam")
    assert result.rows == 1 and result.csv.name == "contact-suspected-spam.csv"
    assert_valid(result.package)


def test_the_zip_holds_the_same_valid_package(store: Store, tmp_path: Path) -> None:
    v1 = form(V1, 1)
    store_row(store, v1, {"name": "@SUM(1)", "consent": True})
    with zipfile.ZipFile(io.BytesIO(export_zip(store, v1))) as archive:
        assert sorted(archive.namelist()) == ["contact.csv", "datapackage.json"]
        archive.extractall(tmp_path)
    assert_valid(tmp_path / "datapackage.json")


def test_union_keeps_only_constraints_every_version_agrees_on() -> None:
    merged = {f["name"]: f for f in union_fields(V2["fields"], [V1["fields"]])}
    assert merged["name"]["constraints"] == {"required": True}  # maxLength differs
    assert list(merged) == ["name", "age", "born", "topics", "agree", "mobile", "kind", "consent"]
    assert "required" not in merged["consent"].get("constraints", {})
