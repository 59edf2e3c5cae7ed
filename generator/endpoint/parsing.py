"""From request bytes to the `{name: str | [str]}` mapping the form reader takes.

Both encodings are parsed strictly: bytes that are not UTF-8, pairs without
"=", JSON that is not an object of plain values, or too many fields are a
`BadSubmission` (400), never an exception escaping to a 500. Nothing here
logs or echoes the submitted values.
"""
from __future__ import annotations

import binascii
import json
from typing import Any, NoReturn
from urllib.parse import unquote_to_bytes, urlsplit

from generator.core.languages import language_of_path
from generator.forms import Form, group_posted

MAX_FIELDS = 200  # far above any form's field count, far below a parser-exhausting flood
_PERCENT_AS_EQUALS = bytes.maketrans(b"%", b"=")


class BadSubmission(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "bad-encoding" or "bad-request"


def parse_pairs(body: bytes, media: str) -> list[tuple[str, Any]]:
    """(name, value) pairs of a form post or a JSON object, in order; BadSubmission if unreadable."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadSubmission("bad-encoding") from None
    return _parse_json(text) if media == "application/json" else _parse_urlencoded(text)


def parse_body(body: bytes, media: str, form: Form) -> dict[str, Any]:
    return group_posted(parse_pairs(body, media), form)


def _parse_urlencoded(text: str) -> list[tuple[str, str]]:
    """What `parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict",
    max_num_fields=MAX_FIELDS)` returns, several times faster on Arabic answers.

    Written by hand because the standard library decodes each %XX in Python: an
    Arabic answer is almost all %XX (2 bytes a letter, 6 characters each), and
    parsing was the largest single cost of a submission (bench/endpoint.py).
    tests/endpoint/test_parsing.py checks it against parse_qsl.
    """
    if not text:
        return []
    fields = text.replace("+", " ").split("&")
    if len(fields) > MAX_FIELDS:
        raise BadSubmission("bad-request")
    parts: list[str] = []
    for field in fields:
        name, equals, value = field.partition("=")
        if not equals:  # a pair without "=": refused, after any bad encoding before it (as parse_qsl)
            _unquote_all(parts)
            raise BadSubmission("bad-request")
        parts += (name, value)
    decoded = _unquote_all(parts)
    return list(zip(decoded[::2], decoded[1::2], strict=True))


def _unquote_all(parts: list[str]) -> list[str]:
    """%-decode every part as UTF-8: all at once in C when that is safe, else part by
    part with urllib (which keeps a malformed % as text)."""
    joined = "\0".join(parts)
    if "%" not in joined:
        return parts
    data = joined.encode()
    # Quoted-printable writes bytes as =XX where URLs write %XX, and binascii decodes it
    # in C. Safe only where the text holds no =, line break or NUL of its own (=, CR and
    # LF mean something in quoted-printable; NUL, raw or as %00, separates the parts).
    if (b"=" not in data and b"\r" not in data and b"\n" not in data and b"%00" not in data
            and data.count(b"\0") == len(parts) - 1):
        raw = binascii.a2b_qp(data.translate(_PERCENT_AS_EQUALS))
        if len(raw) == len(data) - 2 * data.count(b"%"):  # every % began a valid escape
            return _utf8(raw).split("\0")
    return [_utf8(unquote_to_bytes(part)) if "%" in part else part for part in parts]


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # %-escapes that decode to bytes which are not UTF-8
        raise BadSubmission("bad-encoding") from None


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(name)  # NaN and Infinity are not JSON


def _parse_json(text: str) -> list[tuple[str, Any]]:
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise BadSubmission("bad-request") from None
    if not isinstance(document, dict) or len(document) > MAX_FIELDS:
        raise BadSubmission("bad-request")
    pairs: list[tuple[str, Any]] = []
    for name, value in document.items():
        if value is None:
            continue  # null: not answered
        if isinstance(value, list):
            pairs.append((name, [_scalar(item) for item in value]))
        else:
            pairs.append((name, _scalar(value)))
    return pairs


def _scalar(value: Any) -> str:
    """JSON scalars as the text a browser would have posted for them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    raise BadSubmission("bad-request")  # nested objects and lists of lists


def infer_language(referer: str | None) -> str:
    """The language of the page a form was sent from, when it carried no `lang` field
    (a script, or a page built before forms had one: see generator/forms/render.py)."""
    path = urlsplit(referer or "").path
    return language_of_path(path).code
