"""The words shown for an error: the form file's own message, or a generic one.

Per-field messages live in the form file (`ui.errors`, keyed by frictionless
error code), written by people who know what the field asks. The few generic
messages below cover what no form file can foresee: a posted name the form
does not have, or a check a person cannot trigger through the page (a crafted
"false" for a boolean, two values for one radio group). A file field's
problems (model.FILE_ERROR_CODES, found by the endpoint while it reads an
upload) are said here too, with the field's limits filled in, as is the hint
that states those limits: the same words on every form.
"""
from __future__ import annotations

import gettext as _gettext
from functools import lru_cache

from babel.lists import format_list

from generator.core.i18n import format_number, translations

from .model import FILE_TYPES, LANGS, MB, FileLimits, Form


@lru_cache(maxsize=None)
def catalog(lang: str) -> _gettext.NullTranslations:
    """The language's gettext catalog; until it exists, the English msgids."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; forms are in {LANGS}")
    try:
        return translations(lang)
    except OSError:  # no messages.po yet for this language
        return _gettext.NullTranslations()


def error_message(form: Form, field_name: str, code: str, lang: str, digits: str = "default") -> str:
    """The message for `code` on `field_name` ("" for the form as a whole), in `lang`; `digits`:
    content/settings.yml's arabic_digits, for the numbers of a file field's limits."""
    _ = catalog(lang).gettext
    if field_name:
        field = form.field(field_name)  # KeyError for a name the form lacks: a caller's bug
        messages = field.errors
        if code in messages:
            return messages[code][lang]
        for stop in form.stops:
            if stop.code == code:
                return stop.message[lang]
        if field.files is not None and code.startswith("file"):
            return file_message(field.files, code, lang, digits)
    if code == "unknown-field":
        return _("The form was sent with an answer it does not ask for. Reload the page and send it again.")
    return _("Check this answer and try again.")


def type_names(limits: FileLimits, lang: str) -> str:
    """The kinds of file taken, as people know them: "PDF, JPEG, or PNG" / "PDF أو JPEG أو PNG"."""
    names = [word.upper() for word, media_type in FILE_TYPES.items() if media_type in limits.accept]
    return format_list(names, style="or", locale=lang)


def _numbers(limits: FileLimits, lang: str, digits: str) -> dict[str, str]:
    return {"size": format_number(limits.max_file_bytes // MB, lang, digits),
            "total": format_number(limits.max_total_bytes // MB, lang, digits),
            "count": format_number(limits.max_files, lang, digits),
            "types": type_names(limits, lang)}


def file_hint(limits: FileLimits, lang: str, digits: str = "default") -> str:
    """What a file field takes, under its label: "Up to 5 files, 10 MB each and 25 MB in all. PDF, JPEG, or PNG."."""
    _ = catalog(lang).gettext
    values = _numbers(limits, lang, digits)
    if limits.max_files == 1:
        amount = _("One file, up to %(size)s MB.") % values
    else:
        amount = _("Up to %(count)s files, %(size)s MB each and %(total)s MB in all.") % values
    kinds = _("Files can be %(types)s.") % values
    return f"{amount} {kinds}"


def file_message(limits: FileLimits, code: str, lang: str, digits: str = "default") -> str:
    """The words for a file field's error code (model.FILE_ERROR_CODES), its limits filled in."""
    _ = catalog(lang).gettext
    values = _numbers(limits, lang, digits)
    if code == "file-too-large":
        return _("Each file can be up to %(size)s MB. Choose a smaller file.") % values
    if code == "files-too-many":
        if limits.max_files == 1:
            return _("You can send one file only. Choose one.")
        return _("You can send up to %(count)s files. Choose fewer.") % values
    if code == "files-too-large":
        return _("The files can be up to %(total)s MB in all. Choose fewer or smaller files.") % values
    if code == "file-type":
        return _("A file is not of a kind this form takes. Files can be %(types)s.") % values
    if code == "file-unsafe":
        return _("A PDF file holds scripts, actions or a password, which we cannot accept. Save it again as a "
                 "plain PDF (print it to PDF), or send a photo of each page.")
    if code == "file-infected":
        return _("The virus check found a problem in a file, so it was not accepted. Send another copy of the "
                 "document.")
    if code == "file-damaged":
        return _("A file cannot be opened: it may be damaged. Choose it again, or send another copy.")
    if code == "file-empty":
        return _("A file is empty. Choose it again.")
    if code == "files-again":  # the endpoint never keeps the files of a post it sends back (uploads/multipart.py)
        return _("Files are not kept when the form comes back to you: choose them again before sending.")
    return _("Check this answer and try again.")
