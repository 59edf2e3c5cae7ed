"""The access log, written by us: uvicorn's own is off (web/server.py), because it
writes the query string and every path as it came.

One line per request on stderr (logger `qalb.access`):

    GET /staff/setup/… 200 12 ms

Method, path, status and duration only: never the query string, a header, a
cookie or the client's address, and the token of a setup link (the one secret
that travels in a path) replaced by `…`. Search terms and status lookups are
posted, so they are never in a path.
"""
from __future__ import annotations

import logging
import re
import sys
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("qalb.access")
#: Paths whose last part is a secret: the staff setup links (`staff add`, `staff reset`).
SECRET_IN_PATH = re.compile(r"(/staff/setup/)[^/]*")
#: What could forge or hide a line: control characters, line separators, bidi controls.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown_path(path: str) -> str:
    """The path as the log shows it: setup tokens out, control characters escaped (\\n)."""
    path = UNPRINTABLE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), path)
    return SECRET_IN_PATH.sub("\\1…", path)


def enable() -> None:
    """Write `qalb.access` lines to stderr (once per process; `run`, `endpoint` and `staff serve`)."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


class AccessLog:
    """Around the whole app (web/server.py `run`): a line once each request is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 0

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            log.info("%s %s %d %d ms", scope.get("method", ""), shown_path(scope.get("path", "")), status,
                     (time.perf_counter() - started) * 1000)
