"""What staff see: Jinja templates in templates/staff/, every word from the gettext
catalogs (`_()` in the templates, `gettext` here), Arabic first.

Problem codes (accounts.py, app.py) become sentences in `problem_text`; the
templates never see a code. The QR code of the TOTP secret is drawn here as an
SVG with presentation attributes only (no `style`), so the Content-Security-Policy
needs no 'unsafe-inline'.
"""
from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from generator import PROJECT_ROOT
from generator.core import i18n

TEMPLATES_DIR = PROJECT_ROOT / "templates"


@lru_cache(maxsize=None)
def environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(default=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(template: str, lang: str, **values: Any) -> str:
    language = i18n.language(lang)
    other = next(code for code in i18n.LANGUAGE_CODES if code != lang)
    return environment(lang).get_template(f"staff/{template}").render(
        lang=lang, dir=language.direction, other_lang=other, other_name=i18n.language(other).name,
        **values)


def problem_text(code: str, lang: str) -> str:
    _ = i18n.translations(lang).gettext
    texts = {
        "sign-in-failed": _("The e-mail, password or code is not right, or this account must wait after too many "
                            "attempts. Check them and try again in a few minutes."),
        "password-mismatch": _("The two passwords are not the same. Type the same password twice."),
        "password-short": _("The password is too short. Use at least 12 characters: several words are easiest."),
        "password-weak": _("This password is too common or too easy to guess. Use a longer one, such as four or "
                           "five unrelated words, and not your name or e-mail."),
        "code-wrong": _("The 6-digit code is not right. Type the code your authenticator app shows now."),
        "link-used": _("This setup link has already been used. Ask an administrator for a new one."),
        "required": _("Fill in every field."),
        "account-exists": _("There is already an account with this e-mail address."),
        "account-invalid": _("Check the e-mail address, the name and the role."),
    }
    return texts[code]


def qr_svg(uri: str, title: str) -> Markup:
    """The otpauth:// URI as an inline SVG (dark modules on white, no style attributes)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, border=4, dark="#000", light="#fff",
                                     xmldecl=False, svgns=True, title=title, svgclass="staff-qr", lineclass=None,
                                     omitsize=False)
    svg = buffer.getvalue().decode("utf-8")
    # An accessible name for the image (title is its name; role makes it read as one image).
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{str(Markup.escape(title))}" ', 1)
    assert "style" not in svg
    # segno's own SVG of a URI made here, with no text from a request: safe to mark as markup.
    return Markup(svg)  # nosec B704
