"""Which answers identify a person, in one normal form each, as keyed hashes.

A subject request ("show me / delete everything you hold on me") starts from
a national ID, a mobile number or an e-mail address. Answers are encrypted,
so each submission also stores HMAC-SHA256 hashes of its identifiers under
the lookup key (table `submission_lookups`); a search hashes the value staff
type and compares hashes. The same person types the same number many ways,
so values are normalised first: Arabic-Indic digits to 0-9, spaces and dashes
removed, e-mails lower-cased, every Saudi mobile form to 9665XXXXXXXX.

Which fields are identifiers is read from the form schema, so the form
files need no extra key: `format: email` is an e-mail; a field shown as
`control: tel` (or with a `tel...` autocomplete) is a mobile; a field named
like a national ID / iqama number is a national ID. A field marked
`identifier: name` in the form file (beside `ui:`) is a name: each of its
words is hashed on its own (kind "name"), so staff find a caller by any of
the words of their name, typed in any order (`name_words`).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable, Mapping

from .crypto import LookupKey

KINDS = ("national_id", "mobile", "email")
NATIONAL_ID_NAMES = frozenset({"national_id", "national_id_number", "id_number", "iqama", "iqama_number"})
MOBILE_NAMES = frozenset({"mobile", "phone", "mobile_number", "phone_number"})
EMAIL_NAMES = frozenset({"email", "email_address"})
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_SEPARATORS = re.compile(r"[\s\-().\u200e\u200f\u061c]+")  # spaces, dashes, brackets, direction marks
_INVISIBLE = re.compile(r"[\s\u200e\u200f\u061c]+")
#: Arabic letter forms people write for one another: hamza and madda on alif (taken off by
#: NFKD with the other marks), alif wasla, taa marbuta, alif maqsura; tatweel dropped.
_ARABIC_FORMS = str.maketrans({"\u0671": "\u0627", "\u0629": "\u0647", "\u0649": "\u064a", "\u0640": None})
_WORD = re.compile(r"[^\W_]+")


def name_words(value: Any) -> set[str]:
    """The words of a name in one form each: marks dropped (NFKD: Arabic diacritics, the hamza
    and madda of أ/إ/آ, Latin accents), Arabic letter forms folded, Latin case-folded. Words are
    split at spaces and at any other sign: "Al-Harbi" gives "al" and "harbi", and its joined
    form "alharbi" too, so "al harbi", "harbi", "al-harbi" and "alharbi" all find it."""
    text = unicodedata.normalize("NFKD", str(value).translate(_DIGITS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_ARABIC_FORMS).casefold()
    words: set[str] = set()
    for token in text.split():
        parts = _WORD.findall(token)
        words.update(parts)
        if len(parts) > 1:
            words.add("".join(parts))
    return words


def normalise(kind: str, value: Any) -> str:
    text = str(value).translate(_DIGITS)
    if kind == "email":  # dots and dashes belong to addresses: only spaces and direction marks go
        return _INVISIBLE.sub("", text).lower()
    text = _SEPARATORS.sub("", text)
    if kind == "mobile":
        text = re.sub(r"^(\+|00)", "", text)
        # 05XXXXXXXX, 5XXXXXXXX, 9665XXXXXXXX, +9665..., 009665... -> 9665XXXXXXXX
        match = re.fullmatch(r"(?:966|0)?(5\d{8})", text)
        return "966" + match[1] if match else text
    return text


def identifier_kinds(form: Any) -> dict[str, str]:
    """{field name: kind} for the identifier fields of a loaded form."""
    kinds = {}
    for field in form.fields:
        if field.type != "string":
            continue
        if getattr(field, "identifier", None) == "name":
            kinds[field.name] = "name"
        elif field.format == "email" or field.name in EMAIL_NAMES:
            kinds[field.name] = "email"
        elif field.control == "tel" or (field.autocomplete or "").split()[-1:] in (["tel"], ["tel-national"]) \
                or field.name in MOBILE_NAMES:
            kinds[field.name] = "mobile"
        elif field.name in NATIONAL_ID_NAMES:
            kinds[field.name] = "national_id"
    return kinds


def _by_name(answers: Mapping[str, Any]) -> dict[str, str]:
    """For rows of a form whose file is gone: guess from the field names alone."""
    guesses = {}
    for name in answers:
        for kind, names in (("email", EMAIL_NAMES), ("mobile", MOBILE_NAMES), ("national_id", NATIONAL_ID_NAMES)):
            if name in names:
                guesses[name] = kind
    return guesses


class Indexer:
    """Submission answers -> the (kind, digest) pairs stored beside them."""

    def __init__(self, key: LookupKey, forms: Mapping[str, Any]) -> None:
        self.key = key
        self.kinds = {form_id: identifier_kinds(form) for form_id, form in forms.items()}

    def digests(self, form_id: str, answers: Mapping[str, Any]) -> list[tuple[str, str]]:
        kinds = self.kinds.get(form_id) or _by_name(answers)
        found: set[tuple[str, str]] = set()
        for name, kind in kinds.items():
            value = answers.get(name)
            if value is not None and kind == "name":
                found.update(("name", self.key.digest("name", word)) for word in name_words(value))
            elif value is not None and (text := normalise(kind, value)):
                found.add((kind, self.key.digest(kind, text)))
        return sorted(found)

    def search(self, values: Iterable[tuple[str, str]]) -> list[str]:
        """The digests to look for, from (kind, value as typed)."""
        return sorted({self.key.digest(kind, normalise(kind, value)) for kind, value in values if value.strip()})

    def name_search(self, typed: str) -> list[str]:
        """The digests of the words of a name as typed: a submission must hold all of them."""
        return sorted({self.key.digest("name", word) for word in name_words(typed)})

    def name_fields(self) -> dict[str, tuple[str, ...]]:
        """{form id: its name fields}, for forms that have any."""
        found = {form_id: tuple(sorted(n for n, kind in kinds.items() if kind == "name"))
                 for form_id, kinds in self.kinds.items()}
        return {form_id: names for form_id, names in found.items() if names}
