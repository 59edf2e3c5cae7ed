"""Case handling in Debian's chromium against the real server (endpoint and workspace on
one store), SQLite and PostgreSQL: a caseworker clicks a help request through to a
decline with its reason and enters a request taken by phone; a planted U+202E in a
note stays inside its <bdi>; the case pages pass axe, the keyboard and a 390 px screen
in both languages (screenshots kept in screenshots/staff/ for people to look at)."""
from __future__ import annotations

import re
from typing import Any

from generator import PROJECT_ROOT
from tests.staff.conftest import Staff
from tests.staff.test_browser import SEEN, keyboard_problems, page_checks
from tests.staff.test_inbox import MOBILE, submit
from tests.staff.test_inbox_browser import signed_in_tab
from tests.support.samples import valid_answers
from tests.support.shots import screenshot
from tests.support.vnu import vnu_errors_in_html

SHOTS = PROJECT_ROOT / "screenshots" / "staff"

# The left edge of each digit of the first HH:MM in an element's text (Western or Arabic-Indic).
TIME_DIGITS_X = r"""(el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const m = node.textContent.match(/[0-9٠-٩]{2}:[0-9٠-٩]{2}/);
    if (!m) continue;
    const xs = [];
    for (const i of [0, 1, 3, 4]) {
      const range = document.createRange();
      range.setStart(node, m.index + i); range.setEnd(node, m.index + i + 1);
      xs.push(range.getBoundingClientRect().left);
    }
    return xs;
  }
  return null;
}"""


def use_language(tab: Any, url: str, lang: str) -> None:
    tab.goto(f"{url}/staff/")
    if tab.locator("html").get_attribute("lang") != lang:
        tab.click("form[action='/staff/language'] button")
        tab.wait_for_load_state()
    assert tab.locator("html").get_attribute("lang") == lang


def test_a_caseworker_moves_a_request_to_a_decline_and_enters_one_taken_by_phone(
        both: Staff, forms: dict[str, Any], browser: Any) -> None:
    ws = both
    workflow = forms["help-request"].workflow
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    ws.add("cw@example.org", "caseworker", ("help-request",))
    tab = signed_in_tab(browser, ws, 390, email="cw2@example.org")
    try:
        tab.goto(f"{ws.url}/staff/submissions/{reference}")
        tab.click("label[for='case-assign']")
        tab.select_option("#case-assign", "cw2@example.org")
        tab.click("#assign-form button")
        assert tab.locator("#case-assignee").inner_text().strip() == "Test admin"  # by name, not address
        tab.check("#to-under-study")
        tab.click("#move-form button")
        assert tab.locator("#case-state").inner_text() == workflow.state("under-study").name["ar"]
        # Declined without a reason: refused, said, and the choice kept.
        tab.check("#to-declined")
        tab.click("#move-form button")
        assert tab.locator("#case-problem").is_visible()
        assert tab.locator("#to-declined").is_checked()
        tab.select_option("#case-reason", "incomplete")
        tab.click("#move-form button")
        assert tab.locator("#case-state").inner_text() == workflow.state("declined").name["ar"]
        assert workflow.reason("incomplete").name["ar"] in tab.locator(".timeline").inner_text()
        assert tab.locator("#move-form").count() == 0
        # A request taken by phone: the same form inside the workspace, plus the channel.
        tab.goto(f"{ws.url}/staff/forms/help-request/")
        tab.click("a[href='/staff/forms/help-request/enter']")
        tab.select_option("#channel", "phone")
        files = {f.name for f in forms["help-request"].file_fields}  # not asked on the phone: no files from staff
        for name, value in valid_answers(forms["help-request"]).items():
            if name in files:
                assert tab.locator(f"[name='{name}']").count() == 0
                continue
            field = tab.locator(f"[name='{name}']")
            kind = field.first.get_attribute("type")
            if kind in ("checkbox", "radio"):
                values = value if isinstance(value, list) else [value]
                for item in values:
                    tab.locator(f"[name='{name}'][value='{'true' if item is True else item}']").check()
            elif field.first.evaluate("el => el.tagName") == "SELECT":
                field.select_option(str(value))
            else:
                field.fill(str(value))
        tab.click("form.qalb-form button[type='submit']")
        assert "/staff/submissions/" in tab.url
        entered = re.search(r"/staff/submissions/([^?#]+)", tab.url)[1]  # type: ignore[index]
        assert tab.locator(".done").inner_text().count(entered) == 1
        assert "الاتصالات الهاتفية" in tab.locator("#case-channel").inner_text()
    finally:
        tab.context.close()
    [sub] = ws.store.submissions(reference=entered)
    assert (sub.channel, sub.entered_by, sub.case_state) == ("phone", "cw2@example.org", "received")


def test_a_planted_override_in_a_note_does_not_reorder_the_words_after_it(
        both: Staff, forms: dict[str, Any], browser: Any) -> None:
    """The note shares its line with the time after it: without its <bdi> the U+202E would run
    on and draw the time's digits backwards (checked: it fails with the <bdi> removed)."""
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    ws.store.add_note(reference, note="\u202eملاحظة Smith", at=ws.clock(), actor="cw@example.org")
    tab = signed_in_tab(browser, ws, 1280)
    try:
        for lang in ("ar", "en"):
            use_language(tab, ws.url, lang)
            tab.goto(f"{ws.url}/staff/submissions/{reference}")
            item = tab.locator(".timeline li", has_text="Smith")
            xs = item.evaluate(TIME_DIGITS_X)
            assert xs is not None and xs == sorted(xs), (lang, item.inner_text(), xs)
    finally:
        tab.context.close()


def two_pane_problems(tab: Any, url: str, reference: str, width: int, lang: str) -> list[str]:
    """From 1024 px the case sits beside the answers, its move button in view on a 1280x800
    screen without scrolling; on a phone the case (its actions) comes before the answers."""
    tab.set_viewport_size({"width": width, "height": 800 if width >= 1024 else 844})
    tab.goto(f"{url}/staff/submissions/{reference}")
    case, answers = tab.locator("#case").bounding_box(), tab.locator(".case-answers").bounding_box()
    button = tab.locator("#move-form button").bounding_box()
    where = f"{width}px case page {lang}"
    problems = []
    if width >= 1024:
        beside = case["x"] < answers["x"] if lang == "ar" else case["x"] > answers["x"]  # the case at the end
        if not beside or abs(case["y"] - answers["y"]) > 1:
            problems.append(f"{where}: the case is not beside the answers ({case}, {answers})")
        if button["y"] + button["height"] > 800:
            problems.append(f"{where}: the move button is below the first screen ({button})")
    elif case["y"] >= answers["y"]:
        problems.append(f"{where}: the case does not come first on a phone")
    reference_box = tab.locator("h1 .reference").bounding_box()
    if reference_box["height"] > 60:  # one line (it never breaks at its hyphen)
        problems.append(f"{where}: the reference wraps ({reference_box})")
    return problems


def test_the_case_pages_pass_axe_keyboard_and_390px_in_both_languages(both: Staff, forms: dict[str, Any],
                                                                      browser: Any) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    ws.store.add_note(reference, note="اتصلت بالمتقدم وطلبت تقريرا طبيا", at=ws.clock(), actor="cw@example.org")
    SEEN.clear()  # page_checks keeps each page's HTML: this test's pages are judged by vnu below
    problems: list[str] = []
    for width in (390, 1280):
        tab = signed_in_tab(browser, ws, width, email=f"admin{width}@example.org")
        try:
            for lang in ("ar", "en"):
                use_language(tab, ws.url, lang)
                for name, path in (("case", f"/staff/submissions/{reference}"),
                                   ("enter", "/staff/forms/help-request/enter")):
                    tab.goto(f"{ws.url}{path}")
                    where = f"{width}px {path} {lang}"
                    problems += page_checks(tab, where)
                    problems += keyboard_problems(tab, where)
                    screenshot(tab, SHOTS / f"{name}-{lang}-{width}.png", full_page=True)
                problems += two_pane_problems(tab, ws.url, reference, width, lang)
                # A refused change (a state that needs a note) shows its problem accessibly too.
                tab.goto(f"{ws.url}/staff/submissions/{reference}")
                tab.check("#to-waiting-for-applicant")
                tab.click("#move-form button")
                problems += page_checks(tab, f"{width}px refused move {lang}")
                tab.goto(f"{ws.url}/staff/forms/help-request/enter")
                tab.click("form.qalb-form button[type='submit']")
                problems += page_checks(tab, f"{width}px refused entry {lang}")
                screenshot(tab, SHOTS / f"enter-errors-{lang}-{width}.png", full_page=True)
        finally:
            tab.context.close()
    problems += vnu_errors_in_html(SEEN)  # valid HTML on every page this test visited
    assert not problems, "\n".join(problems)
