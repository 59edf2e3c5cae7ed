"""Bearer tokens for the HTTP export: named, stored as sha256 digests, revocable.

`python -m generator token create NAME` prints a new token once and stores
only its digest with the name and time; `token revoke NAME` stamps it
revoked, and from then on it gets 401. The older QALB_EXPORT_TOKEN_HASHES
setting still works (revoking one of those means removing it and restarting).

A sha256 digest is enough (no slow hash): the tokens are 256-bit random
values, not passwords, so the digest cannot be guessed back.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .store import Store

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}\Z")
OFF = "off"  # no token configured at all: the HTTP export does not exist


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def check_bearer(store: Store, env_hashes: Iterable[str], authorization: str) -> str | None:
    """The name of the token the header carries (for the audit log), OFF when no
    token exists at all, or None when it is missing, wrong or revoked."""
    stored = store.tokens()
    known = [(f"env:{h[:8]}", h) for h in env_hashes]
    known += [(t["name"], t["digest"]) for t in stored if t["revoked_at"] is None]
    if not known and not stored:  # a revoked token still gets 401, not 404
        return OFF
    scheme, _, token = authorization.partition(" ")
    presented = digest(token.strip())
    # compare_digest against every one: the time taken says nothing about which matched.
    matches = [name for name, known_digest in known if hmac.compare_digest(presented, known_digest)]
    if scheme.lower() != "bearer" or not token.strip() or not matches:
        return None
    return matches[0]
