"""Two endpoint replicas on one PostgreSQL database, each with its notification sender
delivering to a real SMTP server (aiosmtpd on 127.0.0.1), killed with SIGKILL again and
again under a bounded load of keyed posts (tests/endpoint/test_replicas_load.py), and
restarted at once. One replica is killed by the sender's fault point
QALB_NOTIFY_FAULT=after-send:N (the SMTP server accepted its Nth e-mail, not yet recorded:
the window in which a kill makes repeats), the other by the endpoint's
QALB_ENDPOINT_FAULT=after-commit:N (a batch of posts committed, not yet answered).

Each post of the notify test form queues three e-mails (two staff alerts, a confirmation
to the applicant). A killed replica's sender dies wherever it is, mid-send included. After
the load, with the replicas left running until every queued e-mail is recorded as sent:
every stored submission's e-mails arrived (0 lost), every post was stored once, and the
e-mails that arrived more than once number at most one per SMTP connection a sender opens
per kill, each repeat with the same Message-ID, recipient and subject.
"""
from __future__ import annotations

import random
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from generator.notify.sender import CONNECTIONS
from tests.endpoint.test_replicas import stored
from tests.endpoint.test_replicas_load import KILLS, Replicas, post_under_kills, stored_once
from tests.support.postgres import Postgres
from tests.support.samples import valid_answers

from .conftest import MAIL_FROM, SmtpServer

FORM = "request"
MESSAGES_PER_POST = 3  # notify: two staff addresses, and the applicant (valid_answers gives an e-mail)
LEASE_SECONDS = 5  # a killed sender's claims go to the other replica's sender ~5 s later; renewed every ~1.7 s
DELIVERY_LIMIT = 45.0  # seconds after the load, a deadline for the last e-mails to be recorded as sent (~10 s)


def after_send(rng: random.Random) -> dict[str, str]:
    """The sender's fault point: killed once the SMTP server accepted its Nth e-mail, before recording it."""
    return {"QALB_NOTIFY_FAULT": f"after-send:{rng.randint(10, 60)}"}


def after_commit(rng: random.Random) -> dict[str, str]:
    """The endpoint's fault point: killed right after committing its Nth batch of posts, before answering
    it (fewer batches than the plain load test's: each post here is also three e-mails to deliver)."""
    return {"QALB_ENDPOINT_FAULT": f"after-commit:{rng.randint(10, 30)}"}


def message_token(message: Any) -> str:
    match = re.fullmatch(r"<([0-9a-f]{32})@qalb\.example>", str(message["Message-ID"]))
    assert match, message["Message-ID"]
    return match[1]


def test_two_replicas_and_their_senders_killed_under_load_lose_no_email_and_repeat_within_the_bound(
        notify_root: Path, notify_forms: dict[str, Any], postgres: Postgres, smtp: SmtpServer,
        tmp_path: Path) -> None:
    url = postgres.new_database()
    base = {**valid_answers(notify_forms[FORM]), "lang": "ar"}
    env = {"QALB_SMTP_URL": smtp.url, "QALB_MAIL_FROM": MAIL_FROM[1], "QALB_SITE_URL": "https://qalb.example/",
           "QALB_NOTIFY_LEASE_SECONDS": str(LEASE_SECONDS), "QALB_NOTIFY_POLL_SECONDS": "1"}
    started = time.monotonic()
    replicas = Replicas(notify_root, url, tmp_path, random.Random(34), env, (after_send, after_commit))
    store = stored(notify_root, url, notify_forms)
    try:
        acked, tries = post_under_kills(replicas, FORM, base)
        loaded = time.monotonic()
        expected = len(acked) * MESSAGES_PER_POST
        deadline = loaded + DELIVERY_LIMIT
        while (counts := store.outbox_counts())["sent"] < expected:  # the senders left finish the queue
            assert counts["failed"] == 0, counts
            assert time.monotonic() < deadline, f"{counts} of {expected} after {DELIVERY_LIMIT} s"
            replicas.tend()  # (a replica still armed may die now too: it is counted and replaced)
            time.sleep(0.05)
    finally:
        replicas.stop()
    try:
        references = stored_once(store, FORM, acked)
        queued = store.outbox_messages()
    finally:
        store.close()

    # Every stored submission queued its three e-mails, and every one was delivered.
    assert Counter(m.reference for m in queued) == dict.fromkeys(references, MESSAGES_PER_POST)
    assert {(m.status, m.attempts) for m in queued} == {("sent", 1)}  # claims taken over are no tries
    received = smtp.mailbox.messages()
    tokens = [message_token(m) for m in received]
    lost = {m.token for m in queued} - set(tokens)
    assert not lost, f"{len(lost)} e-mails lost of {len(queued)}"
    assert set(tokens) == {m.token for m in queued}  # nothing else arrived
    # Repeats: each the same message (same Message-ID, so same recipient and subject) ...
    for token, copies in Counter(tokens).items():
        if copies > 1:
            assert len({(str(m["To"]), str(m["Subject"])) for m, t in zip(received, tokens) if t == token}) == 1
    # ... and at most one per SMTP connection of the sender that each kill stopped.
    repeats = len(tokens) - len(set(tokens))
    assert replicas.kills >= KILLS and tries > len(acked)
    assert set(replicas.killed_by) == {"QALB_NOTIFY_FAULT=after-send", "QALB_ENDPOINT_FAULT=after-commit"}
    assert repeats <= replicas.kills * CONNECTIONS, (repeats, replicas.kills, CONNECTIONS)
    print(f"{len(acked)} posts, {len(queued)} e-mails, {len(tokens)} deliveries ({repeats} repeats), "
          f"{replicas.kills} kills; load {loaded - started:.1f} s, all sent {time.monotonic() - started:.1f} s")
