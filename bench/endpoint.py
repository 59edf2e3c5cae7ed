#!/usr/bin/env python3
"""Endpoint benchmark (issue 7): accepted, durably committed submissions per second.

Starts the real endpoint in its own process with the production command,
`python -m generator endpoint` (create_app + generator.endpoint.server: one
uvicorn process, uvloop + httptools), on a fresh SQLite file with the rate
limit off, and loads it with N keep-alive connections posting valid
help-request submissions (500 different ones: Arabic and English, optional
fields empty or filled, digits in Arabic-Indic or grouped with spaces).

In the same run it measures two ceilings:

* framework: a bare route on the same server stack (Starlette with the
  endpoint's middleware, started by generator.endpoint.server.run) that reads
  the same posts and answers "ok";
* storage: SQLite alone, one row per transaction, WAL and synchronous=FULL
  (the endpoint's own connection settings), rows like the endpoint stores.

Notifications (issue 21): the endpoint then runs with notifications off and
on in turn (twice each in the full run), each on a fresh database; "on" has
QALB_SMTP_URL pointing at an SMTP server on 127.0.0.1 (aiosmtpd in its own
process, accepting everything) and help-request's form file saying
`notify: {staff: [...], applicant: true}`: every submission queues a staff
alert in its transaction, and one with an e-mail address also a
confirmation; the endpoint's sender delivers them beside the writer. The
submissions/s with notifications on must be at least 0.8x those with them
off; after the last "on" run every queued message must be delivered, once.

The load generator is a small asyncio client (uvloop, raw sockets) in another
process; it first measures its own ceiling against a trivial asyncio server,
and reports its CPU use, to show it is not the bottleneck. After the run the
rows in the SQLite file are counted, while the endpoint still runs, against the
number of accepted (303) responses: nothing acknowledged may be missing.

    .venv/bin/python bench/endpoint.py           # 50 connections, 20 s per run (about 1 minute)
    .venv/bin/python bench/endpoint.py --quick   # 4 connections, ~0.75 s per run (the test suite)

Then (issue 17) the endpoint is run again with the staff workspace beside it:
`python -m generator staff serve` in its own process on the same SQLite file, a
person there reading the home, accounts and audit pages, signing out and in
again every 20th step (a TOTP code, or a recovery code while a new code is not
out yet), and failing a sign-in every 20th step (`--staff-rps` steps per second). Both runs' submissions/s and p99 are printed.

Issue 36 (attachments), on request: `--baseline REV` runs the same form-only load
against REV's endpoint (`git archive`, its own forms) and this tree's in turn, each on
a fresh SQLite file, and prints both rates and their ratio; `--uploads` runs
bench/upload_cost.py (a 10 MB PDF stored: time and memory growth; a 12 MB file
refused: the bytes read).

    .venv/bin/python bench/endpoint.py --baseline 2085a8b --uploads

Exit code 0 also when a target is missed (it is a benchmark); 1 when something
broke: an error response or socket error, a lost row, a server that did not start.
Only 127.0.0.1 is used.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from common import REPO, fs_type, help_request_answers, load_note, machine

THIS = Path(__file__).resolve()
FORM_ID = "help-request"
POOL = 500  # distinct submissions, cycled through by the connections
TARGETS = {"rate": 2000.0, "p99_ms": 50.0, "errors": 0, "bare_ratio": 0.25, "notify_ratio": 0.8}
NOTIFY = "notify:\n  staff: [requests@bench.example]\n  staff_language: ar\n  applicant: true\n"
FULL = {"connections": 50, "seconds": 20.0, "warmup": 2.0, "ceiling": 5.0, "storage": 5.0, "batch": 2.0, "drain": 900.0,
        "rounds": 2}
QUICK = {"connections": 4, "seconds": 0.75, "warmup": 0.2, "ceiling": 0.5, "storage": 0.3, "batch": 0.2, "drain": 120.0,
         "rounds": 1}
GRACE_S = 10.0  # after a run's time is up, how long in-flight requests may take before they count as errors


# --- child process: the load generator -------------------------------------------------

class _Phase:
    def __init__(self, requests: list[bytes], seconds: float) -> None:
        self.requests = requests
        self.started = time.perf_counter()
        self.deadline = self.started + seconds
        self.statuses: dict[int, int] = {}
        self.latencies: list[float] = []
        self.socket_errors = 0
        self.timeouts = 0
        self.open: set[_Connection] = set()


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request in flight, the next sent when the answer is complete."""

    def __init__(self, phase: _Phase, start: int, stride: int, closed: asyncio.Future[None]) -> None:
        self.phase, self.next, self.stride, self.closed = phase, start, stride, closed
        self.buf = bytearray()
        self.waiting = False
        self.sent = 0.0
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.phase.open.add(self)
        self._send()

    def _send(self) -> None:
        phase = self.phase
        if time.perf_counter() >= phase.deadline:
            self.transport.close()
            return
        request = phase.requests[self.next % len(phase.requests)]
        self.next += self.stride
        self.waiting = True
        self.sent = time.perf_counter()
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while self.waiting:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            if b"\r\ntransfer-encoding:" in head:  # our servers always send Content-Length
                self.transport.close()
                return
            at = head.find(b"\r\ncontent-length:")
            length = int(head[at + 17:].split(b"\r\n", 1)[0]) if at >= 0 else 0
            total = end + 4 + length
            if len(self.buf) < total:
                return
            status = int(self.buf[9:12])
            del self.buf[:total]
            self.phase.latencies.append(time.perf_counter() - self.sent)
            self.phase.statuses[status] = self.phase.statuses.get(status, 0) + 1
            self.waiting = False
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        self.phase.open.discard(self)
        if self.waiting:  # closed or reset with a request unanswered
            self.phase.socket_errors += 1
            self.waiting = False
        if not self.closed.done():
            self.closed.set_result(None)


async def _slot(phase: _Phase, port: int, index: int, stride: int) -> None:
    loop = asyncio.get_running_loop()
    start = index
    while time.perf_counter() < phase.deadline:
        closed: asyncio.Future[None] = loop.create_future()
        try:
            _, proto = await loop.create_connection(
                lambda start=start, closed=closed: _Connection(phase, start, stride, closed), "127.0.0.1", port)
        except OSError:
            phase.socket_errors += 1
            await asyncio.sleep(0.05)
            continue
        await closed
        start = proto.next


def _cpu_of(pid: int | None) -> float:
    """User + system CPU seconds of process `pid` (all its threads) so far."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _run_phase(port: int, requests: list[bytes], connections: int, seconds: float,
                     server_pid: int | None) -> dict[str, Any]:
    cpu_client, cpu_server = _self_cpu(), _cpu_of(server_pid)
    phase = _Phase(requests, seconds)
    tasks = [asyncio.create_task(_slot(phase, port, i, connections)) for i in range(connections)]
    _, pending = await asyncio.wait(tasks, timeout=seconds + GRACE_S)
    for conn in list(phase.open):  # still waiting after the grace period: counted as errors
        if conn.waiting:
            phase.timeouts += 1
            conn.waiting = False
        conn.transport.abort()
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    elapsed = time.perf_counter() - phase.started
    cpu_client, cpu_server = _self_cpu() - cpu_client, _cpu_of(server_pid) - cpu_server
    latencies = sorted(phase.latencies)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else 0.0

    return {"connections": connections, "seconds": seconds, "elapsed": elapsed, "done": len(latencies),
            "statuses": phase.statuses, "socket_errors": phase.socket_errors, "timeouts": phase.timeouts,
            "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99), "max_ms": latencies[-1] * 1000 if latencies else 0.0,
            "mean_ms": statistics.fmean(latencies) * 1000 if latencies else 0.0,
            "client_cpu": cpu_client / elapsed, "server_cpu": cpu_server / elapsed if server_pid else None}


def client_main(config_file: str) -> int:
    """`endpoint.py _client CONFIG.json`: run the phases in CONFIG, print their results as JSON."""
    import uvloop

    config = json.loads(Path(config_file).read_text(encoding="utf-8"))
    port, path = config["port"], config["path"]
    requests = [(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                 f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
                 f"Origin: http://127.0.0.1:{port}\r\nAccept: text/html\r\n\r\n").encode() + body.encode()
                for body in config["bodies"]]
    gc.collect()
    gc.freeze()

    async def run() -> list[dict[str, Any]]:
        return [await _run_phase(port, requests, config["connections"], seconds, config.get("server_pid"))
                for seconds in config["phases"]]

    print(json.dumps(uvloop.run(run())))
    return 0



# --- child process: staff using the workspace beside the endpoint ------------------

STAFF_PASSWORD = "copper lantern orchard minus 47"


class _StaffBrowser:
    """A person in the staff workspace, as a browser without JavaScript: cookies, forms, redirects."""

    def __init__(self, port: int) -> None:
        import http.cookiejar
        import urllib.request

        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        import urllib.error

        try:
            with self.opener.open(self.base + path, timeout=30) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def post(self, path: str, fields: dict[str, str], page: str) -> tuple[int, str]:
        import re
        import urllib.error
        import urllib.request

        token = re.search(r'name="csrftoken" value="([^"]+)"', page)
        data = urlencode({**fields, "csrftoken": token[1] if token else ""}).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=data), timeout=30) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def set_up(self, link: str) -> tuple[str, list[str]]:
        """Finish a setup link (password, TOTP); returns the TOTP secret and the recovery codes."""
        import re

        import pyotp

        path = link[link.index("/staff/"):]
        status, page = self.get(path)
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
        if status != 200 or secret is None:
            raise BenchError(f"the staff setup page answered {status}")
        key = secret[1].replace(" ", "")
        status, done = self.post(path, {"password": STAFF_PASSWORD, "password_confirm": STAFF_PASSWORD,
                                        "code": pyotp.TOTP(key).now()}, page)
        if status != 200:
            raise BenchError(f"the staff setup answered {status}")
        return key, re.findall(r"<code>([A-Z2-7-]{19})</code>", done)

    def sign_in(self, email: str, code: str) -> int:
        _, page = self.get("/staff/sign-in")
        status, _ = self.post("/staff/sign-in", {"email": email, "password": STAFF_PASSWORD, "code": code}, page)
        return status


def staff_main(config_file: str) -> int:
    """`endpoint.py _staff CONFIG.json`: finish the setup link, say "ready", then for `seconds`, at
    `rps` steps/s: read the home, accounts and audit pages; every 20th step sign out and in again
    (with a new TOTP code when one is out, else with a recovery code while any is left); every
    20th step, 10 later, fail a sign-in (unknown e-mail: one argon2 verification and an audit row).
    Prints JSON."""
    import pyotp

    config = json.loads(Path(config_file).read_text(encoding="utf-8"))
    person = _StaffBrowser(config["port"])
    secret, recovery = person.set_up(config["link"])  # and signed in
    totp = pyotp.TOTP(secret)
    print("ready", flush=True)
    counts = {"requests": 0, "unexpected": 0, "sign_ins": 0, "failed_sign_ins": 0}
    latencies: list[float] = []
    last_step = int(time.time() // 30)  # the setup used this step's code; a code works once
    started = time.perf_counter()
    deadline = started + config["seconds"]
    step = 0
    while time.perf_counter() < deadline:
        at = time.perf_counter()
        now_step = int(time.time() // 30)
        if step % 20 == 19 and (now_step != last_step or recovery):
            code = totp.now() if now_step != last_step else recovery.pop()
            last_step = now_step
            _, home = person.get("/staff/")
            person.post("/staff/sign-out", {}, home)
            ok = person.sign_in(config["email"], code) == 200  # 303 followed to the home page
            counts["sign_ins" if ok else "unexpected"] += 1
            counts["requests"] += 5
        elif step % 20 == 9:
            status = person.sign_in("nobody@example.org", "123456")
            counts["failed_sign_ins"] += 1
            counts["unexpected"] += status != 400
            counts["requests"] += 2
        else:
            status, _ = person.get(("/staff/", "/staff/accounts", "/staff/audit")[step % 3])
            counts["unexpected"] += status != 200
            counts["requests"] += 1
        latencies.append(time.perf_counter() - at)
        step += 1
        time.sleep(max(0.0, 1.0 / config["rps"] - (time.perf_counter() - at)))
    latencies.sort()
    print(json.dumps({**counts, "elapsed": time.perf_counter() - started,
                      "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
                      "max_ms": latencies[-1] * 1000 if latencies else 0.0}))
    return 0


# --- child processes: the servers ------------------------------------------------

def serve_bare(port: int) -> int:
    """`endpoint.py _bare PORT`: the framework ceiling, on the endpoint's own server stack."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from generator.web import protection, server

    async def ok(request: Request) -> PlainTextResponse:
        await request.body()  # read the post, as the endpoint does
        return PlainTextResponse("ok", headers={"Cache-Control": "no-store"})

    app = Starlette(routes=[Route("/ok", ok, methods=["POST"])],
                    middleware=[Middleware(protection.SecurityHeaders)])
    server.run(app, host="127.0.0.1", port=port)
    return 0


class _RawServer(asyncio.Protocol):
    """The least an HTTP/1.1 server can do: split requests by Content-Length, answer a fixed 200."""

    ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"

    def connection_made(self, transport: Any) -> None:
        self.transport, self.buf = transport, bytearray()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            at = head.find(b"\r\ncontent-length:")
            length = int(head[at + 17:].split(b"\r\n", 1)[0]) if at >= 0 else 0
            if len(self.buf) < end + 4 + length:
                return
            del self.buf[:end + 4 + length]
            self.transport.write(self.ANSWER)


def serve_raw(port: int) -> int:
    """`endpoint.py _raw PORT`: a trivial asyncio server, to measure the client's own ceiling."""
    import uvloop

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_RawServer, "127.0.0.1", port)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with server:
            await stop.wait()

    uvloop.run(main())
    return 0


def serve_smtp(port: int) -> int:
    """`endpoint.py _smtp PORT`: an SMTP server that accepts every message (aiosmtpd),
    printing how many it received when stopped (SIGTERM)."""
    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Sink.received += 1
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    print(f"received {Sink.received}", flush=True)
    return 0


ROLES = {"_client": lambda a: client_main(a[0]), "_bare": lambda a: serve_bare(int(a[0])),
         "_raw": lambda a: serve_raw(int(a[0])), "_staff": lambda a: staff_main(a[0]),
         "_smtp": lambda a: serve_smtp(int(a[0]))}


# --- the benchmark --------------------------------------------------------------

class BenchError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return env


class Server:
    """A server in its own process on 127.0.0.1, its output kept in a log file."""

    def __init__(self, name: str, cmd: list[str], port: int, log: Path, *, env: dict[str, str],
                 health: str | None = None, cwd: Path = REPO) -> None:
        self.name, self.port, self.log, self.health = name, port, log, health
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"the {self.name} server exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if self.health:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{self.health}", timeout=2) as answer:
                        if answer.status == 200:
                            return
                else:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                    return
            except OSError:
                time.sleep(0.05)
        raise BenchError(f"the {self.name} server did not answer within {timeout:.0f} s:\n{self.tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tail(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            return ""

    def __enter__(self) -> Server:
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_client(tmp: Path, port: int, path: str, bodies: list[str], connections: int, phases: list[float],
               server_pid: int | None) -> list[dict[str, Any]]:
    """The load generator in its own process; one result per phase (a warm-up is a phase)."""
    config = tmp / "client.json"
    config.write_text(json.dumps({"port": port, "path": path, "bodies": bodies, "connections": connections,
                                  "phases": phases, "server_pid": server_pid}), encoding="utf-8")
    limit = sum(phases) + GRACE_S * len(phases) + 60
    busy_before, children_before, server_before = _machine_busy(), _children_cpu(), _cpu_of(server_pid)
    result = subprocess.run([sys.executable, str(THIS), "_client", str(config)], check=False, capture_output=True,
                            text=True, timeout=limit, env=child_env(), cwd=REPO)
    if result.returncode != 0:
        raise BenchError(f"the load client failed ({result.returncode}):\n{result.stderr[-3000:]}")
    runs = json.loads(result.stdout.strip().splitlines()[-1])
    # What the rest of the machine did meanwhile: all busy CPU time minus the server's and the client's.
    busy, wall = (a - b for a, b in zip(_machine_busy(), busy_before))
    ours = (_children_cpu() - children_before) + (_cpu_of(server_pid) - server_before)
    runs[-1]["others_cores"] = max(0.0, busy - ours) / wall if wall > 0 else 0.0
    return runs


def _machine_busy() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, elapsed seconds) so far, from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    busy = sum(values[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / tick, time.monotonic()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def submissions(count: int) -> tuple[list[str], list[Any], Any]:
    """Posted bodies (each with `lang`) and the records the endpoint would store for them."""
    from generator.core.problems import Problems
    from generator.forms import load_forms, read_submission
    from generator.submissions.records import Submission, consent_record, json_ready, utc_now
    from generator.submissions.references import new_reference

    problems = Problems()
    form = load_forms(REPO, problems).get(FORM_ID)
    if form is None:
        raise BenchError(f"forms/{FORM_ID}.yml did not load:\n" + "\n".join(map(str, problems.sorted())))
    bodies, records = [], []
    for i, answers in enumerate(help_request_answers(count)):
        lang = "ar" if i % 3 else "en"
        result = read_submission(form, answers)
        if not result.ok:
            raise BenchError(f"sample submission {i} is not valid: {result.errors}")
        bodies.append(urlencode({**answers, "lang": lang}))
        at = utc_now()
        records.append(Submission(reference=new_reference(), form_id=form.id, form_version=str(form.version),
                                  language=lang, submitted_at=at,
                                  consent=consent_record(form.consent_fields, result.row, at),
                                  status="accepted", answers=json_ready(form.schema, result.row)))
    return bodies, records, form


def storage_ceiling(db: Path, records: list[Any], seconds: float, batch_seconds: float) -> dict[str, Any]:
    """SQLite alone: rows/s at one row per transaction (and, for context, 50 per transaction)."""
    from generator.submissions.db.submissions import INSERT
    from generator.submissions.references import new_reference
    from generator.submissions.store import SQLiteStore

    store = SQLiteStore(db)
    store.migrate()
    store.close()
    conn = store.connect()  # the endpoint's own connection: WAL, synchronous=FULL, secure_delete
    params = [store.row_params(r) for r in records]
    row_bytes = statistics.fmean(sum(len(str(v).encode()) for v in p) for p in params)  # answers as plain JSON
    settings = {"journal_mode": conn.execute("PRAGMA journal_mode").fetchone()[0],
                "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                    conn.execute("PRAGMA synchronous").fetchone()[0], "?")}
    try:
        rows = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(INSERT, (new_reference(), *params[rows % len(params)][1:]))
            conn.execute("COMMIT")
            rows += 1
        single = rows / (time.perf_counter() - started)
        batched_rows = 0
        started = time.perf_counter()
        deadline = started + batch_seconds
        while time.perf_counter() < deadline:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(INSERT, [(new_reference(), *params[(batched_rows + k) % len(params)][1:])
                                       for k in range(50)])
            conn.execute("COMMIT")
            batched_rows += 50
        batched = batched_rows / (time.perf_counter() - started)
        stored = conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    finally:
        conn.close()
    if stored != rows + batched_rows:
        raise BenchError(f"storage ceiling: {stored} rows stored, {rows + batched_rows} committed")
    return {"rows_per_s": single, "rows": rows, "batch50_rows_per_s": batched, "row_bytes": row_bytes, **settings}


def notifications_on(tmp: Path, env: dict[str, str], bodies: list[str], conns: int, seconds: float,
                     plan: dict[str, Any], broken: list[str]) -> dict[str, Any]:
    """Notifications off, then on, `plan["rounds"]` times in turn, each on a fresh database:
    the same project copy, except that for "on" help-request's form file notifies a staff
    mailbox and the applicant and QALB_SMTP_URL points at an SMTP server on 127.0.0.1.
    Alternating spreads the other processes' load over both; the last "on" run then waits
    until every queued message is delivered."""
    roots = {}
    for mode in ("off", "on"):
        root = roots[mode] = tmp / f"project-{mode}"
        shutil.copytree(REPO / "forms", root / "forms")
        (root / "content").mkdir()
        shutil.copy2(REPO / "content" / "settings.yml", root / "content" / "settings.yml")
    form_file = roots["on"] / "forms" / f"{FORM_ID}.yml"
    text = form_file.read_text(encoding="utf-8")
    form_file.write_text(text.replace("\nschema:\n", f"\n{NOTIFY}schema:\n", 1), encoding="utf-8")
    smtp_port = free_port()
    smtp = Server("SMTP", [sys.executable, str(THIS), "_smtp", str(smtp_port)], smtp_port, tmp / "smtp.log",
                  env=child_env())
    runs: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
    with smtp:
        for round_ in range(1, plan["rounds"] + 1):
            for mode in ("off", "on"):
                db, port = tmp / f"endpoint-{mode}-{round_}.db", free_port()
                mode_env = {**env, "DATABASE_URL": f"sqlite:///{db}"}
                if mode == "on":
                    mode_env.update(QALB_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", QALB_MAIL_FROM="noreply@bench.example")
                cmd = [sys.executable, "-m", "generator", "--root", str(roots[mode]), "endpoint", "--host", "127.0.0.1",
                       "--port", str(port)]
                with Server(f"endpoint (notifications {mode})", cmd, port, tmp / f"endpoint-{mode}-{round_}.log",
                            env=mode_env, health="/api/health") as server:
                    warm, run = run_client(tmp, port, f"/api/forms/{FORM_ID}", bodies, conns,
                                           [plan["warmup"], seconds], server.proc.pid)
                    rows = count_rows(db)
                    runs[mode].append(run)
                    print(f"Round {round_}, notifications {mode}: {describe(run, 'submissions')}", flush=True)
                    if rows < accepted_of(warm, 303) + accepted_of(run, 303):
                        broken.append(f"with notifications {mode}, acknowledged submissions are missing")
                    if errors_of(run) or errors_of(warm):
                        broken.append(f"the endpoint with notifications {mode} answered with errors")
                    if mode == "off" or round_ < plan["rounds"]:
                        continue
                    at_end = outbox_counts(db)
                    drain_started = time.perf_counter()
                    while outbox_counts(db)["pending"] and time.perf_counter() - drain_started < plan["drain"]:
                        time.sleep(0.1)
                    drained = time.perf_counter() - drain_started
                    after = outbox_counts(db)
                    if "notifications are off" in server.tail():
                        broken.append("QALB_SMTP_URL was set but the endpoint said notifications are off")
        smtp.stop()
    received = int(smtp.tail().rsplit("received ", 1)[-1].split()[0]) if "received " in smtp.tail() else -1
    sent_before = 0  # messages of earlier "on" rounds that were sent before their endpoint stopped
    for round_ in range(1, plan["rounds"]):
        sent_before += outbox_counts(tmp / f"endpoint-on-{round_}.db")["sent"]
    rates = {mode: [accepted_of(r, 303) / r["elapsed"] for r in runs[mode]] for mode in runs}
    off_rate, on_rate = statistics.fmean(rates["off"]), statistics.fmean(rates["on"])
    queued = sum(after.values())
    print(f"Endpoint, notifications on (a staff alert per submission and a confirmation per submission with an "
          f"e-mail address, sent by the endpoint's own sender to an SMTP server on 127.0.0.1; {conns} connections, "
          f"{seconds:g} s after {plan['warmup']:g} s warm-up, last round): {describe(runs['on'][-1], 'submissions')}")
    print(f"Messages (last round): {queued:,} queued for {rows:,} stored submissions ({queued / max(rows, 1):.2f} "
          f"each); sent by the end of the load {at_end['sent']:,}, all {after['sent']:,} sent {drained:.1f} s "
          f"later ({(after['sent'] - at_end['sent']) / max(drained, 0.001):,.0f}/s once the load stopped) "
          f"(failed {after['failed']}, still pending {after['pending']}); the SMTP server received "
          f"{received - sent_before:,}")
    print(f"Notifications off/on in turn, {plan['rounds']} round(s): off {', '.join(f'{r:,.0f}' for r in rates['off'])} "
          f"submissions/s, on {', '.join(f'{r:,.0f}' for r in rates['on'])} submissions/s")
    if after["pending"] or after["failed"] or received - sent_before != after["sent"]:
        broken.append("with notifications on, not every queued message was delivered once")
    return {"runs": runs, "rates": rates, "off_rate": off_rate, "on_rate": on_rate, "rows": rows,
            "messages": after, "at_end": at_end, "drain_s": drained, "received": received - sent_before}


def outbox_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        counts = dict.fromkeys(("pending", "sent", "failed"), 0)
        counts.update(dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()))
        return counts
    finally:
        conn.close()

def lookup_index_cost(folder: Path, records: list[Any], form: Any, seconds: float) -> dict[str, float]:
    """Issue 18: what an index on the lookup hashes' digest (for the inbox's search by national ID,
    mobile or e-mail) costs each stored submission: the store with its lookup indexer, 50 submissions
    per transaction as the writer commits them, without and then with the index, `seconds` each."""
    import dataclasses

    from generator.submissions.crypto import LookupKey
    from generator.submissions.identifiers import Indexer
    from generator.submissions.references import new_reference
    from generator.submissions.store import SQLiteStore

    costs: dict[str, float] = {}
    for label in ("without", "with"):
        store = SQLiteStore(folder / f"lookups-{label}.db", indexer=Indexer(LookupKey(os.urandom(32)), {form.id: form}))
        store.migrate()
        if label == "without":  # the index migration step 7 makes, dropped for the comparison
            with store._transaction() as cur:
                cur.execute("DROP INDEX submission_lookups_by_digest")
        rows = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            batch = [dataclasses.replace(records[(rows + k) % len(records)], reference=new_reference())
                     for k in range(50)]
            store.insert_batch(batch)
            rows += 50
        elapsed = time.perf_counter() - started
        store.close()
        costs[label] = elapsed / rows * 1e6
        costs[f"{label}_rows"] = rows
    return costs


def count_rows(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM submissions WHERE form_id = ?", (FORM_ID,)).fetchone()[0]
    finally:
        conn.close()


def stored_sizes(db: Path) -> dict[str, Any]:
    """Average bytes of a stored submission row, and other rows written per submission (lookups)."""
    conn = sqlite3.connect(db)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(submissions)") if row[1] != "id"]
        total = " + ".join(f"COALESCE(LENGTH({c}), 0)" for c in columns)
        row_bytes, answers, count = conn.execute(
            f"SELECT AVG({total}), AVG(LENGTH(answers)), COUNT(*) FROM submissions").fetchone()
        result: dict[str, Any] = {"row_bytes": row_bytes or 0.0, "answers_bytes": answers or 0.0}
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "submission_lookups" in tables and count:
            extra = conn.execute("SELECT COUNT(*) FROM submission_lookups").fetchone()[0]
            result.update(extra_table="submission_lookups", extra_rows=extra / count)
        return result
    finally:
        conn.close()


def errors_of(run: dict[str, Any]) -> int:
    bad = sum(n for status, n in run["statuses"].items() if not 200 <= int(status) < 400)
    return bad + run["socket_errors"] + run["timeouts"]


def accepted_of(run: dict[str, Any], status: int) -> int:
    return run["statuses"].get(str(status), run["statuses"].get(status, 0))


def describe(run: dict[str, Any], unit: str) -> str:
    rate = run["done"] / run["elapsed"]
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(run["statuses"].items()))
    cpu = f"client {run['client_cpu'] * 100:.0f}%"
    if run.get("server_cpu") is not None:
        per = run["server_cpu"] * run["elapsed"] / max(run["done"], 1) * 1e6
        cpu = f"server {run['server_cpu'] * 100:.0f}% ({per:,.0f} µs per request), " + cpu
    if run.get("others_cores") is not None:
        cpu += f"; other processes kept {run['others_cores']:.2f} of the {os.cpu_count()} CPUs busy"
    return (f"{rate:,.0f} {unit}/s; latency p50 {run['p50_ms']:.1f} ms, p90 {run['p90_ms']:.1f} ms, "
            f"p99 {run['p99_ms']:.1f} ms, max {run['max_ms']:.1f} ms; errors {errors_of(run)} "
            f"(statuses {{{statuses}}}, socket errors {run['socket_errors']}, timeouts {run['timeouts']}); "
            f"CPU (of one core) {cpu}")


def form_only_before_after(tmp: Path, revision: str, bodies: list[str], conns: int, warmup: float, seconds: float,
                           rounds: int) -> dict[str, Any]:
    """Issue 36: form-only submissions/s of `revision` (before the upload path; `git archive` of it,
    its own forms) and of this working tree (after), in turn on fresh SQLite files, `rounds` times."""
    baseline = tmp / "baseline"
    baseline.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision], check=True, capture_output=True,
                             timeout=120).stdout
    subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True, timeout=120)
    runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    for number in range(1, rounds + 1):
        for label, root in (("before", baseline), ("after", REPO)):
            port, name = free_port(), f"{label}{number}"
            env = child_env(DATABASE_URL=f"sqlite:///{tmp / (name + '.db')}", QALB_RATE_LIMIT="off",
                            QALB_SITE_DIR=str(tmp / "no-site"), QALB_FILES_DIR=str(tmp / f"files-{name}"),
                            QALB_DATA_KEY_FILE=str(tmp / f"keys-{label}" / "data.key"),
                            QALB_LOOKUP_KEY_FILE=str(tmp / f"keys-{label}" / "lookup.key"))
            env["PYTHONPATH"] = str(root)
            cmd = [sys.executable, "-m", "generator", "--root", str(root), "endpoint", "--host", "127.0.0.1",
                   "--port", str(port)]
            with Server(name, cmd, port, tmp / f"{name}.log", env=env, health="/api/health", cwd=root) as server:
                _, run = run_client(tmp, port, f"/api/forms/{FORM_ID}", bodies, conns, [warmup, seconds],
                                    server.proc.pid)
            runs[label].append(run)
            print(f"Round {number}, form-only posts, {label} ({revision if label == 'before' else 'this tree'}): "
                  f"{describe(run, 'submissions')}", flush=True)
    rates = {label: statistics.median(accepted_of(r, 303) / r["elapsed"] for r in done) for label, done in runs.items()}
    # The server's CPU per request: steadier than the rate on a machine others use too.
    cpu_us = {label: statistics.median((r["server_cpu"] or 0.0) * r["elapsed"] / max(r["done"], 1) * 1e6 for r in done)
              for label, done in runs.items()}
    return {"revision": revision, "runs": runs, "rates": rates, "cpu_us": cpu_us}


def upload_costs(tmp: Path, runs: int) -> dict[str, Any]:
    """bench/upload_cost.py in its own process (its memory is its own): its lines printed, its figures returned."""
    out = tmp / "uploads.json"
    result = subprocess.run([sys.executable, str(THIS.parent / "upload_cost.py"), "--runs", str(runs), "--json",
                             str(out)], check=False, capture_output=True, text=True, timeout=600, env=child_env(),
                            cwd=REPO)
    if result.returncode != 0:
        raise BenchError(f"bench/upload_cost.py failed ({result.returncode}):\n{result.stderr[-3000:]}")
    print(result.stdout.rstrip(), flush=True)
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return figures


def endpoint_with_staff(tmp: Path, bodies: list[str], conns: int, warmup: float, seconds: float,
                        rps: float, tag: str, *, staff: bool = True) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The endpoint run again on a fresh SQLite file, with (or, for comparison in the same
    conditions, without) the staff workspace as a second process on the same file and a
    person signing in and reading its pages meanwhile."""
    port, staff_port = free_port(), free_port()
    db = tmp / f"shared-{tag}.db"
    env = child_env(DATABASE_URL=f"sqlite:///{db}", QALB_RATE_LIMIT="off", QALB_SITE_DIR=str(tmp / "no-site"),
                    QALB_DATA_KEY_FILE=str(tmp / f"keys-{tag}" / "data.key"),
                    QALB_LOOKUP_KEY_FILE=str(tmp / f"keys-{tag}" / "lookup.key"),
                    QALB_STAFF_URL=f"http://127.0.0.1:{staff_port}/", QALB_STAFF_SIGN_IN_LIMIT="off")
    generator = [sys.executable, "-m", "generator", "--root", str(REPO)]
    path = f"/api/forms/{FORM_ID}"
    with Server("endpoint", [*generator, "endpoint", "--host", "127.0.0.1", "--port", str(port)], port,
                tmp / f"endpoint-{tag}.log", env=env, health="/api/health") as endpoint_server:
        if not staff:
            warm, run = run_client(tmp, port, path, bodies, conns, [warmup, seconds], endpoint_server.proc.pid)
            rows, out = count_rows(db), None
        else:
            added = subprocess.run([*generator, "staff", "add", "bench@example.org", "--name", "Bench", "--role",
                                    "admin", "--staff", "bench"], capture_output=True, text=True, env=env,
                                   timeout=60)
            if added.returncode != 0:
                raise BenchError(f"`staff add` failed: {added.stderr}")
            with Server("staff", [*generator, "staff", "serve", "--host", "127.0.0.1", "--port", str(staff_port)],
                        staff_port, tmp / f"staff-{tag}.log", env=env, health="/staff/sign-in"):
                config = tmp / f"staff-{tag}.json"
                config.write_text(json.dumps({"port": staff_port, "email": "bench@example.org",
                                              "link": added.stdout.strip(), "seconds": warmup + seconds,
                                              "rps": rps}), encoding="utf-8")
                person = subprocess.Popen([sys.executable, str(THIS), "_staff", str(config)],
                                          stdout=subprocess.PIPE, text=True, env=child_env(), cwd=REPO)
                assert person.stdout is not None
                if person.stdout.readline().strip() != "ready":  # set up (argon2, zxcvbn) before the load
                    person.kill()
                    raise BenchError("the staff driver could not finish its setup link")
                warm, run = run_client(tmp, port, path, bodies, conns, [warmup, seconds], endpoint_server.proc.pid)
                out, _ = person.communicate(timeout=seconds + warmup + 120)
                if person.returncode != 0:
                    raise BenchError(f"the staff driver failed ({person.returncode})")
                rows = count_rows(db)
    accepted = accepted_of(warm, 303) + accepted_of(run, 303)
    if rows < accepted:
        raise BenchError(f"{accepted - rows} acknowledged submissions are not in the database ({tag})")
    return run, json.loads(out) if out else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ROLES:
        return ROLES[argv[0]](argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 connections, ~0.75 s per run (for the tests)")
    parser.add_argument("--connections", type=int, help=f"default {FULL['connections']} ({QUICK['connections']} quick)")
    parser.add_argument("--seconds", type=float, help=f"measured seconds per run (default {FULL['seconds']:.0f})")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs) and print it")
    parser.add_argument("--staff-rps", type=float, default=5.0,
                        help="also run the endpoint with the staff workspace beside it, a person taking this many "
                             "steps per second there (default 5; 0: skip)")
    parser.add_argument("--staff-rounds", type=int, default=None,
                        help="rounds of (endpoint alone, endpoint with staff) for that comparison (default 2; 1 quick)")
    parser.add_argument("--baseline", metavar="REV",
                        help="also compare form-only submissions/s with this git revision's endpoint, in turn "
                             "(issue 36: e.g. the commit before the upload path)")
    parser.add_argument("--uploads", action="store_true",
                        help="also measure a 10 MB PDF stored and a 12 MB file refused (bench/upload_cost.py)")
    args = parser.parse_args(argv)
    plan = dict(QUICK if args.quick else FULL)
    if args.connections:
        plan["connections"] = max(1, min(args.connections, 1000))
    if args.seconds:
        plan["seconds"] = max(0.2, min(args.seconds, 120.0))  # bounded in time
    conns, seconds = plan["connections"], plan["seconds"]
    args.staff_rounds = max(1, min(args.staff_rounds or (1 if args.quick else 2), 10))

    started = time.perf_counter()
    info = machine()
    print(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['os']}, Python {info['python']}")
    print(f"Command: {' '.join([os.path.relpath(sys.executable), 'bench/endpoint.py', *argv])}")
    print(f"At start: {load_note()}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="qalb-bench-endpoint-"))
    results: dict[str, Any] = {"machine": info, "plan": plan}
    broken: list[str] = []
    try:
        bodies, records, form = submissions(POOL)
        sizes = [len(b) for b in bodies]
        print(f"Submissions: {len(bodies)} different valid {FORM_ID} posts (urlencoded, lang ar/en), "
              f"body {min(sizes):,}-{max(sizes):,} bytes (mean {statistics.fmean(sizes):,.0f})")
        print(f"Database folder: {tmp} ({fs_type(tmp)})", flush=True)

        # The client's own ceiling: the same client against a server that does nothing.
        port = free_port()
        with Server("raw asyncio", [sys.executable, str(THIS), "_raw", str(port)], port, tmp / "raw.log",
                    env=child_env()) as raw_server:
            (ceiling,) = run_client(tmp, port, "/ok", bodies, conns, [plan["ceiling"]], raw_server.proc.pid)
        results["client_ceiling"] = ceiling
        print(f"Client ceiling (the load client against a trivial asyncio server, a lower bound of what it can send; {conns} connections, "
              f"{plan['ceiling']:g} s): {describe(ceiling, 'req')}", flush=True)
        if errors_of(ceiling):
            broken.append("the load client got errors from the trivial server")

        storage = storage_ceiling(tmp / "storage.db", records, plan["storage"], plan["batch"])
        results["storage"] = storage
        print(f"Storage ceiling (SQLite alone, journal_mode={storage['journal_mode']}, "
              f"synchronous={storage['synchronous']}, 1 row per transaction, {plan['storage']:g} s, "
              f"rows of ~{storage['row_bytes']:,.0f} bytes): {storage['rows_per_s']:,.0f} rows/s "
              f"(context: 50 rows per transaction: {storage['batch50_rows_per_s']:,.0f} rows/s)", flush=True)

        lookup_cost = lookup_index_cost(tmp, records, form, plan["storage"])
        results["lookup_index"] = lookup_cost
        print(f"Lookup hashes (issue 18): storing a submission with its identifier hashes, 50 per transaction, "
              f"costs {lookup_cost['without']:,.0f} us without an index on the digest and "
              f"{lookup_cost['with']:,.0f} us with one ({lookup_cost['without_rows']:,.0f} and "
              f"{lookup_cost['with_rows']:,.0f} rows stored)", flush=True)

        port = free_port()
        with Server("bare route", [sys.executable, str(THIS), "_bare", str(port)], port, tmp / "bare.log",
                    env=child_env()) as bare_server:
            warm, bare = run_client(tmp, port, "/ok", bodies, conns, [plan["warmup"], seconds],
                                    bare_server.proc.pid)
        results["bare"] = bare
        print(f"Bare route (POST /ok -> 200 \"ok\": Starlette + the endpoint's middleware, "
              f"generator.endpoint.server.run, uvloop + httptools; {conns} connections, {seconds:g} s after "
              f"{plan['warmup']:g} s warm-up): {describe(bare, 'req')}", flush=True)
        if errors_of(bare) or errors_of(warm):
            broken.append("the bare route answered with errors")

        port = free_port()
        db = tmp / "endpoint.db"
        # Keys (if this version encrypts answers) go in the temporary folder too, never into the project.
        env = child_env(DATABASE_URL=f"sqlite:///{db}", QALB_RATE_LIMIT="off", QALB_SITE_DIR=str(tmp / "no-site"),
                        QALB_DATA_KEY_FILE=str(tmp / "keys" / "data.key"),
                        QALB_LOOKUP_KEY_FILE=str(tmp / "keys" / "lookup.key"))
        cmd = [sys.executable, "-m", "generator", "--root", str(REPO), "endpoint", "--host", "127.0.0.1",
               "--port", str(port)]
        with Server("endpoint", cmd, port, tmp / "endpoint.log", env=env, health="/api/health") as endpoint_server:
            warm, run = run_client(tmp, port, f"/api/forms/{FORM_ID}", bodies, conns, [plan["warmup"], seconds],
                                   endpoint_server.proc.pid)
            rows = count_rows(db)  # while the endpoint still runs: acknowledged means committed
            stored = stored_sizes(db)
        results["endpoint"] = run
        print(f"Endpoint (POST /api/forms/{FORM_ID} -> 303, `python -m generator endpoint`, SQLite "
              f"{fs_type(db)}; {conns} connections, {seconds:g} s after {plan['warmup']:g} s warm-up): "
              f"{describe(run, 'submissions')}", flush=True)
        accepted = accepted_of(warm, 303) + accepted_of(run, 303)
        results["rows"] = {"stored": rows, "accepted": accepted, **stored}
        print(f"Rows the endpoint stored: ~{stored['row_bytes']:,.0f} bytes each (answers column "
              f"~{stored['answers_bytes']:,.0f})" + (f", plus {stored['extra_rows']:.1f} rows in "
              f"{stored['extra_table']} per submission" if stored.get("extra_table") else ""))
        if rows == accepted:
            print(f"Rows in the SQLite file: {rows:,} = accepted responses {accepted:,} "
                  f"(warm-up {accepted_of(warm, 303):,} + measured {accepted_of(run, 303):,}): "
                  "nothing acknowledged is lost")
        elif rows > accepted:
            print(f"Rows in the SQLite file: {rows:,} > accepted responses {accepted:,}: nothing acknowledged is "
                  f"lost ({rows - accepted} stored whose answer did not arrive)")
        else:
            print(f"Rows in the SQLite file: {rows:,} < accepted responses {accepted:,}: "
                  f"LOST {accepted - rows} acknowledged submissions")
            broken.append(f"{accepted - rows} acknowledged submissions are not in the database")
        if errors_of(run) or errors_of(warm):
            broken.append("the endpoint answered with errors")
        if accepted_of(run, 303) == 0:
            broken.append("the endpoint accepted nothing")

        if args.staff_rps > 0:
            # Alone and with staff, alternately, each on a fresh file: the machine's other load
            # changes over a minute, so one pair says little; medians of the rounds are compared.
            pairs = []
            for number in range(1, args.staff_rounds + 1):
                alone, _ = endpoint_with_staff(tmp, bodies, conns, plan["warmup"], seconds, args.staff_rps,
                                               f"alone{number}", staff=False)
                beside, staff = endpoint_with_staff(tmp, bodies, conns, plan["warmup"], seconds, args.staff_rps,
                                                    f"staff{number}")
                assert staff is not None
                pairs.append((alone, beside, staff))
                print(f"Round {number}, endpoint alone again (a fresh SQLite file): {describe(alone, 'submissions')}")
                print(f"Round {number}, endpoint with the staff workspace beside it (a fresh SQLite file shared with "
                      f"`python -m generator staff serve` in its own process, a person using it at "
                      f"{args.staff_rps:g} steps/s): {describe(beside, 'submissions')}", flush=True)
                print(f"Round {number}, staff beside it: {staff['requests']} requests in {staff['elapsed']:.1f} s "
                      f"({staff['sign_ins']} sign-ins, {staff['failed_sign_ins']} failed sign-ins, the rest page "
                      f"reads), unexpected answers {staff['unexpected']}; step p50 {staff['p50_ms']:.1f} ms, "
                      f"max {staff['max_ms']:.1f} ms")
                if errors_of(alone) or errors_of(beside) or staff["unexpected"]:
                    broken.append("the endpoint or the workspace answered with errors when run side by side")
            results["staff_rounds"] = [{"alone": a, "beside": b, "staff": st} for a, b, st in pairs]
            alone_rate = statistics.median(accepted_of(a, 303) / a["elapsed"] for a, _, _ in pairs)
            beside_rate = statistics.median(accepted_of(b, 303) / b["elapsed"] for _, b, _ in pairs)
            alone_p99 = statistics.median(a["p99_ms"] for a, _, _ in pairs)
            beside_p99 = statistics.median(b["p99_ms"] for _, b, _ in pairs)
            print(f"With staff beside (median of {len(pairs)} round(s)): {beside_rate:,.0f} submissions/s "
                  f"({(beside_rate / alone_rate - 1) * 100:+.1f}% of {alone_rate:,.0f} alone), p99 {beside_p99:.1f} ms "
                  f"(alone {alone_p99:.1f} ms)")

        notified = notifications_on(tmp, env, bodies, conns, seconds, plan, broken)
        results["notifications"] = notified
        if args.baseline:
            compared = results["before_after"] = form_only_before_after(
                tmp, args.baseline, bodies, conns, plan["warmup"], seconds, plan["rounds"])
            before, after = compared["rates"]["before"], compared["rates"]["after"]
            cpu = compared["cpu_us"]
            print(f"Form-only submissions/s (median of {plan['rounds']} round(s)): before ({args.baseline}) "
                  f"{before:,.0f}, after {after:,.0f}; ratio {after / before if before else 0:.2f}; server CPU per "
                  f"submission {cpu['before']:,.0f} us before, {cpu['after']:,.0f} us after", flush=True)
        if args.uploads:
            results["uploads"] = upload_costs(tmp, 1 if args.quick else 5)
    except (BenchError, subprocess.TimeoutExpired, OSError, sqlite3.Error) as exc:
        print(f"\nThe benchmark broke: {exc}", file=sys.stderr)
        if args.keep:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        return 1
    if args.keep:
        print(f"Kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"At end: {load_note()}")
    rate = accepted_of(run, 303) / run["elapsed"]
    bare_rate = bare["done"] / bare["elapsed"]
    ratio_bare = rate / bare_rate if bare_rate else 0.0
    ratio_storage = rate / storage["rows_per_s"] if storage["rows_per_s"] else 0.0
    client_ceiling = ceiling["done"] / ceiling["elapsed"]
    results["ratios"] = {"bare": ratio_bare, "storage": ratio_storage}
    print()
    print(f"Accepted, durably committed submissions/s: {rate:,.0f} at {conns} connections")
    print(f"Ratio to the bare route (framework ceiling, {bare_rate:,.0f} req/s): {ratio_bare:.2f}")
    print(f"Ratio to SQLite alone at 1 row per transaction (storage ceiling, {storage['rows_per_s']:,.0f} rows/s): "
          f"{ratio_storage:.2f} (above 1: the endpoint commits many submissions per transaction)")
    print(f"Load client: its ceiling {client_ceiling:,.0f} req/s is {client_ceiling / max(rate, 1):.1f}x the "
          f"endpoint's rate; it used {run['client_cpu'] * 100:.0f}% of a core during the endpoint run")
    if args.quick or conns != FULL["connections"] or seconds != FULL["seconds"]:
        print(f"(The targets are for {FULL['connections']} connections and {FULL['seconds']:g} s; "
              f"this run used {conns} connections and {seconds:g} s.)")
    errors = errors_of(run)
    checks = [
        (f">= {TARGETS['rate']:,.0f} accepted durably committed submissions/s", f"{rate:,.0f}/s",
         rate >= TARGETS["rate"]),
        (f"p99 latency <= {TARGETS['p99_ms']:.0f} ms", f"{run['p99_ms']:.1f} ms", run["p99_ms"] <= TARGETS["p99_ms"]),
        ("0 errors", f"{errors}", errors == TARGETS["errors"]),
        (f">= {TARGETS['bare_ratio']} of the bare route", f"{ratio_bare:.2f}", ratio_bare >= TARGETS["bare_ratio"]),
    ]
    on_rate, off_rate = notified["on_rate"], notified["off_rate"]
    ratio_on = on_rate / off_rate if off_rate else 0.0
    results["ratios"]["notifications"] = ratio_on
    print(f"Submissions/s with notifications on: {on_rate:,.0f}; ratio to off (same run, in turn): {ratio_on:.2f}")
    checks.append((f">= {TARGETS['notify_ratio']}x submissions/s with notifications on", f"{ratio_on:.2f}",
                   ratio_on >= TARGETS["notify_ratio"]))
    for name, value, ok in checks:
        print(f"Target {name}: {value} -> {'PASS' if ok else 'MISS'}")
    print(f"\nBenchmark took {time.perf_counter() - started:.0f} s.")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    if broken:
        print("BROKEN: " + "; ".join(broken), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
