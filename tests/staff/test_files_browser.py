"""A submission's files in Debian's chromium (issue 36, item 5): the list with its thumbnail
(drawn by the server, loaded under the workspace's strict CSP), a name that sets its own
direction inside its <bdi>, the unscanned warning, and the print view, in Arabic and English
at 390 and 1280 px (the print view at 390), passing axe, the keyboard, no sideways scroll and the Nu checker
(screenshots in screenshots/staff/)."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from tests.browser.site import FOCUSED, focus_problems
from tests.staff.conftest import Staff
from tests.staff.test_browser import SEEN, page_checks
from tests.staff.test_casework_browser import SHOTS, use_language
from tests.staff.test_inbox_browser import signed_in_tab
from tests.support.attachments import image_bytes, pdf_bytes, store_with_files
from tests.support.shots import screenshot
from tests.support.vnu import vnu_errors_in_html

# A name as sent keeps its own digits (tests/staff/test_files.py sends one with Arabic-Indic digits); this
# one has none, so the page's check that its own numbers are written one way sees only the page's.
LONG_NAME = "تقرير قسم أمراض القلب والأوعية الدموية - مستشفى الملك فهد - الزيارة الثالثة.pdf"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the pages do not depend on the backend
def test_the_files_list_and_thumbnail_in_both_languages_at_390_and_1280(
        staff: Callable[..., Staff], forms: dict[str, Any], browser: Any) -> None:
    ws = staff()
    reference = store_with_files(
        ws.store, ws.workspace.files, forms["help-request"],
        [(LONG_NAME, "application/pdf", pdf_bytes()), ("scan of the ECG.jpg", "image/jpeg", image_bytes("JPEG", (900, 1200)))],
        at=ws.clock(), calendar=ws.workspace.calendar, scans=("clean", "unscanned"))
    SEEN.clear()  # page_checks keeps each page's HTML: this test's pages are judged by vnu below
    problems: list[str] = []
    for width in (390, 1280):
        tab = signed_in_tab(browser, ws, width, email=f"admin{width}@example.org")
        try:
            for lang in ("ar", "en"):
                use_language(tab, ws.url, lang)
                tab.goto(f"{ws.url}/staff/submissions/{reference}")
                thumbnail = tab.locator("#file-2 img.file__thumbnail")
                thumbnail.scroll_into_view_if_needed()
                tab.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
                assert thumbnail.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [180, 240]
                assert tab.locator("#file-1 .file__name bdi").get_attribute("dir") == "auto"
                assert tab.locator("#file-2 .file__unscanned").is_visible()
                assert tab.locator("#file-1 .file__unscanned").count() == 0
                where = f"{width}px files {lang}"
                problems += page_checks(tab, where)
                screenshot(tab.locator(".files"), SHOTS / f"files-{lang}-{width}.png")
                screenshot(tab, SHOTS / f"files-page-{lang}-{width}.png", full_page=True)
                if width == 390:  # the keyboard through the files' links: each reached in turn, focus seen
                    tab.focus("#file-1 a")
                    for number in (1, 2):
                        stop = tab.evaluate(FOCUSED)
                        assert stop is not None and "file__name" in stop["name"], stop
                        problems += focus_problems(f"{where} file {number}", stop)
                        tab.keyboard.press("Tab")
                    tab.goto(f"{ws.url}/staff/submissions/{reference}/print")
                    assert tab.locator(".files img").count() == 0 and LONG_NAME in tab.locator(".files").inner_text()
                    problems += page_checks(tab, f"{width}px print with files {lang}")
                    screenshot(tab.locator(".files"), SHOTS / f"files-print-{lang}-{width}.png")
        finally:
            tab.context.close()
    problems += vnu_errors_in_html(SEEN)
    assert not problems, "\n".join(problems)
    assert len(ws.audit("file-thumbnail")) == 4  # each showing of the thumbnail read the image: audited
