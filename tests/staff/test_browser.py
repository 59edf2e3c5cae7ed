"""The workspace in Debian's chromium against the real server, on SQLite and PostgreSQL:
the whole door, from `staff add` to signing in with a recovery code (codes typed in
Arabic-Indic and Persian digits), with JavaScript off; then axe, the keyboard and a 390 px screen on every page in both languages."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from tests.browser.site import FOCUSED, axe_violations, describe_violations, focus_problems
from tests.staff.conftest import PASSWORD, Staff, generator_cli, path_of
from tests.support.vnu import vnu_errors_in_html

EMAIL = "amal@example.org"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def sign_in(tab: Any, ws: Staff, code: str) -> None:
    tab.goto(f"{ws.url}/staff/sign-in")
    tab.fill("#email", EMAIL)
    tab.fill("#password", PASSWORD)
    tab.fill("#code", code)
    tab.click("form.stack button[type=submit]")


def sign_out(tab: Any) -> None:
    tab.click("form[action='/staff/sign-out'] button")
    tab.wait_for_url("**/staff/sign-in?**")


def test_staff_add_setup_sign_out_and_in_with_a_code_and_a_recovery_code(
        staff: Callable[..., Staff], browser: Any, forms_root: Path, store_url: str) -> None:
    ws = staff()
    made = generator_cli(forms_root, store_url, "staff", "add", EMAIL, "--name", "أمل", "--role", "admin",
                         staff_url=ws.url)
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip()
    assert link.startswith(f"{ws.url}/staff/setup/") and len(made.stdout.splitlines()) == 1

    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        tab.goto(link)
        assert tab.locator("html").get_attribute("lang") == "ar"
        assert tab.locator("html").get_attribute("dir") == "rtl"
        # A common password is refused, in Arabic.
        tab.fill("#password", "password1234")
        tab.fill("#password_confirm", "password1234")
        tab.fill("#code", "123456")
        tab.click("form.stack button[type=submit]")
        alert = tab.locator("[role=alert]").inner_text()
        assert "كلمة المرور هذه شائعة جدًا أو سهلة التخمين" in alert
        # The secret shown as text gives the code (the QR code holds the same secret).
        assert tab.locator(".qr svg title").count() == 1
        secret = tab.locator("#totp-secret").inner_text().replace(" ", "")
        tab.fill("#password", PASSWORD)
        tab.fill("#password_confirm", PASSWORD)
        tab.fill("#code", ws.code(secret).translate(ARABIC_INDIC))  # as an Arabic phone keyboard types it
        tab.click("form.stack button[type=submit]")
        codes = tab.locator("#recovery-codes code").all_inner_texts()
        assert len(codes) == 10 and len(set(codes)) == 10

        tab.click("text=تابع إلى مساحة العمل")
        assert "أهلًا، أمل" in tab.locator("h1").inner_text()
        sign_out(tab)
        # The link is spent.
        tab.goto(link)
        assert tab.locator("h1").inner_text() == "هذا الرابط لا يعمل"

        ws.clock.advance(seconds=30)  # a new code: the one used at setup cannot be used twice
        code = ws.code(secret).translate(PERSIAN)
        sign_in(tab, ws, f"{code[:3]} {code[3:]}")
        tab.wait_for_url(f"{ws.url}/staff/")
        sign_out(tab)

        sign_in(tab, ws, codes[0].lower().replace("-", " "))  # typed loosely
        tab.wait_for_url(f"{ws.url}/staff/")
        sign_out(tab)

        sign_in(tab, ws, codes[0])  # used: no longer works
        assert "البريد الإلكتروني أو كلمة المرور أو الرمز غير صحيح" in tab.locator("[role=alert]").inner_text()
        assert tab.url.startswith(f"{ws.url}/staff/sign-in")
    finally:
        context.close()

    actions = [entry["action"] for entry in ws.store.audit_entries()]
    assert actions == ["staff-account-add", "staff-setup-problem", "staff-setup", "staff-sign-in",
                       "staff-sign-out", "staff-setup-refused", "staff-sign-in", "staff-sign-out",
                       "staff-recovery-code-used", "staff-sign-in", "staff-sign-out", "staff-sign-in-failure"]
    assert all(PASSWORD not in entry["detail"] and codes[0] not in entry["detail"]
               for entry in ws.store.audit_entries())


#: The HTML of every staff page the checks visit, for the Nu HTML checker (issue 24).
SEEN: dict[str, str] = {}


#: Every text node of the page's body outside a `dir="ltr"` element (references, e-mail
#: addresses, phone numbers, codes: written as typed) and outside script and style.
TEXTS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('[dir="ltr"], script, style') || !node.textContent.trim()) continue;
    texts.push(node.textContent.trim());
  }
  return texts;
}"""


def digit_problems(tab: Any, where: str) -> list[str]:
    """On an Arabic page, numbers written in both Arabic-Indic and Western digits (issue 33:
    every number follows the organisation's `arabic_digits` the same way)."""
    if tab.locator("html").get_attribute("lang") != "ar":
        return []
    texts = tab.evaluate(TEXTS)
    western = [t for t in texts if any("0" <= c <= "9" for c in t)]
    eastern = [t for t in texts if any("\u0660" <= c <= "\u0669" for c in t)]
    if western and eastern:
        return [f"{where}: digits mixed: {western[:3]} beside {eastern[:3]}"]
    return []


def page_checks(tab: Any, where: str) -> list[str]:
    """axe, no horizontal scroll, lang/dir set, one kind of digits: what is wrong with the open page."""
    # A click that posts a form returns once the next page has started loading: judge it loaded.
    tab.wait_for_load_state("load")
    SEEN[where] = tab.content()
    problems = describe_violations(where, axe_violations(tab)) + digit_problems(tab, where)
    width = tab.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        problems.append(f"{where}: scrolls sideways ({width[0]} px wide in a {width[1]} px window)")
    lang = tab.locator("html").get_attribute("lang")
    if tab.locator("html").get_attribute("dir") != ("rtl" if lang == "ar" else "ltr"):
        problems.append(f"{where}: dir does not match lang {lang}")
    return problems


def keyboard_problems(tab: Any, where: str, stops: int = 12) -> list[str]:
    problems = []
    tab.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(stops):
        tab.keyboard.press("Tab")
        stop = tab.evaluate(FOCUSED)
        if stop is None:
            break
        problems += focus_problems(where, stop)
    return problems


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the pages do not depend on the backend
def test_every_page_in_both_languages_passes_axe_keyboard_and_390px(
        staff: Callable[..., Staff], browser: Any, forms: dict[str, Any]) -> None:
    from tests.staff.test_messages import failed_alert_and_webhook

    SEEN.clear()  # the inbox and case tests' page_checks add theirs too: check this test's pages only
    ws = staff()
    link = ws.add("admin@example.org")
    ws.add("worker@example.org", role="caseworker", forms=("enquiry",))
    failed_alert_and_webhook(ws, forms)  # rows in both tables of the messages page
    problems: list[str] = []
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 844})
        context.set_default_timeout(10_000)
        tab = context.new_page()
        try:
            for lang in ("ar", "en"):
                tab.goto(f"{ws.url}/staff/sign-in?lang={lang}")
                assert tab.locator("html").get_attribute("lang") == lang
                problems += page_checks(tab, f"{width}px sign-in {lang}")
                problems += keyboard_problems(tab, f"{width}px sign-in {lang}")
                tab.fill("#email", "nobody@example.org")
                tab.fill("#password", "wrong")
                tab.fill("#code", "000000")
                with tab.expect_navigation():
                    tab.click("form.stack button[type=submit]")
                problems += page_checks(tab, f"{width}px sign-in failed {lang}")
                tab.goto(f"{ws.url}/staff/setup/not-a-real-link?lang={lang}")
                problems += page_checks(tab, f"{width}px bad link {lang}")
            if width == 390:
                tab.goto(ws.url + path_of(link))
                problems += page_checks(tab, "390px setup ar")
                problems += keyboard_problems(tab, "390px setup ar")
                tab.fill("#password", "short")
                tab.fill("#password_confirm", "short")
                with tab.expect_navigation():
                    tab.click("form.stack button[type=submit]")
                problems += page_checks(tab, "390px setup with problems ar")
                secret = tab.locator("#totp-secret").inner_text().replace(" ", "")
                tab.fill("#password", PASSWORD)
                tab.fill("#password_confirm", PASSWORD)
                tab.fill("#code", ws.code(secret))
                with tab.expect_navigation():
                    tab.click("form.stack button[type=submit]")
                problems += page_checks(tab, "390px recovery codes ar")
            else:
                ws.clock.advance(seconds=30)
                tab.goto(f"{ws.url}/staff/sign-in")
                tab.fill("#email", "admin@example.org")
                tab.fill("#password", PASSWORD)
                tab.fill("#code", ws.code(secret))
                with tab.expect_navigation():
                    tab.click("form.stack button[type=submit]")
            for lang in ("ar", "en"):
                tab.goto(f"{ws.url}/staff/")
                if tab.locator("html").get_attribute("lang") != lang:
                    with tab.expect_navigation():
                        tab.click("form[action='/staff/language'] button")
                    tab.wait_for_load_state()
                assert tab.locator("html").get_attribute("lang") == lang
                for path in ("/staff/", "/staff/accounts", "/staff/audit", "/staff/audit?action=staff-sign-in",
                             "/staff/messages", "/staff/messages?retried=1", "/staff/account",
                             "/staff/account?saved=1", "/staff/no-such-page"):
                    tab.goto(ws.url + path)
                    problems += page_checks(tab, f"{width}px {path} {lang}")
                    problems += keyboard_problems(tab, f"{width}px {path} {lang}")
                tab.goto(f"{ws.url}/staff/accounts")
                tab.click("form[action$='/reset'] button")  # shows a new setup link
                problems += page_checks(tab, f"{width}px accounts with a link {lang}")
                # Password and sessions, and an account's edit page, each with a problem shown (issue 32).
                tab.goto(f"{ws.url}/staff/account/security")
                tab.fill("#current-password", "not the password")
                with tab.expect_navigation():
                    tab.click("form[action='/staff/account/password'] button")
                problems += page_checks(tab, f"{width}px password problem {lang}")
                admin = ws.store.account(email="admin@example.org").id
                tab.goto(f"{ws.url}/staff/accounts/{admin}")  # the last admin made a viewer: refused
                tab.check("#role-viewer")
                with tab.expect_navigation():
                    tab.click("form.stack button[type=submit]")
                problems += page_checks(tab, f"{width}px last admin {lang}")
                ws.store.update_account(admin, failures=0, locked_until=None)  # the wrong passwords above
        finally:
            context.close()
    problems += vnu_errors_in_html(SEEN)  # valid HTML on every staff page visited
    assert not problems, "\n".join(problems)
