"""Server-side sessions: the cookie holds only a random id; its sha256 digest finds the
row in `staff_sessions`, which says whose it is, when it began and when it was last used.

A session ends when the person signs out, when it has been idle longer than the
idle timeout (30 minutes), when it is older than the absolute limit (12 hours),
or when the account is disabled or reset. Each sign-in makes a new id (never
reusing one the browser already had). `last_seen` is written at most once a
minute, so reading pages costs the shared database few writes. The cookies' names
and flags (`__Host-` for an https workspace) are in `Cookies`.

Each person sees their own sessions (`listing`: started, last seen, device) and
can end any of them; a password change ends all but the one it was made in. A
session is named on that page by a handle made from its digest (`handle`), never
by the digest that finds it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from generator.core.config import StaffSettings
from generator.submissions.db.accounts import AccountRow
from generator.submissions.db.staff_sessions import SessionRow
from generator.submissions.store import Store

from .accounts import Clock, digest
from .devices import device

COOKIE = "qalb_staff"  # the session cookie's name over http; `Cookies` says which names are in use
COOKIE_PATH = "/staff"
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Current:
    account: AccountRow
    digest: str


@dataclass(frozen=True)
class Cookies:
    """The workspace's two cookies: the session, and the one before sign-in that form tokens
    are bound to (form_tokens.py). For an https workspace (QALB_STAFF_URL) they are named
    `__Host-...`, Secure, Path=/ and without Domain, so neither a sibling subdomain nor
    plain http can set them; over http (the quick start) they keep to /staff."""

    secure: bool

    @classmethod
    def of(cls, settings: StaffSettings) -> Cookies:
        return cls(secure=settings.secure_cookies)

    @property
    def session(self) -> str:
        return f"__Host-{COOKIE}" if self.secure else COOKIE

    @property
    def before_sign_in(self) -> str:
        return f"__Host-{COOKIE}_form" if self.secure else f"{COOKIE}_form"

    def header(self, name: str, value: str, *, max_age: int | None = None, same_site: str = "Lax") -> str:
        """A Set-Cookie value: HttpOnly; Path=/ and Secure for https, else Path=/staff."""
        parts = [f"{name}={value}", f"Path={'/' if self.secure else COOKIE_PATH}", "HttpOnly",
                 f"SameSite={same_site}"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)


def session_handle(session_digest: str) -> str:
    """What names a session on its owner's page (not the digest the cookie is found by)."""
    return hashlib.sha256(f"session-handle:{session_digest}".encode("ascii")).hexdigest()[:24]


def cookie_header(settings: StaffSettings, value: str, *, max_age: int | None = None) -> str:
    """The session cookie's Set-Cookie value (SameSite=Lax)."""
    cookies = Cookies.of(settings)
    return cookies.header(cookies.session, value, max_age=max_age)


class Sessions:
    def __init__(self, store: Store, settings: StaffSettings, clock: Clock) -> None:
        self.store, self.settings, self.clock = store, settings, clock
        self.cookies = Cookies.of(settings)
        self.idle = dt.timedelta(minutes=settings.idle_minutes)
        self.absolute = dt.timedelta(hours=settings.absolute_hours)

    def start(self, account: AccountRow, user_agent: str = "") -> str:
        """A new session; returns the id for the cookie (stored only as its digest)."""
        token = secrets.token_urlsafe(32)
        self.store.add_session(digest(token), account.id, self.clock(), device(user_agent))
        return token

    def listing(self, current: Current) -> list[SessionRow]:
        """The account's sessions still usable (not ended, not expired), newest first."""
        now = self.clock()
        return [row for row in self.store.account_sessions(current.account.id)
                if now - row.created_at < self.absolute and now - row.last_seen < self.idle]

    def end_by_handle(self, current: Current, handle: str) -> SessionRow | None:
        """End one of the account's own sessions, named by its handle; the row, or None."""
        for row in self.store.account_sessions(current.account.id):
            if secrets.compare_digest(session_handle(row.digest).encode(), handle.encode("utf-8", "replace")):
                self.store.end_session(row.digest, self.clock())
                return row
        return None

    def current(self, token: str | None) -> tuple[Current | None, str | None, str | None]:
        """(the signed-in account, None, None) for a cookie value, or (None, why, e-mail)
        with why one of None (no session), "expired-idle", "expired-absolute", "ended"."""
        if not token or len(token) > 100:
            return None, None, None
        key = digest(token)
        row = self.store.session(key)
        if row is None:
            return None, None, None
        if row.ended_at is not None:
            return None, "ended", None
        now = self.clock()
        why = None
        if now - row.created_at >= self.absolute:
            why = "expired-absolute"
        elif now - row.last_seen >= self.idle:
            why = "expired-idle"
        account = self.store.account(id=row.account_id)
        if account is None or account.disabled or account.password_hash is None:
            why = why or "ended"
        if why is not None:
            self.store.end_session(key, now)
            return None, why, account.email if account else None
        if now - row.last_seen >= TOUCH_EVERY:
            self.store.touch_session(key, now)
        assert account is not None
        return Current(account, key), None, None

    def end(self, current: Current) -> None:
        self.store.end_session(current.digest, self.clock())
