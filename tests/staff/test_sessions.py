"""Sign-in, sessions, locks, CSRF and cookies over HTTP against the real server (both backends)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import pytest

from generator.staff.audit_words import ACTION_NAMES, said
from tests.staff.conftest import PASSWORD, Staff, csrf, path_of


def test_common_password_refused_and_setup_link_single_use(staff: Callable[..., Staff]) -> None:
    ws = staff()
    link = ws.add("amal@example.org")
    path = path_of(link)
    with ws.client() as client:
        page = client.get(path)
        assert page.status_code == 200
        for weak in ("password1234", "qwertyuiop123", "amal@example.org1"):
            refused = client.post(path, data={"csrftoken": csrf(page.text), "password": weak,
                                              "password_confirm": weak, "code": "000000"})
            assert refused.status_code == 400
            assert "كلمة المرور هذه شائعة جدًا أو سهلة التخمين" in refused.text
        assert ws.store.account(email="amal@example.org").password_hash is None
        ws.set_up(client, link)
        again = client.get(path)
        assert again.status_code == 404 and "هذا الرابط لا يعمل" in again.text
    assert [e["detail"] for e in ws.audit("staff-setup-problem")] == ["password-weak code-wrong"] * 3
    assert [e["detail"].split()[:2] for e in ws.audit("staff-setup-refused")] == [["link", "used"]]
    assert len(ws.audit("staff-setup")) == 1


def test_disabling_an_account_ends_its_unused_setup_link(staff: Callable[..., Staff]) -> None:
    ws = staff()
    link = ws.add("sara@example.org", role="viewer", forms=("enquiry",))
    ws.workspace.accounts.disable("sara@example.org", by="test")
    with ws.client() as client:
        assert client.get(path_of(link)).status_code == 404
    assert "unknown" in ws.audit("staff-setup-refused")[0]["detail"]


def test_expired_setup_link_refused(staff: Callable[..., Staff]) -> None:
    ws = staff()
    link = ws.add("badr@example.org")
    ws.clock.advance(hours=24, seconds=1)
    with ws.client() as client:
        response = client.get(path_of(link))
    assert response.status_code == 404
    assert ws.audit("staff-setup-refused")[0]["actor"] == "badr@example.org"
    assert "expired" in ws.audit("staff-setup-refused")[0]["detail"]


def test_unknown_email_runs_one_verification_and_says_the_same(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with ws.client() as client:
        secret, _ = ws.set_up(client, ws.add("dana@example.org"))
    ws.clock.advance(seconds=30)
    with ws.client() as client:
        before = ws.hasher.verifications
        unknown = ws.sign_in(client, "nobody@example.org", ws.code(secret))
        assert ws.hasher.verifications == before + 1
        wrong = ws.sign_in(client, "dana@example.org", ws.code(secret), password="not the password at all")
        assert ws.hasher.verifications == before + 2
    assert unknown.status_code == wrong.status_code == 400
    message = "البريد الإلكتروني أو كلمة المرور أو الرمز غير صحيح"
    assert message in unknown.text and message in wrong.text
    assert unknown.text.replace("nobody@example.org", "") == wrong.text.replace("dana@example.org", "").replace(
        csrf(wrong.text), csrf(unknown.text))
    failures = ws.audit("staff-sign-in-failure")
    assert [f["actor"] for f in failures] == ["unknown", "dana@example.org"]


def test_lock_after_repeated_failures(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with ws.client() as client:
        secret, _ = ws.set_up(client, ws.add("eman@example.org"))
    with ws.client() as client:
        for _ in range(5):
            ws.clock.advance(seconds=30)
            assert ws.sign_in(client, "eman@example.org", ws.code(secret), password="wrong wrong wrong").status_code == 400
        assert len(ws.audit("staff-lock")) == 1
        ws.clock.advance(seconds=30)
        # The right password and code while the account waits: refused, and nothing verified against the hash.
        before = ws.hasher.verifications
        assert ws.sign_in(client, "eman@example.org", ws.code(secret)).status_code == 400
        assert ws.hasher.verifications == before + 1  # the dummy hash
        assert "waiting" in ws.audit("staff-sign-in-failure")[-1]["detail"]
        ws.clock.advance(seconds=61)
        signed = ws.sign_in(client, "eman@example.org", ws.code(secret))
        assert signed.status_code == 303 and signed.headers["location"] == "/staff/"
    assert ws.store.account(email="eman@example.org").failures == 0


def test_idle_and_absolute_expiry(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with ws.client() as client:
        secret, _ = ws.set_up(client, ws.add("fahd@example.org"))
        assert client.get("/staff/").status_code == 200
        ws.clock.advance(minutes=29)
        assert client.get("/staff/").status_code == 200
        ws.clock.advance(minutes=30, seconds=1)
        idle = client.get("/staff/audit")
        assert idle.status_code == 303
        assert idle.headers["location"] == "/staff/sign-in?next=/staff/audit&ended=1"
        # Sign in again; keep it busy every 20 minutes until 12 hours have passed.
        ws.clock.advance(seconds=30)
        assert ws.sign_in(client, "fahd@example.org", ws.code(secret)).status_code == 303
        for _ in range(35):
            ws.clock.advance(minutes=20)
            assert client.get("/staff/").status_code == 200
        ws.clock.advance(minutes=20)
        assert client.get("/staff/").status_code == 303
    reasons = [e["detail"] for e in ws.audit("staff-session-expired")]
    assert reasons == ["expired-idle", "expired-absolute"]


def test_sign_out_ends_the_session_on_the_server(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with ws.client() as client:
        ws.set_up(client, ws.add("ghada@example.org"))
        cookie = client.cookies.get("qalb_staff", path="/staff")
        home = client.get("/staff/")
        out = client.post("/staff/sign-out", data={"csrftoken": csrf(home.text)})
        assert out.status_code == 303
    with ws.client() as other:  # the old cookie, replayed
        other.cookies.set("qalb_staff", cookie)
        assert other.get("/staff/").status_code == 303
    assert len(ws.audit("staff-sign-out")) == 1


def test_post_without_csrf_token_is_refused_and_changes_nothing(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with ws.client() as client:
        ws.set_up(client, ws.add("hala@example.org"))
        page = client.get("/staff/accounts")
        assert page.status_code == 200
        for data in ({}, {"csrftoken": "forged"}):
            refused = client.post("/staff/accounts", data={**data, "email": "x@example.org", "name": "X",
                                                             "role": "admin"})
            assert refused.status_code == 403
            assert "لم يتغير شيء" in refused.text
        assert ws.store.account(email="x@example.org") is None
        target = ws.store.account(email="hala@example.org")
        assert client.post(f"/staff/accounts/{target.id}/disable", data={}).status_code == 403
        assert not ws.store.account(email="hala@example.org").disabled
        # With the token, the same post works.
        added = client.post("/staff/accounts", data={"csrftoken": csrf(page.text), "email": "x@example.org",
                                                     "name": "X", "role": "viewer", "forms": "enquiry"})
        assert added.status_code == 200 and "/staff/setup/" in added.text
    with ws.client() as stranger:  # no cookie at all: a sign-in post is checked too, in the page's language
        refused = stranger.post("/staff/sign-in?lang=en", data={"email": "hala@example.org", "password": PASSWORD,
                                                                 "code": "123456"})
        assert refused.status_code == 403 and "The form has expired" in refused.text
    assert len(ws.audit("staff-csrf-refused")) == 4
    assert ws.audit("staff-csrf-refused")[0]["actor"] == "hala@example.org"
    assert ws.store.account(email="x@example.org").forms == ("enquiry",)


def test_a_token_from_another_session_or_from_before_sign_in_is_refused(staff: Callable[..., Staff]) -> None:
    """Form tokens are bound to the session: another person's token, the same browser's token
    from before sign-in or from its previous session are refused with 403 and change nothing,
    and no header (`Authorization` included) skips the check."""
    ws = staff()
    with ws.client() as lina, ws.client() as maha:
        early = csrf(lina.get("/staff/sign-in").text)  # bound to the cookie from before sign-in
        secret, _ = ws.set_up(lina, ws.add("lina@example.org"))
        ws.set_up(maha, ws.add("maha@example.org"))
        own, other = csrf(lina.get("/staff/accounts").text), csrf(maha.get("/staff/accounts").text)
        assert len({own, other, early}) == 3
        target = ws.store.account(email="maha@example.org")
        disable = f"/staff/accounts/{target.id}/disable"
        for token, headers in ((other, {}), (early, {}), ("", {"Authorization": "Bearer anything"}),
                               (other, {"Authorization": f"Bearer {other}"})):
            refused = lina.post(disable, data={"csrftoken": token}, headers=headers)
            assert refused.status_code == 403 and "لم يتغير شيء" in refused.text
        assert not ws.store.account(email="maha@example.org").disabled
        # Signing in again gives new tokens: the last session's one no longer fits.
        assert lina.post("/staff/sign-out", data={"csrftoken": own}).status_code == 303
        ws.clock.advance(seconds=30)
        assert ws.sign_in(lina, "lina@example.org", ws.code(secret)).status_code == 303
        renewed = csrf(lina.get("/staff/accounts").text)
        assert renewed not in (own, early)
        assert lina.post(disable, data={"csrftoken": own}).status_code == 403
        assert not ws.store.account(email="maha@example.org").disabled
        assert lina.post(disable, data={"csrftoken": renewed}).status_code == 303
    assert ws.store.account(email="maha@example.org").disabled
    refusals = ws.audit("staff-csrf-refused")
    assert [(e["actor"], e["detail"]) for e in refusals] == [("lina@example.org", f"POST {disable}")] * 5


@pytest.mark.parametrize("url, secure", [("https://staff.qalb.example/", True), ("http://127.0.0.1:8000/", False)])
def test_cookie_names_and_flags_follow_the_public_url(staff: Callable[..., Staff], url: str, secure: bool) -> None:
    """https: both cookies `__Host-`, Secure, Path=/ and no Domain (a sibling subdomain or plain
    http cannot plant them); http (the quick start): plain names kept to /staff."""
    ws = staff(staff_url=url)
    link = ws.add("iman@example.org")
    assert link.startswith(url + "staff/setup/")
    prefix, path_flag = ("__Host-", "Path=/") if secure else ("", "Path=/staff")

    def cookies_of(response: Any) -> dict[str, list[str]]:
        headers = response.headers.get_list("set-cookie")
        return {h.split("=", 1)[0]: sorted(part.strip() for part in h.split(";")[1:]) for h in headers}

    with ws.client() as client:
        path = path_of(link)
        page = client.get(path)
        before = cookies_of(page)
        assert before == {f"{prefix}qalb_staff_form": sorted([path_flag, "HttpOnly", "SameSite=Strict",
                                                              *(["Secure"] if secure else [])])}
        secret = page.text.split('id="totp-secret">')[1].split("<")[0].replace(" ", "")
        # httpx sends a Secure cookie over https only: send it by hand, as a browser at https would.
        token_cookie = page.headers["set-cookie"].split(";")[0]
        done = client.post(path, data={"csrftoken": csrf(page.text), "password": PASSWORD,
                                       "password_confirm": PASSWORD, "code": ws.code(secret)},
                           headers={"Cookie": token_cookie})
        assert done.status_code == 200, done.text
    after = cookies_of(done)
    assert after[f"{prefix}qalb_staff"] == sorted([path_flag, "HttpOnly", "SameSite=Lax",
                                                   *(["Secure"] if secure else [])])
    # The cookie from before sign-in is removed at sign-in: tokens are bound to the session now.
    assert "Max-Age=0" in after[f"{prefix}qalb_staff_form"]
    assert not any(flag.lower().startswith("domain") for flags in (*before.values(), *after.values())
                   for flag in flags)
    session = done.headers.get_list("set-cookie")[0].split(";")[0]
    assert session.startswith(f"{prefix}qalb_staff=")
    # The recovery codes' page already carries the new session's token: its sign-out works.
    with ws.client() as client:
        out = client.post("/staff/sign-out", data={"csrftoken": csrf(done.text)}, headers={"Cookie": session})
        assert out.status_code == 303 and out.headers["location"].startswith("/staff/sign-in")
        assert cookies_of(out)[f"{prefix}qalb_staff"] == sorted(
            [path_flag, "HttpOnly", "SameSite=Lax", "Max-Age=0", *(["Secure"] if secure else [])])
    assert [e["actor"] for e in ws.audit("staff-sign-in")] == ["iman@example.org"]
    assert len(ws.audit("staff-sign-out")) == 1


def test_staff_pages_send_the_security_headers(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with ws.client() as client:
        for path in ("/staff/sign-in", "/staff/sign-in?lang=en", "/staff/nothing-here"):
            response = client.get(path)
            headers = response.headers
            assert headers["cache-control"] == "no-store"
            csp = headers["content-security-policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "unsafe-inline" not in csp and "script-src 'none'" in csp
            assert headers["referrer-policy"] == "no-referrer"
            assert headers["x-frame-options"] == "DENY"


def test_roles_see_404_where_they_may_not_go_and_it_is_audited(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with ws.client() as client:
        ws.set_up(client, ws.add("jana@example.org", role="caseworker", forms=("enquiry",)))
        for path in ("/staff/accounts", "/staff/audit"):
            response = client.get(path)
            assert response.status_code == 404
        home = client.get("/staff/")
        assert ws.forms["enquiry"].title["ar"] in home.text
        assert all(form.title["ar"] not in home.text for fid, form in ws.forms.items() if fid != "enquiry")
    refused = ws.audit("staff-refused")
    assert [e["actor"] for e in refused] == ["jana@example.org"] * 2
    assert "/staff/accounts" in refused[0]["detail"]


@pytest.mark.parametrize("target, expected", [
    ("/staff/audit?actor=x", "/staff/audit?actor=x"),
    ("https://evil.example/", "/staff/"),
    ("//evil.example/staff/", "/staff/"),
    ("/staff//evil.example", "/staff/"),
    ("/staff/../x", "/staff/"),
])
def test_after_sign_in_only_a_workspace_path(staff: Callable[..., Staff], target: str, expected: str) -> None:
    ws = staff()
    with ws.client() as client:
        secret, _ = ws.set_up(client, ws.add("kamal@example.org"))
    ws.clock.advance(seconds=30)
    with ws.client() as client:
        response = ws.sign_in(client, "kamal@example.org", ws.code(secret), next_path=target)
    assert response.status_code == 303 and response.headers["location"] == expected


def test_admin_disables_and_resets_in_the_workspace_and_reads_the_audit_log(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with ws.client() as admin, ws.client() as worker:
        ws.set_up(admin, ws.add("lina@example.org"))
        ws.set_up(worker, ws.add("maha@example.org", role="caseworker", forms=("enquiry",)))
        assert worker.get("/staff/").status_code == 200
        target = ws.store.account(email="maha@example.org")
        page = admin.get("/staff/accounts")
        assert admin.post(f"/staff/accounts/{target.id}/disable", data={"csrftoken": csrf(page.text)}).status_code == 303
        assert worker.get("/staff/").status_code == 303  # the session ended with the account
        assert ws.store.open_sessions(target.id) == 0
        reset = admin.post(f"/staff/accounts/{target.id}/reset", data={"csrftoken": csrf(page.text)})
        assert reset.status_code == 200 and "/staff/setup/" in reset.text
        newest = admin.get("/staff/audit")
        rows = newest.text.split("<tbody>")[1]
        reset_name, disable_name, setup_name = (said(ACTION_NAMES[a], "ar") for a in (
            "staff-account-reset", "staff-account-disable", "staff-setup"))
        assert rows.index(reset_name) < rows.index(disable_name) < rows.index(setup_name)
        only = admin.get("/staff/audit", params={"actor": "maha@example.org", "action": "staff-sign-in"}).text
        shown = only.split("<tbody>")[1]
        assert shown.count("<tr>") == 1 and "Test caseworker" in shown and "Test admin" not in shown
        tomorrow = (ws.clock() + dt.timedelta(days=1)).date().isoformat()
        assert "لا توجد قيود مطابقة" in admin.get("/staff/audit", params={"from": tomorrow}).text
        assert reset_name in admin.get("/staff/audit", params={"to": "٢٠٢٦-٠٣-٠١"}).text  # Arabic digits
    assert [e["actor"] for e in ws.audit("staff-account-disable")] == ["lina@example.org"]


def test_language_is_remembered_per_account(staff: Callable[..., Staff]) -> None:
    ws = staff()
    with ws.client() as client:
        secret, _ = ws.set_up(client, ws.add("nada@example.org"))
        home = client.get("/staff/")
        assert '<html lang="ar" dir="rtl">' in home.text
        switched = client.post("/staff/language", data={"csrftoken": csrf(home.text), "lang": "en",
                                                         "next": "/staff/audit"})
        assert switched.status_code == 303 and switched.headers["location"] == "/staff/audit"
        assert '<html lang="en" dir="ltr">' in client.get("/staff/").text
    ws.clock.advance(seconds=30)
    with ws.client() as other:  # another browser, signed in later: still English
        assert '<html lang="ar" dir="rtl">' in other.get("/staff/sign-in").text
        assert ws.sign_in(other, "nada@example.org", ws.code(secret)).status_code == 303
        assert '<html lang="en" dir="ltr">' in other.get("/staff/").text
    assert [e["detail"] for e in ws.audit("staff-language")] == ["en"]


def test_sign_in_posts_are_limited_per_client(staff: Callable[..., Staff]) -> None:
    ws = staff(sign_in_limit=(3, 3600.0))
    with ws.client() as client:
        statuses = [ws.sign_in(client, "someone@example.org", "123456", password="x" * 12).status_code
                    for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    # Refusals to someone not signed in: one audit row per kind, client and minute, with a count.
    rows = ws.store.audit_page(action="staff-sign-in-failure")
    assert [(r["detail"], r["count"]) for r in rows] == [
        ("client over the sign-in limit client=127.0.0.1", 1), ("no such account client=127.0.0.1", 3)]


def test_a_body_over_the_limit_is_refused_before_it_is_read(staff: Callable[..., Staff]) -> None:
    ws = staff(max_body_bytes=1024)
    with ws.client() as client:
        ws.set_up(client, ws.add("tala@example.org"))
        page = client.get("/staff/accounts")
        fields = {"csrftoken": csrf(page.text), "email": "big@example.org", "name": "x" * 2000, "role": "viewer"}
        assert client.post("/staff/accounts", data=fields).status_code == 413

        def chunked():  # no Content-Length: the limit is found while reading
            body = "&".join(f"{k}={v}" for k, v in fields.items()).encode()
            for start in range(0, len(body), 500):
                yield body[start:start + 500]

        refused = client.post("/staff/accounts", content=chunked(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert refused.status_code == 413
    assert ws.store.account(email="big@example.org") is None
