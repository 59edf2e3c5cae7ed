"""Messages and deliveries in the workspace (issues 21 and 22), on SQLite and
PostgreSQL behind a real server: an admin sees the failed messages and every
webhook try (never a recipient, a body or an answer) and sends one again,
audited; other roles get 404; each account chooses its own alerts and digest."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from generator.submissions.db.outbox import Outcome, PlannedMessage, Try
from generator.submissions.notices import webhook_detail
from generator.submissions.records import Submission
from generator.submissions.references import new_reference
from tests.staff.conftest import Staff, csrf
from tests.staff.test_inbox import signed_in
from tests.support.samples import valid_answers

CANARY = "CANARY-ANSWER-51c0"
SHARED_BOX = "duty@qalb.example"


def stored(ws: Staff, forms: dict[str, Any]) -> Submission:
    answers = {**valid_answers(forms["help-request"])}
    text_field = next(f.name for f in forms["help-request"].fields if f.type == "string" and not f.options
                      and f.format != "email" and f.control in ("input", "textarea") and not f.effective_inputmode)
    answers[text_field] = CANARY
    sub = Submission(reference=new_reference(), form_id="help-request", form_version="1", language="ar",
                     submitted_at=ws.clock() - dt.timedelta(hours=2), consent={}, status="accepted",
                     answers=answers)
    assert ws.store.insert_batch([sub]) == [sub]
    return sub


def failed_alert_and_webhook(ws: Staff, forms: dict[str, Any]) -> tuple[Submission, dict[str, int]]:
    """A staff alert refused by its server and a webhook answered 503, both failed."""
    sub = stored(ws, forms)
    store, at = ws.store, ws.clock() - dt.timedelta(hours=1)
    store.queue_messages(sub.reference, [PlannedMessage("staff-alert", SHARED_BOX, "ar"),
                                         PlannedMessage("webhook", "", "ar",
                                                        webhook_detail("crm", "submitted", "received"))], at)
    claimed = {m.kind: m.id for m in store.claim_outbox("test", at, dt.timedelta(minutes=5))}
    store.finish_outbox("test", [
        Outcome(claimed["staff-alert"], "failed", error="SMTPRecipientsRefused 550"),
        Outcome(claimed["webhook"], "failed", error="HTTP 503", tried=Try(at, 503, 42, "HTTP 503"))], at)
    return sub, claimed


def test_an_admin_sees_failed_messages_and_webhook_tries_and_sends_one_again(
        staff: Callable[..., Staff], forms: dict[str, Any]) -> None:
    ws = staff()
    sub, ids = failed_alert_and_webhook(ws, forms)
    with signed_in(ws, "admin@example.org") as client:
        page = client.get("/staff/messages")
        assert page.status_code == 200
        failed = re.search(r'<table id="failed-messages">(.*?)</table>', page.text, re.S)[1]  # type: ignore[index]
        assert {int(i) for i in re.findall(r'data-message="(\d+)"', failed)} == set(ids.values())
        assert f'href="/staff/submissions/{sub.reference}"' in failed and "SMTPRecipientsRefused 550" in failed
        deliveries = re.search(r'<table id="webhook-deliveries">(.*?)</table>', page.text, re.S)[1]  # type: ignore[index]
        row = re.search(rf'<tr data-delivery="{ids["webhook"]}">(.*?)</tr>', deliveries, re.S)[1]  # type: ignore[index]
        assert "crm" in row and "submitted" in row and "HTTP 503" in row
        assert (ws.clock() - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S") in row
        assert SHARED_BOX not in page.text and CANARY not in page.text  # never a recipient or an answer

        retried = client.post(f"/staff/messages/{ids['staff-alert']}/retry", data={"csrftoken": csrf(page.text)})
        assert retried.status_code == 303
        assert retried.headers["location"] == f"/staff/messages?retried={ids['staff-alert']}#failed"
        (message,) = ws.store.outbox_messages(ids=[ids["staff-alert"]])
        assert (message.status, message.attempts) == ("pending", 0)
        entries = ws.audit("notify-retry")
        assert [(e["actor"], e["form_id"], e["detail"]) for e in entries] == [
            ("admin@example.org", "help-request", f"message={ids['staff-alert']}")]
        again = client.post(f"/staff/messages/{ids['staff-alert']}/retry", data={"csrftoken": csrf(page.text)})
        assert again.headers["location"] == "/staff/messages?missing=1"
        assert len(ws.audit("notify-retry")) == 1
        after = client.get("/staff/messages?retried=%d" % ids["staff-alert"])
        assert f'data-message="{ids["staff-alert"]}"' not in after.text
        assert 'id="retried"' in after.text


def test_other_roles_get_404_for_messages_and_retries(staff: Callable[..., Staff], forms: dict[str, Any]) -> None:
    ws = staff()
    _, ids = failed_alert_and_webhook(ws, forms)
    with signed_in(ws, "case@example.org", "caseworker", ("help-request",)) as client:
        page = client.get("/staff/messages")
        assert page.status_code == 404
        refused = client.post(f"/staff/messages/{ids['webhook']}/retry",
                              data={"csrftoken": csrf(client.get("/staff/").text)})
        assert refused.status_code == 404
        assert ws.store.outbox_messages(ids=[ids["webhook"]])[0].status == "failed"
        assert len(ws.audit("staff-refused")) == 2 and ws.audit("notify-retry") == []


def test_each_account_chooses_its_own_alerts_and_digest(staff: Callable[..., Staff], forms: dict[str, Any]) -> None:
    ws = staff()
    with signed_in(ws, "case@example.org", "caseworker", ("help-request",)) as client:
        page = client.get("/staff/account")
        assert page.status_code == 200 and 'href="/staff/account" aria-current="page"' in page.text
        assert re.search(r'id="alerts" value="on" checked', page.text)
        assert re.search(r'id="digest" value="on">', page.text)  # off by default
        saved = client.post("/staff/account", data={"csrftoken": csrf(page.text), "digest": "on"})
        assert saved.status_code == 303 and saved.headers["location"] == "/staff/account?saved=1"
        account = ws.store.account(email="case@example.org")
        assert (account.alerts, account.digest) == (False, True)
        assert [e["detail"] for e in ws.audit("staff-notify-choice")] == ["alerts=off digest=on"]
        page = client.get("/staff/account?saved=1")
        assert 'id="saved"' in page.text and re.search(r'id="digest" value="on" checked', page.text)
        # Unchanged choices are not written (nor audited) again.
        client.post("/staff/account", data={"csrftoken": csrf(page.text), "digest": "on"})
        assert len(ws.audit("staff-notify-choice")) == 1
    with signed_in(ws, "viewer@example.org", "viewer", ("help-request",)) as client:
        page = client.get("/staff/account")
        assert page.status_code == 200 and 'name="alerts"' not in page.text
        client.post("/staff/account", data={"csrftoken": csrf(page.text), "digest": "on"})
        assert ws.store.account(email="viewer@example.org").digest is False


def test_the_alerts_choice_decides_who_is_told(staff: Callable[..., Staff], forms: dict[str, Any]) -> None:
    ws = staff()
    with signed_in(ws, "on@example.org", "caseworker", ("help-request",)):
        pass
    with signed_in(ws, "off@example.org", "caseworker", ("help-request",)) as client:
        page = client.get("/staff/account")
        client.post("/staff/account", data={"csrftoken": csrf(page.text)})
    with ws.store._transaction() as cur:
        told = ws.store.alert_accounts(cur, "help-request")
    assert [email for email, _ in told] == ["on@example.org"]


def test_a_workspace_on_its_own_queues_the_webhooks_of_the_changes_it_makes(
        forms: dict[str, Any], forms_root: Any, tmp_path: Any) -> None:
    import dataclasses

    from generator.core.config import StaffSettings
    from generator.forms.model import Notify, Webhook
    from generator.staff.app import create_app

    settings = StaffSettings(root=forms_root, database_url=f"sqlite:///{tmp_path / 'ws.db'}", sign_in_limit=None,
                             site_dir=None)
    plain = create_app(settings=settings, forms=forms).state.workspace
    assert plain.store.outbox_planner is None  # no webhooks: nothing to queue
    plain.store.close()
    hooked = {**forms, "help-request": dataclasses.replace(
        forms["help-request"], notify=Notify(webhooks=(Webhook(name="crm", url="https://crm.example/in"),)))}
    workspace = create_app(settings=settings, forms=hooked).state.workspace
    try:
        planner = workspace.store.outbox_planner
        assert planner is not None and planner.email is False  # webhooks only: it has no e-mail settings
        assert [m.kind for m in planner.webhooks(hooked["help-request"], "state_changed", "ar", "x")] == ["webhook"]
    finally:
        workspace.store.close()
