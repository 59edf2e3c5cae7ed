"""The form as staff fill it in for someone on the phone (issue 33, item 7): each field's
`ui.staff_label` where its public label speaks to the applicant ("Your full name" ->
"The applicant's full name"; "I confirm..." -> "The applicant confirmed by phone...").

`speaks_to_the_applicant` finds the labels that need one, in each language, for the
checker (a warning on a form with a workflow: only those can be entered by staff).
Read word by word, without Arabic diacritics: English "you", "your", "I", "my", "me";
Arabic "you" and "I" words (أنت، تكن، أقر، أوافق…) and the "your" ending (ـك) on a word
that is not one of the common words ending in ك (ذلك، تلك، هناك…).
"""
from __future__ import annotations

import dataclasses
import re

from .model import Form, FormField

_ENGLISH = re.compile(r"\b(?:you|your|yours|yourself|me|my|mine)\b", re.I)
_ENGLISH_I = re.compile(r"\bI\b")  # case matters: "I", not "i"
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
_ARABIC_WORDS = frozenset({"أنت", "انت", "أنتم", "تكن", "كنت", "أنا", "أقر", "اقر", "أوافق", "اوافق", "أتعهد",
                           "معي", "لي", "بياناتي", "بأنني", "تطلبه", "تحتاجه", "اخترت", "تفضل"})
_NOT_YOUR = frozenset({"ذلك", "كذلك", "تلك", "هناك", "هنالك", "بنك", "البنك", "مشترك", "المشترك", "ملك", "الملك",
                       "مبارك", "المبارك", "شريك", "الشريك"})
_WORD = re.compile(r"[\u0621-\u064a]+")


def speaks_to_the_applicant(text: str, lang: str) -> bool:
    """Whether a label says "you" or "I" (the applicant's own voice) in `lang`."""
    if lang == "en":
        return bool(_ENGLISH.search(text) or _ENGLISH_I.search(text))
    for word in _WORD.findall(_MARKS.sub("", text)):
        bare = word[2:] if word.startswith("ال") and len(word) > 4 else word
        if word in _ARABIC_WORDS or (len(bare) >= 3 and word.endswith("ك") and word not in _NOT_YOUR):
            return True
    return False


def for_staff(form: Form) -> Form:
    """The same form, each field labelled with its `staff_label` where it has one (for
    rendering the staff's entry form only: reading and storing use the form itself). File
    fields are left out: staff enter what a caller says; files come with the form or from
    the status page."""
    fields = [dataclasses.replace(f, label=f.staff_label) if f.staff_label else f
              for f in form.fields if f.files is None]
    return dataclasses.replace(form, fields=fields)


def needs_staff_label(field: FormField) -> list[str]:
    """The languages in which a field without `staff_label` speaks to the applicant."""
    if field.staff_label:
        return []
    return [lang for lang, text in field.label.items() if speaks_to_the_applicant(text, lang)]
