"""The hand-written urlencoded parser (parsing.py) gives exactly what parse_qsl gives,
and refuses exactly what parse_qsl refuses, on any text a client can send."""
from __future__ import annotations

from urllib.parse import parse_qsl, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.endpoint.parsing import MAX_FIELDS, BadSubmission, _parse_urlencoded


def reference(text: str) -> list[tuple[str, str]] | str:
    """parse_qsl as the endpoint used it, with its errors as the endpoint's codes."""
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), encoding="utf-8",
                         errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        return "bad-encoding"
    except ValueError:
        return "bad-request"


def ours(text: str) -> list[tuple[str, str]] | str:
    try:
        return _parse_urlencoded(text)
    except BadSubmission as exc:
        return exc.code


# Text built from the pieces that matter: escapes (good, malformed, non-UTF-8, %00), separators,
# plus signs, Arabic, and what the fast path must not misread: backslashes, "=" inside a value,
# raw line breaks, tabs and NUL (quoted-printable gives them meaning, NUL separates parts).
PIECES = st.sampled_from(["%", "%2", "%D8%A7", "%d9%84", "%41", "%zz", "%FF", "%C3", "%ED%A0%80", "%5C", "%3D",
                          "%0A", "%00", "\n", "\r", "\x00", "_", "\t", "\\x41", "\\n", "\\", "+", "=", "&",
                          "a", "ب", "é", " ", "%25", "%2B", "x"])
TEXTS = st.lists(PIECES, max_size=30).map("".join)


@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_same_result_as_parse_qsl_on_any_text(text: str) -> None:
    assert ours(text) == reference(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=20), st.text(max_size=60)), max_size=12))
def test_round_trip_of_what_browsers_send(pairs: list[tuple[str, str]]) -> None:
    text = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in pairs)
    assert ours(text) == reference(text)
    if text:
        assert ours(text) == [(k, v) for k, v in pairs]


@pytest.mark.parametrize("text", ["&".join(["a=1"] * MAX_FIELDS), "&".join(["a=1"] * (MAX_FIELDS + 1))])
def test_field_limit_is_the_same(text: str) -> None:
    assert ours(text) == reference(text)
