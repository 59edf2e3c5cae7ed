"""Debian's chromium driven by Playwright, for screenshots and browser tests.

Playwright never downloads a browser here: we point it at /usr/bin/chromium
with the flags this closed network needs (no background networking).
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator

from generator.core.config import chromium_setting, keep_browser_profile_in

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_path() -> str | None:
    return chromium_setting()


@contextlib.contextmanager
def launch_chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if not executable:
        raise RuntimeError("chromium is not installed: run `make setup-test` (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="qalb-chromium-") as home:
        keep_browser_profile_in(home)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_static(site_dir: Path, *, handler_class: type[http.server.SimpleHTTPRequestHandler] = _QuietHandler
                 ) -> Iterator[str]:
    """Serve a built site on 127.0.0.1 (a free port) for as long as the block runs."""
    handler = functools.partial(handler_class, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
