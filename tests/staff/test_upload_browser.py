"""Issue 36's first test, end to end in Debian's chromium: a person sends the help request with a
PDF and a phone photo (EXIF with GPS, Orientation 6) through the real endpoint and a real clamd;
the stored photo has no metadata and is the right way up; a caseworker downloads both files in
the browser, each download audited."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable

import pytest
from PIL import Image

from generator.endpoint.app import create_app as create_endpoint
from generator.staff.app import create_app as create_staff
from generator.submissions.files import FileStore
from generator.web.dispatch import PathDispatch
from tests.browser.forms import answers, fill, submit
from tests.staff.conftest import Clock, CountingHasher, Staff
from tests.staff.test_inbox_browser import signed_in_tab
from tests.support.fixtures import LiveServer, make_settings
from tests.support.samples import build_site, jpeg_photo, pdf_file


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # storing on both backends: test_uploads.py
def test_a_person_sends_a_report_and_a_photo_and_staff_download_them(
        forms: dict[str, Any], forms_root: Path, store_url: str, live: Callable[[Any], LiveServer],
        browser: Any, clamd_address: str, tmp_path: Path) -> None:
    from generator.core.config import StaffSettings

    form = forms["help-request"]
    site, files_dir = build_site(tmp_path / "site", forms), tmp_path / "files"
    endpoint = create_endpoint(settings=make_settings(forms_root, store_url, site_dir=site, files_dir=files_dir,
                                                      clamd_address=clamd_address), forms=forms, serve_site=True)
    settings = StaffSettings(root=forms_root, database_url=store_url, sign_in_limit=None, site_dir=None,
                             files_dir=files_dir)
    clock, hasher = Clock(), CountingHasher()
    staff_app = create_staff(settings=settings, forms=forms, store=endpoint.state.endpoint.store, clock=clock,
                             hasher=hasher)
    ws = Staff(live(PathDispatch({"/staff": staff_app}, endpoint)), settings, clock, hasher,
               staff_app.state.workspace, dict(forms))

    pdf, photo = pdf_file(), jpeg_photo()
    (tmp_path / "تقرير القلب.pdf").write_bytes(pdf)
    (tmp_path / "IMG_2041.jpg").write_bytes(photo)
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        tab.goto(f"{ws.url}/forms/help-request/")
        assert tab.locator("form.qalb-form").get_attribute("enctype") == "multipart/form-data"
        fill(tab, form, answers(form, "ar"))
        tab.set_input_files("#f-medical_reports", [tmp_path / "تقرير القلب.pdf", tmp_path / "IMG_2041.jpg"])
        submit(tab)
        assert "/forms/help-request/thanks/" in tab.url, tab.content()[:2000]
        reference = tab.locator(".qalb-reference").inner_text().strip()
    finally:
        context.close()

    stored = ws.store.attachments_of(reference)
    assert [(a.number, a.name, a.media_type, a.scan) for a in stored] == [
        (1, "تقرير القلب.pdf", "application/pdf", "clean"), (2, "IMG_2041.jpg", "image/jpeg", "clean")]
    with FileStore(files_dir).open(reference, 2, ws.store.codec.keys) as source:
        cleaned = source.read()
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (32, 64)  # turned the right way up: 64x32 with Orientation 6
        assert image.getpixel((16, 8))[0] > 150 and image.getpixel((16, 56))[2] > 150  # red on top, blue below
        assert not image.getexif() and "icc_profile" not in image.info and "comment" not in image.info
    assert b"Exif" not in cleaned and b"GPS" not in cleaned

    tab = signed_in_tab(browser, ws, 1280)
    try:
        tab.goto(f"{ws.url}/staff/submissions/{reference}")
        downloaded = []
        for number in (1, 2):
            with tab.expect_download() as download:
                tab.click(f"#file-{number} a.file__name")
            downloaded.append(Path(download.value.path()).read_bytes())
    finally:
        tab.context.close()
    assert downloaded == [pdf, cleaned]
    assert [e["detail"] for e in ws.audit("file-download")] == [f"{reference} 1", f"{reference} 2"]
