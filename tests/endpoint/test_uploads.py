"""Files sent with a form (issue 36): streamed, limited while read, checked, scanned by a real
clamd, sealed; refused ones leave the other answers on the page and nothing stored.

A real uvicorn on 127.0.0.1 and the real help-request form (its `medical_reports` field:
PDF, JPEG, PNG, 5 files, 10 MB each, 25 MB in all). The body is encoded here, so the test
knows where each file's bytes start; what the app read is counted by a thin ASGI wrapper.
"""
from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import signal
import uuid
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from frictionless import validate
from PIL import Image

from generator.endpoint.app import create_app
from generator.forms import error_message
from generator.submissions.files import FileStore
from tests.support.counting import Counting
from tests.support.endpoint_process import run_endpoint
from tests.support.fixtures import LiveServer, default_tls_context, make_settings
from tests.support.postgres import free_port
from tests.support.samples import (
    build_site,
    eicar,
    elf_executable,
    html_page,
    jpeg_photo,
    pdf_file,
    unsafe_pdf,
    valid_answers,
)
from tests.support.small_disk import small_disk

MB = 1024 * 1024
TOKEN = "correct-horse-battery-staple-0123456789"


# -- what is sent ----------------------------------------------------------------------------

def encode(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]],
           after: list[tuple[str, str]] | None = None) -> tuple[bytes, str, list[int]]:
    """A multipart body as a browser sends it, in the page's order (answers, the files, the answers
    `after` them), its content type, and where each file's bytes start."""
    boundary = "----qalb" + uuid.uuid4().hex
    out, starts = bytearray(), []

    def text(name: str, value: str) -> bytes:
        return f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, value in fields:
        out += text(name, value)
    for name, filename, data in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        starts.append(len(out))
        out += data + b"\r\n"
    for name, value in after or []:
        out += text(name, value)
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}", starts


# -- the servers -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def form(forms: dict[str, Any]) -> Any:
    form = forms["help-request"]
    assert [f.name for f in form.file_fields] == ["medical_reports"]
    return form


def answers_of(form: Any) -> list[tuple[str, str]]:
    """Every text answer of a valid post (lists as repeated names), in the form's order."""
    before, after = answers_around_files(form)
    return before + after


def answers_around_files(form: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The text answers a browser sends before the file field and after it (declaration, consent)."""
    parts: tuple[list[tuple[str, str]], list[tuple[str, str]]] = ([("lang", "ar")], [])
    files = {f.name for f in form.file_fields}
    side = 0
    for name, value in valid_answers(form).items():
        if name in files:
            side = 1
            continue
        parts[side].extend([(name, v) for v in value] if isinstance(value, list) else [(name, value)])
    return parts


def start(root: Path, database_url: str, site: Path, files_dir: Path, forms: dict[str, Any], **settings: Any
          ) -> tuple[LiveServer, Counting]:
    app = Counting(create_app(settings=make_settings(root, database_url, site_dir=site, files_dir=files_dir,
                                                     **settings), forms=forms))
    return LiveServer(app).__enter__(), app


@pytest.fixture(scope="module")
def site(forms: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("upload-site") / "site", forms)


@pytest.fixture(scope="module")
def server(forms: dict[str, Any], forms_root: Path, site: Path, clamd_address: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Counting]]:
    """One SQLite server for the refusals (the backend does not matter before storing)."""
    folder = tmp_path_factory.mktemp("uploads")
    live, app = start(forms_root, f"sqlite:///{folder / 'submissions.db'}", site, folder / "files", forms,
                      clamd_address=clamd_address)
    yield live, app
    live.__exit__(None, None, None)


def post(live: LiveServer, form: Any, files: list[tuple[str, bytes]], **kw: Any) -> httpx.Response:
    before, after = answers_around_files(form)
    body, content_type, _ = encode(before, [("medical_reports", name, data) for name, data in files], after)
    with live.client() as client:
        return client.post(f"/api/forms/{form.id}", content=body, headers={
            "Content-Type": content_type, "Origin": live.url, "Accept": "text/html", **kw})


def stored_files(files_dir: Path) -> list[Path]:
    """Every file in the files folder but the incoming folders' locks."""
    return sorted(p for p in files_dir.rglob("*") if p.is_file() and p.name != ".lock") if files_dir.exists() else []


def rows(live: LiveServer, form: Any) -> list[Any]:
    """The form's stored submissions, read with the server's keys."""
    store = live.open_store()
    try:
        return list(store.submissions(form.id))
    finally:
        store.close()


# -- stored ----------------------------------------------------------------------------------

def test_a_pdf_and_a_jpeg_are_stored_sealed_and_read_back(forms: dict[str, Any], forms_root: Path, site: Path,
                                                          form: Any, store_url: str, tmp_path: Path,
                                                          clamd_address: str) -> None:
    files_dir = tmp_path / "files"
    live, _ = start(forms_root, store_url, site, files_dir, forms, clamd_address=clamd_address,
                    export_token_hashes=frozenset({hashlib.sha256(TOKEN.encode()).hexdigest()}))
    try:
        pdf, jpeg = pdf_file(), jpeg_photo()
        response = post(live, form, [("تقرير القلب.pdf", pdf), ("C:\\fakepath\\صورة\u202e.jpg", jpeg)])
        assert response.status_code == 303, response.text[:500]
        reference = parse_qs(urlsplit(response.headers["location"]).query)["ref"][0]
        store = live.open_store()
        try:
            [stored] = list(store.submissions(form.id))
            attachments = store.attachments_of(reference)
        finally:
            store.close()
        assert stored.reference == reference and stored.answers["medical_reports"] == [1, 2]
        assert [(a.number, a.name, a.media_type, a.scan) for a in attachments] == [
            (1, "تقرير القلب.pdf", "application/pdf", "clean"), (2, "صورة.jpg", "image/jpeg", "clean")]
        keys = live.app.state.endpoint.store.codec.keys
        files = FileStore(files_dir)
        with files.open(reference, 1, keys) as source:
            assert source.read() == pdf
        with files.open(reference, 2, keys) as source:
            cleaned = source.read()
        assert len(cleaned) == attachments[1].size
        image = Image.open(io.BytesIO(cleaned))
        assert image.size == (32, 64) and not image.getexif()  # turned the right way up; no EXIF, no GPS
        # Sealed: neither file's bytes are on disk in plain text.
        on_disk = b"".join(p.read_bytes() for p in stored_files(files_dir))
        assert pdf[:200] not in on_disk and b"JFIF" not in on_disk
        # The token export over HTTP carries the files, listed with their hashes, a valid Data Package.
        with live.client() as client:
            exported = client.get(f"/api/forms/{form.id}/export", headers={"Authorization": f"Bearer {TOKEN}"})
        assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
            archive.extractall(tmp_path / "export")
        report = validate(str(tmp_path / "export" / "datapackage.json"))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
        with (tmp_path / "export" / "files.csv").open(encoding="utf-8-sig", newline="") as listing:
            listed = list(csv.DictReader(listing))
        assert [(row["number"], row["sha256"]) for row in listed] == [
            ("1", hashlib.sha256(pdf).hexdigest()), ("2", hashlib.sha256(cleaned).hexdigest())]
        assert (tmp_path / "export" / listed[0]["path"]).read_bytes() == pdf
    finally:
        live.__exit__(None, None, None)


# -- refused while read ------------------------------------------------------------------------

def check_refused(live: LiveServer, form: Any, response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text[:500]
    page = html.unescape(response.text)
    assert error_message(form, "medical_reports", code, "ar") in page  # what to choose instead
    name = next(value for key, value in answers_of(form) if key == "applicant_name")
    assert f'value="{name}"' in response.text  # the other answers stay
    if status == 422:  # a file refused for what it holds: the post is read to its end, every answer kept
        assert re.search(r'<input[^>]*name="consent"[^>]*checked', response.text), "the answers after the files"
    assert rows(live, form) == []
    assert stored_files(live.app.state.endpoint.settings.files_dir) == []  # nothing stored, no temp left


def test_a_12_mb_file_is_refused_after_reading_at_most_10_mb_and_a_chunk(server: tuple[LiveServer, Counting],
                                                                         form: Any) -> None:
    live, app = server
    body, content_type, [start_of_file] = encode(answers_of(form), [("medical_reports", "big.pdf", b"%PDF-1.4\n" +
                                                                     b"0" * (12 * MB))])
    app.read = app.largest = 0
    with live.client() as client:
        response = client.post(f"/api/forms/{form.id}", content=body, headers={
            "Content-Type": content_type, "Origin": live.url, "Accept": "text/html"})
    check_refused(live, form, response, 413, "file-too-large")
    assert start_of_file + 10 * MB < app.read <= start_of_file + 10 * MB + app.largest, (app.read, app.largest)
    print(f"12 MB file: the app read {app.read:,} bytes of {len(body):,} (largest chunk {app.largest:,})")


#: Each refusal: the files sent (made when the case runs), the status and the code beside the field.
REFUSALS: dict[str, tuple[Callable[[], list[tuple[str, bytes]]], int, str]] = {
    "sixth-file": (lambda: [(f"{n}.pdf", pdf_file()) for n in range(6)], 413, "files-too-many"),
    "over-25-mb": (lambda: [(f"{n}.pdf", big) for n, big in enumerate([pdf_file(padding=9 * MB)] * 3)], 413,
                   "files-too-large"),
    "exe-as-pdf": (lambda: [("report.pdf", elf_executable())], 422, "file-type"),
    "html-as-png": (lambda: [("scan.png", html_page())], 422, "file-type"),
    "pdf-javascript": (lambda: [("report.pdf", unsafe_pdf("javascript"))], 422, "file-unsafe"),
    "eicar": (lambda: [("report.pdf", eicar())], 422, "file-infected"),
    "empty": (lambda: [("report.pdf", b"")], 422, "file-empty"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refused_file_leaves_the_other_answers_on_the_page_and_nothing_stored(
        server: tuple[LiveServer, Counting], form: Any, case: str) -> None:
    live, _ = server
    files, status, code = REFUSALS[case]
    check_refused(live, form, post(live, form, files()), status, code)


def test_json_clients_get_the_refusal_as_json(server: tuple[LiveServer, Counting], form: Any) -> None:
    live, _ = server
    response = post(live, form, [("scan.png", b"<html></html>")], Accept="application/json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"field": "medical_reports", "code": "file-type",
            "message": error_message(form, "medical_reports", "file-type", "ar")} in errors


def test_file_numbers_cannot_be_posted_as_text(server: tuple[LiveServer, Counting], form: Any) -> None:
    live, _ = server
    data = dict(answers_of(form))
    with live.client() as client:
        urlencoded = client.post(f"/api/forms/{form.id}", data={**data, "medical_reports": "1"},
                                 headers={"Origin": live.url, "Accept": "text/html"})
        body, content_type, _ = encode([*answers_of(form), ("medical_reports", "1")], [])
        multipart = client.post(f"/api/forms/{form.id}", content=body,
                                headers={"Content-Type": content_type, "Origin": live.url, "Accept": "text/html"})
        # A script's JSON may carry numbers, which read as a file field's answer: they claim no file.
        scripted = client.post(f"/api/forms/{form.id}", json={**valid_answers(form), "medical_reports": [1, 2]},
                               headers={"Origin": live.url})
        # Other forms take no multipart body at all: their 100 KB fast path is unchanged.
        other = client.post("/api/forms/contact", content=body,
                            headers={"Content-Type": content_type, "Origin": live.url, "Accept": "text/html"})
    assert (urlencoded.status_code, multipart.status_code, other.status_code) == (422, 400, 415)
    assert scripted.status_code == 422, scripted.text
    assert {(e["field"], e["code"]) for e in scripted.json()["errors"]} == {("medical_reports", "type")}
    assert rows(live, form) == []


# -- clamd down, disk full, killed -------------------------------------------------------------

def test_clamd_down_refuses_files_with_503_unless_unscanned_files_are_accepted(
        forms: dict[str, Any], forms_root: Path, site: Path, form: Any, tmp_path: Path) -> None:
    missing = f"unix:{tmp_path / 'no-clamd.sock'}"
    url = f"sqlite:///{tmp_path / 'submissions.db'}"
    refusing, _ = start(forms_root, url, site, tmp_path / "files", forms, clamd_address=missing)
    try:
        response = post(refusing, form, [("report.pdf", pdf_file())])
        assert response.status_code == 503 and response.headers["retry-after"] == "60"
        assert "لا يمكننا فحص الملفات المرفقة الآن" in response.text and "cannot check attached files" in response.text
        assert rows(refusing, form) == [] and stored_files(tmp_path / "files") == []
        with refusing.client() as client:  # the rest of the form still works
            response = client.post(f"/api/forms/{form.id}", data=dict(answers_of(form)),
                                   headers={"Origin": refusing.url, "Accept": "text/html"})
        assert response.status_code == 303
    finally:
        refusing.__exit__(None, None, None)
    accepting, _ = start(forms_root, url, site, tmp_path / "files", forms, clamd_address=missing,
                         accept_unscanned=True)
    try:
        response = post(accepting, form, [("report.pdf", pdf_file())])
        assert response.status_code == 303, response.text[:300]
        reference = parse_qs(urlsplit(response.headers["location"]).query)["ref"][0]
        store = accepting.open_store()
        try:
            assert [a.scan for a in store.attachments_of(reference)] == ["unscanned"]
        finally:
            store.close()
    finally:
        accepting.__exit__(None, None, None)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs, mounted by the test (as root), as the files folder."""
    with small_disk(tmp_path / "small") as folder:
        yield folder


def test_a_full_disk_answers_503_and_stores_nothing(forms: dict[str, Any], forms_root: Path, site: Path, form: Any,
                                                    tmp_path: Path, full_disk: Path,
                                                    clamd_address: str) -> None:
    live, _ = start(forms_root, f"sqlite:///{tmp_path / 'submissions.db'}", site, full_disk / "files", forms,
                    clamd_address=clamd_address)
    try:
        response = post(live, form, [("report.pdf", pdf_file(padding=3 * MB))])
        assert response.status_code == 503, response.text[:300]
        assert "We could not save your form just now" in response.text and "تعذّر حفظ نموذجك الآن" in response.text
        assert rows(live, form) == [] and stored_files(full_disk) == []
    finally:
        live.__exit__(None, None, None)


def test_killed_once_the_files_are_written_leaves_no_orphan_and_no_row(
        forms: dict[str, Any], forms_root: Path, site: Path, form: Any, tmp_path: Path, clamd_address: str) -> None:
    """Over HTTP, SQLite (tests/submissions/test_files_crash.py kills at both points on both backends)."""
    files_dir, store_url = tmp_path / "files", f"sqlite:///{tmp_path / 'submissions.db'}"
    env = {"DATABASE_URL": store_url, "QALB_RATE_LIMIT": "off", "QALB_SITE_DIR": str(site),
           "QALB_FILES_DIR": str(files_dir), "QALB_CLAMD_ADDRESS": clamd_address}
    port = free_port()
    process = run_endpoint(forms_root, {**env, "QALB_ENDPOINT_FAULT": "upload-written"}, port, tmp_path / "log")
    body, content_type, _ = encode(answers_of(form), [("medical_reports", "report.pdf", pdf_file())])
    with pytest.raises(httpx.TransportError):
        httpx.post(f"http://127.0.0.1:{port}/api/forms/{form.id}", content=body, timeout=20,
                   headers={"Content-Type": content_type, "Origin": f"http://127.0.0.1:{port}"}, verify=default_tls_context())
    assert process.wait(timeout=10) == -signal.SIGKILL
    assert [p.name for p in stored_files(files_dir)] != []  # the sealed file was written, then the kill
    # The next start (in this process: the same lifespan as `endpoint`) sweeps the dead process's folder.
    live, _ = start(forms_root, store_url, site, files_dir, forms, clamd_address=clamd_address)
    try:
        assert stored_files(files_dir) == [] and rows(live, form) == []
    finally:
        live.__exit__(None, None, None)
