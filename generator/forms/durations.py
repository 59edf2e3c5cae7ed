"""A period of days in words, as a person says it: "two years", "سنتين", not
"730 days" (issue 35).

Whole years and whole weeks become words; a whole number of 30-day months
below a year is said in months with the exact days beside it ("six months
(180 days)"), since six calendar months are a few days longer; anything else
stays a number of days (CLDR plural forms: Arabic has six). Arabic counts are
written for the genitive, the case they take after "بعد" and "مدة", the places
a form's texts put them.
"""
from __future__ import annotations

from babel.units import format_unit

# 1..10 of each unit; Arabic numbers 3-10 take the opposite gender of the noun.
_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "year": ("one year", "two years", "three years", "four years", "five years", "six years", "seven years",
                 "eight years", "nine years", "ten years"),
        "month": ("one month", "two months", "three months", "four months", "five months", "six months",
                  "seven months", "eight months", "nine months", "ten months"),
        "week": ("one week", "two weeks", "three weeks", "four weeks", "five weeks", "six weeks", "seven weeks",
                 "eight weeks", "nine weeks", "ten weeks"),
    },
    "ar": {
        "year": ("سنة واحدة", "سنتين", "ثلاث سنوات", "أربع سنوات", "خمس سنوات", "ست سنوات", "سبع سنوات",
                 "ثماني سنوات", "تسع سنوات", "عشر سنوات"),
        "month": ("شهر واحد", "شهرين", "ثلاثة أشهر", "أربعة أشهر", "خمسة أشهر", "ستة أشهر", "سبعة أشهر",
                  "ثمانية أشهر", "تسعة أشهر", "عشرة أشهر"),
        "week": ("أسبوع واحد", "أسبوعين", "ثلاثة أسابيع", "أربعة أسابيع", "خمسة أسابيع", "ستة أسابيع",
                 "سبعة أسابيع", "ثمانية أسابيع", "تسعة أسابيع", "عشرة أسابيع"),
    },
}


def days_text(days: int, lang: str) -> str:
    """"180 days" / "180 يومًا", Western digits (the site may localise them)."""
    return format_unit(days, "duration-day", length="short", locale=lang, numbering_system="latn")


def duration_text(days: int, lang: str) -> str:
    """`days` in words in `lang` ("ar" or "en")."""
    words = _WORDS["en" if lang == "en" else "ar"]
    if days % 365 == 0 and days // 365 <= 10:
        return words["year"][days // 365 - 1]
    if days < 365 and days % 30 == 0 and days // 30 >= 2:
        return f"{words['month'][days // 30 - 1]} ({days_text(days, lang)})"
    if days % 7 == 0 and days // 7 <= 10:
        return words["week"][days // 7 - 1]
    return days_text(days, lang)
