"""Webhooks go from the outbox to a real HTTP receiver on 127.0.0.1, on SQLite and
PostgreSQL. The receiver checks each signature with the code printed in
docs/webhooks.md (read from the page itself, so the page cannot drift from what
is sent); a receiver answering 500 then 200 gets the delivery once; a wrong
secret is caught; answers and contact details are absent unless asked for;
every try is logged without its body."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from generator import PROJECT_ROOT
from generator.core.config import Config, NotifySettings
from generator.core.organisation import Settings as Organisation
from generator.forms.model import Notify, Webhook
from generator.forms.workflow import State, Workflow
from generator.notify import admin
from generator.notify.sender import BACKOFF, MAX_ATTEMPTS, Sender, context_for
from generator.notify.webhooks import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature
from generator.submissions import cases
from generator.submissions.db.cases import CaseChanged
from generator.submissions.notices import OutboxPlanner
from generator.submissions.store import Store
from tests.support.fixtures import default_tls_context
from tests.support.postgres import free_port

from .conftest import CANARY, notify_settings
from .helpers import rows, send_all, submission

SECRET = "s3cret-for-the-tests-0123456789abcdef"
VARIABLE = "QALB_WEBHOOK_CRM_SECRET_FILE"
WORKFLOW = Workflow(states=(
    State(id="received", name={"ar": "وصل", "en": "Received"}, public={"ar": "استلمنا طلبك", "en": "We received it"},
          next=("accepted",)),
    State(id="accepted", name={"ar": "مقبول", "en": "Accepted"}, public={"ar": "قُبل طلبك", "en": "Accepted"},
          closed=True, decision=True),
))


def documented_verify() -> Callable[..., bool]:
    """`verify` from the code block under "Verifying a delivery" in docs/webhooks.md."""
    page = (PROJECT_ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    section = page.split("## Verifying a delivery", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]  # type: ignore[index]
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # the page's own code, nothing else
    return namespace["verify"]  # type: ignore[no-any-return]


class Receiver:
    """An HTTP server on 127.0.0.1 that verifies with the documented code, answers from
    `answers` (then 200), and accepts each delivery id once, as the docs advise."""

    def __init__(self, secret: str, clock: Any) -> None:
        self.verify = documented_verify()
        self.secret, self.clock = secret, clock
        self.answers: list[int] = []
        self.posts: list[dict[str, Any]] = []  # every request: headers, body, verified, answered
        self.accepted: dict[str, dict[str, Any]] = {}  # delivery id -> payload, once each
        #: Called (in the server's threads) when a post arrives, before it is answered.
        self.before_answer: Callable[[], None] | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if receiver.before_answer is not None:
                    receiver.before_answer()
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = receiver.verify(receiver.secret, self.headers.get(SIGNATURE_HEADER, ""), body,
                                     now=receiver.clock().timestamp())
                status = 401 if not ok else (receiver.answers.pop(0) if receiver.answers else 200)
                receiver.posts.append({"headers": dict(self.headers), "body": body, "verified": ok,
                                       "status": status})
                if status == 200:
                    receiver.accepted.setdefault(self.headers[DELIVERY_HEADER], json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/qalb"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(clock: Any) -> Iterator[Receiver]:
    server = Receiver(SECRET, clock)
    try:
        yield server
    finally:
        server.close()


def with_webhook(forms: dict[str, Any], url: str, **options: Any) -> dict[str, Any]:
    hook = Webhook(name="crm", url=url, **options)
    form = dataclasses.replace(forms["request"], notify=Notify(webhooks=(hook,)), workflow=WORKFLOW)
    return {**forms, "request": form}


def webhook_sender(store: Store, root: Path, forms: dict[str, Any], clock: Any, *, secret: str = SECRET,
                   **overrides: Any) -> Sender:
    settings = notify_settings(root, "sqlite:///unused.db", "smtp://127.0.0.1:25")
    settings = NotifySettings(**{**settings.__dict__, "smtp": None, "webhook_secrets": {VARIABLE: secret},
                                 **overrides})
    return Sender(store, context_for(settings, forms, Organisation()), settings, clock=clock)


def received_case(at: Any, language: str = "ar") -> Any:
    return dataclasses.replace(submission(language, at=at), case_state="received", state_since=at)


def test_a_delivery_is_signed_checked_by_the_documented_code_and_logged(
        open_planned: Callable[..., Store], notify_root: Path, notify_forms: dict[str, Any], receiver: Receiver,
        clock: Any) -> None:
    forms = with_webhook(notify_forms, receiver.url)
    planned_store = open_planned(forms, OutboxPlanner(forms, email=False))  # webhooks only: no e-mail settings
    sender = webhook_sender(planned_store, notify_root, forms, clock)
    sub = received_case(clock())
    planned_store.insert_batch([sub])
    (row,) = rows(planned_store)  # no e-mail settings: the webhook only
    assert (row.kind, row.recipient, row.language) == ("webhook", "", "ar")
    assert CANARY not in row.detail

    assert send_all(sender) == 1
    (post,) = receiver.posts
    assert post["verified"] and post["status"] == 200
    headers = post["headers"]
    assert headers[DELIVERY_HEADER] == row.token and headers[EVENT_HEADER] == "submitted"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    timestamp = int(re.fullmatch(r"t=(\d+),v1=[0-9a-f]{64}", headers[SIGNATURE_HEADER])[1])  # type: ignore[index]
    assert timestamp == int(clock().timestamp())
    assert headers[SIGNATURE_HEADER] == signature(SECRET, timestamp, post["body"])
    payload = json.loads(post["body"])
    assert payload == {
        "id": row.token, "event": "submitted", "form": "request", "form_title": dict(forms["request"].title),
        "reference": sub.reference, "time": sub.submitted_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "language": "ar", "state": {"id": "received", "public": {"ar": "استلمنا طلبك", "en": "We received it"}}}
    assert CANARY.encode() not in post["body"] and b"sara@example.org" not in post["body"]

    (sent,) = rows(planned_store)
    assert (sent.status, sent.attempts) == ("sent", 1)
    (tried,) = planned_store.outbox_tries([sent.id])[sent.id]
    assert (tried.status_code, tried.error, tried.at) == (200, "", clock())
    assert 0 <= tried.duration_ms < 30_000
    # No webhook read the submission: nothing audited.
    assert [e for e in planned_store.audit_entries() if e["action"] == "webhook-read"] == []


def test_a_receiver_answering_500_then_200_gets_the_delivery_once(
        open_planned: Callable[..., Store], notify_root: Path, notify_forms: dict[str, Any], receiver: Receiver,
        clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    receiver.answers = [500]
    forms = with_webhook(notify_forms, receiver.url)
    planned_store = open_planned(forms, OutboxPlanner(forms, email=False))  # webhooks only: no e-mail settings
    sender = webhook_sender(planned_store, notify_root, forms, clock)
    contexts_made: list[object] = []  # the CA bundle is read once, when the sender is made, not per batch
    make_context = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context",
                        lambda *a, **k: contexts_made.append(a or k) or make_context(*a, **k))
    planned_store.insert_batch([received_case(clock())])
    first = clock()
    assert send_all(sender) == 1
    (waiting,) = rows(planned_store)
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("pending", 1, "HTTP 500")
    assert waiting.next_attempt_at == first + dt.timedelta(seconds=BACKOFF[0])
    assert send_all(sender) == 0  # not due yet
    clock.move(BACKOFF[0])
    assert send_all(sender) == 1
    assert [p["status"] for p in receiver.posts] == [500, 200]
    assert {p["headers"][DELIVERY_HEADER] for p in receiver.posts} == {waiting.token}  # one id on every try
    assert list(receiver.accepted) == [waiting.token]
    (done,) = rows(planned_store)
    assert (done.status, done.attempts) == ("sent", 2)
    tries = planned_store.outbox_tries([done.id])[done.id]
    assert [(t.at, t.status_code, t.error) for t in tries] == [(first, 500, "HTTP 500"), (clock(), 200, "")]
    assert contexts_made == []


def test_each_delivery_is_recorded_before_its_slot_posts_the_next(
        open_planned: Callable[..., Store], notify_root: Path, notify_forms: dict[str, Any], receiver: Receiver,
        clock: Any) -> None:
    """When a post arrives, every delivery answered 2xx before it is recorded, but for at
    most one per other post in flight: a kill re-posts at most CONCURRENCY."""
    from generator.notify.webhooks import CONCURRENCY

    forms = with_webhook(notify_forms, receiver.url)
    planned_store = open_planned(forms, OutboxPlanner(forms, email=False))
    planned_store.insert_batch([received_case(clock()) for _ in range(24)])
    unrecorded: list[int] = []
    receiver.before_answer = lambda: unrecorded.append(len(receiver.accepted) - planned_store.outbox_counts()["sent"])
    sender = webhook_sender(planned_store, notify_root, forms, clock)
    try:
        assert send_all(sender) == 24
    finally:
        sender.close()
    assert len(receiver.accepted) == 24 and len(unrecorded) == 24
    assert max(unrecorded) <= CONCURRENCY - 1, unrecorded  # recorded at the batch's end it reaches 23
    assert {(r.status, r.attempts) for r in rows(planned_store)} == {("sent", 1)}


def test_a_wrong_secret_is_caught_by_the_receiver_code(
        open_planned: Callable[..., Store], notify_root: Path, notify_forms: dict[str, Any], receiver: Receiver,
        clock: Any) -> None:
    forms = with_webhook(notify_forms, receiver.url)
    planned_store = open_planned(forms, OutboxPlanner(forms, email=False))  # webhooks only: no e-mail settings
    sender = webhook_sender(planned_store, notify_root, forms, clock, secret="not-the-receivers-secret")
    planned_store.insert_batch([received_case(clock())])
    assert send_all(sender) == 1
    (post,) = receiver.posts
    assert (post["verified"], post["status"]) == (False, 401) and receiver.accepted == {}
    (row,) = rows(planned_store)
    assert (row.status, row.last_error) == ("pending", "HTTP 401")
    # The documented code also refuses a changed body and an old or missing timestamp.
    verify, body, now = documented_verify(), post["body"], clock().timestamp()
    good = signature(SECRET, int(now), body)
    assert verify(SECRET, good, body, now=now)
    assert not verify(SECRET, good, body.replace(b"received", b"accepted"), now=now)
    assert not verify(SECRET, good, body, now=now + 301)
    assert not verify(SECRET, good.split(",")[1], body, now=now)
    assert not verify(SECRET, "", body, now=now)


def test_answers_and_contact_only_when_asked_and_answers_over_https_only(
        open_planned: Callable[..., Store], notify_root: Path, notify_forms: dict[str, Any], receiver: Receiver,
        clock: Any) -> None:
    forms = with_webhook(notify_forms, receiver.url, include_answers=True, include_contact=True)
    planned_store = open_planned(forms, OutboxPlanner(forms, email=False))  # webhooks only: no e-mail settings
    # http://127.0.0.1 without the test-only switch: contact details, never answers.
    sender = webhook_sender(planned_store, notify_root, forms, clock)
    first = received_case(clock())
    planned_store.insert_batch([first])
    assert send_all(sender) == 1
    payload = json.loads(receiver.posts[-1]["body"])
    assert "answers" not in payload and CANARY.encode() not in receiver.posts[-1]["body"]
    assert payload["contact"] == {"mobile": None, "email": "sara@example.org"}
    # With the switch (standing in for https here): the answers too, and the read is audited.
    sender = webhook_sender(planned_store, notify_root, forms, clock, loopback_answers=True)
    second = received_case(clock(), "en")
    planned_store.insert_batch([second])
    assert send_all(sender) == 1
    payload = json.loads(receiver.posts[-1]["body"])
    assert payload["answers"] == second.answers and payload["language"] == "en"
    audited = [(e["actor"], e["action"], e["detail"]) for e in planned_store.audit_entries()
               if e["action"] == "webhook-read"]
    assert sorted(audited) == sorted([("webhooks", "webhook-read", f"reference={r.reference} webhook=crm")
                                      for r in (first, second)])
    assert all(p["verified"] for p in receiver.posts)


def test_a_state_change_queues_a_delivery_in_its_own_transaction(
        open_planned: Callable[..., Store], notify_root: Path, notify_forms: dict[str, Any], receiver: Receiver,
        clock: Any) -> None:
    forms = with_webhook(notify_forms, receiver.url, events=("state_changed",))
    planned_store = open_planned(forms, OutboxPlanner(forms, email=False))  # webhooks only: no e-mail settings
    sender = webhook_sender(planned_store, notify_root, forms, clock)
    sub = received_case(clock(), "en")
    planned_store.insert_batch([sub])
    assert rows(planned_store) == []  # told of state changes only
    clock.move(3600)
    cases.move(planned_store, forms["request"], sub, to_state="accepted", actor="amal@qalb.example",
               expected_version=0, now=clock())
    (row,) = rows(planned_store)
    assert json.loads(row.detail) == {"webhook": "crm", "event": "state_changed", "state": "accepted"}
    assert send_all(sender) == 1
    payload = json.loads(receiver.posts[-1]["body"])
    assert (payload["event"], payload["state"], payload["language"]) == (
        "state_changed", {"id": "accepted", "public": {"ar": "قُبل طلبك", "en": "Accepted"}}, "en")
    assert payload["time"] == clock().isoformat(timespec="seconds").replace("+00:00", "Z")
    # A change refused as stale queues nothing.
    with pytest.raises(CaseChanged):
        cases.move(planned_store, forms["request"], sub, to_state="accepted", actor="a", expected_version=0,
                   now=clock())
    assert len(rows(planned_store)) == 1


def test_a_delivery_that_never_succeeds_fails_and_is_retried_by_an_admin(
        open_planned: Callable[..., Store], notify_root: Path, notify_forms: dict[str, Any], receiver: Receiver,
        clock: Any) -> None:
    receiver.answers = [503] * MAX_ATTEMPTS
    forms = with_webhook(notify_forms, receiver.url)
    planned_store = open_planned(forms, OutboxPlanner(forms, email=False))  # webhooks only: no e-mail settings
    sender = webhook_sender(planned_store, notify_root, forms, clock)
    planned_store.insert_batch([received_case(clock())])
    for attempt in range(MAX_ATTEMPTS):
        assert send_all(sender) == 1
        if attempt < MAX_ATTEMPTS - 1:
            clock.move(BACKOFF[attempt])
    (failed,) = admin.failed_messages(planned_store)
    assert (failed.kind, failed.attempts, failed.last_error) == ("webhook", MAX_ATTEMPTS, "HTTP 503")
    assert [t.status_code for t in planned_store.outbox_tries([failed.id])[failed.id]] == [503] * MAX_ATTEMPTS
    assert admin.retry_message(planned_store, failed.id, who="admin@qalb.example", now=clock())
    assert send_all(sender) == 1
    assert list(receiver.accepted) == [failed.token] and rows(planned_store)[0].status == "sent"


def test_without_its_secret_a_webhook_waits_and_says_why(
        open_planned: Callable[..., Store], notify_root: Path, notify_forms: dict[str, Any], receiver: Receiver,
        clock: Any) -> None:
    forms = with_webhook(notify_forms, receiver.url)
    planned_store = open_planned(forms, OutboxPlanner(forms, email=False))  # webhooks only: no e-mail settings
    sender = webhook_sender(planned_store, notify_root, forms, clock, secret="")
    planned_store.insert_batch([received_case(clock())])
    assert send_all(sender) == 1
    assert receiver.posts == []
    (row,) = rows(planned_store)
    assert (row.status, row.last_error) == ("pending", "no-secret")


def test_secrets_are_read_from_the_files_their_variables_name(tmp_path: Path) -> None:
    secret_file = tmp_path / "crm.secret"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    settings = Config(tmp_path, {VARIABLE: str(secret_file), "QALB_WEBHOOK_EMPTY_SECRET_FILE": ""}).notify
    assert settings.webhook_secrets == {VARIABLE: SECRET} and not settings.enabled
    assert not settings.loopback_answers
    assert Config(tmp_path, {"QALB_WEBHOOK_TEST_LOOPBACK_ANSWERS": "1"}).notify.loopback_answers


def test_the_endpoint_posts_webhooks_without_any_email_settings(
        store_url: str, notify_root: Path, notify_forms: dict[str, Any], receiver: Receiver,
        live: Callable[[Any], Any], caplog: pytest.LogCaptureFixture) -> None:
    import logging
    import time

    import httpx

    from generator.endpoint.app import create_app
    from tests.support.fixtures import make_settings

    caplog.set_level(logging.INFO)
    forms = with_webhook(notify_forms, receiver.url)
    settings = notify_settings(notify_root, store_url, "smtp://127.0.0.1:25")
    settings = NotifySettings(**{**settings.__dict__, "smtp": None, "webhook_secrets": {VARIABLE: SECRET}})
    receiver.clock = lambda: dt.datetime.now(dt.timezone.utc)  # the endpoint signs with the real time
    server = live(create_app(settings=make_settings(notify_root, store_url), forms=forms, notify=settings))
    assert "e-mail notifications are off (QALB_SMTP_URL is not set); webhooks are on" in caplog.text
    answer = httpx.post(f"{server.url}/api/forms/request", timeout=20,
                        data={"full_name": f"{CANARY}-name", "message": CANARY, "email": "sara@example.org",
                              "lang": "en"}, verify=default_tls_context())
    assert answer.status_code == 303
    reference = answer.headers["location"].split("ref=")[1]
    deadline = time.monotonic() + 20
    while not receiver.accepted and time.monotonic() < deadline:
        time.sleep(0.02)  # a deadline for the sender woken by the commit, not a fixed wait
    (payload,) = receiver.accepted.values()
    assert (payload["reference"], payload["event"], payload["language"]) == (reference, "submitted", "en")
    assert CANARY.encode() not in receiver.posts[0]["body"]
    store = server.open_store()
    try:
        assert {m.kind for m in store.outbox_messages()} == {"webhook"}  # and no e-mail queued
    finally:
        store.close()


def test_the_worked_example_in_the_docs_is_valid_python() -> None:
    page = (PROJECT_ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) == 2
    for block in blocks:
        compile(block, "docs/webhooks.md", "exec")


def test_a_delivery_that_cannot_be_built_fails_at_once_and_the_rest_go(
        open_planned: Callable[..., Store], notify_root: Path, notify_forms: dict[str, Any], receiver: Receiver,
        clock: Any) -> None:
    from generator.submissions.db.outbox import PlannedMessage
    from generator.submissions.notices import webhook_detail

    forms = with_webhook(notify_forms, receiver.url)
    planned_store = open_planned(forms, OutboxPlanner(forms, email=False))  # webhooks only: no e-mail settings
    sender = webhook_sender(planned_store, notify_root, forms, clock)
    sub = received_case(clock())
    planned_store.insert_batch([sub])  # one good delivery
    planned_store.queue_messages(sub.reference, [PlannedMessage(  # a state the form file no longer has
        "webhook", "", "ar", webhook_detail("crm", "state_changed", "removed-state"))], clock())
    assert send_all(sender) == 2
    assert len(receiver.accepted) == 1
    (failed,) = admin.failed_messages(planned_store)
    assert (failed.last_error, failed.attempts) == ("KeyError", 1)
    assert [t.error for t in planned_store.outbox_tries([failed.id])[failed.id]] == ["KeyError"]
