"""/staff/audit over HTTP on both backends: every action has its name in both languages,
the page pages through the whole log newest first (keyset) with filters that hold over
any range, and says who, what and when in words; refusals to people not signed in
(unknown setup links, posts without their token) are one counted row per client and
minute, never one row each. The browser checks are in test_browser.py."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from generator.core import i18n
from generator.staff import audit_words
from generator.submissions import audit
from tests.staff.conftest import PASSWORD, Staff, csrf
from tests.support.shots import screenshot

ADMIN = "rana@example.org"


@contextlib.contextmanager
def signed_in_admin(ws: Staff) -> Iterator[httpx.Client]:
    with ws.client() as client:
        ws.set_up(client, ws.add(ADMIN))
        yield client


def shown_rows(page: str) -> list[str]:
    """The table's rows, tags stripped."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr>")[1:]]


def older_link(page: str) -> str | None:
    match = re.search(r'<a href="([^"]+)" rel="next">', page)
    return match[1].replace("&amp;", "&") if match else None


def test_every_action_actor_and_detail_word_has_its_name_in_both_languages() -> None:
    missing = sorted(set(audit.ACTIONS) - set(audit_words.ACTION_NAMES))
    assert not missing, f"audit actions without a name in generator/staff/audit_words.py: {missing}"
    assert not set(audit_words.ACTION_NAMES) - set(audit.ACTIONS), "names of actions that no longer exist"
    for registry in (audit_words.ACTION_NAMES, audit_words.ACTORS, audit_words.DETAIL_KEYS,
                     audit_words.DETAIL_VALUES, audit_words.PHRASES):
        for message in registry.values():
            assert i18n.gettext("ar", message) != message, f"no Arabic for {message!r}"
    names = [i18n.gettext("ar", m) for m in audit_words.ACTION_NAMES.values()]
    assert len(set(names)) == len(names), "two actions with one Arabic name"


def test_the_log_pages_through_everything_newest_first_with_filters_over_any_range(
        staff: Callable[..., Staff]) -> None:
    ws = staff()
    with signed_in_admin(ws) as admin:
        start = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.timezone.utc)
        for i in range(130):  # three days of rows, one action in three a token export
            action = "http-export" if i % 3 == 0 else "staff-view"
            audit.record(ws.store, who="token:x" if action == "http-export" else ADMIN, action=action,
                         form_id="enquiry", rows=i, detail="" if action == "http-export" else f"REF{i:02d}-00000",
                         now=start + dt.timedelta(hours=i * 0.5))
        total = len(ws.store.audit_entries())

        def walk(url: str) -> list[str]:
            seen, pages = [], 0
            next_url: str | None = url
            while next_url:
                page = admin.get(next_url)
                assert page.status_code == 200
                rows = shown_rows(page.text)
                assert len(rows) <= 50
                seen += rows
                next_url, pages = older_link(page.text), pages + 1
                assert pages < 20
            return seen

        everything = walk("/staff/audit")
        assert len(everything) == total  # nothing left out, nothing twice
        views = [row for row in everything if "REF" in row]
        assert [int(re.search(r"REF(\d+)", row)[1]) for row in views] == sorted(  # type: ignore[index]
            (i for i in range(130) if i % 3), reverse=True)  # newest first
        exports = walk("/staff/audit?action=http-export")  # one action, over all three pages of the log
        assert len(exports) == 44
        assert all(i18n.gettext("ar", audit_words.ACTION_NAMES["http-export"]) in row for row in exports)
        # A local day (Riyadh, UTC+3): 2025-01-02 00:00 is 2025-01-01 21:00 UTC; rows every half hour.
        day = walk("/staff/audit?action=staff-view&from=٢٠٢٥-٠١-٠٢&to=2025-01-02")
        expected = [i for i in range(130) if i % 3 and
                    dt.datetime(2025, 1, 1, 21, tzinfo=dt.timezone.utc) <= start + dt.timedelta(hours=i * 0.5)
                    < dt.datetime(2025, 1, 2, 21, tzinfo=dt.timezone.utc)]
        assert [int(re.search(r"REF(\d+)", row)[1]) for row in day] == expected[::-1]  # type: ignore[index]
        # A page further back is the same query: a `before` from elsewhere is only a bound.
        assert len(shown_rows(admin.get("/staff/audit", params={"before": "٥"}).text)) == 4
        assert admin.get("/staff/audit", params={"before": "9" * 40}).status_code == 200


def test_the_log_reads_in_words(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with signed_in_admin(ws) as admin:
        at = dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.timezone.utc)  # 23:30 in Riyadh, 1 March
        for who, action, form_id, detail in (
                (ADMIN, "staff-view", "enquiry", "ABCDE-12345"),
                ("root", "purge", "enquiry", ""),
                ("token:reports", "http-export", "gone-form", ""),
                ("status-page", "status-lookup", "enquiry", "reference=ABCDE-12345 result=found"),
                ("unknown", "staff-sign-in-failure", None, "no such account client=192.0.2.7")):
            audit.record(ws.store, who=who, action=action, form_id=form_id, rows=1, detail=detail, now=at)
        for lang in ("ar", "en"):
            if lang == "en":
                page = admin.get("/staff/")
                admin.post("/staff/language", data={"csrftoken": csrf(page.text), "lang": "en", "next": "/staff/"})
            page = admin.get("/staff/audit").text

            def word(message: str, lang: str = lang, **params: Any) -> str:
                return i18n.gettext(lang, message, **params)

            switched = word("Changed the workspace language")
            rows = [row for row in shown_rows(page) if switched not in row][:5][::-1]  # the five above, oldest first

            when = i18n.format_date(dt.date(2026, 3, 1), lang, ws.workspace.digits)
            hijri = i18n.format_hijri(dt.date(2026, 3, 1), lang, ws.workspace.digits)
            assert all(when in row and hijri in row for row in rows)
            assert i18n.localise_digits("23:30", lang, ws.workspace.digits) in rows[0]
            assert rows[0].startswith(f"{when} ") and "Test admin" in rows[0] and ADMIN not in rows[0]
            assert word("Opened a submission") in rows[0] and word("Reference") in rows[0]
            assert word("Command line (user %(user)s)", user="root") in rows[1]
            assert word("Deleted submissions past their keeping period") in rows[1]
            assert word("Export token %(name)s", name="reports") in rows[2] and "gone-form" in rows[2]
            assert word("The public (“Where is my request?”)") in rows[3] and word("found") in rows[3]
            assert word("Someone not signed in") in rows[4] and word("no such account") in rows[4]
            assert f'{word("Connection address")}: 192.0.2.7' in rows[4]
            # The reference is a link to its submission where the form is one the reader may see.
            assert page.count('<a href="/staff/submissions/ABCDE-12345">') == 2
            table = page.split("<tbody>", 1)[1]
            assert "staff-view" not in table and "token:reports" not in table  # codes only in the filter's values


def test_refusals_to_people_not_signed_in_are_counted_not_written_one_by_one(staff: Callable[..., Staff]) -> None:
    ws = staff(sign_in_limit=(100, 60.0))
    with ws.client() as client:
        for i in range(40):  # unknown setup links, and posts without their token
            assert client.get(f"/staff/setup/guess-{i}").status_code == 404
            assert client.post("/staff/accounts", data={"email": f"x{i}@example.org"}).status_code == 403
        ws.clock.advance(minutes=1)
        assert client.get("/staff/setup/guess-again").status_code == 404
    rows = ws.store.audit_page()
    assert [(r["action"], r["actor"], r["count"]) for r in rows] == [
        ("staff-setup-refused", "unknown", 1), ("staff-csrf-refused", "unknown", 40),
        ("staff-setup-refused", "unknown", 40)]
    assert rows[2]["detail"] == "link unknown client=127.0.0.1"
    with signed_in_admin(ws) as admin:
        page = admin.get("/staff/audit", params={"action": "staff-csrf-refused"}).text
        assert i18n.gettext("ar", "%(count)s times in this minute",
                            count=i18n.localise_digits("40", "ar", ws.workspace.digits)) in page


def test_setup_link_pages_count_against_the_sign_in_limit(staff: Callable[..., Staff]) -> None:
    ws = staff(sign_in_limit=(5, 60.0))
    with ws.client() as client:
        codes = [client.get(f"/staff/setup/guess-{i}").status_code for i in range(6)]
        assert codes == [404] * 5 + [429]
        page = client.get("/staff/sign-in")
        refused = client.post("/staff/sign-in", data={"csrftoken": csrf(page.text), "email": "a@example.org",
                                                      "password": "x" * 12, "code": "123456"})
        assert refused.status_code == 429
        ws.clock.advance(minutes=1)  # the minute of the first five is still within the last 60 seconds
        assert client.get("/staff/setup/guess-more").status_code == 429
        ws.clock.advance(minutes=1)
        assert client.get("/staff/setup/guess-more").status_code == 404


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the page does not depend on the backend
def test_the_audit_page_in_chromium_at_390_and_1280_px_in_both_languages(
        staff: Callable[..., Staff], browser: Any, tmp_path: Path) -> None:
    from tests.staff.test_browser import keyboard_problems, page_checks
    from tests.support.vnu import vnu_errors_in_html

    ws = staff()
    with ws.client() as client:
        secret, _ = ws.set_up(client, ws.add(ADMIN))
    at = ws.clock() - dt.timedelta(days=2)
    for i in range(55):  # more than a page
        audit.record(ws.store, who=ADMIN, action="staff-view", form_id="enquiry", rows=1,
                     detail=f"ABCDE-{i:05d}", now=at + dt.timedelta(minutes=i))
    audit.record(ws.store, who="status-page", action="status-lookup", form_id="enquiry", rows=1,
                 detail="reference=ABCDE-00001 result=found", now=at)
    for _ in range(7):
        audit.refused(ws.store, who="unknown", action="staff-csrf-refused", client="192.0.2.7",
                      detail="POST /staff/accounts", now=ws.clock())
    ws.clock.advance(seconds=30)
    seen: dict[str, str] = {}
    problems: list[str] = []
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 844})
        context.set_default_timeout(10_000)
        tab = context.new_page()
        try:
            tab.goto(f"{ws.url}/staff/sign-in")
            tab.fill("#email", ADMIN)
            tab.fill("#password", PASSWORD)
            tab.fill("#code", ws.code(secret))
            with tab.expect_navigation():
                tab.click("form.stack button[type=submit]")
            ws.clock.advance(seconds=30)  # the next sign-in needs a new code
            for lang in ("ar", "en"):
                if tab.locator("html").get_attribute("lang") != lang:
                    with tab.expect_navigation():
                        tab.click("form[action='/staff/language'] button")
                tab.goto(f"{ws.url}/staff/audit")
                assert tab.locator("html").get_attribute("lang") == lang
                where = f"{width}px audit {lang}"
                seen[where] = tab.content()  # before axe's script is added to it
                problems += page_checks(tab, where) + keyboard_problems(tab, where)
                screenshot(tab, tmp_path / f"audit-{width}-{lang}.png")  # to look at: --basetemp
                assert tab.locator("#audit tbody tr").count() == 50
                with tab.expect_navigation():
                    tab.click("a[rel=next]")
                if (width, lang) == (390, "ar"):  # one of each page more is enough for axe and the Nu checker
                    seen["390px audit older ar"] = tab.content()
                    problems += page_checks(tab, "390px audit older ar")
                assert tab.locator("#audit tbody tr").count() > 0 and tab.locator("a[rel=next]").count() == 0
                # The filters, with a day typed in Arabic-Indic digits
                tab.goto(f"{ws.url}/staff/audit")
                tab.select_option("#action", "staff-view")
                day = (at.astimezone(ws.workspace.zone)).date().isoformat().translate(
                    str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
                tab.fill("#from", day)
                with tab.expect_navigation():
                    tab.click("form.filters button[type=submit]")
                if (width, lang) == (1280, "en"):
                    seen["1280px audit filtered en"] = tab.content()
                    problems += page_checks(tab, "1280px audit filtered en")
                assert tab.locator("#audit tbody tr").count() == 50
                assert tab.locator("#audit tbody a[href^='/staff/submissions/ABCDE-']").count() == 50
            tab.goto(f"{ws.url}/staff/")
            with tab.expect_navigation():
                tab.click("form[action='/staff/language'] button")  # back to Arabic for the next width
        finally:
            context.close()
    problems += vnu_errors_in_html(seen)
    assert not problems, "\n".join(problems)
