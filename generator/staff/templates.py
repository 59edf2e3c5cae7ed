"""What staff see: Jinja templates in templates/staff/, every word from the gettext
catalogs (`_()` in the templates, `gettext` here), Arabic first; `Pages` makes the
responses of the workspace's pages from them.

Problem codes (accounts.py, sign_in.py, admin.py) become sentences in `problem_text`; the
templates never see a code. The QR code of the TOTP secret is drawn here as an
SVG with presentation attributes only (no `style`), so the Content-Security-Policy
needs no 'unsafe-inline'.
"""
from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from generator import PROJECT_ROOT
from generator.core import i18n
from generator.core.organisation import Settings

from .form_tokens import FormTokens
from .sessions import Current

TEMPLATES_DIR = PROJECT_ROOT / "templates"


class _Digits(gettext.NullTranslations):
    """A catalog whose words write their digits as the page's numbers are written (issue 33): the
    organisation's `arabic_digits` on Arabic pages, whichever digits the translator typed ("آخر ٣٠
    يومًا", "١٢ حرفًا"). Applied to the words before their placeholders are filled, so a reference or
    an e-mail address put into a sentence stays as it is."""

    def __init__(self, catalog: gettext.NullTranslations, lang: str, digits: str) -> None:
        super().__init__()
        self.catalog, self.lang, self.digits = catalog, lang, digits

    def _written(self, text: str) -> str:
        return i18n.localise_digits(i18n.to_western_digits(text), self.lang, self.digits)

    def gettext(self, message: str) -> str:
        return self._written(self.catalog.gettext(message))

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self._written(self.catalog.ngettext(msgid1, msgid2, n))

    def pgettext(self, context: str, message: str) -> str:
        return self._written(self.catalog.pgettext(context, message))

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self._written(self.catalog.npgettext(context, msgid1, msgid2, n))


@lru_cache(maxsize=None)
def environment(lang: str, digits: str = "default") -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(default=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    # jinja2.ext.i18n adds this method when the environment is made; the type stubs cannot know it.
    cast(Any, env).install_gettext_translations(_Digits(i18n.translations(lang), lang, digits), newstyle=True)
    return env


def render(template: str, lang: str, digits: str = "default", **values: Any) -> str:
    language = i18n.language(lang)
    other = next(code for code in i18n.LANGUAGE_CODES if code != lang)
    return environment(lang, digits).get_template(f"staff/{template}").render(
        lang=lang, dir=language.direction, other_lang=other, other_name=i18n.language(other).name,
        **values)


@dataclass(frozen=True)
class Pages:
    """The workspace's pages: a template with the form token (form_tokens.py), the signed-in
    account and the organisation's choice of digits (content/settings.yml `arabic_digits`, as the dates follow)."""

    organisation: Settings
    tokens: FormTokens

    def page(self, request: Request, template: str, lang: str, *, status: int = 200,
             current: Current | None = None, session: str | None = None, **values: Any) -> HTMLResponse:
        """`session`: the id of a session this response starts (its forms' token is bound to it)."""
        csrf, cookie = self.form_token(request, session=session)
        account = current.account if current else None
        digits = self.organisation.arabic_digits
        values.setdefault("number", lambda value: i18n.localise_digits(str(value), lang, digits))
        html = render(template, lang, digits, csrf=csrf, account=account, path=request.url.path,
                      is_admin=bool(account and account.role == "admin"), **values)
        response = HTMLResponse(html, status_code=status)
        if cookie is not None:
            response.headers.append("Set-Cookie", cookie)
        return response

    def form_token(self, request: Request, *, session: str | None = None) -> tuple[str, str | None]:
        """The token for the forms of a page answering `request`, and the Set-Cookie header of
        the cookie it is bound to when the browser has neither a session nor that cookie yet."""
        if session is not None:
            return self.tokens.for_session(session), None
        binding = self.tokens.binding(request.cookies)
        if binding is not None:
            return self.tokens.token(binding), None
        cookie, token = self.tokens.start_before_sign_in()
        return token, cookie

    def fragment(self, template: str, lang: str, **values: Any) -> str:
        """A piece of a page (templates/staff/_*.html) rendered on its own."""
        return render(template, lang, self.organisation.arabic_digits, **values)

    @staticmethod
    def redirect(url: str, *, cookie: str | None = None) -> RedirectResponse:
        response = RedirectResponse(url, status_code=303)
        if cookie is not None:
            response.headers.append("Set-Cookie", cookie)
        return response

    def not_found(self, request: Request, lang: str, current: Current | None = None) -> HTMLResponse:
        return self.page(request, "problem.html", lang, status=404, current=current, problem="not-found")


def problem_text(code: str, lang: str, digits: str = "default") -> str:
    """A problem code in words, its digits written as the organisation's `arabic_digits` says."""
    _ = _Digits(i18n.translations(lang), lang, digits).gettext
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
        "password-current-wrong": _("Your current password is not right. After several wrong tries the account "
                                    "waits a few minutes."),
        "last-admin": _("This is the last administrator who can sign in: add or enable another administrator "
                        "first, so someone can still manage the accounts."),
    }
    return texts[code]


def role_names(lang: str) -> dict[str, tuple[str, str]]:
    """Each role of roles.ROLES: its name and what it may do (a test checks every role has them)."""
    _ = i18n.translations(lang).gettext
    return {
        "admin": (_("Administrator"), _("Administrator: accounts and every form")),
        "caseworker": (_("Caseworker"), _("Caseworker: reads and handles the submissions of the forms below")),
        "viewer": (_("Viewer"), _("Viewer: counts and reports only, never an answer")),
        "editor": (_("Editor"), _("Editor: the site's content only, never a submission")),
    }


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
