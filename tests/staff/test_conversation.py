"""Corrections and logged calls from the case page (issue 33, items 5 and 6) against one
real server holding the public endpoint and the workspace on one store, SQLite and
PostgreSQL: a mistyped mobile number corrected, the case found by the new number and not
the old, the old one kept encrypted in the timeline; a corrected `report: true` answer
moves the report counts; a call logged in the timeline and the audit; a request entered for a
caller in the third person, assigned to whoever entered it, its reference on top."""
from __future__ import annotations

import contextlib
import json
import re
from typing import Any, Iterator

import httpx
import pytest

from tests.notify.helpers import send_all
from tests.staff.conftest import Staff, csrf, search
from tests.staff.test_casework import CW, case_of
from tests.staff.test_inbox import MOBILE, signed_in, submit
from tests.support.samples import valid_answers
from tests.support.shots import screenshot

NEW_MOBILE = "0598765432"


def post_case(client: httpx.Client, reference: str, action: str, **data: str) -> httpx.Response:
    page = client.get(f"/staff/submissions/{reference}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    return client.post(f"/staff/submissions/{reference}/{action}",
                       data={"csrftoken": csrf(page.text), "version": version[1], **data})


def raw_notes(ws: Staff, reference: str) -> list[str]:
    cur = ws.store._conn().cursor()
    cur.execute(ws.store._sql("SELECT e.note FROM case_events e JOIN submissions s ON s.id = e.submission_id "
                              "WHERE s.reference = ? AND e.note IS NOT NULL"), (reference,))
    return [row[0] for row in cur.fetchall()]


def test_a_mistyped_mobile_is_corrected_found_by_the_new_number_and_kept_in_the_timeline(
        both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        # The form's own checks: a number in the wrong shape is refused, with the form's message.
        refused = post_case(client, reference, "correct", field="mobile", value="12345", why="")
        assert refused.status_code == 400
        message = forms["help-request"].field("mobile").errors["pattern"]["ar"]
        assert message in refused.text and 'value="12345"' in refused.text
        assert case_of(ws, reference).answers["mobile"] == MOBILE
        # Arabic-Indic digits are accepted, as in the form.
        typed = NEW_MOBILE.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        done = post_case(client, reference, "correct", field="mobile", value=typed, why="خطأ في الإدخال")
        assert done.status_code == 303, done.text[:400]
        assert case_of(ws, reference).answers["mobile"] == NEW_MOBILE
        assert f'/staff/submissions/{reference}"' in search(client, NEW_MOBILE).text
        assert f'/staff/submissions/{reference}"' not in search(client, MOBILE).text
        page = client.get(f"/staff/submissions/{reference}").text
        timeline = page[page.index('class="timeline"'):]
        assert f'<bdi dir="auto" class="timeline__old">{MOBILE}</bdi>' in timeline
        assert "خطأ في الإدخال" in timeline
    [event] = [e for e in ws.store.case_events(reference) if e.kind == "correction"]
    assert (event.reason, event.old_value, event.actor) == ("mobile", MOBILE, CW)
    assert not any(MOBILE in note or "خطأ" in note for note in raw_notes(ws, reference))  # encrypted
    assert reference in ws.store.corrected_at([reference])
    [audited] = ws.audit("staff-case-correct")
    assert audited["detail"] == f"{reference} field=mobile"
    assert MOBILE not in str(ws.store.audit_entries()) and NEW_MOBILE not in str(ws.store.audit_entries())


def test_a_corrected_counted_answer_moves_the_report_counts(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "contact", kind="complaint")

    def kinds() -> dict[str, int]:
        totals = ws.store.report_totals("contact", "gregorian", "2000-01", "2999-12")
        return {value: n for by_field, _by, field, value, n in totals if not by_field and field == "kind"}

    assert kinds() == {"complaint": 1}
    with signed_in(ws, "admin@example.org") as client:
        assert post_case(client, reference, "correct", field="kind", value="suggestion").status_code == 303
        assert post_case(client, reference, "correct", field="kind", value="not-a-kind").status_code == 400
    assert kinds() == {"suggestion": 1}


def test_a_call_is_logged_in_the_timeline_and_the_audit(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        assert post_case(client, reference, "call", direction="sideways", outcome="reached").status_code == 400
        done = post_case(client, reference, "call", direction="out", outcome="no-answer", note="سأعاود الاتصال")
        assert done.status_code == 303
        page = client.get(f"/staff/submissions/{reference}").text
        timeline = page[page.index('class="timeline"'):]
        assert "اتصلنا بالمتقدم" in timeline and "لم يُجب" in timeline and "سأعاود الاتصال" in timeline
    [call] = [e for e in ws.store.case_events(reference) if e.kind == "call"]
    assert (call.reason, call.note) == ("out:no-answer", "سأعاود الاتصال")
    [audited] = ws.audit("staff-case-call")
    assert audited["detail"] == f"{reference} direction=out outcome=no-answer"
    assert "سأعاود" not in str(ws.store.audit_entries())


def test_a_phone_request_is_entered_in_the_third_person_assigned_to_its_enterer_with_its_reference_on_top(
        both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    form = forms["help-request"]
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        page = client.get("/staff/forms/help-request/enter").text
        assert "اسم المتقدم الكامل" in page and "اسمك الكامل" not in page
        assert "أكّد المتقدم" in page and "أُقرّ" not in page  # the declaration, as the applicant said it
        channels = re.findall(r'<option value="([^"]*)"', page[page.index('id="channel"'):].split("</select>")[0])
        assert "phone" in channels and "help-request" not in channels and "volunteering" not in channels
        data = {**valid_answers(form), "csrftoken": csrf(page), "channel": "phone"}
        done = client.post("/staff/forms/help-request/enter", data=data)
        assert done.status_code == 303
        reference = done.headers["location"].split("/staff/submissions/")[1].split("?")[0]
        shown = client.get(done.headers["location"]).text
        main = shown[shown.index("<main"):]
        top = main[:main.index('class="answers"')]  # before the answers: right under the heading
        assert f'<p class="reference-large"><bdi dir="ltr">{reference}</bdi></p>' in top
    sub = case_of(ws, reference)
    assert (sub.assigned_to, sub.entered_by) == (CW, CW)
    assert [(e.kind, e.assigned_to) for e in ws.store.case_events(reference)] == [("assign", CW)]
    assert form.field("applicant_name").label["ar"] == "اسمك الكامل"  # the public form is unchanged


@contextlib.contextmanager
def mailing_workspace(forms: dict[str, Any], forms_root: Any, store_url: str, live: Any,
                      smtp_url: str, **env_more: str) -> Iterator[tuple[Staff, Any]]:
    """The workspace as `staff serve` runs it with e-mail on (its own store, with the planner)."""
    from generator.core.config import Config
    from generator.staff.app import create_app
    from generator.submissions.notices import OutboxPlanner
    from generator.submissions.secure_store import open_secure_store
    from tests.staff.conftest import Clock, CountingHasher

    env = {"DATABASE_URL": store_url, "QALB_SMTP_URL": smtp_url, "QALB_STAFF_SIGN_IN_LIMIT": "off",
           "QALB_MAIL_FROM": "noreply@qalb.example", "QALB_SITE_URL": "https://qalb.example/", **env_more}
    config = Config(forms_root, env)
    store = open_secure_store(config.staff, forms, planner=OutboxPlanner.if_needed(forms, email=True),
                              create_keys=True)
    clock, hasher = Clock(), CountingHasher()
    app = create_app(settings=config.staff, forms=forms, store=store, clock=clock, hasher=hasher)
    try:
        yield Staff(live(app), config.staff, clock, hasher, app.state.workspace, dict(forms)), config
    finally:
        store.close()


def waiting_case(ws: Staff, forms: dict[str, Any], answers: dict[str, Any]) -> str:
    """A help request with an e-mail address, waiting for the applicant."""
    from generator.submissions.cases import open_case
    from generator.submissions.records import Submission
    from generator.submissions.references import new_reference

    form = forms["help-request"]
    [sub] = ws.store.insert_batch([Submission(
        reference=new_reference(), form_id="help-request", form_version="1", language="ar",
        submitted_at=ws.clock(), consent={}, status="accepted",
        answers={**valid_answers(form), "email": "sara@example.org", **answers},
        **open_case(form, ws.clock(), ws.workspace.calendar))])
    for state in ("under-study", "waiting-for-applicant"):
        now = case_of(ws, sub.reference)
        ws.store.move_case(sub.reference, expected_version=now.case_version, from_state=now.case_state,
                           to_state=state, closed=False, at=ws.clock(), actor=CW, note="تقرير")
    return sub.reference


def test_a_templated_reply_reaches_the_applicant_without_any_answer_and_its_stored_text_is_emptied(
        forms: dict[str, Any], forms_root: Any, store_url: str, live: Any) -> None:
    """As `staff serve` runs with e-mail on: the reply is queued in the outbox (its text
    encrypted), the sender delivers it to the SMTP test server, and the text is emptied."""
    from generator.notify.sender import Sender, context_for
    from tests.notify.conftest import SmtpServer
    from tests.notify.test_delivery import ORG

    smtp = SmtpServer().start()
    try:
        with mailing_workspace(forms, forms_root, store_url, live, smtp.url) as (ws, config):
            store = ws.store
            answers = {"mobile": MOBILE, "description": "CANARY-ANSWER ألم في الصدر"}
            reference = waiting_case(ws, forms, answers)
            answers = case_of(ws, reference).answers
            with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
                page = client.get(f"/staff/submissions/{reference}").text
                # The state's template: "what we still need", filled with the reference and the state's words.
                text = re.search(r'<textarea id="reply-text"[^>]*>(.*?)</textarea>', page, re.S)[1]  # type: ignore[index]
                assert "نحتاج منك ما يلي" in text and reference in text
                assert 'name="channel" value="email"' in page and "reply-by-sms" not in page  # no SMS gateway
                assert "نحتاج منك معلومات إضافية وسنتواصل معك" in text and "$" not in text
                other = client.get(f"/staff/submissions/{reference}", params={"reply": "update"}).text
                assert "نحتاج منك ما يلي" not in other.split('id="reply-text"')[1].split("</textarea>")[0]
                edited = text.replace("-\n", "- تقرير طبي حديث\n")
                assert post_case(client, reference, "reply", text="  ").status_code == 400
                assert post_case(client, reference, "reply", text=edited).status_code == 303
                timeline = client.get(f"/staff/submissions/{reference}").text.split('class="timeline"')[1]
                assert "أُرسل رد بالبريد الإلكتروني" in timeline and "تقرير طبي حديث" in timeline
            [queued] = store.outbox_messages(kind="reply-email")
            assert (queued.recipient, queued.language, queued.status) == ("sara@example.org", "ar", "pending")
            cur = store._conn().cursor()
            cur.execute(store._sql("SELECT detail FROM outbox WHERE id = ?"), (queued.id,))
            assert "تقرير" not in cur.fetchone()[0]  # encrypted while it waits
            sender = Sender(store, context_for(config.notify, forms, ORG), config.notify, clock=ws.clock)
            try:
                send_all(sender)
            finally:
                sender.close()
            [mail] = [m for m in smtp.mailbox.wait_for(1) if m["To"] == "sara@example.org"]
            body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            assert "تقرير طبي حديث" in body and reference in body
            for answer in ("CANARY-ANSWER", MOBILE, answers["applicant_name"], answers["national_id"]):
                assert answer not in mail.as_string() and answer not in body
            cur.execute(store._sql("SELECT status, detail, recipient FROM outbox WHERE id = ?"), (queued.id,))
            assert cur.fetchone() == ("sent", "", "")  # emptied once sent
            [event] = [e for e in store.case_events(reference) if e.kind == "reply"]
            assert (event.reason, event.actor) == ("email", CW) and "تقرير طبي حديث" in (event.note or "")
            assert [e["detail"] for e in ws.audit("staff-case-reply")] == [f"{reference} channel=email"]
    finally:
        smtp.stop()


def test_a_reply_by_sms_goes_signed_to_the_forms_gateway_with_the_number_and_text_only_then_is_emptied(
        forms: dict[str, Any], forms_root: Any, store_url: str, live: Any, tmp_path: Any) -> None:
    """A form with an SMS gateway (a webhook listing `reply_sms`): the reply form offers SMS
    beside e-mail; the reply is queued (kind reply-sms, number and text encrypted), posted by
    the sender to a real receiver on 127.0.0.1 that checks the signature with the documented
    code, as {reference, mobile, text, language} and nothing of the answers; then emptied."""
    import dataclasses

    from generator.forms.model import Webhook
    from generator.notify.sender import Sender, context_for
    from generator.notify.webhooks import EVENT_HEADER
    from tests.notify.conftest import SmtpServer
    from tests.notify.test_delivery import ORG
    from tests.notify.test_webhooks import SECRET, Receiver

    now: list[Any] = []
    receiver = Receiver(SECRET, lambda: now[0]())
    smtp = SmtpServer().start()
    secret = tmp_path / "sms.secret"
    secret.write_text(SECRET)
    form = forms["help-request"]
    hook = Webhook(name="sms-gateway", url=receiver.url, events=("reply_sms",))
    forms = {**forms, "help-request": dataclasses.replace(
        form, notify=dataclasses.replace(form.notify, webhooks=(*form.notify.webhooks, hook)))}
    try:
        with mailing_workspace(forms, forms_root, store_url, live, smtp.url,
                               QALB_WEBHOOK_SMS_GATEWAY_SECRET_FILE=str(secret)) as (ws, config):
            now.append(ws.clock)
            store = ws.store
            reference = waiting_case(ws, forms, {"mobile": MOBILE, "description": "CANARY-ANSWER ألم في الصدر"})
            answers = case_of(ws, reference).answers
            with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
                page = client.get(f"/staff/submissions/{reference}").text
                assert 'id="reply-by-email" name="channel" value="email" checked' in page
                assert 'id="reply-by-sms" name="channel" value="sms"' in page
                assert "عبر رسالة نصية إلى هاتف مقدم الطلب" in page
                sent = post_case(client, reference, "reply", channel="sms", text="نرجو إرسال التقرير الطبي")
                assert sent.status_code == 303
                assert post_case(client, reference, "reply", channel="fax", text="نص").status_code == 400
                timeline = client.get(f"/staff/submissions/{reference}").text.split('class="timeline"')[1]
                assert "أُرسل رد برسالة نصية" in timeline and "نرجو إرسال التقرير الطبي" in timeline
            [queued] = store.outbox_messages(kind="reply-sms")
            assert (queued.recipient, queued.detail, queued.language) == (MOBILE, "نرجو إرسال التقرير الطبي", "ar")
            cur = store._conn().cursor()
            cur.execute(store._sql("SELECT recipient, detail FROM outbox WHERE id = ?"), (queued.id,))
            raw = cur.fetchone()
            assert MOBILE not in raw[0] and "التقرير" not in raw[1]  # encrypted while it waits
            assert store.outbox_messages(kind="reply-email") == []
            sender = Sender(store, context_for(config.notify, forms, ORG), config.notify, clock=ws.clock)
            try:
                send_all(sender)
            finally:
                sender.close()
            [post] = [p for p in receiver.posts if p["headers"][EVENT_HEADER] == "reply_sms"]
            assert post["verified"] and post["status"] == 200
            assert json.loads(post["body"]) == {
                "id": queued.token, "event": "reply_sms", "form": "help-request", "reference": reference,
                "time": ws.clock().isoformat(timespec="seconds").replace("+00:00", "Z"), "language": "ar",
                "mobile": MOBILE, "text": "نرجو إرسال التقرير الطبي"}
            for answer in ("CANARY-ANSWER", answers["applicant_name"], answers["national_id"], "sara@example.org"):
                assert answer.encode() not in post["body"]
            cur.execute(store._sql("SELECT status, detail, recipient FROM outbox WHERE id = ?"), (queued.id,))
            assert cur.fetchone() == ("sent", "", "")  # emptied once sent
            [event] = [e for e in store.case_events(reference) if e.kind == "reply"]
            assert (event.reason, event.actor) == ("sms", CW)
            assert [e["detail"] for e in ws.audit("staff-case-reply")] == [f"{reference} channel=sms"]
            with signed_in(ws, "admin@example.org") as admin:  # among the deliveries, without its text
                listed = admin.get("/staff/messages").text
            deliveries = listed.split('id="webhook-deliveries"')[1].split("</table>")[0]
            assert "sms-gateway" in deliveries and "reply_sms" in deliveries and reference in deliveries
            assert MOBILE not in listed and "التقرير" not in listed
    finally:
        smtp.stop()
        receiver.close()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the pages do not depend on the backend
def test_the_reply_and_call_forms_work_in_chromium_and_pass_axe_at_390_and_1280_px(
        forms: dict[str, Any], forms_root: Any, store_url: str, live: Any, browser: Any) -> None:
    import dataclasses

    from generator.forms.model import Webhook
    from tests.staff.test_browser import SEEN, page_checks
    from tests.staff.test_casework_browser import SHOTS, use_language
    from tests.staff.test_inbox_browser import signed_in_tab
    from tests.support.vnu import vnu_errors_in_html

    SEEN.clear()
    problems: list[str] = []
    form = forms["help-request"]  # with an SMS gateway: the reply box offers e-mail and SMS
    hook = Webhook(name="sms-gateway", url="http://127.0.0.1:9/qalb", events=("reply_sms",))
    forms = {**forms, "help-request": dataclasses.replace(
        form, notify=dataclasses.replace(form.notify, webhooks=(*form.notify.webhooks, hook)))}
    with mailing_workspace(forms, forms_root, store_url, live, "smtp://127.0.0.1:1") as (ws, _config):
        reference = waiting_case(ws, forms, {})
        for width in (390, 1280):
            tab = signed_in_tab(browser, ws, width, email=f"admin{width}@example.org")
            try:
                for lang in ("ar", "en"):
                    use_language(tab, ws.url, lang)
                    tab.goto(f"{ws.url}/staff/submissions/{reference}#reply")
                    where = f"{width}px case with reply {lang}"
                    problems += page_checks(tab, where)
                    screenshot(tab.locator("#reply"), SHOTS / f"reply-{lang}-{width}.png")
                    screenshot(tab.locator("#call-form"), SHOTS / f"call-{lang}-{width}.png")
                    # A call through the form, then a reply through the form.
                    tab.check("#call-out")
                    tab.select_option("#call-outcome", "left-message")
                    tab.fill("#call-note", f"call {lang} {width}")
                    tab.click("#call-form button")
                    assert tab.locator(".done").count() == 1
                    assert f"call {lang} {width}" in tab.locator(".timeline").inner_text()
                    text = tab.locator("#reply-text").input_value()
                    assert reference in text
                    tab.fill("#reply-text", text + f"\nreply {lang} {width}")
                    if width == 390:  # by SMS on a phone, by e-mail on a desktop
                        tab.check("#reply-by-sms")
                    tab.click("#reply-form button")
                    assert tab.locator(".done").count() == 1
                    problems += page_checks(tab, f"{width}px after a reply {lang}")
            finally:
                tab.context.close()
        assert len(ws.store.outbox_messages(kind="reply-email")) == 2
        assert len(ws.store.outbox_messages(kind="reply-sms")) == 2
        assert len([e for e in ws.store.case_events(reference) if e.kind == "call"]) == 4
    problems += vnu_errors_in_html(SEEN)
    assert not problems, "\n".join(problems)
