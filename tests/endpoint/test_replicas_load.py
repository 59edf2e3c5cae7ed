"""Two endpoint replicas on one PostgreSQL database, killed with SIGKILL again and again
under a bounded load of keyed posts: 0 lost, 0 stored twice.

Each replica is started with QALB_ENDPOINT_FAULT=after-commit:N (N drawn per start), so
it dies right after committing its Nth batch, before answering it: the posts of that
batch were stored but never acknowledged. Clients send each post (a unique marker in
its answers, a unique Idempotency-Key) until one replica answers 201, to whichever
replica is up; a killed replica is restarted at once. After KILLS kills the load stops.
Then every post must be stored exactly once, under the reference its client was given.
"""
from __future__ import annotations

import itertools
import random
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import httpx

from generator.submissions.store import Store
from tests.endpoint.replicas import Replica, script_post, start_together
from tests.endpoint.test_replicas import stored
from tests.support.fixtures import default_tls_context
from tests.support.postgres import Postgres
from tests.support.samples import valid_answers

FORM = "enquiry"
CLIENTS = 6
KILLS = 2
TIME_LIMIT = 60.0  # seconds; ~20 s on this busy 2-core machine, most of it starting processes


Fault = Callable[[random.Random], dict[str, str]]


def after_commit(rng: random.Random) -> dict[str, str]:
    """The endpoint's fault point: killed right after committing its Nth batch, before answering it."""
    return {"QALB_ENDPOINT_FAULT": f"after-commit:{rng.randint(30, 90)}"}


class Replicas:
    """Two slots, each holding a replica; a dead one is replaced by a new one at once."""

    def __init__(self, root: Path, url: str, folder: Path, rng: random.Random,
                 env: Mapping[str, str] | None = None, faults: Sequence[Fault] = (after_commit,)) -> None:
        self.root, self.database_url, self.folder, self.rng = root, url, folder, rng
        self.env = dict(env or {})  # for every replica started (the mail tests: SMTP settings)
        self.faults = itertools.cycle(faults)  # each armed start takes the next
        self.killed_by: list[str] = []  # the fault point of each kill
        self.lock = threading.Lock()
        self.kills = 0
        self.armed = True
        self.slots = start_together(root, url, folder, self.fault(), self.fault())
        self.up = [replica.url for replica in self.slots]

    def fault(self) -> dict[str, str]:
        return {**self.env, **(next(self.faults)(self.rng) if self.armed else {})}

    def urls(self) -> list[str]:
        with self.lock:
            return [url for url in self.up if url]

    def tend(self) -> None:
        """Replace each dead replica; mark each new one up once it answers."""
        for i, replica in enumerate(self.slots):
            if replica.process.poll() is not None:
                assert replica.process.returncode == -9, replica.output()[-3000:]
                points = re.findall(r"(QALB_\w+_FAULT=[\w-]+)(?::\d+)?: killing this process now", replica.output())
                assert len(points) == 1, replica.output()[-3000:]  # killed by its fault point, nothing else
                self.killed_by.append(points[0])
                with self.lock:
                    self.kills += 1
                    self.up[i] = ""
                self.armed = self.kills < KILLS - 1
                self.slots[i] = Replica(self.root, self.database_url, self.folder, **self.fault())
            elif not self.up[i]:
                try:
                    ready = httpx.get(f"{replica.url}/api/health", timeout=0.5, verify=default_tls_context()).status_code == 200
                except httpx.TransportError:
                    ready = False
                if ready:
                    with self.lock:
                        self.up[i] = replica.url

    def stop(self) -> None:
        for replica in self.slots:
            replica.stop()


def post_under_kills(replicas: Replicas, form_id: str, base: dict[str, Any]) -> tuple[dict[str, str], int]:
    """CLIENTS clients post keyed posts (a unique marker in `message`, also the key), each
    until a replica answers 201, while the replicas are killed and replaced, until KILLS
    kills; then the last posts. Returns {marker: the reference its client was given} and
    how many tries were made. The replicas are left running (the caller stops them)."""
    acked: dict[str, str] = {}  # marker (also the key) -> the reference its client was given
    errors: list[str] = []
    tries = [0]
    lock = threading.Lock()
    stop = threading.Event()
    started = time.monotonic()

    def send(client: httpx.Client, marker: str, rng: random.Random) -> str:
        """Until a replica answers 201: the same post with the same key, to any replica that is up."""
        while time.monotonic() - started < TIME_LIMIT:
            urls = replicas.urls()
            if urls:
                with lock:
                    tries[0] += 1
                try:
                    response = script_post(client, rng.choice(urls), form_id, {**base, "message": marker}, marker)
                except httpx.TransportError:
                    continue  # that replica died: try again, on whichever is up
                if response.status_code == 201:
                    return str(response.json()["reference"])
                assert response.status_code == 503, f"{response.status_code}: {response.text[:300]}"
            time.sleep(0.01)  # no replica up at this moment: look again
        raise AssertionError(f"{marker} was never acknowledged")

    def client_loop(n: int) -> None:
        rng = random.Random(n)
        try:
            with httpx.Client(timeout=10, verify=default_tls_context()) as client:
                count = 0
                while not stop.is_set():
                    marker = f"c{n}-{count}"
                    count += 1
                    reference = send(client, marker, rng)
                    with lock:
                        acked[marker] = reference
        except BaseException as exc:
            errors.append(f"client {n}: {exc!r}")

    clients = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    try:
        for thread in clients:
            thread.start()
        while replicas.kills < KILLS and not errors:
            assert time.monotonic() - started < TIME_LIMIT, f"only {replicas.kills} kills in {TIME_LIMIT} s"
            replicas.tend()
            time.sleep(0.02)
        stop.set()
        while any(thread.is_alive() for thread in clients):  # the last posts, on the replicas left
            replicas.tend()
            for thread in clients:
                thread.join(timeout=0.05)
    finally:
        stop.set()
    assert not errors, errors
    return acked, tries[0]


def stored_once(store: Store, form_id: str, acked: dict[str, str]) -> list[str]:
    """Every acknowledged post stored exactly once, under the reference its client was
    given; the references stored."""
    rows = [(s.answers["message"], s.reference) for s in store.submissions(form_id)]
    markers = [marker for marker, _ in rows]
    twice = sorted({m for m in markers if markers.count(m) > 1})
    assert not twice, f"{len(twice)} posts stored twice, e.g. {twice[:5]}"
    lost = sorted(set(acked) - set(markers))
    assert not lost, f"{len(lost)} acknowledged posts lost, e.g. {lost[:5]}"
    assert dict(rows) == acked  # each stored once, under the reference its client was given
    return [reference for _, reference in rows]


def test_two_replicas_killed_under_load_lose_nothing_and_store_nothing_twice(
        forms: dict[str, Any], forms_root: Path, postgres: Postgres, tmp_path: Path) -> None:
    url = postgres.new_database()
    base = {**valid_answers(forms[FORM]), "lang": "ar"}
    started = time.monotonic()
    replicas = Replicas(forms_root, url, tmp_path, random.Random(34))
    try:
        acked, tries = post_under_kills(replicas, FORM, base)
    finally:
        replicas.stop()

    store = stored(forms_root, url, forms)
    try:
        stored_once(store, FORM, acked)
    finally:
        store.close()
    assert replicas.kills >= KILLS and tries > len(acked)  # some posts were sent again
    assert set(replicas.killed_by) == {"QALB_ENDPOINT_FAULT=after-commit"}
    print(f"{len(acked)} posts, {tries} tries, {replicas.kills} kills in {time.monotonic() - started:.1f} s")
