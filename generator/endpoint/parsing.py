"""From request bytes to the `{name: str | [str]}` mapping the form reader takes.

Both encodings are parsed strictly: bytes that are not UTF-8, pairs without
"=", JSON that is not an object of plain values, or too many fields are a
`BadSubmission` (400), never an exception escaping to a 500. Nothing here
logs or echoes the submitted values.
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), encoding="utf-8",
                         errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:  # %-escapes that decode to bytes which are not UTF-8
        raise BadSubmission("bad-encoding") from None
    except ValueError:  # a pair without "=", or too many fields
        raise BadSubmission("bad-request") from None


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
    """The language of the page a form was sent from, when it carried no `lang` field."""
    path = urlsplit(referer or "").path
    return "en" if path == "/en" or path.startswith("/en/") else "ar"


_FORM_OPEN = re.compile(r"<form\b[^>]*>", re.I)


def with_lang_field(form_html: str, lang: str) -> str:
    """Make sure the re-rendered form still says which language it was filled in."""
    if re.search(r"""<input\b[^>]*\bname=["']lang["']""", form_html, re.I):
        return form_html
    return _FORM_OPEN.sub(lambda m: f'{m[0]}\n<input type="hidden" name="lang" value="{lang}">',
                          form_html, count=1)
