"""Acknowledged means on disk: SIGKILL the endpoint mid-load, again and again.

20 clients post unique submissions to the real `python -m generator endpoint`
process; it is killed with SIGKILL at a random moment, restarted on the same
SQLite file, and killed again (6 cycles). Afterwards every submission that was
acknowledged (303 with a reference) must be in the database, whole, and
SQLite's integrity check must pass.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from generator.forms import read_submission
from generator.submissions.crypto import DataKeys, EncryptedCodec, read_keys
from generator.submissions.records import json_ready
from tests.support.endpoint_process import run_endpoint
from tests.support.fixtures import default_tls_context
from tests.support.postgres import free_port
from tests.support.samples import valid_answers

CYCLES = 6
CLIENTS = 20


def start_endpoint(root: Path, db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {"DATABASE_URL": f"sqlite:///{db}", "QALB_RATE_LIMIT": "off", "QALB_SITE_DIR": str(db.parent / "no-site")}
    return run_endpoint(root, env, port, db.parent / f"endpoint-{port}.log")


def client_loop(url: str, base: dict[str, Any], tag: str, acked: dict[str, str], lock: threading.Lock,
                stop: threading.Event) -> None:
    n = 0
    with httpx.Client(timeout=10, verify=default_tls_context()) as client:
        while not stop.is_set():
            marker = f"{tag}-{n}"
            n += 1
            try:
                response = client.post(url, data={**base, "message": marker})
            except httpx.HTTPError:
                return  # the server died under us: this one was never acknowledged
            if response.status_code != 303:
                with lock:
                    acked[f"!{marker}"] = f"unexpected {response.status_code} for a valid post"
                return
            reference = parse_qs(urlsplit(response.headers["location"]).query)["ref"][0]
            with lock:
                acked[marker] = reference


def test_no_acknowledged_submission_is_lost_when_killed(forms_root: Path, forms: dict[str, Any],
                                                        tmp_path: Path) -> None:
    form = forms["enquiry"]
    base = {**valid_answers(form), "lang": "ar"}
    db = tmp_path / "crash.db"
    acked: dict[str, str] = {}
    lock = threading.Lock()
    rng = random.Random(5)
    started = time.monotonic()
    for cycle in range(CYCLES):
        port = free_port()
        process = start_endpoint(forms_root, db, port)
        stop = threading.Event()
        url = f"http://127.0.0.1:{port}/api/forms/{form.id}"
        threads = [threading.Thread(target=client_loop, args=(url, base, f"c{cycle}w{i}", acked, lock, stop))
                   for i in range(CLIENTS)]
        before = len(acked)
        for thread in threads:
            thread.start()
        # Kill mid-load: once submissions are flowing, at a random moment after.
        deadline = time.monotonic() + 20
        while len(acked) - before < CLIENTS and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.1, 0.5))
        os.kill(process.pid, signal.SIGKILL)  # no shutdown, no flush: as if the power went
        process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        assert len(acked) > before, f"cycle {cycle}: no submission was acknowledged before the kill"

    conn = sqlite3.connect(db)
    # The answers are encrypted: read them with the key the endpoint used (forms_root/data/keys).
    codec = EncryptedCodec(DataKeys(read_keys(forms_root / "data" / "keys" / "data.key")))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        decoded = [(reference, codec.decode(answers, reference), status) for reference, answers, status in
                   conn.execute("SELECT reference, answers, status FROM submissions WHERE form_id = ?", (form.id,))]
        rows = {answers["message"]: (reference, answers, status) for reference, answers, status in decoded}
    finally:
        conn.close()
    unexpected = {marker: what for marker, what in acked.items() if marker.startswith("!")}
    assert not unexpected, unexpected
    expected_row = json_ready(form.schema, read_submission(form, base).row)
    missing = [marker for marker in acked if marker not in rows]
    assert not missing, f"{len(missing)} acknowledged submissions lost, e.g. {missing[:5]}"
    for marker, reference in acked.items():
        stored_reference, answers, status = rows[marker]
        assert stored_reference == reference and status == "accepted"
        assert answers == {**expected_row, "message": marker}  # whole, not half-written
    assert len(acked) > CYCLES * CLIENTS
    # ~10 s on a quiet 2-core machine; generous here so a busy CI box does not fail it.
    assert time.monotonic() - started < 120
