"""The inbox in Debian's chromium against the real server (endpoint and workspace on one
store), SQLite and PostgreSQL: a planted U+202E in a name does not reorder the Arabic
around it; the new pages pass axe, the keyboard and a 390 px screen in both languages."""
from __future__ import annotations

from typing import Any

import pytest

from generator.staff.sessions import COOKIE
from tests.staff.conftest import Staff
from tests.staff.test_browser import SEEN, keyboard_problems, page_checks
from tests.staff.test_inbox import ARABIC_INDIC, MOBILE, submit
from tests.support.vnu import vnu_errors_in_html

PLANTED = "\u202eسارة Smith"

# For each character of an element's text, its box's left edge.
CHAR_X = """(el) => {
  const node = [...el.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
  const xs = [];
  for (let i = 0; i < node.textContent.length; i++) {
    if (!node.textContent[i].trim()) continue;
    const range = document.createRange();
    range.setStart(node, i); range.setEnd(node, i + 1);
    xs.push(range.getBoundingClientRect().left);
  }
  return xs;
}"""


def signed_in_tab(browser: Any, ws: Staff, width: int, email: str = "admin@example.org") -> Any:
    with ws.client() as client:
        ws.set_up(client, ws.add(email))
        session = client.cookies[COOKIE]
    context = browser.new_context(viewport={"width": width, "height": 844})
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": COOKIE, "value": session, "url": ws.url}])
    return context.new_page()


def test_a_planted_right_to_left_override_does_not_reorder_the_page(both: Staff, forms: dict[str, Any],
                                                                    browser: Any) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE, applicant_name=PLANTED)
    tab = signed_in_tab(browser, ws, 1280)
    try:
        # Found by its reference in Arabic-Indic digits, typed into the search box on the home page.
        tab.goto(f"{ws.url}/staff/")
        tab.fill("#staff-q", reference.lower().translate(ARABIC_INDIC))
        tab.press("#staff-q", "Enter")
        tab.click(f"a[href='/staff/submissions/{reference}']")
        value = tab.locator("#answers bdi", has_text="Smith")
        assert value.count() == 1
        row_label = value.locator("xpath=ancestor::dd/preceding-sibling::dt[1]")
        next_label = value.locator("xpath=ancestor::dd/following-sibling::dt[1]")
        # The label of the planted value stays on the right of it (RTL), and the next label's Arabic
        # letters still read right to left: the first letter furthest right.
        assert row_label.bounding_box()["x"] > value.bounding_box()["x"]  # type: ignore[index]
        for label in (row_label, next_label):
            xs = label.evaluate(CHAR_X)
            assert len(xs) > 3 and xs == sorted(xs, reverse=True), (label.inner_text(), xs)
        # The value's own words are isolated: "Smith" (Latin) is not drawn over the Arabic label.
        box, label_box = value.bounding_box(), row_label.bounding_box()
        assert box["x"] + box["width"] <= label_box["x"] + 1  # type: ignore[index]
    finally:
        tab.context.close()


def test_the_inbox_pages_pass_axe_keyboard_and_390px_in_both_languages(both: Staff, forms: dict[str, Any],
                                                                        browser: Any) -> None:
    from generator.forms import HONEYPOT_FIELD

    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE, applicant_name=PLANTED)
    spam = submit(ws, forms, "help-request", **{HONEYPOT_FIELD: "x"})
    SEEN.clear()  # page_checks keeps each page's HTML: this test's pages are judged by vnu below
    problems: list[str] = []
    for width in (390, 1280):
        tab = signed_in_tab(browser, ws, width, email=f"admin{width}@example.org")
        try:
            for lang in ("ar", "en"):
                tab.goto(f"{ws.url}/staff/")
                if tab.locator("html").get_attribute("lang") != lang:
                    tab.click("form[action='/staff/language'] button")
                    tab.wait_for_load_state()
                assert tab.locator("html").get_attribute("lang") == lang
                for path in ("/staff/", "/staff/forms/help-request/", "/staff/forms/help-request/spam",
                             f"/staff/submissions/{reference}",
                             f"/staff/submissions/{reference}/print", f"/staff/submissions/{spam}/delete"):
                    tab.goto(f"{ws.url}{path}")
                    where = f"{width}px {path} {lang}"
                    problems += page_checks(tab, where)
                    problems += keyboard_problems(tab, where)
                tab.fill("#staff-q", MOBILE)  # a search is posted: the results page, at /staff/search
                tab.press("#staff-q", "Enter")
                tab.wait_for_load_state()
                assert tab.url == f"{ws.url}/staff/search" and f"/staff/submissions/{reference}" in tab.content()
                problems += page_checks(tab, f"{width}px search results {lang}")
        finally:
            tab.context.close()
    problems += vnu_errors_in_html(SEEN)  # valid HTML on every page this test visited
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the page, not the backend, decides
def test_a_caller_is_found_by_an_arabic_name_typed_with_other_letter_forms(
        both: Staff, forms: dict[str, Any], browser: Any) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", applicant_name="محمد عبدالله القحطاني")
    tab = signed_in_tab(browser, ws, 390)
    try:
        tab.goto(f"{ws.url}/staff/")
        assert "اسم" in tab.locator("#staff-q-hint").inner_text()  # the hint says a name is searched
        tab.fill("#staff-q", "مُحمّد القحطانى")  # with diacritics and an alif maqsura
        tab.press("#staff-q", "Enter")
        tab.wait_for_load_state()
        assert tab.url == f"{ws.url}/staff/search"
        tab.click(f"a[href='/staff/submissions/{reference}']")
        assert tab.locator("#answers bdi", has_text="القحطاني").count() == 1
    finally:
        tab.context.close()
