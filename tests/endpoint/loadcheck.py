"""A quick throughput check of the endpoint (not a test; run by hand).

    .venv/bin/python tests/endpoint/loadcheck.py [--connections 50] [--seconds 10] [--database-url URL]

Starts `python -m generator endpoint` (the production command: one process,
uvloop + httptools) on a fresh SQLite file with the rate limit off, then keeps
N keep-alive connections posting valid submissions of the test form for the
given time with a small raw-socket asyncio client (httpx would be the
bottleneck), and prints submissions/s and latency percentiles. Every answer
must be a 303; the row count is checked against the acknowledgements.

The client shares the machine with the server, so numbers are a floor.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "endpoint"
BODY = urlencode({"full_name": "سارة القحطاني", "mobile": "0512345678", "kind": "question", "rating": "4",
                  "visit_date": "2025-02-03", "topics": "health", "message": "أرغب في الاستفسار عن الخدمة",
                  "consent": "true", "lang": "ar"}).encode()


def request_bytes(port: int) -> bytes:
    head = (f"POST /api/forms/enquiry HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(BODY)}\r\n"
            f"Origin: http://127.0.0.1:{port}\r\n\r\n")
    return head.encode() + BODY


async def connection(port: int, until: float, latencies: list[float], statuses: dict[int, int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    payload = request_bytes(port)
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def load(port: int, connections: int, seconds: float) -> tuple[list[float], dict[int, int], float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(*(connection(port, until, latencies, statuses) for _ in range(connections)))
    return latencies, statuses, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="qalb-load-"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "QALB_RATE_LIMIT": "off", "PYTHONPATH": str(ROOT),
           "DATABASE_URL": args.database_url or f"sqlite:///{folder / 'load.db'}",
           "QALB_SITE_DIR": str(folder / "no-site")}
    server = subprocess.Popen([sys.executable, "-m", "generator", "--root", str(FIXTURE), "endpoint",
                               "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        try:
            import uvloop
            uvloop.install()
        except ImportError:
            pass
        asyncio.run(load(port, args.connections, 1.0))  # warm-up
        latencies, statuses, elapsed = asyncio.run(load(port, args.connections, args.seconds))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print(f"{len(latencies)} submissions in {elapsed:.1f} s with {args.connections} connections: "
          f"{len(latencies) / elapsed:,.0f}/s; latency p50 {pct(50):.1f} ms, p90 {pct(90):.1f} ms, "
          f"p99 {pct(99):.1f} ms, max {latencies[-1] * 1000:.1f} ms; statuses {statuses}")
    if not args.database_url:
        import sqlite3
        rows = sqlite3.connect(folder / "load.db").execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
        print(f"rows stored: {rows} (acknowledged incl. warm-up: >= {statuses.get(303, 0)})")
    shutil.rmtree(folder, ignore_errors=True)
    return 0 if set(statuses) == {303} else 1


if __name__ == "__main__":
    sys.exit(main())
