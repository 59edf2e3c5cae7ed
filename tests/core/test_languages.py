"""core/languages.py: the one list of the site's languages, Arabic first at the site root."""
from __future__ import annotations

import pytest

from generator.core import i18n, languages
from generator.core.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGE_CODES,
    LANGUAGES,
    english_names,
    language,
    language_of_path,
    other_languages,
)


def test_arabic_comes_first_at_the_root_and_english_under_en():
    assert [(lang.code, lang.name, lang.prefix, lang.english_name) for lang in LANGUAGES] == [
        ("ar", "العربية", "", "Arabic"),
        ("en", "English", "en/", "English"),
    ]
    assert LANGUAGE_CODES == ("ar", "en")
    assert DEFAULT_LANGUAGE.code == "ar"


def test_direction_and_locale_come_from_cldr():
    assert [(lang.code, lang.direction, str(lang.locale)) for lang in LANGUAGES] == [("ar", "rtl", "ar"),
                                                                                      ("en", "ltr", "en")]


def test_language_finds_a_code_and_refuses_an_unknown_one():
    assert language("en") is LANGUAGES[1]
    with pytest.raises(ValueError) as refused:
        language("fr")
    assert str(refused.value) == "unknown language 'fr'; expected one of ('ar', 'en')"


@pytest.mark.parametrize("path, code", [
    ("/", "ar"), ("/faq/", "ar"), ("/en", "en"), ("/en/", "en"), ("/en/faq/", "en"),
    ("/english/", "ar"),  # a prefix is a whole path segment, not the start of a word
    ("/enquiries/", "ar"), ("/faq/en/", "ar"), ("", "ar"),
])
def test_language_of_path_reads_the_prefix(path, code):
    assert language_of_path(path).code == code


def test_english_names_and_other_languages():
    assert english_names() == {"ar": "Arabic", "en": "English"}
    assert [lang.code for lang in other_languages("ar")] == ["en"]
    assert [lang.code for lang in other_languages("en")] == ["ar"]
    assert [lang.code for lang in other_languages("fr")] == ["ar", "en"]


def test_i18n_hands_out_the_same_objects():
    assert i18n.LANGUAGES is languages.LANGUAGES
    assert i18n.language is languages.language
    assert i18n.DEFAULT_LANGUAGE is languages.DEFAULT_LANGUAGE


def test_a_language_is_frozen():
    with pytest.raises(AttributeError):
        LANGUAGES[0].prefix = "ar/"
