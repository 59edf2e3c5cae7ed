"""Documents added from the status page (issue 36, item 6) over HTTP, with a real clamd:
only after the reference + mobile check, only while the case waits for the applicant,
through a 15-minute token checked before any file byte is read; stored beside the
answers (never replacing them), the timeline and the audit saying so. The browser test
is tests/browser/test_status_documents.py."""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.core import i18n
from generator.endpoint.app import create_app
from generator.endpoint.status_documents import LEADING_LIMIT
from generator.submissions import cases
from tests.support.clamd import EICAR
from tests.support.fixtures import LiveServer, make_settings
from tests.support.samples import build_site, valid_answers

MOBILE = "0512345678"
FIELD = "medical_reports"
ASKED = "السلام عليكم،\nلاستكمال دراسة طلبك نحتاج منك ما يلي:\n- تقرير طبي حديث"


class CountingApp:
    """The endpoint, counting the body bytes it took from the server (what it read)."""

    def __init__(self, app: Any) -> None:
        self.app, self.state, self.read = app, app.state, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counted() -> Any:
            message = await receive()
            self.read += len(message.get("body", b""))
            return message
        await self.app(scope, counted if scope["type"] == "http" else receive, send)


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def server(forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path, clamd_address: str,
           live: Callable[[Any], LiveServer]) -> LiveServer:
    site = build_site(tmp_path / "site", forms)
    settings = make_settings(forms_root, store_url, site_dir=site, files_dir=tmp_path / "files",
                             clamd_address=clamd_address, status_limit=(100, 3600.0))
    return live(CountingApp(create_app(settings=settings, forms=forms)))


def pdf_bytes(pages: int = 1) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def request_help(server: LiveServer, forms: dict[str, Any]) -> str:
    """A help request sent through the form (no files), its reference."""
    form = forms["help-request"]
    data = {name: value for name, value in valid_answers(form).items() if name not in {f.name for f in form.file_fields}}
    with server.client() as client:
        response = client.post("/api/forms/help-request", data={**data, "mobile": MOBILE, "lang": "ar"},
                               headers={"Origin": server.url, "Accept": "text/html"})
    assert response.status_code == 303, response.text[:300]
    return parse_qs(urlsplit(response.headers["location"]).query)["ref"][0]


def ask_for_documents(server: LiveServer, forms: dict[str, Any], reference: str, *, reply: str | None = ASKED) -> None:
    """The caseworker moves the case to "waiting for the applicant" and writes what is needed."""
    form, store = forms["help-request"], server.open_store()
    try:
        [sub] = store.submissions("help-request", reference=reference)
        now = dt.datetime.now(dt.timezone.utc)
        cases.move(store, form, sub, to_state="waiting-for-applicant", actor="amal@example.org",
                   expected_version=sub.case_version, now=now, note="internal: the report is missing")
        if reply is not None:
            store.record_reply(reference, channel="email", text=reply, messages=[], at=now, actor="amal@example.org")
    finally:
        store.close()


def look_up(server: LiveServer, reference: str, contact: str = MOBILE, lang: str = "ar") -> Any:
    with server.client() as client:
        return client.post("/api/status", data={"reference": reference, "contact": contact, "lang": lang},
                           headers={"Origin": server.url, "Accept": "text/html"})


def token_of(page: str) -> str | None:
    found = re.search(r'<input type="hidden" name="token" value="([^"]+)">', page)
    return found[1] if found else None


def send(server: LiveServer, token: str, files: list[tuple[str, bytes, str]], lang: str = "ar") -> Any:
    """The upload form as a browser posts it: the token and the language first, then the files."""
    with server.client() as client:
        return client.post("/api/status/documents", data={"token": token, "lang": lang},
                           files=[(FIELD, file) for file in files],
                           headers={"Origin": server.url, "Accept": "text/html"})


def incoming(server: LiveServer) -> list[Path]:
    """Every file under the files folder (sealed temporaries included)."""
    root = server.app.state.endpoint.settings.files_dir
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".lock") if root.exists() else []


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_an_applicant_adds_a_report_from_the_status_page(server: LiveServer, forms: dict[str, Any]) -> None:
    reference = request_help(server, forms)
    # Not waiting for the applicant: no upload form.
    assert token_of(look_up(server, reference).text) is None
    ask_for_documents(server, forms, reference)
    # A wrong mobile number never gets the form.
    wrong = look_up(server, reference, "0599999999")
    assert wrong.status_code == 200 and token_of(wrong.text) is None and "تقرير طبي حديث" not in wrong.text
    page = look_up(server, reference)
    token = token_of(page.text)
    assert token is not None and token.startswith(reference + ".")
    assert "- تقرير طبي حديث" in text_of(page.text)  # what we still need, as the caseworker wrote it
    assert "internal: the report is missing" not in page.text  # never a note
    # The token and the language come before the file input in the form.
    form_html = page.text[page.text.index('data-qalb-form="documents"'):]
    assert form_html.index('name="token"') < form_html.index('name="lang"') < form_html.index(f'name="{FIELD}"')

    report = pdf_bytes()
    answered = send(server, token, [("تقرير.pdf", report, "application/pdf")], lang="en")
    assert answered.status_code == 303, answered.text[:500]
    assert answered.headers["location"] == "/api/status/documents?lang=en"
    with server.client() as client:
        thanks = client.get(answered.headers["location"])
    assert thanks.status_code == 200 and i18n.gettext("en", "We received your documents") in thanks.text
    assert '<html lang="en"' in thanks.text

    store = server.open_store()
    try:
        [stored] = store.attachments_of(reference)
        assert (stored.number, stored.field, stored.name, stored.media_type, stored.scan, stored.added_by) == (
            1, FIELD, "تقرير.pdf", "application/pdf", "clean", "status-page")
        endpoint = server.app.state.endpoint
        with endpoint.files.open(reference, 1, store.codec.keys) as placed:
            assert placed.read() == report
        [sub] = store.submissions("help-request", reference=reference)
        assert sub.case_state == "waiting-for-applicant"  # the state stays
        assert FIELD not in sub.answers or sub.answers[FIELD] in ([], None)  # answers untouched
        kinds = [e.kind for e in store.case_events(reference)]
        assert kinds[-2:] == ["documents-received", "resume"]  # the paused clock runs again
        [added] = [e for e in store.audit_page() if e["action"] == "documents-added"]
        assert (added["actor"], added["detail"], added["form_id"]) == (
            "status-page", f"reference={reference} files=1", "help-request")
    finally:
        store.close()
    assert incoming(server) == [endpoint.settings.files_dir / reference / "1"]  # placed, nothing left over
    # The first documents moved the case on (its clock started): the old token no longer fits.
    again = send(server, token, [("b.pdf", report, "application/pdf")])
    assert again.status_code == 404
    assert i18n.gettext("ar", "This upload form has expired or your request has changed. Look up your request "
                              "again to add documents.") in again.text


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the refusals happen before the store
def test_a_forged_expired_or_stale_token_is_refused_before_any_file_byte(
        server: LiveServer, forms: dict[str, Any]) -> None:
    reference, other = request_help(server, forms), request_help(server, forms)
    ask_for_documents(server, forms, reference)
    ask_for_documents(server, forms, other)
    token = token_of(look_up(server, reference).text)
    assert token is not None
    clock = server.app.state.status.now = Clock()
    big = pdf_bytes() + b"%" * (2 * 1024 * 1024)  # 2 MB: far more than is read before the token is judged
    reference_part, version, expires, mac = token.split(".")
    forged = {
        "forged": f"{reference_part}.{version}.{expires}.{mac[:-2]}{'AA' if mac[-2:] != 'AA' else 'BB'}",
        "other case": f"{other}.{version}.{expires}.{mac}",
        "later expiry": f"{reference_part}.{version}.{int(expires) + 600}.{mac}",
        "not a token": "x",
    }
    for name, bad in forged.items():
        before = server.app.read
        refused = send(server, bad, [("a.pdf", big, "application/pdf")])
        assert refused.status_code == 404, name
        assert server.app.read - before < LEADING_LIMIT + 256 * 1024, name  # the file was never read
        assert incoming(server) == [], name
    clock.now += dt.timedelta(minutes=16)  # expired
    before = server.app.read
    assert send(server, token, [("a.pdf", big, "application/pdf")]).status_code == 404
    assert server.app.read - before < LEADING_LIMIT + 256 * 1024 and incoming(server) == []
    clock.now -= dt.timedelta(minutes=16)
    # The caseworker moved the case on since: the token names an older version.
    store = server.open_store()
    try:
        [sub] = store.submissions("help-request", reference=reference)
        cases.move(store, forms["help-request"], sub, to_state="under-study", actor="amal@example.org",
                   expected_version=sub.case_version, now=dt.datetime.now(dt.timezone.utc))
        refused_rows = [e for e in store.audit_page() if e["action"] == "documents-added"]
        assert refused_rows and all(e["actor"] == "status-page" for e in refused_rows)
        assert store.attachments_of(reference) == []
    finally:
        store.close()
    assert send(server, token, [("a.pdf", big, "application/pdf")]).status_code == 404
    assert incoming(server) == []
    assert token_of(look_up(server, reference).text) is None  # no longer waiting: no form


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the checks are the form's: one backend
def test_a_refused_file_is_explained_beside_the_field_and_limits_count_the_stored_files(
        server: LiveServer, forms: dict[str, Any]) -> None:
    reference = request_help(server, forms)
    ask_for_documents(server, forms, reference, reply=None)
    page = look_up(server, reference, lang="en")
    # Without a reply, the state's public wording says what is needed; the hint says the limits.
    assert forms["help-request"].workflow.state("waiting-for-applicant").public["en"] in page.text
    assert "Up to 5 files" in text_of(page.text)
    for files, words in (
            ([("photo.png", b"<html><body>not an image</body></html>", "image/png")], "is not of a kind"),
            ([("report.pdf", EICAR, "application/pdf")], "The virus check found a problem")):
        refused = send(server, token_of(page.text), files, lang="en")
        assert refused.status_code == 422, refused.text[:300]
        message = re.search(r'<p id="f-medical_reports-error"[^>]*>(.*?)</p>', refused.text, re.S)
        assert message is not None and words in message[1], refused.text[:2000]
        assert 'href="#f-medical_reports"' in refused.text  # the error summary links to the field
        assert '<html lang="en"' in refused.text and token_of(refused.text) is not None
        assert incoming(server) == []
        page = refused
    assert send(server, token_of(page.text), [("one.pdf", pdf_bytes(), "application/pdf")], lang="en").status_code == 303
    # One stored, four left: five more are one too many, refused before the fifth is stored.
    page = look_up(server, reference, lang="en")
    assert "Up to 4 files" in text_of(page.text)
    five = [(f"{n}.pdf", pdf_bytes(), "application/pdf") for n in range(5)]
    refused = send(server, token_of(page.text), five, lang="en")
    assert refused.status_code == 413
    assert "You can send up to 4 files" in text_of(refused.text)
    store = server.open_store()
    try:
        assert [a.number for a in store.attachments_of(reference)] == [1]
    finally:
        store.close()
    assert incoming(server) == [server.app.state.endpoint.settings.files_dir / reference / "1"]
    # No file chosen: said beside the field. (As a browser sends it: an empty part with filename="".)
    body = "".join(f'--B\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                   for name, value in (("token", token_of(refused.text)), ("lang", "en")))
    body += (f'--B\r\nContent-Disposition: form-data; name="{FIELD}"; filename=""\r\n'
             "Content-Type: application/octet-stream\r\n\r\n\r\n--B--\r\n")
    with server.client() as client:
        empty = client.post("/api/status/documents", content=body.encode(), headers={
            "Origin": server.url, "Accept": "text/html", "Content-Type": "multipart/form-data; boundary=B"})
    assert empty.status_code == 422 and "Choose the files to send." in empty.text


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_documents_wait_for_clamd_when_it_cannot_be_reached(
        forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path,
        live: Callable[[Any], LiveServer]) -> None:
    """clamd down: 503, the bilingual page that says to try again later, nothing stored."""
    site = build_site(tmp_path / "site", forms)
    settings = make_settings(forms_root, store_url, site_dir=site, files_dir=tmp_path / "files",
                             clamd_address=f"unix:{tmp_path / 'no-clamd.sock'}", status_limit=(100, 3600.0))
    server = live(create_app(settings=settings, forms=forms))
    reference = request_help(server, forms)
    ask_for_documents(server, forms, reference)
    refused = send(server, token_of(look_up(server, reference).text), [("a.pdf", pdf_bytes(), "application/pdf")])
    assert refused.status_code == 503 and refused.headers["retry-after"]
    assert '<section lang="ar"' in refused.text and '<section lang="en"' in refused.text
    assert incoming(server) == []
    store = server.open_store()
    try:
        assert store.attachments_of(reference) == []
    finally:
        store.close()
