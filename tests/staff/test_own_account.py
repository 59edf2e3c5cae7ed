"""Each person's password, sessions and recovery codes; the admins' edits of an account; the
e-mail of each change through the outbox to a real SMTP server. Over HTTP against the real
server, on SQLite and PostgreSQL (issue 32, item 7)."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Callable

import httpx

from generator.core.organisation import Settings as Organisation
from generator.notify.sender import Sender, context_for
from generator.staff.accounts import digest, normalise_code
from generator.submissions.db.outbox import Outcome
from tests.notify.conftest import SmtpServer, notify_settings
from tests.notify.helpers import send_all
from tests.staff.conftest import PASSWORD, Staff, csrf, generator_cli, recovery_codes

NEW_PASSWORD = "walnut harbour seventeen kites"
PHONE = "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Firefox/131.0"
SECURITY = "/staff/account/security"


def post(client: httpx.Client, path: str, data: dict[str, Any], page: str = SECURITY) -> httpx.Response:
    """A form post with the token of the page it is on (the page's hidden field)."""
    return client.post(path, data={"csrftoken": csrf(client.get(page).text), **data})


def account_mail(ws: Staff) -> list[tuple[str, str, str]]:
    """(recipient, language, event) of each queued message about an account."""
    return [(m.recipient, m.language, json.loads(m.detail)["event"])
            for m in ws.store.outbox_messages(kind="staff-account")]


def test_a_password_change_needs_the_current_one_and_ends_every_other_session(
        staff: Callable[..., Staff], tmp_path: Path) -> None:
    ws = staff(notify_email=True)
    with ws.client() as here, ws.client() as phone:
        phone.headers["user-agent"] = PHONE
        secret, _ = ws.set_up(here, ws.add("huda@example.org"))
        ws.clock.advance(seconds=30)
        assert ws.sign_in(phone, "huda@example.org", ws.code(secret)).status_code == 303
        page = here.get(SECURITY)
        assert page.status_code == 200 and page.text.count('name="session"') == 2
        assert "Firefox" in page.text and "Android" in page.text and "هذه الجلسة" in page.text

        wrong = post(here, "/staff/account/password", {"current_password": "not it", "password": NEW_PASSWORD,
                                                       "password_confirm": NEW_PASSWORD})
        assert wrong.status_code == 400 and "كلمة مرورك الحالية غير صحيحة" in wrong.text
        weak = post(here, "/staff/account/password", {"current_password": PASSWORD, "password": "password1234",
                                                      "password_confirm": "password1234"})
        assert weak.status_code == 400 and "كلمة المرور هذه شائعة جدًا أو سهلة التخمين" in weak.text
        assert ws.store.account(email="huda@example.org").failures == 1  # a wrong current password counts

        done = post(here, "/staff/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                      "password_confirm": NEW_PASSWORD})
        assert done.status_code == 303 and done.headers["location"] == f"{SECURITY}?done=password"
        assert here.get(SECURITY).text.count('name="session"') == 1  # this one stays
        assert phone.get("/staff/").status_code == 303  # the other ended
    ws.clock.advance(seconds=30)
    with ws.client() as again:
        assert ws.sign_in(again, "huda@example.org", ws.code(secret)).status_code == 400  # the old password
        ws.clock.advance(seconds=30)
        assert ws.sign_in(again, "huda@example.org", ws.code(secret), password=NEW_PASSWORD).status_code == 303
    assert [e["detail"] for e in ws.audit("staff-password-refused")] == ["current password wrong", "password-weak"]
    assert ws.audit("staff-password-change")[0]["detail"] == "other sessions ended=1"
    assert all(PASSWORD not in e["detail"] and NEW_PASSWORD not in e["detail"] for e in ws.store.audit_entries())

    # The e-mails of the setup and the change go out through the outbox, in the account's language.
    assert account_mail(ws) == [("huda@example.org", "ar", "setup"), ("huda@example.org", "ar", "password")]
    smtp = SmtpServer().start()
    try:
        settings = notify_settings(ws.settings.root, ws.settings.database_url, smtp.url)
        org = Organisation(site_url="https://qalb.example/", organisation={"name": {"ar": "جمعية قلب", "en": "Qalb"}})
        sender = Sender(ws.store, context_for(settings, ws.forms, org), settings, clock=ws.clock)
        try:
            assert send_all(sender) == 2
        finally:
            sender.close()
        received = smtp.mailbox.wait_for(2)
    finally:
        smtp.stop()
    subjects = sorted(str(m["Subject"]) for m in received)
    assert subjects == sorted(["حسابك في مساحة عمل الموظفين جاهز", "تغيّرت كلمة مرورك في مساحة عمل الموظفين"])
    for raw in smtp.mailbox.raw:
        assert PASSWORD.encode() not in raw and NEW_PASSWORD.encode() not in raw and secret.encode() not in raw
    body = next(m for m in received if "كلمة مرورك" in str(m["Subject"])).get_body(("plain",)).get_content()
    assert "https://staff.qalb.example/staff/account/security" in body
    assert {m.status for m in ws.store.outbox_messages(kind="staff-account")} == {"sent"}


def test_each_session_is_listed_and_can_be_ended_but_not_another_accounts(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with ws.client() as here, ws.client() as phone, ws.client() as other:
        phone.headers["user-agent"] = PHONE
        secret, _ = ws.set_up(here, ws.add("rana@example.org"))
        ws.set_up(other, ws.add("omar@example.org", role="caseworker", forms=("enquiry",)))
        ws.clock.advance(seconds=30)
        ws.sign_in(phone, "rana@example.org", ws.code(secret))
        page = here.get(SECURITY).text
        handles = re.findall(r'name="session" value="([0-9a-f]{24})"', page)
        assert len(handles) == 2
        phone_handle = next(h for h in handles if h not in re.findall(  # the row without "this session"
            r'هذه الجلسة.*?name="session" value="([0-9a-f]{24})"', page, re.S))
        # Another account cannot end it (nothing of theirs has that handle).
        assert post(other, "/staff/account/sessions/end", {"session": phone_handle}).status_code == 303
        assert phone.get("/staff/").status_code == 200
        ended = post(here, "/staff/account/sessions/end", {"session": phone_handle})
        assert ended.status_code == 303 and ended.headers["location"] == f"{SECURITY}?done=session"
        assert phone.get("/staff/").status_code == 303
        mine = re.findall(r'name="session" value="([0-9a-f]{24})"', here.get(SECURITY).text)
        out = post(here, "/staff/account/sessions/end", {"session": mine[0]})
        assert out.status_code == 303 and out.headers["location"].startswith("/staff/sign-in")
        assert here.get("/staff/").status_code == 303
    assert [e["detail"] for e in ws.audit("staff-session-end")] == ["another session", "this session"]


def test_recovery_codes_have_120_bits_new_ones_replace_them_and_80_bit_ones_still_work(
        staff: Callable[..., Staff]) -> None:
    ws = staff(notify_email=True)
    with ws.client() as client:
        secret, codes = ws.set_up(client, ws.add("salma@example.org"))
        assert all(len(normalise_code(code)) == 24 for code in codes)  # 24 base32 letters: 120 bits
        account = ws.store.account(email="salma@example.org")
        refused = post(client, "/staff/account/recovery-codes", {"current_password": "wrong"})
        assert refused.status_code == 400 and 'id="codes-problem"' in refused.text
        renewed = post(client, "/staff/account/recovery-codes", {"current_password": PASSWORD})
        assert renewed.status_code == 200
        new_codes = recovery_codes(renewed.text)
        assert len(set(new_codes)) == 10 and not set(new_codes) & set(codes)
    with ws.client() as client:
        assert ws.sign_in(client, "salma@example.org", codes[0]).status_code == 400  # replaced
        assert ws.sign_in(client, "salma@example.org", new_codes[0]).status_code == 303
    # A code of the 80 bits made before this release (16 letters) keeps working until replaced.
    old = "ABCD-EFGH-IJKL-MNOP"
    ws.store.replace_recovery_codes(account.id, [digest(normalise_code(old))])
    with ws.client() as client:
        assert ws.sign_in(client, "salma@example.org", old.lower()).status_code == 303
    assert [event for _to, _lang, event in account_mail(ws)] == ["setup", "codes"]
    assert len(ws.audit("staff-recovery-codes-new")) == 1
    # One that fails for good is listed on the messages page by its kind, with no submission to link to.
    claimed = ws.store.claim_outbox("test", ws.clock(), dt.timedelta(seconds=30), 1)
    ws.store.finish_outbox("test", [Outcome(claimed[0].id, "failed", error="SMTPRecipientsRefused 550")], ws.clock())
    with ws.client() as client:
        ws.clock.advance(seconds=30)
        assert ws.sign_in(client, "salma@example.org", ws.code(secret)).status_code == 303
        listed = client.get("/staff/messages").text
    assert "تغيير في حساب موظف، أُبلغ به صاحبه" in listed and 'href="/staff/submissions/"' not in listed


def test_admins_edit_name_role_and_forms_and_enable_again_audited_before_and_after(
        staff: Callable[..., Staff]) -> None:
    ws = staff(notify_email=True)
    with ws.client() as admin, ws.client() as worker:
        ws.set_up(admin, ws.add("lead@example.org"))
        worker_secret, _ = ws.set_up(worker, ws.add("noor@example.org", role="viewer"))
        target = ws.store.account(email="noor@example.org")
        page = f"/staff/accounts/{target.id}"
        form = admin.get(page)
        assert form.status_code == 200 and 'value="viewer" checked' in form.text
        assert worker.get(page).status_code == 404  # admins only
        bad = post(admin, f"{page}/edit", {"name": "نور", "role": "owner"}, page=page)
        assert bad.status_code == 400 and ws.store.account(id=target.id).role == "viewer"
        assert post(admin, f"{page}/edit", {"name": "a\x00b", "role": "viewer"}, page=page).status_code == 400
        assert admin.get(f"/staff/accounts/{2 ** 64}").status_code == 404  # too large for either database
        assert post(admin, f"/staff/accounts/{2 ** 64}/enable", {}, page="/staff/accounts").status_code == 404
        saved = post(admin, f"{page}/edit", {"name": "نور الهدى", "role": "caseworker", "forms": ["enquiry"]},
                     page=page)
        assert saved.status_code == 303
        now = ws.store.account(id=target.id)
        assert (now.name, now.role, now.forms) == ("نور الهدى", "caseworker", ("enquiry",))
        assert worker.get("/staff/forms/enquiry/").status_code == 200  # the same session, the new role
        assert post(admin, f"{page}/disable", {}, page="/staff/accounts").status_code == 303
        assert "تفعيل" in admin.get("/staff/accounts").text
        assert post(admin, f"{page}/enable", {}, page="/staff/accounts").status_code == 303
        assert not ws.store.account(id=target.id).disabled
    edit = ws.audit("staff-account-edit")
    assert [e["actor"] for e in edit] == ["lead@example.org"]
    assert edit[0]["detail"] == ('noor@example.org before={"name": "Test viewer", "role": "viewer", "forms": []} '
                                 'after={"name": "نور الهدى", "role": "caseworker", "forms": ["enquiry"]}')
    assert [e["detail"] for e in ws.audit("staff-account-enable")] == ["noor@example.org before=disabled after=enabled"]
    assert [(to, event) for to, _lang, event in account_mail(ws)][-2:] == [
        ("noor@example.org", "disabled"), ("noor@example.org", "enabled")]
    ws.clock.advance(seconds=30)
    with ws.client() as worker:  # enabled: the password and second factor work as before
        assert ws.sign_in(worker, "noor@example.org", ws.code(worker_secret)).status_code == 303


def test_the_last_enabled_admin_can_be_neither_disabled_nor_demoted(
        staff: Callable[..., Staff], forms_root: Path, store_url: str) -> None:
    ws = staff()
    with ws.client() as admin:
        ws.set_up(admin, ws.add("first@example.org"))
        ws.add("pending@example.org")  # an admin still being set up cannot sign in: not counted
        me = ws.store.account(email="first@example.org")
        page = f"/staff/accounts/{me.id}"
        demoted = post(admin, f"{page}/edit", {"name": "First", "role": "viewer"}, page=page)
        assert demoted.status_code == 409 and 'id="edit-problem"' in demoted.text
        disabled = post(admin, f"{page}/disable", {}, page="/staff/accounts")
        assert disabled.status_code == 409 and "آخر مشرف" in disabled.text
        assert ws.store.account(id=me.id).role == "admin" and not ws.store.account(id=me.id).disabled
        cli = generator_cli(forms_root, store_url, "staff", "disable", "first@example.org")
        assert cli.returncode == 1 and "last enabled admin" in cli.stderr
        assert not ws.store.account(id=me.id).disabled
        with ws.client() as second:  # with another admin who can sign in, it can
            ws.set_up(second, ws.add("second@example.org"))
            assert post(second, f"{page}/disable", {}, page="/staff/accounts").status_code == 303
        assert ws.store.account(id=me.id).disabled
    assert ws.audit("staff-account-edit") == []
    assert [e["actor"] for e in ws.audit("staff-account-disable")] == ["second@example.org"]


def test_the_device_is_read_from_a_few_families_of_user_agent() -> None:
    from generator.staff.devices import device

    assert device(PHONE) == "Firefox,Android"
    assert device("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0") == "Edge,Windows"
    assert device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                  "Version/17.5 Mobile/15E148 Safari/604.1") == "Safari,iPhone"
    assert device("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Safari/537.36") == "Chrome,macOS"
    assert device("curl/8.5.0") == ","


def test_every_role_has_its_words_in_both_languages() -> None:
    from generator.staff.roles import ROLES
    from generator.staff.templates import role_names

    for lang in ("ar", "en"):
        names = role_names(lang)
        assert set(names) == set(ROLES) and all(name and what for name, what in names.values())
