"""The site's languages: the one list every part reads (Arabic first)."""
from __future__ import annotations

from dataclasses import dataclass

from babel import Locale


@dataclass(frozen=True)
class Language:
    code: str  # "ar" or "en"
    name: str  # the language's own name, for the switcher
    prefix: str  # URL prefix under the site root: "" or "en/"
    english_name: str  # for messages to staff and developers: "Arabic"

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"


#: Arabic first: it is the default language and lives at the site root.
LANGUAGES: tuple[Language, ...] = (
    Language("ar", "العربية", "", "Arabic"),
    Language("en", "English", "en/", "English"),
)
LANGUAGE_CODES = tuple(lang.code for lang in LANGUAGES)
DEFAULT_LANGUAGE = LANGUAGES[0]


def language(code: str) -> Language:
    for lang in LANGUAGES:
        if lang.code == code:
            return lang
    raise ValueError(f"unknown language {code!r}; expected one of {LANGUAGE_CODES}")


def language_of_path(path: str) -> Language:
    """The language a site path belongs to, by its prefix ("/en/..." is English; the rest Arabic)."""
    for lang in LANGUAGES:
        if lang.prefix and (path == "/" + lang.prefix.rstrip("/") or path.startswith("/" + lang.prefix)):
            return lang
    return DEFAULT_LANGUAGE


def english_names() -> dict[str, str]:
    return {lang.code: lang.english_name for lang in LANGUAGES}


def other_languages(code: str) -> list[Language]:
    return [lang for lang in LANGUAGES if lang.code != code]
