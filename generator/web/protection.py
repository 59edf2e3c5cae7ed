"""Checks a post must pass before its content is even looked at.

Cheap checks run first: rate limit, origin, content type, then the body is
read with a byte budget. Each check returns None when the request may go on,
or a `Refusal` naming the status and a stable code; `read_post` runs them in
that order for a public POST and raises the first refusal as `Refused`, which
the app's one exception handler turns into a bilingual page or JSON.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCEPTED_TYPES = ("application/x-www-form-urlencoded", "application/json")
#: What a form with a file field accepts besides: its files, streamed (generator/uploads/).
UPLOAD_TYPES = (*ACCEPTED_TYPES, "multipart/form-data")


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str  # stable: "too-large", "unsupported-type", "bad-origin", "rate-limited", ...
    retry_after: int | None = None


class Refused(Exception):
    """A refused request, raised where the check fails and answered by the app's one
    exception handler: a bilingual page, or (`as_json`) JSON for a script."""

    def __init__(self, code: str, status: int, *, retry_after: int | None = None, as_json: bool = False) -> None:
        super().__init__(f"{status} {code}")
        self.code, self.status, self.retry_after, self.as_json = code, status, retry_after, as_json

    @classmethod
    def because(cls, refusal: Refusal, *, as_json: bool = False) -> Refused:
        return cls(refusal.code, refusal.status, retry_after=refusal.retry_after, as_json=as_json)


@dataclass(frozen=True)
class Post:
    media: str  # "application/x-www-form-urlencoded" or "application/json"
    body: bytes


class RateLimiter:
    """A token bucket per client address: `limit` posts per `period` seconds, refilled evenly.

    Kept in memory: the endpoint runs as one process. The table is pruned of
    full buckets when it grows, so a flood of addresses cannot exhaust memory.
    """

    def __init__(self, limit: int, period: float, *, max_clients: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("RateLimiter needs limit >= 1 and period > 0")
        self.limit, self.period, self.max_clients = limit, period, max_clients
        self.rate = limit / period
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, last time)

    def check(self, client: str) -> Refusal | None:
        now = self.clock()
        tokens, last = self._buckets.get(client, (float(self.limit), now))
        tokens = min(float(self.limit), tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return Refusal(429, "rate-limited", retry_after=max(1, int((1.0 - tokens) / self.rate + 0.999)))
        self._buckets[client] = (tokens - 1.0, now)
        if len(self._buckets) > self.max_clients:
            self._prune(now)
        return None

    def _prune(self, now: float) -> None:
        # A bucket that would be full again carries no information: forget it.
        self._buckets = {c: (t, last) for c, (t, last) in self._buckets.items()
                         if t + (now - last) * self.rate < self.limit}
        while len(self._buckets) > self.max_clients:  # still too many: drop the oldest
            self._buckets.pop(next(iter(self._buckets)))


def check_origin(request: Request, allowed: Iterable[str]) -> Refusal | None:
    """Cross-site posts are refused unless their origin is listed.

    Browsers send Origin on every POST; `Origin: null` (sandboxed frames,
    file: pages, privacy redirects) cannot be trusted and is refused. Scripts
    that send neither Origin nor Referer carry no cookie to abuse, so they pass.
    """
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if not referer:
            return None
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"
    origin = origin.strip().lower().rstrip("/")
    if origin == "null" or "://" not in origin:
        return Refusal(403, "bad-origin")
    if origin in allowed:
        return None
    # The site's own origin: the same host (and port) the request was sent to.
    # The scheme is not compared, since a TLS proxy in front changes it.
    host = request.headers.get("host", "").lower()
    if host and origin.split("://", 1)[1] == host:
        return None
    return Refusal(403, "bad-origin")


def media_type(request: Request) -> str:
    """The posted Content-Type without its parameters, lower case."""
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def check_content_type(request: Request, accepted: tuple[str, ...] = ACCEPTED_TYPES) -> Refusal | None:
    """A refusal unless the body is a type we parse (`accepted`), in UTF-8."""
    if media_type(request) not in accepted:
        return Refusal(415, "unsupported-type")
    params = request.headers.get("content-type", "").partition(";")[2]
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8", "us-ascii"):
            return Refusal(415, "unsupported-charset")
    return None


def client_address(request: Request) -> str:
    # uvicorn puts the X-Forwarded-For address here for trusted proxies only.
    return request.client.host if request.client else "unknown"


def wants_json(request: Request, media: str = "") -> bool:
    """A script's request: it asks for JSON and not HTML, or it posted JSON (`media`)
    without asking for HTML."""
    accept = request.headers.get("accept", "")
    return "text/html" not in accept and ("application/json" in accept or media == "application/json")


def check_post(request: Request, *, allowed_origins: Iterable[str], limiter: RateLimiter | None = None,
               negotiate: bool = False, accepted: tuple[str, ...] = ACCEPTED_TYPES) -> str:
    """The checks before the body, in order: the client's rate limit (with `limiter`), the
    origin, the content type (one of `accepted`: a form with files adds multipart). Returns
    the media type or raises Refused; with `negotiate` the refusal is answered in JSON when
    the client `wants_json`, else always as a page."""
    refusal = limiter.check(client_address(request)) if limiter else None
    refusal = refusal or check_origin(request, allowed_origins)
    if refusal is not None:
        raise Refused.because(refusal, as_json=negotiate and wants_json(request))
    media = media_type(request)
    refusal = check_content_type(request, accepted)
    if refusal is not None:
        raise Refused.because(refusal, as_json=negotiate and wants_json(request, media))
    return media


async def read_body(request: Request, limit: int, *, as_json: bool = False) -> bytes:
    """The body, read up to `limit` bytes. A declared Content-Length over the limit is
    refused before reading anything; a body that grows past it (chunked, or a lying
    header) is refused as soon as the budget is spent."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise Refused("bad-length", 400, as_json=as_json)
        if int(declared) > limit:
            raise Refused("too-large", 413, as_json=as_json)
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Refused("too-large", 413, as_json=as_json)
            chunks.append(chunk)
    except ClientDisconnect:
        raise Refused("disconnected", 400, as_json=as_json) from None
    return b"".join(chunks)


async def read_post(request: Request, *, allowed_origins: Iterable[str], max_body_bytes: int,
                    limiter: RateLimiter | None = None, negotiate: bool = False) -> Post:
    """A public POST's media type and body, or Refused: `check_post`, then the body read
    within `max_body_bytes`. (A form with files runs check_post and streams its multipart
    body itself: generator/uploads/multipart.py.)"""
    media = check_post(request, allowed_origins=allowed_origins, limiter=limiter, negotiate=negotiate)
    body = await read_body(request, max_body_bytes, as_json=negotiate and wants_json(request, media))
    return Post(media, body)


class SecurityHeaders:
    """Headers on every response: no sniffing, no framing, and a referrer policy that
    still lets browsers send Origin on posts (`no-referrer` would turn it into "null").

    The Content-Security-Policy is set by each page the endpoint renders (it
    carries the hashes of that page's inline scripts); the static site's own
    pages are left to the site's host.
    """

    HEADERS = (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class StrictTransport:
    """Strict-Transport-Security on every response (QALB_HSTS; `value` "" sends none):
    browsers then never ask the site, the endpoint or the workspace over plain http,
    where a network could read a setup link or plant a cookie."""

    def __init__(self, app: ASGIApp, value: str) -> None:
        self.app, self.value = app, value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.value:
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Strict-Transport-Security"] = self.value
            await send(message)

        await self.app(scope, receive, send_with_header)


def site_content_security_policy() -> str:
    """For the built site's own pages (`run` sends it; docs/deploy.md's nginx the same):
    everything from the site's origin, no framing, no plugins, posts to the site only.
    Material's inline scripts differ from page to page (the path to the site's root), so
    they are allowed inline here; the pages the endpoint renders allow them by hash."""
    return ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'self'; object-src 'none'")


def content_security_policy(*, site_url: str = "", script_hashes: Iterable[str] = ()) -> str:
    """For pages the endpoint renders: they use the built site's CSS, scripts and fonts
    (from QALB_SITE_URL's host when the site lives elsewhere); inline scripts of the
    site's shell are allowed by hash, so nothing injected into a page could run."""
    extra = ""
    if site_url:
        parts = urlsplit(site_url)
        extra = f" {parts.scheme}://{parts.netloc}"
    hashes = "".join(f" 'sha256-{h}'" for h in sorted(set(script_hashes)))
    return (f"default-src 'self'{extra}; img-src 'self' data:{extra}; "
            f"style-src 'self' 'unsafe-inline'{extra}; script-src 'self'{extra}{hashes}; "
            f"font-src 'self'{extra}; form-action 'self'; frame-ancestors 'none'; "
            f"base-uri 'self'{extra}; object-src 'none'")


def strict_content_security_policy() -> str:
    """For pages that need no script and no inline style at all (the staff workspace):
    everything from the page's own origin, nothing inline, no framing, no plugins."""
    return ("default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
