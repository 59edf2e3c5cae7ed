"""The password change, the sessions page, new recovery codes and an admin's edit of an
account, done in Debian's chromium against the real server (issue 32, item 7). axe, the
Nu checker, both languages and both widths for these pages: test_browser.py's every-page test."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from tests.staff.conftest import PASSWORD, Staff

NEW_PASSWORD = "walnut harbour seventeen kites"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the pages do not depend on the backend
def test_change_password_end_a_session_renew_codes_and_edit_an_account_in_the_browser(
        staff: Callable[..., Staff], browser: Any) -> None:
    ws = staff()
    with ws.client() as client:
        secret, _ = ws.set_up(client, ws.add("amal@example.org"))  # this session is ended from the browser
    ws.add("worker@example.org", role="viewer")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        ws.clock.advance(seconds=30)
        tab.goto(f"{ws.url}/staff/sign-in")
        tab.fill("#email", "amal@example.org")
        tab.fill("#password", PASSWORD)
        tab.fill("#code", ws.code(secret))
        with tab.expect_navigation():
            tab.click("form.stack button[type=submit]")
        tab.click("text=كلمة المرور والجلسات")
        rows = tab.locator("#sessions > li")
        assert rows.count() == 2 and "هذه الجلسة" in rows.nth(0).inner_text()  # newest first
        with tab.expect_navigation():
            rows.nth(1).locator("button").click()  # the other session (setup's) ends
        assert tab.locator("#done").inner_text() == "انتهت الجلسة."
        assert tab.locator("#sessions > li").count() == 1

        tab.fill("#current-password", PASSWORD)
        tab.fill("#password", NEW_PASSWORD)
        tab.fill("#password_confirm", NEW_PASSWORD + "!")
        with tab.expect_navigation():
            tab.click("form[action='/staff/account/password'] button")
        assert "كلمتا المرور غير متطابقتين" in tab.locator("#password-problem").inner_text()
        tab.fill("#current-password", PASSWORD)
        tab.fill("#password", NEW_PASSWORD)
        tab.fill("#password_confirm", NEW_PASSWORD)
        with tab.expect_navigation():
            tab.click("form[action='/staff/account/password'] button")
        assert "تغيّرت كلمة مرورك" in tab.locator("#done").inner_text()

        # New recovery codes, in two columns read from the right in Arabic: 1-5 right, 6-10 left.
        tab.fill("#codes-password", NEW_PASSWORD)
        with tab.expect_navigation():
            tab.click("form[action='/staff/account/recovery-codes'] button")
        codes = tab.locator("#recovery-codes li")
        assert codes.count() == 10
        # All ten measured at once, once the fonts are in: ten round trips could straddle a font's swap.
        boxes = tab.evaluate("""async () => { await document.fonts.ready;
            return [...document.querySelectorAll('#recovery-codes li')].map(li => {
                const r = li.getBoundingClientRect(); return {x: r.x, y: r.y}; }); }""")
        assert all(box["x"] > boxes[5]["x"] + 100 for box in boxes[:5])  # the first column on the right
        assert [round(box["y"]) for box in boxes[:5]] == [round(box["y"]) for box in boxes[5:]]
        assert all(boxes[i]["y"] < boxes[i + 1]["y"] for i in range(4))

        # An admin edits the viewer: the name, the role and a form.
        tab.goto(f"{ws.url}/staff/accounts")
        tab.locator("tr", has_text="worker@example.org").locator("a", has_text="تعديل").click()
        tab.fill("#edit-name", "سارة")
        tab.check("#role-caseworker")
        tab.check("#form-enquiry")
        with tab.expect_navigation():
            tab.click("form.stack button[type=submit]")
        assert tab.url == f"{ws.url}/staff/accounts"
        assert "سارة" in tab.locator("tr", has_text="worker@example.org").inner_text()
    finally:
        context.close()
    worker = ws.store.account(email="worker@example.org")
    assert (worker.name, worker.role, worker.forms) == ("سارة", "caseworker", ("enquiry",))
    assert [e["action"] for e in ws.store.audit_entries()][-4:] == [
        "staff-password-refused", "staff-password-change", "staff-recovery-codes-new", "staff-account-edit"]
