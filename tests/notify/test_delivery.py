"""Messages go from the outbox to a real SMTP server (aiosmtpd on 127.0.0.1), on
SQLite and PostgreSQL: their headers and parts in both languages, no answer in
any of them, retries when the server is down, "failed" after the last try and
a retry from the workspace, and two senders at once sending each message once."""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from email.header import decode_header
from pathlib import Path
from typing import Any

import pytest

from generator.core import i18n
from generator.core.organisation import Settings as Organisation
from generator.notify import admin
from generator.notify.sender import BACKOFF, CONNECTIONS, MAX_ATTEMPTS, Sender, context_for
from generator.submissions.store import Store

from .conftest import CANARY, SmtpServer, notify_settings
from .helpers import rows, send_all, submission

ORG = Organisation(site_url="https://unused.example/", organisation={"name": {"ar": "جمعية قلب", "en": "Qalb"}})


def make_sender(store: Store, root: Path, forms: dict[str, Any], smtp: SmtpServer, clock: Any, **options: Any
                ) -> Sender:
    settings = notify_settings(root, "sqlite:///unused.db", smtp.url)
    return Sender(store, context_for(settings, forms, ORG), settings, clock=clock, **options)


def part(message: Any, subtype: str) -> str:
    found = [p for p in message.walk() if p.get_content_type() == f"text/{subtype}"]
    assert len(found) == 1, message
    return str(found[0].get_content())


def test_messages_carry_their_headers_both_languages_and_no_answer(
        planned_store: Store, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer, clock: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ar, en = submission("ar", email="sara@example.org"), submission("en", email="john@example.org")
    planned_store.insert_batch([ar, en])
    queued = {row.token: row for row in rows(planned_store)}
    # Each submission: the form's two shared mailboxes (Arabic) and the applicant (their language).
    assert sorted((r.reference, r.kind, r.language, r.recipient) for r in queued.values()) == sorted([
        (ar.reference, "staff-alert", "ar", "requests@qalb.example"), (ar.reference, "staff-alert", "ar", "Duty@Qalb.example"),
        (ar.reference, "applicant-confirmation", "ar", "sara@example.org"),
        (en.reference, "staff-alert", "ar", "requests@qalb.example"), (en.reference, "staff-alert", "ar", "Duty@Qalb.example"),
        (en.reference, "applicant-confirmation", "en", "john@example.org")])

    sender = make_sender(planned_store, notify_root, notify_forms, smtp, clock)
    assert send_all(sender) == 6
    received = smtp.mailbox.wait_for(6)
    assert len(received) == 6

    for raw in smtp.mailbox.raw:
        assert CANARY.encode() not in raw  # the raw bytes as the server got them
    title = notify_forms["request"].title
    by_id = {}
    for message, raw, (mail_from, rcpt) in zip(received, smtp.mailbox.raw, smtp.mailbox.envelopes):
        token = re.fullmatch(r"<([0-9a-f]{32})@qalb\.example>", message["Message-ID"])[1]  # type: ignore[index]
        row = queued[token]
        by_id[token] = message
        assert (mail_from, rcpt) == ("noreply@qalb.example", [row.recipient])
        assert message["To"].addresses[0].addr_spec == row.recipient
        assert message["Auto-Submitted"] == "auto-generated"
        assert message.get_content_type() == "multipart/alternative"
        text, html = part(message, "plain"), part(message, "html")
        for body in (text, html, str(message["Subject"])):
            assert CANARY not in body and "ألم في الصدر" not in body
        assert row.reference in text and row.reference in html
        direction = "rtl" if row.language == "ar" else "ltr"
        assert f'<html lang="{row.language}" dir="{direction}">' in html
        # Display name and subject: RFC 2047 encoded words in the raw header, Arabic when decoded.
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        display = message["From"].addresses[0].display_name
        assert display == ("جمعية قلب" if row.language == "ar" else "Qalb")
        if row.language == "ar":
            assert re.search(r"^From: =\?utf-8\?[bq]\?", head, re.M | re.I)
            assert re.search(r"^Subject: =\?utf-8\?[bq]\?", head, re.M | re.I)
            assert str(decode_header(head.split("From: ", 1)[1].split(" <", 1)[0])[0][0], "utf-8") == "جمعية قلب"
        if row.kind == "staff-alert":
            assert message["Subject"] == i18n.gettext("ar", "New submission %(reference)s: %(form)s",
                                                      reference=row.reference, form=title["ar"])
            assert f"https://staff.qalb.example/staff/submissions/{row.reference}" in text
            assert i18n.gettext("ar", "Form: %(form)s", form=title["ar"]) in text
        else:
            lang = row.language
            assert message["Subject"] == i18n.gettext(lang, "We received your request %(reference)s",
                                                      reference=row.reference)
            status = "https://qalb.example/status/" if lang == "ar" else "https://qalb.example/en/status/"
            assert status in text and f'href="{status}"' in html
            after = {"ar": "سيتواصل معك فريقنا خلال أسبوعين.", "en": "Our team will contact you within two weeks."}
            assert after[lang] in text  # "what happens next", from the form file
            assert "staff/submissions" not in text  # applicants get no workspace link
    assert len(by_id) == 6  # one Message-ID each
    # Sent rows keep no address; the logs name no address and no answer.
    assert {(r.status, r.recipient) for r in rows(planned_store)} == {("sent", "")}
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("qalb"))  # ours, not aiosmtpd's
    assert CANARY not in logged and "sara@example.org" not in logged and "requests@qalb.example" not in logged
    assert "sent message" in logged


def test_a_message_waits_while_the_server_is_down_and_arrives_after_a_retry(
        planned_store: Store, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer, clock: Any) -> None:
    smtp.stop()
    sub = submission("en", email=None)  # no address given: the two staff alerts only
    planned_store.insert_batch([sub])
    sender = make_sender(planned_store, notify_root, notify_forms, smtp, clock)
    assert send_all(sender) == 2 and smtp.mailbox.raw == []
    waiting = rows(planned_store)
    assert {(r.status, r.attempts) for r in waiting} == {("pending", 1)}
    assert {r.next_attempt_at - clock() for r in waiting} == {__import__("datetime").timedelta(seconds=BACKOFF[0])}
    assert all(r.last_error.startswith("SMTP") for r in waiting) and all("@" not in r.last_error for r in waiting)
    assert send_all(sender) == 0  # not due yet
    smtp.start()
    clock.move(BACKOFF[0])
    assert send_all(sender) == 2
    received = smtp.mailbox.wait_for(2)
    assert sorted(m["Message-ID"] for m in received) == sorted(f"<{r.token}@qalb.example>" for r in waiting)
    assert {(r.status, r.attempts) for r in rows(planned_store)} == {("sent", 2)}


def test_a_message_that_fails_every_try_is_failed_then_retried_from_the_workspace(
        planned_store: Store, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer, clock: Any) -> None:
    smtp.stop()
    sub = submission("ar")
    planned_store.insert_batch([sub])
    sender = make_sender(planned_store, notify_root, notify_forms, smtp, clock)
    started = clock()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert send_all(sender) == 3, f"try {attempt}"
        if attempt < MAX_ATTEMPTS:
            assert {r.status for r in rows(planned_store)} == {"pending"}
            clock.move(BACKOFF[attempt - 1])
    assert MAX_ATTEMPTS >= 6 and (clock() - started).total_seconds() >= 24 * 3600  # 6+ tries over a day
    failed = admin.failed_messages(planned_store)
    assert len(failed) == 3 and {m.attempts for m in failed} == {MAX_ATTEMPTS}
    clock.move(10 * 24 * 3600)
    assert send_all(sender) == 0  # failed is final until someone retries
    smtp.start()
    target = next(m for m in failed if m.kind == "applicant-confirmation")
    assert admin.retry_message(planned_store, target.id, who="admin@qalb", now=clock()) is True
    assert admin.retry_message(planned_store, target.id, who="admin@qalb", now=clock()) is False  # not failed now
    assert send_all(sender) == 1
    (message,) = smtp.mailbox.wait_for(1)
    assert message["Message-ID"] == f"<{target.token}@qalb.example>"
    assert {m.id for m in admin.failed_messages(planned_store)} == {m.id for m in failed} - {target.id}
    entries = [e for e in planned_store.audit_entries() if e["action"] == "notify-retry"]
    assert [(e["actor"], e["form_id"], e["detail"]) for e in entries] == [("admin@qalb", "request", f"message={target.id}")]


def test_a_refused_mailbox_fails_at_once(planned_store: Store, notify_root: Path, notify_forms: dict[str, Any],
                                         smtp: SmtpServer, clock: Any) -> None:
    smtp.mailbox.refuse.add("sara@example.org")
    planned_store.insert_batch([submission("ar")])
    sender = make_sender(planned_store, notify_root, notify_forms, smtp, clock)
    assert send_all(sender) == 3
    assert len(smtp.mailbox.wait_for(2)) == 2  # the staff alerts went; the refusal did not stop them
    (failed,) = admin.failed_messages(planned_store)
    assert failed.kind == "applicant-confirmation" and failed.attempts == 1
    assert failed.last_error == "SMTPRecipientsRefused 550"


def test_two_senders_at_once_send_each_message_once(planned_store: Store, store_url: str, notify_root: Path,
                                                     notify_forms: dict[str, Any], smtp: SmtpServer, clock: Any) -> None:
    from generator.submissions.secure_store import open_secure_store

    subs = [submission("ar" if i % 2 else "en") for i in range(30)]
    planned_store.insert_batch(subs)
    expected = {r.token for r in rows(planned_store)}
    assert len(expected) == 90
    other = open_secure_store(notify_settings(notify_root, store_url, smtp.url), notify_forms)
    senders = [make_sender(planned_store, notify_root, notify_forms, smtp, clock, name="one", batch=4),
               make_sender(other, notify_root, notify_forms, smtp, clock, name="two", batch=4)]
    start = threading.Barrier(2)
    claimed: dict[str, int] = {}

    def work(sender: Sender) -> None:
        start.wait()
        claimed[sender.name] = send_all(sender)

    try:
        threads = [threading.Thread(target=work, args=(sender,)) for sender in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for sender in senders:
            sender.close()
        other.close()
    received = smtp.mailbox.wait_for(90)
    ids = [m["Message-ID"] for m in received]
    assert len(ids) == 90 and len(set(ids)) == 90  # each message once
    assert set(ids) == {f"<{token}@qalb.example>" for token in expected}
    assert sum(claimed.values()) == 90 and senders[0].sent + senders[1].sent == 90
    assert {(r.status, r.attempts) for r in rows(planned_store)} == {("sent", 1)}


def test_nothing_is_queued_for_suspected_spam_and_no_confirmation_without_an_address(
        planned_store: Store) -> None:
    planned_store.insert_batch([submission("ar", status="suspected-spam"), submission("en", email=None)])
    assert sorted(r.kind for r in rows(planned_store)) == ["staff-alert", "staff-alert"]


def test_released_spam_queues_what_a_submission_causes(planned_store: Store) -> None:
    spam, ordinary = submission("en", status="suspected-spam"), submission("en")
    planned_store.insert_batch([spam])
    assert rows(planned_store) == []
    assert planned_store.release_spam(spam.reference)
    planned_store.insert_batch([ordinary])

    def queued(reference: str) -> list[tuple[str, str]]:
        return sorted((r.kind, r.recipient) for r in rows(planned_store) if r.reference == reference)

    assert queued(spam.reference) == queued(ordinary.reference)
    assert ("applicant-confirmation", "sara@example.org") in queued(spam.reference)
    assert not planned_store.release_spam(spam.reference)  # once
    assert len(queued(spam.reference)) == len(queued(ordinary.reference))


def test_staff_accounts_with_alerts_come_from_the_one_query(planned_store: Store, monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    # Each account alerted gets it in its own language, and an address is told once.
    monkeypatch.setattr(planned_store, "alert_accounts", lambda cur, form_id: [
        ("caseworker@qalb.example", "en"), ("REQUESTS@qalb.example", "en")])
    planned_store.insert_batch([submission("ar", email=None)])
    assert sorted((r.recipient, r.language) for r in rows(planned_store)) == [
        ("Duty@Qalb.example", "ar"), ("REQUESTS@qalb.example", "en"), ("caseworker@qalb.example", "en")]


def test_alerts_go_to_the_accounts_that_may_see_the_form(planned_store: Store) -> None:
    """Set-up, enabled admins and caseworkers of the form with alerts on; never a viewer."""
    at = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)

    def account(email: str, role: str, forms: list[str], *, ready: bool = True, **values: Any) -> int:
        number = planned_store.add_account(email=email, name=email, role=role, forms=forms, at=at)
        if ready:
            planned_store.update_account(number, password_hash="argon2-hash", **values)
        return number

    account("admin@qalb.example", "admin", [], language="en")
    account("case@qalb.example", "caseworker", ["request"])
    account("other-form@qalb.example", "caseworker", ["volunteer"])
    account("viewer@qalb.example", "viewer", ["request"])
    account("gone@qalb.example", "caseworker", ["request"], disabled=True)
    account("not-set-up@qalb.example", "caseworker", ["request"], ready=False)
    quiet = account("quiet@qalb.example", "caseworker", ["request"])
    with planned_store._transaction() as cur:
        cur.execute(planned_store._sql("UPDATE staff_accounts SET alerts = 0 WHERE id = ?"), (quiet,))
        assert planned_store.alert_accounts(cur, "request") == [("admin@qalb.example", "en"),
                                                                 ("case@qalb.example", "ar")]


def test_no_planner_means_nothing_is_queued(store: Store) -> None:
    store.insert_batch([submission("ar")])
    assert rows(store) == []


def test_deleting_a_submission_deletes_its_messages(planned_store: Store) -> None:
    sub = submission("ar")
    planned_store.insert_batch([sub, submission("en")])
    assert planned_store.delete_references([sub.reference]) == 1
    left = rows(planned_store)
    assert len(left) == 3 and sub.reference not in {r.reference for r in left}


def test_a_crashed_senders_claim_is_taken_over_after_the_lease(
        planned_store: Store, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer, clock: Any) -> None:
    planned_store.insert_batch([submission("en", email=None)])
    settings = notify_settings(notify_root, "sqlite:///unused.db", smtp.url)
    claimed = planned_store.claim_outbox("dead-sender", clock(), settings.lease, 10)  # then it died
    assert len(claimed) == 2
    sender = make_sender(planned_store, notify_root, notify_forms, smtp, clock)
    assert send_all(sender) == 0  # held by the other sender
    clock.move(settings.lease.total_seconds() + 1)
    assert send_all(sender) == 2
    assert len(smtp.mailbox.wait_for(2)) == 2
    assert {(r.status, r.attempts) for r in rows(planned_store)} == {("sent", 1)}  # the dead claim was no try


def test_claims_by_killed_senders_are_no_tries(planned_store: Store, notify_root: Path, notify_forms: dict[str, Any],
                                               smtp: SmtpServer, clock: Any) -> None:
    """Seven claims by senders that died, then one temporary error: the first try, not the last."""
    planned_store.insert_batch([submission("en", email=None)])
    lease = notify_settings(notify_root, "sqlite:///unused.db", smtp.url).lease
    for number in range(MAX_ATTEMPTS):
        assert len(planned_store.claim_outbox(f"killed-{number}", clock(), lease, 10)) == 2
        clock.move(lease.total_seconds() + 1)
    smtp.stop()
    sender = make_sender(planned_store, notify_root, notify_forms, smtp, clock)
    assert send_all(sender) == 2
    assert {(r.status, r.attempts) for r in rows(planned_store)} == {("pending", 1)}
    assert {r.next_attempt_at - clock() for r in rows(planned_store)} == {dt.timedelta(seconds=BACKOFF[0])}


def test_each_outcome_is_recorded_before_its_connection_hands_over_the_next(
        planned_store: Store, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer, clock: Any) -> None:
    """When a message arrives, every message accepted before it is recorded as sent, but
    for at most one per other connection: so a kill re-sends at most one per connection."""
    planned_store.insert_batch([submission("ar" if i % 2 else "en") for i in range(12)])
    unrecorded: list[int] = []

    def before_accept(raw: bytes) -> None:
        unrecorded.append(len(smtp.mailbox.raw) - planned_store.outbox_counts()["sent"])

    smtp.mailbox.before_accept = before_accept
    sender = make_sender(planned_store, notify_root, notify_forms, smtp, clock)
    try:
        assert send_all(sender) == 36  # one batch (50)
    finally:
        sender.close()
    assert len(smtp.mailbox.wait_for(36)) == 36 and len(unrecorded) == 36
    assert max(unrecorded) <= CONNECTIONS - 1, unrecorded  # the batch's end would be 35
    assert {(r.status, r.attempts) for r in rows(planned_store)} == {("sent", 1)}
    if planned_store.dialect == "sqlite":  # outcomes commit without a flush; the connection keeps FULL after
        from generator.submissions.db.outbox import Outcome

        planned_store.finish_outbox("nobody", [Outcome(10**9, "sent")], clock())
        assert planned_store._conn().execute("PRAGMA synchronous").fetchone()[0] == 2


def test_when_outcomes_cannot_be_recorded_no_connection_sends_another(
        planned_store: Store, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer, clock: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    planned_store.insert_batch([submission("ar" if i % 2 else "en") for i in range(12)])

    def gone(*args: Any) -> None:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(planned_store, "finish_outbox", gone)
    sender = make_sender(planned_store, notify_root, notify_forms, smtp, clock)
    try:
        with pytest.raises(ConnectionError, match="went away"):
            send_all(sender)
    finally:
        sender.close()
    assert 1 <= len(smtp.mailbox.raw) <= CONNECTIONS  # each connection stopped after its first, unrecorded
    assert {(r.status, r.attempts) for r in rows(planned_store)} == {("pending", 0)}  # they wait for the lease


def test_a_sender_renews_its_claims_while_a_slow_server_takes_its_time(
        planned_store: Store, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer, clock: Any) -> None:
    planned_store.insert_batch([submission("en", email=None)])  # two staff alerts
    lease = notify_settings(notify_root, "sqlite:///unused.db", smtp.url).lease
    arrived, release = threading.Event(), threading.Event()

    def slow(raw: bytes) -> None:  # holds the server (both connections) until the test lets go
        arrived.set()
        assert release.wait(timeout=60)

    smtp.mailbox.before_accept = slow
    sender = make_sender(planned_store, notify_root, notify_forms, smtp, clock, renew_every=0.05)
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(send_all(sender)))
    worker.start()
    try:
        assert arrived.wait(timeout=30)
        clock.move(lease.total_seconds() + 1)  # the claim's own time is now older than the lease
        renewed = planned_store._time_to_db(clock())
        deadline = time.monotonic() + 30
        while True:  # the renewal: both claims carry the moved clock's time
            cur = planned_store._conn().cursor()
            cur.execute(planned_store._sql("SELECT COUNT(*) FROM outbox WHERE claimed_at = ?"), (renewed,))
            if cur.fetchone()[0] == 2:
                break
            assert time.monotonic() < deadline, "the claims were not renewed"
            time.sleep(0.02)
        assert planned_store.claim_outbox("another-sender", clock(), lease, 10) == []  # still held
    finally:
        release.set()
        worker.join(timeout=60)
        sender.close()
    assert result == [2] and len(smtp.mailbox.wait_for(2)) == 2
    assert {(r.status, r.attempts) for r in rows(planned_store)} == {("sent", 1)}


def test_an_applicants_address_is_stored_encrypted_and_staff_mailboxes_as_they_are(planned_store: Store) -> None:
    planned_store.insert_batch([submission("en", email="sara@example.org")])
    cur = planned_store._conn().cursor()
    cur.execute("SELECT kind, recipient FROM outbox ORDER BY id")
    stored = cur.fetchall()
    assert sorted(kind for kind, _ in stored) == ["applicant-confirmation", "staff-alert", "staff-alert"]
    for kind, recipient in stored:
        if kind == "applicant-confirmation":
            assert recipient.startswith("enc1:") and "sara" not in recipient
        else:
            assert recipient in ("requests@qalb.example", "Duty@Qalb.example")
    (confirmation,) = [m for m in rows(planned_store) if m.kind == "applicant-confirmation"]
    assert confirmation.recipient == "sara@example.org"


def test_e_mail_queued_before_qalb_smtp_url_was_removed_counts_a_try_and_waits(
        planned_store: Store, notify_root: Path, notify_forms: dict[str, Any], smtp: SmtpServer, clock: Any) -> None:
    """Without an SMTP server any more, each queued e-mail is recorded as a failed try (it waits,
    then fails after its tries), never left claimed with no try counted, to be claimed again for ever."""
    planned_store.insert_batch([submission("en", email=None)])
    settings = notify_settings(notify_root, "sqlite:///unused.db", smtp.url, smtp=None)
    sender = Sender(planned_store, context_for(settings, notify_forms, ORG), settings, clock=clock)
    try:
        send_all(sender)
    finally:
        sender.close()
    assert {(r.status, r.attempts) for r in rows(planned_store)} == {("pending", 1)}
    assert smtp.mailbox.messages() == []
