"""The print for the committee (issue 33, item 8) in Debian's chromium against the real server,
SQLite and PostgreSQL: the answers, the case's state, assignee and reasons, the timeline with
its notes, staff by name (never their e-mail addresses), in Arabic and in English, printed to
PDF on A4; each reading audited."""
from __future__ import annotations

import re
from typing import Any

from generator.staff.sessions import COOKIE
from tests.staff.conftest import Staff, csrf
from tests.staff.test_browser import page_checks
from tests.staff.test_casework import move
from tests.staff.test_inbox import MOBILE
from tests.support.samples import submit

CW = "cw@example.org"
CW_NAME = "نورة القحطاني"
NOTE = "نحتاج تقريرا طبيا حديثا"
A4 = (595.28, 841.89)  # points
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")


def test_the_committee_print_in_both_languages_on_a4_with_notes_and_names(both: Staff, forms: dict[str, Any],
                                                                         browser: Any) -> None:
    ws = both
    workflow = forms["help-request"].workflow
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    link = ws.workspace.accounts.add(CW, name=CW_NAME, role="caseworker", forms=["help-request"],
                                     known_forms=sorted(forms), by="test")
    with ws.client() as client:
        ws.set_up(client, link)
        assert move(client, reference, "under-study").status_code == 303
        assert move(client, reference, "waiting-for-applicant", note=NOTE).status_code == 303
        page = client.get(f"/staff/submissions/{reference}").text
        version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
        assert client.post(f"/staff/submissions/{reference}/assign", data={
            "csrftoken": csrf(page), "version": version, "assignee": CW}).status_code == 303
        assert f'href="/staff/submissions/{reference}/committee"' in page
        session = client.cookies[COOKIE]
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        context.add_cookies([{"name": COOKIE, "value": session, "url": ws.url}])
        tab = context.new_page()
        problems: list[str] = []
        try:
            for lang in ("ar", "en"):
                if lang == "en":
                    client.post("/staff/language", data={"csrftoken": csrf(page), "lang": "en", "next": "/staff/"})
                tab.goto(f"{ws.url}/staff/submissions/{reference}/committee")
                html = tab.locator("html")
                assert html.get_attribute("lang") == lang
                assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
                assert tab.locator("#committee-state").inner_text() == workflow.state(
                    "waiting-for-applicant").name[lang]
                assert tab.locator("#committee-assignee").inner_text() == CW_NAME
                notes = tab.locator(".timeline__note").all_inner_texts()
                assert notes == [NOTE]
                assert set(tab.locator(".timeline__actor").all_inner_texts()) == {CW_NAME}
                body = tab.locator("body").inner_text()
                assert CW not in body and "top__nav" not in tab.content()
                problems += page_checks(tab, f"committee print {lang}")  # axe, lang/dir, no sideways scroll
                pdf = tab.pdf(prefer_css_page_size=True, print_background=True)
                boxes = {(round(float(w), 1), round(float(h), 1)) for w, h in MEDIA_BOX.findall(pdf)}
                assert boxes and all(abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2 for w, h in boxes), boxes
        finally:
            context.close()
    assert not problems, "\n".join(problems)
    assert [e["detail"] for e in ws.audit("staff-print-committee")] == [reference, reference]
    assert NOTE not in str(ws.store.audit_entries())
