"""kill -9 in cycles: the real `python -m generator notify run` process, killed by
QALB_NOTIFY_FAULT=after-send:N (a real SMTP server accepted a message, its
outcome not yet recorded), started again and again until every message is sent.
Each kill leaves at most one accepted, unrecorded message per SMTP connection:
only those arrive twice, with the same Message-ID, and every row counts one try."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from generator import PROJECT_ROOT
from generator.notify.sender import CONNECTIONS
from generator.submissions.store import Store

from .conftest import MAIL_FROM, SmtpServer
from .helpers import rows, submission

KILL_AT = 8  # the 8th message a start hands over kills it: at least 4 are recorded, so every start gets further
MESSAGES = 15  # 5 submissions: two staff alerts and a confirmation each
MAX_STARTS = 12


def start_sender(root: Path, database_url: str, smtp: SmtpServer, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT),
           "QALB_SMTP_URL": smtp.url, "QALB_MAIL_FROM": MAIL_FROM[1], "QALB_SITE_URL": "https://qalb.example/",
           "QALB_NOTIFY_LEASE_SECONDS": "1", "QALB_NOTIFY_POLL_SECONDS": "1", **extra}
    with log.open("ab") as output:  # a file, not a pipe nobody reads
        return subprocess.Popen([sys.executable, "-m", "generator", "--root", str(root), "notify", "run"],
                                cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def tokens(messages: list[Any]) -> list[str]:
    return [re.fullmatch(r"<([0-9a-f]{32})@qalb\.example>", m["Message-ID"])[1] for m in messages]  # type: ignore[index]


def test_a_sender_killed_after_the_server_accepted_resends_at_most_one_per_connection(
        planned_store: Store, store_url: str, notify_root: Path, smtp: SmtpServer, tmp_path: Path) -> None:
    planned_store.insert_batch([submission("ar" if i % 2 else "en") for i in range(MESSAGES // 3)])
    queued = {row.token for row in rows(planned_store)}
    assert len(queued) == MESSAGES
    log = tmp_path / "sender.log"
    left_unrecorded: list[int] = []  # per kill: accepted by the server, not recorded as sent
    for _ in range(MAX_STARTS):
        process = start_sender(notify_root, store_url, smtp, log, QALB_NOTIFY_FAULT=f"after-send:{KILL_AT}")
        try:
            deadline = time.monotonic() + 60
            while process.poll() is None and planned_store.outbox_counts()["sent"] < MESSAGES:
                assert time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
                time.sleep(0.02)
        finally:
            if process.poll() is None:  # everything is sent: this start was not killed
                process.terminate()
                process.wait(timeout=30)
        if process.returncode != -9:
            break
        received = set(tokens(smtp.mailbox.messages()))
        recorded = {row.token for row in rows(planned_store) if row.status == "sent"}
        assert recorded <= received
        left_unrecorded.append(len(received - recorded))
    else:
        raise AssertionError(f"still not all sent after {MAX_STARTS} starts")

    kills = len(left_unrecorded)
    assert kills >= 2, left_unrecorded  # cycles: each start got further than the last
    # The killing message itself was accepted and not recorded; the other connections at most one each.
    assert all(1 <= n <= CONNECTIONS for n in left_unrecorded), left_unrecorded
    received = smtp.mailbox.messages()
    ids = tokens(received)
    assert set(ids) == queued  # nothing lost
    duplicates = len(ids) - len(set(ids))
    assert duplicates <= sum(left_unrecorded) <= kills * CONNECTIONS, (duplicates, left_unrecorded)
    for token in set(ids):  # a repeat is the same message: same Message-ID, recipient and subject
        copies = [m for m, t in zip(received, ids) if t == token]
        assert len({(str(m["To"]), str(m["Subject"])) for m in copies}) == 1
    # Claims taken over from killed senders are no tries: each row was tried once, and sent.
    assert {(row.status, row.attempts) for row in rows(planned_store)} == {("sent", 1)}
    output = log.read_text(errors="replace")
    assert output.count("QALB_NOTIFY_FAULT=after-send") == kills
