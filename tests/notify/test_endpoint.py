"""The endpoint queues messages in the submission's transaction and sends them:
in-process (a live uvicorn server) and as the real `python -m generator endpoint`
process killed with SIGKILL between the commit and the send (QALB_NOTIFY_FAULT,
a fault-injection point, not a sleep): after a restart each message arrives once."""
from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from generator.endpoint.app import create_app
from generator.submissions.secure_store import open_secure_store
from tests.support.endpoint_process import run_endpoint
from tests.support.fixtures import LiveServer, default_tls_context, make_settings
from tests.support.postgres import free_port

from .conftest import CANARY, MAIL_FROM, SmtpServer, notify_settings


def post(base: str, lang: str, email: str | None = "sara@example.org") -> httpx.Response:
    data = {"full_name": f"{CANARY}-name", "message": f"{CANARY} ضيق في التنفس", "lang": lang}
    if email:
        data["email"] = email
    return httpx.post(f"{base}/api/forms/request", data=data, timeout=20, verify=default_tls_context())


def test_a_submission_is_told_to_staff_and_confirmed_to_the_applicant(
        store_url: str, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer,
        live: Callable[[Any], LiveServer], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    app = create_app(settings=make_settings(notify_root, store_url), forms=notify_forms,
                     notify=notify_settings(notify_root, store_url, smtp.url))
    server = live(app)
    answer = post(server.url, "ar")
    assert answer.status_code == 303
    reference = answer.headers["location"].split("ref=")[1]
    received = smtp.mailbox.wait_for(3)  # woken by the commit, not by a timer
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == [
        "Duty@Qalb.example", "requests@qalb.example", "sara@example.org"]
    assert all(reference in str(m["Subject"]) for m in received)
    assert all(CANARY.encode() not in raw for raw in smtp.mailbox.raw)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("qalb"))
    assert CANARY not in ours and "sara@example.org" not in ours
    store = server.open_store()
    try:
        deadline = time.monotonic() + 20
        while store.outbox_counts()["sent"] < 3 and time.monotonic() < deadline:
            time.sleep(0.02)  # the outcome is recorded just after the server said 250
        assert store.outbox_counts() == {"pending": 0, "sent": 3, "failed": 0}
    finally:
        store.close()


def test_without_an_smtp_url_nothing_is_queued_and_the_start_says_so(
        tmp_path: Path, notify_root: Path, notify_forms: dict[str, Any], live: Callable[[Any], LiveServer],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    url = f"sqlite:///{tmp_path / 'off.db'}"
    server = live(create_app(settings=make_settings(notify_root, url), forms=notify_forms))
    assert "e-mail notifications are off (QALB_SMTP_URL is not set)" in caplog.text
    assert post(server.url, "en").status_code == 303
    store = server.open_store()
    try:
        assert store.count("request") == 1 and store.outbox_messages() == []
    finally:
        store.close()


def start_endpoint(root: Path, database_url: str, smtp: SmtpServer, log: Path, **extra: str
                   ) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {"DATABASE_URL": database_url, "QALB_RATE_LIMIT": "off", "QALB_SITE_DIR": str(log.parent / "no-site"),
           "QALB_SMTP_URL": smtp.url, "QALB_MAIL_FROM": MAIL_FROM[1], "QALB_SITE_URL": "https://qalb.example/",
           **extra}
    return run_endpoint(root, env, port, log), f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("fault", ["after-commit", "before-send"])
def test_killed_between_commit_and_send_the_message_arrives_once_after_restart(
        fault: str, store_url: str, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer,
        tmp_path: Path) -> None:
    log = tmp_path / "endpoint.log"
    timing = {"QALB_NOTIFY_LEASE_SECONDS": "1", "QALB_NOTIFY_POLL_SECONDS": "1"}
    process, base = start_endpoint(notify_root, store_url, smtp, log, QALB_NOTIFY_FAULT=fault, **timing)
    try:
        post(base, "en")  # committed; the process dies at the fault point, before or after it answers
    except httpx.TransportError:
        pass
    assert process.wait(timeout=30) == -9, log.read_text(errors="replace")[-2000:]
    assert smtp.mailbox.raw == []

    settings = notify_settings(notify_root, store_url, smtp.url)
    store = open_secure_store(settings, notify_forms)
    try:
        queued = store.outbox_messages()
        assert len(queued) == 3 and {m.status for m in queued} == {"pending"}
        assert {m.attempts for m in queued} == {0}  # claimed (before-send), then killed: no try counted
        process, base = start_endpoint(notify_root, store_url, smtp, log, **timing)
        try:
            received = smtp.mailbox.wait_for(3)
            deadline = time.monotonic() + 20
            while store.outbox_counts()["sent"] < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            process.terminate()
            process.wait(timeout=30)
        assert len(smtp.mailbox.raw) == 3  # once each, also after the sender stopped
        assert sorted(m["Message-ID"] for m in received) == sorted(f"<{m.token}@qalb.example>" for m in queued)
        # Taken over from the killed sender after its lease: one try, not two.
        assert {(m.status, m.attempts) for m in store.outbox_messages()} == {("sent", 1)}
        assert store.count("request") == 1
    finally:
        store.close()
    output = log.read_text(errors="replace")
    assert f"QALB_NOTIFY_FAULT={fault}" in output and CANARY not in output
