"""Pages the endpoint answers with: the form again with its errors, the thank-you
page, and short bilingual pages for refused requests.

The first two are the site's own built form page (`site/forms/<id>/index.html`,
`site/en/forms/<id>/index.html`) with the region between the qalb-form markers
replaced, so they look exactly like the site. Those pages use relative links
(`../../assets/...`) that would break when served from /api/forms/<id>, so
when a shell is loaded its relative URLs are made absolute once, and the
hashes of its inline scripts are collected for the Content-Security-Policy.
Without a built site, a plain shell keeps the endpoint usable.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin

from generator.core import i18n
from generator.forms import Form, received_heading, render_thanks

START, END = "<!-- qalb-form:start -->", "<!-- qalb-form:end -->"
_REGION = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
_TITLE = re.compile(r"(<title[^>]*>)(.*?)(</title>)", re.S | re.I)
_URL_ATTR = re.compile(r"""(\s(?:href|src|poster)=)(["'])(.*?)\2""", re.S | re.I)
_SCRIPT_BASE = re.compile(r'("base":\s*"|new URL\(")([^"]*)(")')
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_ACTION = re.compile(r"""<form\b[^>]*\saction=(["'])(.*?)\1""", re.S | re.I)
_ARTICLE = re.compile(r'(<article class="md-content__inner[^"]*">)(.*?)(</article>)', re.S)
_SWITCH = re.compile(r'(<a class="qalb-switcher__link" href=")[^"]*(")')
_ABSOLUTE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/|#)")


def page_path(form_id: str, lang: str) -> str:
    """The site path of a form's page: /forms/<id>/ or /en/forms/<id>/."""
    return f"/{i18n.language(lang).prefix}forms/{form_id}/"


def thanks_path(form_id: str, lang: str) -> str:
    return f"{page_path(form_id, lang)}thanks/"


@dataclass(frozen=True)
class Shell:
    html: str
    action: str | None  # the form's action as the site build wrote it
    script_hashes: tuple[str, ...]


class Shells:
    """Built form pages, read once and re-read when the file changes (a rebuild)."""

    def __init__(self, site_dir: Path, *, site_url: str = "") -> None:
        self.site_dir = site_dir
        self.site_url = site_url
        self._cache: dict[tuple[str, str], tuple[float, Shell]] = {}

    def get(self, form: Form, lang: str) -> Shell:
        """A form's page."""
        return self.get_path(page_path(form.id, lang)[len(i18n.language(lang).prefix) + 1:], lang,
                             title=form.title.get(lang, form.id))

    def get_path(self, path: str, lang: str, *, title: str) -> Shell:
        """The built page at `path` (under the language's prefix, e.g. "status/"); a plain
        page titled `title` when the site is not built."""
        site_path = f"/{i18n.language(lang).prefix}{path}"
        file = self.site_dir / site_path.strip("/") / "index.html"
        try:
            mtime = file.stat().st_mtime
        except OSError:
            return _plain_shell(title, lang)
        cached = self._cache.get((site_path, lang))
        if cached and cached[0] == mtime:
            return cached[1]
        text = file.read_text(encoding="utf-8")
        if not _REGION.search(text):
            return _plain_shell(title, lang)
        shell = _prepare(text, urljoin(self.site_url or "/", site_path.lstrip("/")))
        self._cache[(site_path, lang)] = (mtime, shell)
        return shell


def _prepare(text: str, page_url: str) -> Shell:
    def absolute(match: re.Match[str]) -> str:
        value = match[3]
        if not value or _ABSOLUTE.match(value):
            return match[0]
        return f"{match[1]}{match[2]}{urljoin(page_url, value)}{match[2]}"

    region = _REGION.search(text)
    assert region is not None
    action_match = _ACTION.search(region[0])
    action = html.unescape(action_match[2]) if action_match else None

    def outside(part: str) -> str:
        part = _URL_ATTR.sub(absolute, part)
        # Material's scripts resolve the site root from its config and an inline script.
        return _SCRIPT_BASE.sub(lambda m: m[1] + urljoin(page_url, m[2]) + m[3], part)

    text = outside(text[: region.start()]) + START + END + outside(text[region.end():])
    hashes = tuple(
        base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        for attrs, body in _SCRIPT.findall(text)
        if "src=" not in attrs.lower() and body.strip() and _is_javascript(attrs)
    )
    if action:
        action = urljoin(page_url, action)
    return Shell(text, action, hashes)


def _is_javascript(attrs: str) -> bool:
    kind = re.search(r"""type=(["']?)([^"'\s>]+)\1""", attrs, re.I)
    return kind is None or kind[2].lower() in ("text/javascript", "module", "application/javascript")


def _plain_shell(title: str, lang: str) -> Shell:
    language = i18n.language(lang)
    title = html.escape(title)
    return Shell(
        f'<!doctype html>\n<html lang="{lang}" dir="{language.direction}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
        f"</head>\n<body>\n<main>\n<h1>{title}</h1>\n{START}{END}\n</main>\n</body>\n</html>\n",
        None, ())


def fill(shell: Shell, region: str, *, title_prefix: str = "", title: str | None = None) -> str:
    """The shell with `region` between the markers and its <title> changed."""
    if not region.startswith(START):
        region = START + region + END
    text = shell.html.replace(START + END, region, 1)

    def retitle(match: re.Match[str]) -> str:
        inner = html.escape(title) if title is not None else match[2]
        prefix = html.escape(title_prefix) + " " if title_prefix else ""
        return f"{match[1]}{prefix}{inner}{match[3]}"

    return _TITLE.sub(retitle, text, count=1)


def error_page(shell: Shell, form_html: str, lang: str) -> str:
    # GOV.UK pattern: the page title starts with "Error:" so screen readers hear it first.
    return fill(shell, form_html, title_prefix=i18n.gettext(lang, "Error:"))


def thanks_page(shell: Shell, form: Form, lang: str, reference: str, *, site_url: str = "") -> str:
    """The confirmation (generator/forms/render.py render_thanks) in place of the form
    page's whole content, its heading and instructions included; the language switch
    goes to the other language's confirmation of the same reference."""
    status = None
    if form.workflow is not None:
        status = urljoin(site_url or "/", f"{i18n.language(lang).prefix}status/")
    region = render_thanks(form, lang, reference, status_url=status)
    text, found = _ARTICLE.subn(lambda m: m[1] + START + END + m[3], shell.html, count=1)
    if not found:  # the plain shell: its own heading goes, the confirmation has one
        text = re.sub(r"<h1>.*?</h1>\s*", "", text, count=1)
    for other in i18n.LANGUAGE_CODES:
        if other != lang:
            twin = html.escape(f"{thanks_path(form.id, other)}?ref={reference}")
            text = _SWITCH.sub(rf"\g<1>{twin}\g<2>", text, count=1)  # a reference is [0-9A-Z-]
    original = _TITLE.search(shell.html)
    heading = received_heading(form, lang)
    title = f"{heading} - {html.unescape(original[2]).strip()}" if original else heading
    return fill(Shell(text, shell.action, shell.script_hashes), region, title=title)


# --- refusals: short pages in both languages ------------------------------------

MESSAGES: dict[str, Callable[[str], str]] = {
    "bad-request": lambda lang: i18n.gettext(
        lang, "The form data could not be read. Please send it again from the form on our site."),
    "bad-encoding": lambda lang: i18n.gettext(
        lang, "The form contained characters we could not read. "
              "Please send it as UTF-8 text from the form on our site."),
    "too-large": lambda lang: i18n.gettext(
        lang, "The form is too large to send. Please shorten the longest answers and try again."),
    "unsupported-type": lambda lang: i18n.gettext(
        lang, "The form was sent in a format we do not accept. Please send it from the form on our site."),
    "bad-origin": lambda lang: i18n.gettext(
        lang, "The form was sent from another website. Please open the form on our site and send it from there."),
    "rate-limited": lambda lang: i18n.gettext(
        lang, "Too many requests. Please wait a minute, then go back and send the form again."),
    "not-found": lambda lang: i18n.gettext(lang, "There is no such form. Please check the address."),
    "unavailable": lambda lang: i18n.gettext(
        lang, "We could not save your form just now. Please go back and try again in a few minutes."),
    "unauthorized": lambda lang: i18n.gettext(lang, "A valid export token is needed."),
    "files-unchecked": lambda lang: i18n.gettext(
        lang, "We cannot check attached files just now, so the form was not sent. Please try again in a few "
              "minutes, or send the form without files."),
}
# Refusal codes from web/protection.py that share a message.
ALIASES = {"unsupported-charset": "bad-encoding", "bad-length": "bad-request", "disconnected": "bad-request"}


def message(code: str, lang: str) -> str:
    return MESSAGES[ALIASES.get(code, code)](lang)


def problem_page(code: str) -> str:
    """Both languages on one page: when a request is refused before it is read, we
    do not know the visitor's language. Self-contained, so it works with no site."""
    parts = []
    headings = {lang: i18n.gettext(lang, "The form could not be sent") for lang in i18n.LANGUAGE_CODES}
    for lang in i18n.LANGUAGE_CODES:
        language = i18n.language(lang)
        heading = html.escape(headings[lang])
        parts.append(f'<section lang="{lang}" dir="{language.direction}">\n<h1>{heading}</h1>\n'
                     f"<p>{html.escape(message(code, lang))}</p>\n</section>")
    title = " | ".join(headings.values())
    first = i18n.DEFAULT_LANGUAGE
    return (f'<!doctype html>\n<html lang="{first.code}" dir="{first.direction}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n</head>\n<body>\n<main>\n" + "\n".join(parts)
            + "\n</main>\n</body>\n</html>\n")
