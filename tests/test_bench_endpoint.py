"""bench/endpoint.py --quick runs end to end: ceilings, both loads, the row count, the targets.

No timing assertions: this only guards the benchmark itself against rot. It
needs nothing beyond the requirements (the load client is Python; only 127.0.0.1).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "endpoint.py"
NUMBER = r"[\d,]+(?:\.\d+)?"


def test_quick_endpoint_benchmark_reports_every_figure():
    result = subprocess.run([sys.executable, str(BENCH), "--quick"], check=False, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for pattern in (
        rf"^Client ceiling .*: {NUMBER} req/s; .*errors 0 ",
        rf"^Storage ceiling \(SQLite alone, journal_mode=wal, synchronous=FULL, 1 row per transaction.*: {NUMBER} rows/s",
        rf"^Lookup hashes \(issue 18\): storing a submission .* costs {NUMBER} us without an index on the digest and {NUMBER} us with one",
        rf"^Bare route .*: {NUMBER} req/s; latency p50 {NUMBER} ms, .*p99 {NUMBER} ms, .*errors 0 ",
        rf"^Endpoint .*: {NUMBER} submissions/s; latency p50 {NUMBER} ms, .*p99 {NUMBER} ms, .*errors 0 \(statuses \{{303: \d+\}}",
        rf"^Round 1, endpoint alone again .*: {NUMBER} submissions/s; latency p50 {NUMBER} ms, .*p99 {NUMBER} ms, .*errors 0 ",
        rf"^Round 1, endpoint with the staff workspace beside it .*: {NUMBER} submissions/s; latency p50 {NUMBER} ms, .*p99 {NUMBER} ms, .*errors 0 ",
        r"^Round 1, staff beside it: \d+ requests in .* unexpected answers 0; ",
        rf"^With staff beside \(median of 1 round\(s\)\): {NUMBER} submissions/s \([+-]{NUMBER}% of {NUMBER} alone\), p99 {NUMBER} ms \(alone {NUMBER} ms\)$",
        rf"^Accepted, durably committed submissions/s: {NUMBER} at \d+ connections$",
        rf"^Ratio to the bare route .*: {NUMBER}$",
        rf"^Ratio to SQLite alone at 1 row per transaction .*: {NUMBER} ",
        r"^Target >= 2,000 accepted durably committed submissions/s: .* -> (PASS|MISS)$",
        r"^Target p99 latency <= 50 ms: .* -> (PASS|MISS)$",
        r"^Target 0 errors: 0 -> PASS$",
        r"^Target >= 0.25 of the bare route: .* -> (PASS|MISS)$",
        rf"^Round 1, notifications off: {NUMBER} submissions/s; .*errors 0 \(statuses \{{303: \d+\}}",
        rf"^Round 1, notifications on: {NUMBER} submissions/s; .*errors 0 \(statuses \{{303: \d+\}}",
        rf"^Endpoint, notifications on .*: {NUMBER} submissions/s; .*errors 0 \(statuses \{{303: \d+\}}",
        rf"^Submissions/s with notifications on: {NUMBER}; ratio to off \(same run, in turn\): {NUMBER}$",
        r"^Target >= 0.8x submissions/s with notifications on: .* -> (PASS|MISS)$",
    ):
        assert re.search(pattern, out, re.MULTILINE), f"missing /{pattern}/ in:\n{out}"
    rows = re.search(r"^Rows in the SQLite file: ([\d,]+) = accepted responses ([\d,]+) .*nothing acknowledged is lost$",
                     out, re.MULTILINE)
    assert rows, out
    assert rows.group(1) == rows.group(2) and int(rows.group(1).replace(",", "")) > 0, rows.group(0)
    # With notifications on, every queued message reached the SMTP server, once.
    messages = re.search(r"^Messages \(last round\): ([\d,]+) queued for [\d,]+ stored submissions .*all ([\d,]+) sent .*"
                         r"\(failed 0, still pending 0\); the SMTP server received ([\d,]+)$", out, re.MULTILINE)
    assert messages, out
    assert messages.group(1) == messages.group(2) == messages.group(3) != "0", messages.group(0)
