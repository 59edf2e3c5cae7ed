"""Form tokens (CSRF): every POST of the workspace carries, in its `csrftoken` field, an
HMAC-SHA256 of the browser's session id under the staff key (QALB_STAFF_KEY_FILE).

Before sign-in there is no session: the token is bound instead to a random cookie set
with the first page that has a form (`Cookies.before_sign_in`, SameSite=Strict). Signing in
starts a new session, so the tokens change then: a token from before sign-in, or from
another session, does not fit. Nothing is stored: any process holding the same key
file checks a page made by another (two `staff serve` replicas on one database).

The check (guards.require_form_token) reads the posted form once, as the handler
will (Starlette keeps the parsed form on the request), within the workspace's body
limit; there is no exception for any header (`Authorization` included) or path.
"""
from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass
from typing import Mapping

from .sessions import Cookies

FIELD = "csrftoken"
_LONGEST_COOKIE = 100  # our cookie values are 43 characters; longer ones are not ours


@dataclass(frozen=True)
class FormTokens:
    key: bytes
    cookies: Cookies

    def token(self, binding: str) -> str:
        """The token of a binding ("session:<id>" or "before:<value>")."""
        mac = hmac.digest(self.key, f"qalb-staff-form:{binding}".encode("utf-8"), "sha256")
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def for_session(self, session_id: str) -> str:
        return self.token(f"session:{session_id}")

    def binding(self, cookies: Mapping[str, str]) -> str | None:
        """What a request's token must be bound to: its session cookie when it has one, else its
        cookie from before sign-in, else nothing (then no token fits)."""
        session = cookies.get(self.cookies.session, "")
        if 0 < len(session) <= _LONGEST_COOKIE:
            return f"session:{session}"
        before = cookies.get(self.cookies.before_sign_in, "")
        if 0 < len(before) <= _LONGEST_COOKIE:
            return f"before:{before}"
        return None

    def fits(self, cookies: Mapping[str, str], posted: object) -> bool:
        binding = self.binding(cookies)
        if binding is None or not isinstance(posted, str) or not posted.isascii():
            return False
        return hmac.compare_digest(self.token(binding).encode("ascii"), posted.encode("ascii"))

    def start_before_sign_in(self) -> tuple[str, str]:
        """A new cookie value for a browser without one: (its Set-Cookie header, the page's token)."""
        value = secrets.token_urlsafe(32)
        header = self.cookies.header(self.cookies.before_sign_in, value, same_site="Strict")
        return header, self.token(f"before:{value}")

    def end_before_sign_in(self) -> str:
        """The Set-Cookie header that removes the cookie from before sign-in (at sign-in)."""
        return self.cookies.header(self.cookies.before_sign_in, "", max_age=0, same_site="Strict")
