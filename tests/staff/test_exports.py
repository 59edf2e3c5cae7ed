"""The workspace's export zip (issue 33, item 9) against one real server holding the public
endpoint and the workspace on one store, SQLite and PostgreSQL: beside the Data Package
(still passing `frictionless validate`: test_inbox.py), a spreadsheet people can open, read back with
openpyxl: the question texts in the account's language, labels not codes, consent in words,
mobile numbers as 05…, the case's columns with staff by name, every cell text, and the notes
only when chosen (and then audited). The zip is streamed from an anonymous temporary file."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import IO, Any

import httpx
import openpyxl
import pytest

from tests.staff.conftest import Staff, csrf
from tests.staff.test_casework import move
from tests.staff.test_inbox import ARABIC_INDIC, MOBILE
from tests.support.samples import submit

CW = "cw@example.org"
CW_NAME = "نورة القحطاني"
NOTE = "اتصلت بالمتقدم: يرسل التقرير غدا"
FORMULA = "=HYPERLINK(\"http://example.org\")"


def sheet_rows(archive: zipfile.ZipFile, name: str, sheet: int = 0) -> tuple[Any, list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(archive.read(name)))
    ws = book.worksheets[sheet]
    return book, [list(row) for row in ws.iter_rows()]


def download(client: httpx.Client, **params: str) -> zipfile.ZipFile:
    response = client.get("/staff/forms/help-request/export", params=params)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert int(response.headers["content-length"]) == len(response.content)
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_spreadsheet_speaks_the_accounts_language_and_holds_notes_only_when_chosen(
        both: Staff, forms: dict[str, Any], tmp_path: Path) -> None:
    ws = both
    form = forms["help-request"]
    kind = form.field("support_kind")
    option = kind.options[0]
    plus = submit(ws, forms, "help-request", mobile="+966 51 234 5678".translate(ARABIC_INDIC),
                  support_kind=str(option.value), description=FORMULA)
    local = submit(ws, forms, "help-request", mobile=MOBILE)
    link = ws.workspace.accounts.add(CW, name=CW_NAME, role="caseworker", forms=["help-request"],
                                     known_forms=sorted(forms), by="test")
    with ws.client() as client:
        ws.set_up(client, link)
        assert move(client, plus, "under-study").status_code == 303
        page = client.get(f"/staff/submissions/{plus}").text
        assert client.post(f"/staff/submissions/{plus}/note",
                           data={"csrftoken": csrf(page), "note": NOTE}).status_code == 303
        page = client.get(f"/staff/submissions/{plus}").text
        version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
        assert client.post(f"/staff/submissions/{plus}/assign", data={
            "csrftoken": csrf(page), "version": version, "assignee": CW}).status_code == 303

        archive = download(client)
        assert sorted(archive.namelist()) == ["datapackage.json", "files.csv", "help-request.csv",
                                              "help-request.xlsx"]  # files.csv: help-request has a file field
        book, rows = sheet_rows(archive, "help-request.xlsx")
        assert len(book.worksheets) == 1 and book.worksheets[0].sheet_view.rightToLeft
        header = [c.value for c in rows[0]]
        for name in ("applicant_name", "mobile", "support_kind", "city"):
            assert form.field(name).label["ar"] in header
        assert "mobile" not in header and "support_kind" not in header
        for words in ("الحالة", "موعد الرد", "أُغلقت", "مسند إلى", "السبب", "الموافقة"):
            assert any(words in str(h) for h in header), (words, header)
        by_reference = {row[0].value: {h: c.value for h, c in zip(header, row, strict=True)} for row in rows[1:]}
        assert set(by_reference) == {plus, local}
        mine = by_reference[plus]
        assert mine[form.field("mobile").label["ar"]] == "0512345678" == by_reference[local][
            form.field("mobile").label["ar"]]
        assert mine[form.field("support_kind").label["ar"]] == option.label["ar"]
        assert mine[form.field("description").label["ar"]] == FORMULA
        assert mine["لغة النموذج"] == "العربية"
        assert mine[[h for h in header if h == "مسند إلى"][0]] == CW_NAME
        assert mine[[h for h in header if h == "الحالة"][0]] == form.workflow.state("under-study").name["ar"]
        consent = mine[[h for h in header if h == "الموافقة"][0]]
        assert consent.startswith("وافق على: ") and form.field("declaration").label["ar"] in consent
        assert all(c.data_type == "s" for row in rows for c in row if c.value is not None)  # text, no formula
        values = [str(c.value) for row in rows for c in row]
        assert not [v for v in values if NOTE in v or CW in v]  # no note, no e-mail address
        assert not ws.audit("staff-export-notes")

        with_notes = download(client, notes="1")
        book, notes = sheet_rows(with_notes, "help-request.xlsx", sheet=1)
        assert [c.value for c in notes[1]][0] == plus and NOTE in [c.value for c in notes[1]]
        assert CW_NAME in [c.value for c in notes[1]] and len(notes) == 2
        with_notes.extractall(tmp_path)
    assert [e["rows"] for e in ws.audit("staff-export-notes")] == [2]
    assert [e["rows"] for e in ws.audit("staff-export")] == [2, 2]
    assert NOTE not in str(ws.store.audit_entries())
    # The Data Package lists its CSV and the files' list, empty here (test_inbox.py runs `frictionless validate`
    # on this route's zip; test_files.py on one with files).
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in package["resources"]] == ["help-request.csv", "files.csv"]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the response, not the backend, decides
def test_the_zip_is_streamed_from_an_anonymous_temporary_file_in_english(
        both: Staff, forms: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from generator.submissions import export
    from generator.web import downloads

    ws = both
    opened: list[IO[bytes]] = []
    closed_at: list[tuple[int, int]] = []  # (where the file was read up to, its size) when it was closed
    original = tempfile.TemporaryFile

    def spy(*args: Any, **kwargs: Any) -> IO[bytes]:
        handle = original(*args, **kwargs)
        close = handle.close

        def recorded_close() -> None:
            if not handle.closed:
                where = handle.tell()
                closed_at.append((where, handle.seek(0, 2)))
            close()

        handle.close = recorded_close  # type: ignore[method-assign]
        opened.append(handle)
        return handle

    monkeypatch.setattr(export.tempfile, "TemporaryFile", spy)  # where the workspace's zip is written
    monkeypatch.setattr(downloads, "CHUNK", 1024)
    submit(ws, forms, "help-request", mobile=MOBILE)
    with ws.client() as client:
        ws.set_up(client, ws.add("en@example.org"))
        page = client.get("/staff/").text
        client.post("/staff/language", data={"csrftoken": csrf(page), "lang": "en", "next": "/staff/"})
        with client.stream("GET", "/staff/forms/help-request/export") as response:
            assert response.status_code == 200
            assert isinstance(opened[0].name, int)  # O_TMPFILE: no name on disk, gone when closed
            body = b"".join(response.iter_bytes())
        assert len(body) > 1024 and int(response.headers["content-length"]) == len(body)
    # Closed once, and only when its last byte had been read for sending (the server may get there before the
    # client reads the headers: a small zip fits in the socket's buffers, so that moment is not asserted).
    assert len(opened) == 1 and opened[0].closed and closed_at == [(len(body), len(body))]
    book = openpyxl.load_workbook(io.BytesIO(zipfile.ZipFile(io.BytesIO(body)).read("help-request.xlsx")))
    sheet = book.worksheets[0]
    assert not sheet.sheet_view.rightToLeft
    header = [c.value for c in next(sheet.iter_rows())]
    assert forms["help-request"].field("applicant_name").label["en"] in header and "State" in header
