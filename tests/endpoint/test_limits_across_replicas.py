"""The limits that protect accounts and references hold across replicas: two real
`endpoint` processes and two real `staff serve` processes on one PostgreSQL database
(the replicated setup; the same queries run on SQLite in test_status.py and
tests/staff/) count status lookups and sign-in posts together (db/limit_counts.py),
so two replicas do not allow twice the limit."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.endpoint.replicas import Replica
from tests.support.fixtures import default_tls_context

CSRF = re.compile(r'name="csrftoken" value="([^"]+)"')


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_status_and_sign_in_limits_are_counted_once_for_two_replicas(forms_root: Path, store_url: str,
                                                                      tmp_path: Path) -> None:
    replicas = [Replica(forms_root, store_url, tmp_path, QALB_STATUS_LIMIT="4/3600") for _ in range(2)]
    replicas += [Replica(forms_root, store_url, tmp_path, command=("staff", "serve"), ready="/staff/sign-in",
                         QALB_STAFF_SIGN_IN_LIMIT="3/3600") for _ in range(2)]
    try:
        for replica in replicas:
            replica.wait_ready()
        endpoints, workspaces = replicas[:2], replicas[2:]
        with httpx.Client(timeout=20, verify=default_tls_context()) as client:
            statuses = []
            for i in range(5):  # alternately on each replica, from one address
                url = endpoints[i % 2].url
                statuses.append(client.post(f"{url}/api/status", headers={"Origin": url, "Accept": "text/html"},
                                            data={"reference": "ABCDE-12345", "contact": "0500000000",
                                                  "lang": "en"}).status_code)
            assert statuses == [200, 200, 200, 200, 429]
        sessions = [httpx.Client(base_url=w.url, timeout=20, verify=default_tls_context()) for w in workspaces]  # each its replica's cookies
        try:
            tokens = [CSRF.search(s.get("/staff/sign-in").text)[1] for s in sessions]  # type: ignore[index]
            signs = [sessions[i % 2].post("/staff/sign-in", data={
                "csrftoken": tokens[i % 2], "email": "nobody@example.org", "password": "x" * 12,
                "code": "123456"}).status_code for i in range(4)]
            assert signs == [400, 400, 400, 429]
        finally:
            for session in sessions:
                session.close()
    finally:
        for replica in replicas:
            replica.stop()
