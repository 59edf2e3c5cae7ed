"""A submission's files on the staff side (issue 36, item 5) against a real server, SQLite and
PostgreSQL, with files sealed on disk as the endpoint stores them: the page lists them, a
download is streamed as an attachment (nosniff, the detected type, a safe name and the name as
sent), an image's thumbnail is drawn by the server, each reading audited; someone who may not
see the submission gets 404 (audited once); the export zip carries the files, a `files`
resource whose hashes match and which `frictionless validate` passes, and the spreadsheet the
names only; deleting a spam submission removes its files' bytes."""
from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote

import frictionless
import openpyxl
import pytest
from PIL import Image

from tests.staff.conftest import Staff, csrf
from tests.staff.test_inbox import signed_in
from tests.support.attachments import image_bytes, pdf_bytes, store_with_files

CW = "cw@example.org"
ARABIC_NAME = "تقرير القلب ٢٠٢٦.pdf"
SHOWN_AS_PNG = "=HYPERLINK(1).png"


def with_files(ws: Staff, forms: dict[str, Any], items: list[tuple[str, str, bytes]], **kw: Any) -> str:
    return store_with_files(ws.store, ws.workspace.files, forms["help-request"], items, at=ws.clock(),
                            calendar=ws.workspace.calendar, **kw)


def test_files_are_listed_downloaded_and_thumbnailed_audited_and_refused_to_others(
        staff: Callable[..., Staff], forms: dict[str, Any]) -> None:
    ws = staff()
    pdf, png = pdf_bytes(), image_bytes("PNG", (800, 400))
    reference = with_files(ws, forms, [(ARABIC_NAME, "application/pdf", pdf), (SHOWN_AS_PNG, "image/png", png)],
                           scans=("clean", "unscanned"))
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        page = client.get(f"/staff/submissions/{reference}").text
        files = page.split('<ul class="files"')[1].split("</ul>")[0]
        assert f'<bdi dir="auto">{ARABIC_NAME}</bdi>' in files
        assert "ملف PDF" in files and "صورة PNG" in files and "فُحص من الفيروسات" in files
        assert "لم يُفحص من الفيروسات" in files  # the unscanned one, said
        assert f'src="/staff/submissions/{reference}/files/2/thumbnail"' in files
        assert f'src="/staff/submissions/{reference}/files/1/thumbnail"' not in files  # a PDF has none
        assert "[1, 2]" not in page and "١، ٢" not in page  # the field's stored numbers are not an answer

        download = client.get(f"/staff/submissions/{reference}/files/1")
        assert download.status_code == 200 and download.content == pdf
        headers = download.headers
        assert headers["content-type"] == "application/pdf"
        assert headers["x-content-type-options"] == "nosniff" and headers["cache-control"] == "no-store"
        disposition = headers["content-disposition"]
        assert disposition.startswith(f'attachment; filename="{reference}-1-2026.pdf"; ')
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == ARABIC_NAME
        assert disposition.isascii()

        image = client.get(f"/staff/submissions/{reference}/files/2")
        assert image.content == png and image.headers["content-type"] == "image/png"
        assert re.search(r'filename="[A-Z0-9-]+-2-HYPERLINK-1\.png"', image.headers["content-disposition"])

        thumbnail = client.get(f"/staff/submissions/{reference}/files/2/thumbnail")
        assert thumbnail.headers["content-type"] == "image/png" and thumbnail.headers["cache-control"] == "no-store"
        with Image.open(io.BytesIO(thumbnail.content)) as small:
            assert small.format == "PNG" and small.size == (240, 120)
        assert client.get(f"/staff/submissions/{reference}/files/1/thumbnail").status_code == 404
        assert client.get(f"/staff/submissions/{reference}/files/3").status_code == 404
        print_view = client.get(f"/staff/submissions/{reference}/print").text
        assert ARABIC_NAME in print_view and "/thumbnail" not in print_view and "/files/1" not in print_view
        committee = client.get(f"/staff/submissions/{reference}/committee").text
        assert ARABIC_NAME in committee and "/thumbnail" not in committee
    assert [e["detail"] for e in ws.audit("file-download")] == [f"{reference} 1", f"{reference} 2"]
    assert [e["detail"] for e in ws.audit("file-thumbnail")] == [f"{reference} 2"]
    assert not ws.audit("staff-refused")  # a file number that does not exist is a page that does not exist

    with signed_in(ws, "other@example.org", "caseworker", ("enquiry",)) as other:
        assert other.get(f"/staff/submissions/{reference}/files/1").status_code == 404
        assert other.get(f"/staff/submissions/{reference}/files/2/thumbnail").status_code == 404
    refused = [e["detail"] for e in ws.audit("staff-refused")]
    assert refused == [f"GET /staff/submissions/{reference}/files/1 (submission)",
                       f"GET /staff/submissions/{reference}/files/2/thumbnail (submission)"]
    assert len(ws.audit("file-download")) == 2 and ARABIC_NAME not in str(ws.store.audit_entries())


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the files folder, not the backend, decides
def test_a_tampered_or_missing_file_is_never_sent(staff: Callable[..., Staff], forms: dict[str, Any]) -> None:
    ws = staff()
    reference = with_files(ws, forms, [("a.pdf", "application/pdf", pdf_bytes())])
    path = ws.workspace.files.path(reference, 1)
    sealed = bytearray(path.read_bytes())
    sealed[-20] ^= 1
    path.write_bytes(bytes(sealed))
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        response = client.get(f"/staff/submissions/{reference}/files/1")  # checked when opened: one chunk
        assert response.status_code == 404 and b"%PDF" not in response.content
        path.unlink()  # gone from the files folder
        assert client.get(f"/staff/submissions/{reference}/files/1").status_code == 404
    assert not ws.audit("file-download")  # nothing was read


def test_the_export_zip_holds_the_files_listed_with_their_hashes_and_passes_frictionless(
        staff: Callable[..., Staff], forms: dict[str, Any], tmp_path: Path) -> None:
    ws = staff()
    pdf, jpeg = pdf_bytes(), image_bytes("JPEG", (300, 300))
    first = with_files(ws, forms, [(ARABIC_NAME, "application/pdf", pdf), ("صورة.jpg", "image/jpeg", jpeg)])
    second = with_files(ws, forms, [(SHOWN_AS_PNG, "image/png", image_bytes())])
    with signed_in(ws, "admin@example.org") as client:
        response = client.get("/staff/forms/help-request/export")
        assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    archive.extractall(tmp_path)
    names = set(archive.namelist())
    assert {"datapackage.json", "help-request.csv", "files.csv", "help-request.xlsx"} <= names
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    [listing] = [r for r in package["resources"] if r["name"] == "files"]
    assert listing["path"] == "files.csv"
    import csv

    with (tmp_path / "files.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((r["reference"], r["number"], r["name"]) for r in rows) == sorted(
        [(first, "1", ARABIC_NAME), (first, "2", "صورة.jpg"), (second, "1", "'" + SHOWN_AS_PNG)])
    for row in rows:
        assert row["path"].startswith(f"files/{row['reference']}/{row['number']}-") and row["path"] in names
        data = (tmp_path / row["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"] and len(data) == int(row["size"])
    assert {r["path"].rsplit(".", 1)[1] for r in rows} == {"pdf", "jpg", "png"}
    report = frictionless.validate(tmp_path / "datapackage.json")  # what `frictionless validate` runs
    assert report.valid, report.flatten(["type", "note"])
    assert report.stats["tasks"] == 2  # the submissions and the files, foreign keys checked
    book = openpyxl.load_workbook(tmp_path / "help-request.xlsx")
    header, *lines = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    column = header.index(forms["help-request"].field("medical_reports").label["ar"])
    assert sorted(line[column] for line in lines) == sorted([f"{ARABIC_NAME}، صورة.jpg", SHOWN_AS_PNG])
    assert not [n for n in names if n.startswith("files/") and n.endswith(".csv")]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the files folder, not the backend, decides
def test_deleting_a_spam_submission_removes_its_files(staff: Callable[..., Staff], forms: dict[str, Any]) -> None:
    ws = staff()
    reference = with_files(ws, forms, [("a.pdf", "application/pdf", pdf_bytes())], status="suspected-spam")
    folder = ws.workspace.files.path(reference, 1).parent
    assert folder.is_dir()
    with signed_in(ws, "admin@example.org") as client:
        page = client.get(f"/staff/submissions/{reference}/delete").text
        assert client.post(f"/staff/submissions/{reference}/delete",
                           data={"csrftoken": csrf(page)}).status_code == 303
    assert not folder.exists() and not ws.store.attachments_of(reference)



@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the template, not the backend, is tested
def test_the_medical_report_reply_says_which_document_is_missing_and_no_answer(
        forms: dict[str, Any], forms_root: Any, store_url: str, live: Any) -> None:
    """content/replies.yml's medical-report template, offered on a case waiting for the applicant
    (the e-mail it becomes is sent as test_conversation.py's reply test sends one)."""
    from tests.staff.test_conversation import mailing_workspace, waiting_case

    with mailing_workspace(forms, forms_root, store_url, live, "smtp://127.0.0.1:9") as (ws, _):
        reference = waiting_case(ws, forms, {"description": "CANARY-ANSWER ألم في الصدر"})
        [sub] = ws.store.submissions(reference=reference, status=None)
        with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
            page = client.get(f"/staff/submissions/{reference}", params={"reply": "medical-report"}).text
    assert '<option value="medical-report" selected>طلب تقرير طبي</option>' in page
    text = html.unescape(re.search(r'<textarea id="reply-text"[^>]*>(.*?)</textarea>', page, re.S)[1])  # type: ignore[index]
    assert "نحتاج منك تقريرًا طبيًا عن حالة المريض القلبية" in text and reference in text and "$" not in text
    assert "صفحة «أين وصل طلبي؟»" in text  # where the applicant can add it (issue 36, item 6)
    for answer in ("CANARY-ANSWER", sub.answers["applicant_name"], sub.answers["national_id"], sub.answers["mobile"]):
        assert answer not in text
