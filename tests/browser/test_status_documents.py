"""Adding documents from the status page in chromium (issue 36, item 6): the applicant
of a case waiting for documents looks the request up, sees what we still need and the
upload form, in Arabic and English at 390 and 1280 px; a wrong file is explained beside
the field; a PDF is sent and thanked for in the page's language. axe and the Nu checker
find nothing on any of these pages; screenshots in screenshots/status-documents/."""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from generator import PROJECT_ROOT
from generator.forms import error_message
from generator.submissions import cases
from tests.browser.forms import serve_asgi, submit
from tests.browser.site import axe_violations, describe_violations
from tests.support.fixtures import default_tls_context
from tests.support.samples import valid_answers
from tests.support.shots import screenshot
from tests.support.vnu import vnu_errors_in_html

SHOTS = PROJECT_ROOT / "screenshots" / "status-documents"
MOBILE = "0512345678"
ASKED = {"ar": "لاستكمال دراسة طلبك نحتاج منك ما يلي:\n- تقرير طبي حديث من طبيب القلب",
         "en": "To continue studying your request we still need:\n- a recent report from the cardiologist"}


@pytest.fixture(scope="module")
def forms() -> dict[str, Any]:
    from generator.core.problems import Problems
    from generator.forms import load_forms

    return load_forms(PROJECT_ROOT, Problems())


@pytest.fixture(scope="module")
def endpoint(built_site: Path, forms: dict[str, Any], tmp_path_factory: pytest.TempPathFactory,
             clamd_address: str) -> Iterator[tuple[str, Any]]:
    from generator.core.config import EndpointSettings
    from generator.endpoint.app import create_app

    root = tmp_path_factory.mktemp("status-documents")
    settings = EndpointSettings(root=root, database_url=f"sqlite:///{root / 'db.sqlite'}", site_dir=built_site,
                                rate_limit=None, status_limit=(100, 3600.0), files_dir=root / "files",
                                clamd_address=clamd_address)
    app = create_app(settings=settings, forms=forms, serve_site=True)
    with serve_asgi(app) as url:
        yield url, app.state.endpoint


def waiting_request(url: str, forms: dict[str, Any], context: Any) -> str:
    form = forms["help-request"]
    files = {f.name for f in form.file_fields}
    data = {k: v for k, v in valid_answers(form).items() if k not in files}
    response = httpx.post(f"{url}api/forms/help-request", data={**data, "mobile": MOBILE, "lang": "ar"},
                          headers={"Origin": url.rstrip("/"), "Accept": "text/html"}, timeout=20, verify=default_tls_context())
    assert response.status_code == 303, response.text[:300]
    reference = parse_qs(urlsplit(response.headers["location"]).query)["ref"][0]
    store, now = context.store, dt.datetime.now(dt.timezone.utc)
    [sub] = store.submissions("help-request", reference=reference)
    cases.move(store, form, sub, to_state="waiting-for-applicant", actor="amal@example.org",
               expected_version=sub.case_version, now=now, note="internal")
    store.record_reply(reference, channel="email", text=ASKED["ar"], messages=[], at=now, actor="amal@example.org")
    return reference


def pdf(tmp: Path) -> Path:
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page()
    out = io.BytesIO()
    document.save(out)
    path = tmp / "تقرير القلب.pdf"
    path.write_bytes(out.getvalue())
    return path


def test_the_applicant_adds_documents_in_both_languages_at_both_sizes(
        endpoint: tuple[str, Any], forms: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    url, context = endpoint
    reference = waiting_request(url, forms, context)
    fake = tmp_path / "photo.png"
    fake.write_text("<html><body>not a picture</body></html>")
    report = pdf(tmp_path)
    problems: list[str] = []
    seen: dict[str, str] = {}

    def look(name: str, tab: Any) -> None:
        seen[f"{name} {tab.url}"] = tab.content()
        problems.extend(describe_violations(f"{name} {tab.url}", axe_violations(tab)))
        screenshot(tab, SHOTS / f"{name}.png", full_page=True)

    sent = 0
    for width in (390, 1280):
        for lang, prefix in (("ar", ""), ("en", "en/")):
            page = browser.new_context(viewport={"width": width, "height": 900})
            page.set_default_timeout(15_000)
            tab = page.new_page()
            try:
                tab.goto(f"{url}{prefix}status/")
                tab.fill("#f-reference", reference)
                tab.fill("#f-contact", MOBILE)
                submit(tab)
                assert tab.locator("html").get_attribute("lang") == lang
                assert tab.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
                section = tab.locator(".qalb-documents")
                assert "تقرير طبي حديث من طبيب القلب" in section.inner_text()
                assert tab.locator("#f-medical_reports").get_attribute("type") == "file"
                look(f"asked-{lang}-{width}", tab)
                # A page that is not a picture, named .png: refused beside the field, in the page's language.
                tab.set_input_files("#f-medical_reports", str(fake))
                # files.js (loaded on the status page too) lists the chosen file, its name isolated.
                assert tab.locator("#f-medical_reports-chosen bdi").inner_text() == "photo.png"
                tab.locator(".qalb-documents button[type='submit']").click()
                tab.wait_for_load_state()
                error = tab.locator("#f-medical_reports-error").inner_text()
                assert error_message(forms["help-request"], "medical_reports", "file-type", lang) in error
                look(f"refused-{lang}-{width}", tab)
                if width == (390 if lang == "ar" else 1280):
                    tab.set_input_files("#f-medical_reports", str(report))
                    tab.locator(".qalb-documents button[type='submit']").click()
                    tab.wait_for_load_state()
                    said = tab.locator(".qalb-status").inner_text()
                    assert ("وصلتنا مستنداتك" if lang == "ar" else "We received your documents") in said
                    look(f"thanks-{lang}-{width}", tab)
                    sent += 1
            finally:
                page.close()
    assert not problems, "\n".join(problems)
    errors = vnu_errors_in_html(seen)
    assert not errors, "\n".join(errors)
    stored = context.store.attachments_of(reference)
    assert [(a.name, a.media_type, a.added_by) for a in stored] == [
        ("تقرير القلب.pdf", "application/pdf", "status-page")] * sent
