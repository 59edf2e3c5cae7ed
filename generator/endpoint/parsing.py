"""From request bytes to the `{name: str | [str]}` mapping the form reader takes.

Both encodings are parsed strictly: bytes that are not UTF-8, pairs without
"=", JSON that is not an object of plain values, or too many fields are a
`BadSubmission` (400), never an exception escaping to a 500. Nothing here
logs or echoes the submitted values.
"""
from __future__ import annotations

import codecs
import json
from typing import Any
from urllib.parse import unquote, urlsplit

MAX_FIELDS = 200  # far above any form's field count, far below a parser-exhausting flood


class BadSubmission(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "bad-encoding" or "bad-request"


def parse_body(body: bytes, media: str, form: Any) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadSubmission("bad-encoding") from None
    pairs = _parse_json(text) if media == "application/json" else _parse_urlencoded(text)
    arrays = {f.name for f in form.schema.fields if f.type == "array"}
    data: dict[str, Any] = {}
    for name, value in pairs:
        if name in data:
            previous = data[name]
            data[name] = (previous if isinstance(previous, list) else [previous]) + _as_list(value)
        else:
            data[name] = value
    for name in arrays & set(data):
        # One ticked box arrives as a single value; an array field always gets a list.
        data[name] = _as_list(data[name])
    return data


def _as_list(value: Any) -> list[str]:
    return list(value) if isinstance(value, list) else [value]


def _parse_urlencoded(text: str) -> list[tuple[str, str]]:
    """What `parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict",
    max_num_fields=MAX_FIELDS)` returns, about twice as fast on Arabic answers.

    Written by hand because the standard library decodes each %XX in Python: an
    Arabic answer is almost all %XX (2 bytes a letter, 6 characters each), and
    parsing was the largest single cost of a submission (bench/endpoint.py).
    tests/endpoint/test_parsing.py checks it against parse_qsl.
    """
    if not text:
        return []
    fields = text.split("&")
    if len(fields) > MAX_FIELDS:
        raise BadSubmission("bad-request")
    pairs = []
    for field in fields:
        name, equals, value = field.partition("=")
        if not equals:  # a pair without "="
            raise BadSubmission("bad-request")
        pairs.append((_unquote_plus(name), _unquote_plus(value)))
    return pairs


def _unquote_plus(value: str) -> str:
    value = value.replace("+", " ")
    if "%" not in value:
        return value
    try:
        if "\\" not in value:
            # %XX -> \xXX, decoded by the C escape decoder; any other backslash escape is
            # impossible since the text held none. A malformed % (not two hex digits) makes
            # escape_decode fail, and unquote below keeps it as text, as parse_qsl does.
            try:
                raw = codecs.escape_decode(value.replace("%", "\\x"))[0]
            except ValueError:
                pass
            else:
                return raw.decode("utf-8")
        return unquote(value, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:  # %-escapes that decode to bytes which are not UTF-8
        raise BadSubmission("bad-encoding") from None


def _reject_constant(name: str) -> Any:
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
    return "en" if path == "/en" or path.startswith("/en/") else "ar"
