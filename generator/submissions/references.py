"""Submission reference numbers: unguessable, short, and easy to read over the phone.

A reference is 50 random bits from `secrets`, written as ten characters of
Crockford's base32 in two groups of five: ``7KQ2M-X9PHD``. Crockford's
alphabet has no I, L, O or U, so nothing is confused with 1, 0 or V when
a caller spells it out, and `normalise` forgives the usual slips (lower case,
O for 0, I or L for 1, spaces instead of the hyphen, Arabic-Indic or Persian
digits from an Arabic keyboard).

50 bits is enough that guessing a reference is hopeless (a million tries hit
one of a million stored references with probability ~1e-3), while staying
short enough to dictate. The database still enforces uniqueness; the writer
draws a new reference in the unlikely event of a collision.
"""
from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
GROUP = 5
BITS = 5 * LENGTH

#: A reference as shown to people and stored in the database.
PATTERN = rf"[{ALPHABET}]{{{GROUP}}}-[{ALPHABET}]{{{LENGTH - GROUP}}}"
_PATTERN = re.compile(PATTERN)

# What people type by mistake -> what they meant (Crockford's decoding rules).
_FORGIVE = str.maketrans({"O": "0", "I": "1", "L": "1"} | {arabic: str(n) for n, arabic in enumerate("٠١٢٣٤٥٦٧٨٩")}
                         | {persian: str(n) for n, persian in enumerate("۰۱۲۳۴۵۶۷۸۹")})


def new_reference() -> str:
    value = secrets.randbits(BITS)
    chars = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(LENGTH)))
    return f"{chars[:GROUP]}-{chars[GROUP:]}"


def normalise(text: str) -> str | None:
    """The canonical form of a reference typed by a person, or None if it cannot be one."""
    compact = re.sub(r"[\s\-_.\u200e\u200f\u061c]", "", text).upper().translate(_FORGIVE)
    if len(compact) != LENGTH or any(c not in ALPHABET for c in compact):
        return None
    return f"{compact[:GROUP]}-{compact[GROUP:]}"


def is_reference(text: str) -> bool:
    return _PATTERN.fullmatch(text) is not None
