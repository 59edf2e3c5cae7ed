"""Issue 3: `python -m generator serve` rebuilds on save and serves the new page."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

from generator import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def wait_for(predicate, seconds: float) -> float | None:
    """Seconds until predicate() was true, or None if it never was."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def test_serve_rebuilds_after_a_content_change(project_copy):
    port = free_port()
    url = f"http://127.0.0.1:{port}/en/faq/"
    log = (project_copy / "serve.log").open("w")  # a file, not a pipe nobody reads
    server = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(project_copy), "serve", "--port", str(port)],
        cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=log)
    try:
        assert wait_for(lambda: fetch(url), 30) is not None, (
            "the preview never answered:\n" + (project_copy / "serve.log").read_text())
        page = fetch(url)
        assert "livereload" in page  # the reload script is injected
        faq = project_copy / "content/faq.yml"
        text = faq.read_text(encoding="utf-8")
        question = text.split("question: ")[2].split("\n")[0]  # the first English question
        faq.write_text(text.replace(question, "Edited under preview?", 1), encoding="utf-8")
        seconds = wait_for(lambda: "Edited under preview?" in (fetch(url) or ""), 10)
        assert seconds is not None, "the edit never showed"
        print(f"change visible after {seconds:.2f} s")
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
