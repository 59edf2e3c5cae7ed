"""What the pages read from a request besides its path: the posted fields, the client's
address (for the sign-in limit and the audit), the language of a signed-out page, and
the numbers and codes staff type (in any digits: the public forms' normalising)."""
from __future__ import annotations

import datetime as dt
import re

from starlette.requests import Request

from generator.core import i18n


async def form_data(request: Request) -> dict[str, str]:
    """The posted form's text fields (one value each)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def signed_out_lang(request: Request) -> str:
    """?lang= on the pages before sign-in, else the default language."""
    lang = request.query_params.get("lang", "")
    return lang if lang in i18n.LANGUAGE_CODES else i18n.DEFAULT_LANGUAGE.code


# Spaces and the bidi marks a right-to-left keyboard or a copy may add inside a code.
_SPACES = re.compile("[\\s\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_ASCII_NUMBER = re.compile("[0-9]{1,19}")
BIGINT_MAX = 2**63 - 1  # a row id (PostgreSQL BIGINT; SQLite's INTEGER)
INTEGER_MAX = 2**31 - 1  # a count stored as INTEGER (PostgreSQL's 32 bits)


def typed_code(text: str) -> str:
    """A code as typed: Arabic-Indic and Persian digits as 0-9, without spaces, hyphens or bidi marks."""
    return _SPACES.sub("", i18n.to_western_digits(text)).replace("-", "")


def typed_number(text: str | None, maximum: int = BIGINT_MAX) -> int | None:
    """A whole number typed in any digits (spaces allowed), or None when it is not one or is over `maximum`."""
    code = _SPACES.sub("", i18n.to_western_digits(text or ""))
    if not _ASCII_NUMBER.fullmatch(code) or int(code) > maximum:
        return None
    return int(code)


def typed_day(text: str | None) -> dt.date | None:
    """A day as a date field sends it (yyyy-mm-dd), in any digits; None when it is not one."""
    try:
        return dt.date.fromisoformat(_SPACES.sub("", i18n.to_western_digits(text or "")))
    except ValueError:
        return None
