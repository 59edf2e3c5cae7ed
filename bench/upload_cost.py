#!/usr/bin/env python3
"""What a file sent with a form costs (issue 36): a 10 MB PDF stored, and a 12 MB one refused.

The real endpoint app (create_app, the help-request form with its medical_reports field) runs
on uvicorn in this process, on a fresh SQLite file, against a clamd of its own (Debian's
/usr/sbin/clamd on a one-signature database written here, as the tests start it: nothing is
downloaded). The client is curl in its own process, streaming the body from a file, so none
of the client's memory is counted:

* time: curl's total for posting a 10 MB PDF until the 303 (streamed, scanned by clamd,
  sealed with AES-256-GCM, fsynced, committed, placed), the median of `--runs`;
* memory: the growth of the Python heap during one such upload, as tracemalloc's peak over
  what was allocated before it (tracemalloc runs only for that upload: it slows Python down),
  and the process's resident set growth (VmHWM after, reset by /proc/self/clear_refs, minus
  VmRSS before; root only, else VmHWM as it is);
* the 12 MB refusal: the body bytes the app pulled through ASGI's receive before answering
  413 (file-too-large, help-request's limit being 10 MB), beside the largest chunk received.

    .venv/bin/python bench/upload_cost.py [--runs 5] [--json FILE]

bench/endpoint.py runs it (unless --no-uploads) and prints its lines.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

MB = 1024 * 1024
FORM_ID = "help-request"


def padded_pdf(size: int) -> bytes:
    """A real one-page PDF of about `size` bytes: its bulk an incompressible stream it holds."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.QalbPadding = pikepdf.Stream(pdf, os.urandom(size - 1024))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def _memory(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _curl(url: str, fields: dict[str, str], file: Path | None) -> tuple[int, float]:
    """POST as a browser does (multipart, answers then the file); (status, seconds)."""
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-H", f"Origin: {url.split('/api')[0]}",
               "-H", "Accept: text/html"]
    for name, value in fields.items():
        command += ["--form-string", f"{name}={value}"]
    if file is not None:
        command += ["-F", f"medical_reports=@{file};filename=report.pdf;type=application/pdf"]
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True, timeout=120).stdout.split()
    return int(out[0]), float(out[1])


def measure(runs: int) -> dict[str, Any]:
    import uvicorn
    from common import REPO, help_request_answers

    from generator.core.config import EndpointSettings
    from generator.core.problems import Problems
    from generator.endpoint.app import create_app
    from generator.forms import load_forms
    from generator.web.server import uvicorn_config
    from tests.support.clamd import start_clamd, stop_clamd
    from tests.support.counting import Counting
    from tests.support.postgres import free_port

    problems = Problems()
    forms = load_forms(REPO, problems)
    assert not problems.errors, problems.errors
    tmp = Path(tempfile.mkdtemp(prefix="qalb-bench-uploads-"))
    clamd = start_clamd()
    try:
        settings = EndpointSettings(root=REPO, database_url=f"sqlite:///{tmp / 'uploads.db'}", site_dir=tmp / "no-site",
                                    rate_limit=None, files_dir=tmp / "files", clamd_address=clamd.address,
                                    data_key_file=tmp / "keys" / "data.key",
                                    lookup_key_file=tmp / "keys" / "lookup.key", staff_key_file=tmp / "keys" / "staff.key")
        app = Counting(create_app(settings=settings, forms=forms))
        port = free_port()
        server = uvicorn.Server(uvicorn_config(app, host="127.0.0.1", port=port, log_level="warning",
                                               access_log=False))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        url = f"http://127.0.0.1:{port}/api/forms/{FORM_ID}"
        fields = {**help_request_answers(1)[0], "lang": "ar"}
        pdf, big = tmp / "report.pdf", tmp / "big.pdf"
        pdf.write_bytes(padded_pdf(10 * MB))
        big.write_bytes(b"%PDF-1.4\n" + b"0" * (12 * MB))
        try:
            status, _ = _curl(url, fields, pdf)  # warm-up: imports, the first sealed file, the first scan
            assert status == 303, status
            times = []
            for _ in range(runs):
                status, seconds = _curl(url, fields, pdf)
                assert status == 303, status
                times.append(seconds)
            rss_before = _memory("VmRSS")
            reset = os.geteuid() == 0
            if reset:
                Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
            tracemalloc.start()
            base, _ = tracemalloc.get_traced_memory()
            status, traced_seconds = _curl(url, fields, pdf)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert status == 303, status
            rss_growth = _memory("VmHWM") - rss_before
            app.read = app.largest = 0
            status, _ = _curl(url, fields, big)
            assert status == 413, status
            return {"pdf_bytes": pdf.stat().st_size, "runs": runs, "seconds": times,
                    "median_s": statistics.median(times), "heap_peak_growth": peak - base,
                    "rss_growth": rss_growth, "rss_reset": reset, "traced_s": traced_seconds,
                    "refused_body": big.stat().st_size, "refused_read": app.read, "largest_chunk": app.largest}
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    finally:
        stop_clamd(clamd)
        shutil.rmtree(tmp, ignore_errors=True)


def lines(result: dict[str, Any]) -> list[str]:
    times = ", ".join(f"{s:.2f}" for s in result["seconds"])
    return [
        f"Upload of a {result['pdf_bytes'] / MB:.1f} MB PDF with a help request (multipart, streamed, scanned by clamd, "
        f"sealed, committed, placed; curl, median of {result['runs']}): {result['median_s']:.2f} s ({times})",
        f"Memory during one such upload: Python heap peak +{result['heap_peak_growth'] / MB:.1f} MB (tracemalloc), "
        f"resident set +{result['rss_growth'] / MB:.1f} MB (VmHWM{' reset before' if result['rss_reset'] else ''} "
        f"minus VmRSS before)",
        f"A 12 MB file refused (413, 10 MB limit): the app read {result['refused_read']:,} of "
        f"{result['refused_body']:,} body bytes (largest chunk {result['largest_chunk']:,})",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(max(1, min(args.runs, 50)))
    for line in lines(result):
        print(line)
    if args.json:
        args.json.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
