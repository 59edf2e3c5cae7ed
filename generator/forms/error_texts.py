"""The words shown for an error: the form file's own message, or a generic one.

Per-field messages live in the form file (`ui.errors`, keyed by frictionless
error code), written by people who know what the field asks. The few generic
messages below cover what no form file can foresee: a posted name the form
does not have, or a check a person cannot trigger through the page (a crafted
"false" for a boolean, two values for one radio group).
"""
from __future__ import annotations

import gettext as _gettext
from functools import lru_cache

from generator.core.i18n import translations

from .model import LANGS, Form


@lru_cache(maxsize=None)
def catalog(lang: str) -> _gettext.NullTranslations:
    """The language's gettext catalog; until it exists, the English msgids."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; forms are in {LANGS}")
    try:
        return translations(lang)
    except OSError:  # no messages.po yet for this language
        return _gettext.NullTranslations()


def error_message(form: Form, field_name: str, code: str, lang: str) -> str:
    """The message for `code` on `field_name` ("" for the form as a whole), in `lang`."""
    _ = catalog(lang).gettext
    if field_name:
        messages = form.field(field_name).errors  # KeyError for a name the form lacks: a caller's bug
        if code in messages:
            return messages[code][lang]
        for stop in form.stops:
            if stop.code == code:
                return stop.message[lang]
    if code == "unknown-field":
        return _("The form was sent with an answer it does not ask for. Reload the page and send it again.")
    return _("Check this answer and try again.")
