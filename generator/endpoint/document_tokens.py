"""The upload token of the status page: proof that whoever posts documents to a case
passed the reference + mobile check a moment ago, on this case as it was then.

The status page's answer for a case waiting for the applicant carries, in a hidden
field (never the URL), a token bound to the reference, the case's version and an
expiry 15 minutes on:

    <reference>.<case version>.<expiry, Unix seconds>.<HMAC-SHA256, base64url>

The HMAC key is derived (HKDF-SHA256, its own `info`) from the lookup key the
endpoint already holds for the status check (QALB_LOOKUP_KEY_FILE): no new secret
file, every endpoint machine on the database derives the same key, and a leak of
the derived key does not give the lookup key. Rotating the lookup key ends every
token in flight (they live 15 minutes anyway).

A token fits only while the case's version is the one it names: a caseworker's
change to the case ends it, and so does the first batch of documents when it starts
the case's paused clock again (while the clock already runs, adding files leaves the
version as it is: the token may add more within its 15 minutes, within the same
limits). Nothing is stored to check a token.
"""
from __future__ import annotations

import base64
import datetime as dt
import hmac
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from generator.submissions import references

LIFETIME = dt.timedelta(minutes=15)
_INFO = b"qalb status-page document upload token v1"
_SHAPE = re.compile(rf"^({references.PATTERN})\.([0-9]{{1,12}})\.([0-9]{{1,12}})\.([A-Za-z0-9_-]{{43}})$")


@dataclass(frozen=True)
class Ticket:
    """What a token that fits says: the case, as the applicant saw it."""

    reference: str
    case_version: int
    expires: dt.datetime


class DocumentTokens:
    def __init__(self, lookup_key: bytes) -> None:
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(lookup_key)

    def _mac(self, reference: str, version: int, expires: int) -> str:
        mac = hmac.digest(self._key, f"{reference}:{version}:{expires}".encode("ascii"), "sha256")
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def make(self, reference: str, case_version: int, *, now: dt.datetime) -> str:
        expires = int((now + LIFETIME).timestamp())
        return f"{reference}.{case_version}.{expires}.{self._mac(reference, case_version, expires)}"

    def check(self, token: str, *, now: dt.datetime) -> Ticket | None:
        """The ticket of a token made here and not expired, else None (forged, altered,
        expired, or not a token). Whether the case is still at that version is the caller's."""
        match = _SHAPE.match(token)
        if match is None:
            return None
        reference, version, expires = match[1], int(match[2]), int(match[3])
        if not hmac.compare_digest(self._mac(reference, version, expires).encode("ascii"), match[4].encode("ascii")):
            return None
        at = dt.datetime.fromtimestamp(expires, dt.timezone.utc)
        if now >= at or at - now > LIFETIME:
            return None
        return Ticket(reference=reference, case_version=version, expires=at)
