"""core/i18n.py: digits in and out (Arabic-Indic, Persian, Western), numbers, Gregorian and
Umm al-Qura dates in both languages, and the gettext catalogs."""
from __future__ import annotations

import datetime as dt

import pytest

from generator.core import i18n
from generator.core.i18n import (
    format_date,
    format_hijri,
    format_number,
    localise_digits,
    numbering_system,
    to_western_digits,
)

FIRST_OF_MARCH = dt.date(2026, 3, 1)


# --- digits in ------------------------------------------------------------

def test_arabic_indic_and_persian_digits_become_western():
    assert to_western_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert to_western_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"  # Persian (Eastern Arabic) keyboards


def test_only_digits_change():
    assert to_western_digits("هاتف ٠٥٥١٢٣ / 0555 abc") == "هاتف 055123 / 0555 abc"
    assert to_western_digits("٢٠٢٦-٠٣-٠١") == "2026-03-01"
    assert to_western_digits("") == ""


# --- digits out -----------------------------------------------------------

@pytest.mark.parametrize("code, setting, system", [
    ("ar", "default", "latn"),  # CLDR's default for "ar" is Western digits
    ("ar", "arab", "arab"), ("ar", "latn", "latn"),
    ("en", "default", "latn"), ("en", "arab", "latn"),  # English pages keep 0-9 whatever the setting
    ("ar", "other", "latn"),
])
def test_numbering_system(code, setting, system):
    assert numbering_system(code, setting) == system


def test_localise_digits_writes_arabic_indic_digits_only_where_chosen():
    assert localise_digits("2026-03-01", "ar", "arab") == "٢٠٢٦-٠٣-٠١"
    assert localise_digits("0123456789", "ar", "arab") == "٠١٢٣٤٥٦٧٨٩"
    assert localise_digits("2026-03-01", "ar") == "2026-03-01"
    assert localise_digits("2026-03-01", "en", "arab") == "2026-03-01"


def test_digits_survive_the_round_trip():
    assert to_western_digits(localise_digits("0123456789", "ar", "arab")) == "0123456789"


@pytest.mark.parametrize("code, setting, expected", [
    ("ar", "default", "12,345.5"),
    ("ar", "arab", "١٢,٣٤٥.٥"),  # the digits change; the separators stay Babel's Western ones
    ("en", "default", "12,345.5"),
    ("en", "arab", "12,345.5"),
])
def test_format_number(code, setting, expected):
    assert format_number(12345.5, code, setting) == expected


def test_format_number_of_a_whole_number():
    assert format_number(1000, "ar", "arab") == "١,٠٠٠"
    assert format_number(7, "en") == "7"


# --- dates ----------------------------------------------------------------

@pytest.mark.parametrize("code, setting, expected", [
    ("ar", "default", "1 مارس 2026"),
    ("ar", "arab", "١ مارس ٢٠٢٦"),
    ("en", "default", "March 1, 2026"),
    ("en", "arab", "March 1, 2026"),
])
def test_format_date_long(code, setting, expected):
    assert format_date(FIRST_OF_MARCH, code, setting) == expected


def test_format_date_short():
    assert format_date(FIRST_OF_MARCH, "en", form="short") == "3/1/26"
    assert format_date(FIRST_OF_MARCH, "ar", form="short") == "1\u200f/3\u200f/2026"  # right-to-left marks
    assert format_date(FIRST_OF_MARCH, "ar", "arab", form="short") == "١\u200f/٣\u200f/٢٠٢٦"


@pytest.mark.parametrize("code, setting, expected", [
    ("ar", "default", "12 رمضان 1447 هـ"),
    ("ar", "arab", "١٢ رمضان ١٤٤٧ هـ"),
    ("en", "default", "12 Ramadan 1447 AH"),
    ("en", "arab", "12 Ramadan 1447 AH"),
])
def test_format_hijri(code, setting, expected):
    assert format_hijri(FIRST_OF_MARCH, code, setting) == expected


def test_hijri_months_turn_on_the_umm_al_qura_calendar():
    # Ramadan 1447 began on 18 February 2026 in Saudi Arabia (Umm al-Qura).
    assert format_hijri(dt.date(2026, 2, 17), "en") == "29 Sha'ban 1447 AH"
    assert format_hijri(dt.date(2026, 2, 18), "en") == "1 Ramadan 1447 AH"
    assert format_hijri(dt.date(2026, 2, 18), "ar") == "1 رمضان 1447 هـ"


# --- catalogs -------------------------------------------------------------

def test_gettext_translates_and_fills_in_parameters():
    assert i18n.gettext("ar", "Go to the home page") == "الذهاب إلى الصفحة الرئيسية"
    assert i18n.gettext("en", "Go to the home page") == "Go to the home page"
    assert i18n.gettext("en", "By %(group)s", group="month") == "By month"
    assert i18n.gettext("ar", "By %(group)s", group="الشهر") == "حسب الشهر"


def test_a_message_not_in_the_catalog_comes_back_as_written():
    assert i18n.gettext("ar", "No such message, surely") == "No such message, surely"


def test_catalogs_are_compiled_once_per_language():
    assert i18n.translations("ar") is i18n.translations("ar")
    assert i18n.translations("ar") is not i18n.translations("en")


def test_po_path():
    assert i18n.po_path("ar") == i18n.LOCALE_DIR / "ar" / "LC_MESSAGES" / "messages.po"
    assert i18n.po_path("ar").is_file()
