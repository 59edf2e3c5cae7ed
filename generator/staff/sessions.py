"""Server-side sessions: the cookie holds only a random id; its sha256 digest finds the
row in `staff_sessions`, which says whose it is, when it began and when it was last used.

A session ends when the person signs out, when it has been idle longer than the
idle timeout (30 minutes), when it is older than the absolute limit (12 hours),
or when the account is disabled or reset. Each sign-in makes a new id (never
reusing one the browser already had). `last_seen` is written at most once a
minute, so reading pages costs the shared database few writes.

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

COOKIE = "qalb_staff"
COOKIE_PATH = "/staff"
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Current:
    account: AccountRow
    digest: str


def session_handle(session_digest: str) -> str:
    """What names a session on its owner's page (not the digest the cookie is found by)."""
    return hashlib.sha256(f"session-handle:{session_digest}".encode("ascii")).hexdigest()[:24]


def cookie_header(settings: StaffSettings, value: str, *, max_age: int | None = None) -> str:
    """The Set-Cookie value: HttpOnly, SameSite=Lax, Path=/staff, Secure for an https workspace."""
    parts = [f"{COOKIE}={value}", f"Path={COOKIE_PATH}", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if settings.secure_cookies:
        parts.append("Secure")
    return "; ".join(parts)


class Sessions:
    def __init__(self, store: Store, settings: StaffSettings, clock: Clock) -> None:
        self.store, self.settings, self.clock = store, settings, clock
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
