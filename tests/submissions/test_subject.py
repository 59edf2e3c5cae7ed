"""Subject requests: find -> export -> delete one person's submissions by a national ID,
mobile or e-mail typed any usual way; nothing of them is left readable. Both backends."""
from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from generator.forms import read_submission
from generator.submissions.commands import subject
from generator.submissions.identifiers import identifier_kinds, normalise
from generator.submissions.records import Submission, json_ready
from generator.submissions.references import new_reference
from generator.submissions.secure_store import open_secure_store
from generator.submissions.subject import search_values
from tests.support.fixtures import make_settings
from tests.support.rawdata import raw_database
from tests.support.samples import valid_answers


def test_identifiers_are_normalised_to_one_form() -> None:
    mobiles = ["0501234567", "+966501234567", "966501234567", "00966501234567", "٠٥٠١٢٣٤٥٦٧",
               "050 123 4567", "+966 50-123-4567", "501234567"]
    assert {normalise("mobile", m) for m in mobiles} == {"966501234567"}
    assert normalise("national_id", "١٠١ ٢٣٤ ٥٦٧٨") == "1012345678"
    assert normalise("email", " Sara.Ali@Example.ORG ") == "sara.ali@example.org"


def test_identifier_fields_come_from_the_schema(forms: dict[str, Any]) -> None:
    assert identifier_kinds(forms["help-request"]) == {"national_id": "national_id", "mobile": "mobile",
                                                       "email": "email", "applicant_name": "name",
                                                       "patient_name": "name"}  # identifier: name
    assert identifier_kinds(forms["enquiry"]) == {"mobile": "mobile"}
    assert identifier_kinds(forms["satisfaction"]) == {}


def _submission(form: Any, lang: str, **changes: Any) -> Submission:
    row = read_submission(form, {**valid_answers(form), **changes}).row
    return Submission(reference=new_reference(), form_id=form.id, form_version=str(form.version), language=lang,
                      submitted_at=dt.datetime.now(dt.timezone.utc), consent={}, status="accepted",
                      answers=json_ready(form.schema, row))


def test_find_export_delete_leaves_nothing_of_the_person(
        forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", store_url)
    store = open_secure_store(make_settings(forms_root, store_url), forms)
    person = [
        _submission(forms["help-request"], "ar", national_id="1098765432", mobile="0551112222",
                    heart_condition="ضعف في عضلة القلب", email="Person@Example.org"),
        _submission(forms["contact"], "en", mobile="+966551112222", message="my own question"),
        _submission(forms["volunteer"], "ar", email="person@example.org"),
    ]
    other = _submission(forms["help-request"], "ar", national_id="1011111111", mobile="0559999999",
                        applicant_name="Someone Else Entirely")  # no name word shared with the person
    store.insert_batch([*person, other])
    cur = store._conn().cursor()
    cur.execute(store._sql(f"SELECT answers FROM submissions WHERE reference IN ({', '.join('?' * len(person))})"),
                [s.reference for s in person])
    ciphertexts = [row[0] for row in cur.fetchall()]
    cur.execute(store._sql("SELECT kind, digest FROM submission_lookups WHERE submission_id = "
                          "(SELECT id FROM submissions WHERE reference = ?)"), (person[0].reference,))
    kinds_and_digests = cur.fetchall()
    digests = [row[1] for row in kinds_and_digests]
    assert sorted(row[0] for row in kinds_and_digests if row[0] != "name") == ["email", "mobile", "national_id"]
    assert "name" in {row[0] for row in kinds_and_digests}  # and the words of the names: gone with it too
    store.close()
    refs = sorted(s.reference for s in person)
    ask = search_values(national_id=["١٠٩٨٧٦٥٤٣٢"], mobile=["+966 55 111 2222"], email=["PERSON@example.org"])
    ask_mobile = search_values(mobile=["055 111 2222"])

    assert subject(forms_root, action="find", values=ask_mobile, staff="case-worker") == 0
    out = capsys.readouterr().out
    assert sorted(line.split("\t")[0] for line in out.splitlines()) == sorted(s.reference for s in person[:2])

    assert subject(forms_root, action="export", values=ask, out=tmp_path / "handover") == 0
    page = (tmp_path / "handover" / "subject-data.html").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "handover" / "subject-data.json").read_text(encoding="utf-8"))
    assert sorted(s["reference"] for s in data["submissions"]) == refs
    assert stat.S_IMODE((tmp_path / "handover" / "subject-data.html").stat().st_mode) == 0o600
    assert 'lang="ar" dir="rtl"' in page and "رقم الهوية الوطنية أو الإقامة" in page  # Arabic labels
    assert "ضعف في عضلة القلب" in page and 'lang="en" dir="ltr"' in page
    assert "If by phone: your mobile number" in page  # contact's English label
    assert "1011111111" not in page

    assert subject(forms_root, action="delete", values=ask, dry_run=True) == 0
    assert subject(forms_root, action="delete", values=ask) == 0
    assert "deleted 3 submission(s)" in capsys.readouterr().err

    store = open_secure_store(make_settings(forms_root, store_url), forms)
    assert [s.reference for s in store.submissions(None, status=None)] == [other.reference]
    cur = store._conn().cursor()
    cur.execute("SELECT DISTINCT s.reference FROM submission_lookups l JOIN submissions s ON s.id = l.submission_id")
    assert cur.fetchall() == [(other.reference,)]
    entries = store.audit_entries()
    store.close()
    assert [(e["action"], e["rows"]) for e in entries] == [
        ("subject-find", 2), ("subject-export", 3), ("subject-find", 3), ("subject-delete", 3)]
    assert entries[0]["actor"] == "case-worker" and entries[1]["actor"]
    logged = json.dumps([{k: str(v) for k, v in e.items()} for e in entries], ensure_ascii=False)
    for typed in ("1098765432", "١٠٩٨٧٦٥٤٣٢", "551112222", "person@example.org", "PERSON"):
        assert typed not in logged  # the audit log names no identifier

    raw = raw_database(store_url, request)  # SQLite: file and free pages; PostgreSQL: the dump
    for gone in [*refs, *ciphertexts, *digests]:
        assert gone.encode() not in raw, gone
    assert other.reference.encode() in raw


def test_a_request_needs_an_identifier(forms_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert subject(forms_root, action="find", values=search_values(mobile=["  "])) == 1
    assert "at least one of" in capsys.readouterr().err


def test_the_export_reads_in_the_persons_language_with_the_settings_name(tmp_path: Path) -> None:
    """Labels, choices, lists and the organisation's name (content/settings.yml) in the
    submission's language; nothing in the other language."""
    from generator import PROJECT_ROOT
    from generator.forms.loading import load_forms_or_report
    from generator.submissions import subject as requests
    from generator.submissions.commands import _organisation

    forms = load_forms_or_report(PROJECT_ROOT)
    volunteer = forms["volunteer"]
    labels = {o.value: o.label for o in next(f for f in volunteer.fields if f.name == "interests").options}
    organisation = _organisation(PROJECT_ROOT)
    for lang, other in (("ar", "en"), ("en", "ar")):
        sub = Submission(reference="7KQ2M-X9PHD", form_id="volunteer", form_version="1", language=lang,
                         submitted_at=dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.timezone.utc), consent={},
                         status="accepted", answers={"name": "Amal", "interests": ["media", "technology"],
                                                     "consent": True})
        [page, _] = requests.export([sub], forms, tmp_path / lang, organisation=organisation)
        text = page.read_text(encoding="utf-8")
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in text
        assert organisation[lang] in text
        joined = " و" if lang == "ar" else " and "
        assert labels["media"][lang] + joined + labels["technology"][lang] in text
        assert volunteer.title[lang] in text and volunteer.title[other] not in text
