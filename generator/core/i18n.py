"""Languages, gettext catalogs and locale-aware formatting (Babel/CLDR).

Every interface string lives in `generator/locale/<lang>/LC_MESSAGES/messages.po`,
extracted with `pybabel extract` (see `make messages`). Catalogs are compiled
from the .po files in memory when first used, so a build never runs on stale
.mo files and none are committed.
"""
from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from hijridate import Gregorian

# The language list lives in languages.py; i18n.LANGUAGES etc. are the same objects.
from .languages import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from .languages import LANGUAGE_CODES as LANGUAGE_CODES
from .languages import LANGUAGES as LANGUAGES
from .languages import Language as Language
from .languages import language as language
from .languages import language_of_path as language_of_path
from .languages import other_languages as other_languages

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translations(code: str) -> Translations:
    """The compiled catalog for one language (compiled from its .po, in memory)."""
    with po_path(code).open("rb") as po:
        catalog = read_po(po, locale=code, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def gettext(code: str, message: str, **params: object) -> str:
    text = translations(code).gettext(message)
    return text % params if params else text


# --- digits ---------------------------------------------------------------

_WESTERN = "0123456789"
_ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
_PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
# Babel localises number symbols but not the digits inside dates, so digits are
# swapped by hand; CLDR's table is just these ten characters.
_TO_ARABIC_INDIC = str.maketrans(_WESTERN, _ARABIC_INDIC)
TO_WESTERN = str.maketrans(_ARABIC_INDIC + _PERSIAN, _WESTERN * 2)


def to_western_digits(text: str) -> str:
    """Arabic-Indic and Persian digits, as people in Saudi Arabia type them, to 0-9."""
    return text.translate(TO_WESTERN)


def numbering_system(code: str, setting: str = "default") -> str:
    """`default` follows CLDR for the locale; `arab` or `latn` force a choice on
    right-to-left (Arabic-script) pages only: English pages keep 0-9."""
    if setting in ("arab", "latn") and language(code).direction == "rtl":
        return setting
    return Locale.parse(code).default_numbering_system or "latn"


def localise_digits(text: str, code: str, setting: str = "default") -> str:
    if numbering_system(code, setting) == "arab":
        return text.translate(_TO_ARABIC_INDIC)
    return text


def format_number(value: int | float, code: str, setting: str = "default") -> str:
    return localise_digits(format_decimal(value, locale=code, numbering_system="latn"), code, setting)


def format_date(value: dt.date, code: str, setting: str = "default", form: str = "long") -> str:
    return localise_digits(_babel_format_date(value, form, locale=code), code, setting)


def format_hijri(value: dt.date, code: str, setting: str = "default") -> str:
    """The Umm al-Qura date, as Saudi documents print it beside the Gregorian one."""
    hijri = Gregorian(value.year, value.month, value.day).to_hijri()
    suffix = "هـ" if code == "ar" else "AH"
    text = f"{hijri.day} {hijri.month_name('ar' if code == 'ar' else 'en')} {hijri.year} {suffix}"
    return localise_digits(text, code, setting)
