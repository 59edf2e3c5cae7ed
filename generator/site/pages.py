"""Turn loaded content, forms and settings into Markdown pages, per language.

The output is what MkDocs reads: `<path>/index.md` files and the navigation.
Templates live in `templates/pages/*.md.j2`; interface words in them go
through gettext, content words come from the content files. The data-driven
pages (services, FAQ, charter: `*.html.j2`) are written as HTML instead, so
MkDocs need not parse megabytes of Markdown back (see markup.py).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from generator.core import i18n
from generator.core.organisation import Settings
from generator.forms.status import render_status_form

from .content import Content, Page
from .markup import PageHTML

# Order of the main navigation; each entry: (slug, path of its Markdown file).
NAV = (
    ("index", "index.md"),
    ("services", "services/index.md"),
    ("faq", "faq/index.md"),
    ("charter", "charter/index.md"),
    ("policy", "policy/index.md"),
    ("contact", "contact/index.md"),
)


@dataclass
class RenderedSite:
    """One language's Markdown files and navigation, ready for MkDocs."""

    lang: str
    files: dict[str, str]  # path under docs_dir -> Markdown text
    nav: list[Any]


@lru_cache(maxsize=None)
def template_environment(templates_dir: Path, lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir / "pages"),
        extensions=["jinja2.ext.i18n"],
        # The output is Markdown (from staff-edited files), not HTML: nothing to escape here.
        # In the *.html.j2 templates every field goes through PageHTML, which escapes or converts it.
        autoescape=False,  # nosec B701
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["lookup"] = lambda keys, mapping: [mapping[key] for key in keys]
    return env


def placeholder(lang: str, what: str) -> Markup:
    """A visible, translated marker for a setting nobody has filled in yet."""
    text = i18n.gettext(lang, "[To be added: %(what)s]", what=what)
    return Markup('<span class="qalb-placeholder">%s</span>') % text


def setting_lines(settings: Settings, key: str, lang: str) -> list[Any]:
    """A list setting's lines in `lang`, or one placeholder line."""
    return list(settings.org_list(key, lang)) or [placeholder(lang, LABELS[key](lang))]


def render_site(root: Path, content: Content, forms: dict[str, Any], settings: Settings,
                lang: str) -> RenderedSite:
    env = template_environment(root / "templates", lang)
    digits = settings.arabic_digits

    def setting(key: str, ltr: bool = False) -> Markup:
        value = settings.org(key, lang)
        if not value:
            return placeholder(lang, LABELS[key](lang))
        attrs = ' dir="ltr"' if ltr else ""
        return Markup(f"<span{attrs}>%s</span>") % value

    common = {
        "lang": lang,
        "settings": settings,
        "setting": setting,
        "setting_lines": lambda key: setting_lines(settings, key, lang),
        "org_name": settings.org("name", lang),
        "number": lambda value: i18n.format_number(value, lang, digits),
        "date": lambda value: i18n.format_date(_as_date(value), lang, digits),
        "hijri": lambda value: i18n.format_hijri(_as_date(value), lang, digits),
        "forms": forms,
        "retention": lambda days: localise_retention(days, lang, digits),
        "channels": content.items("channels.yml"),
        "channel_names": {c.id: c.t(lang) for c in content.items("channels.yml")},
    }
    files: dict[str, str] = {}
    titles: dict[str, str] = {}
    for slug, path in NAV:
        page = content.pages.get((slug, lang))
        if page is not None:
            files[path] = _prose(env, page, common)
            titles[path] = str(page.meta.get("title", slug))
    for path, (template, extra) in collection_pages(content).items():
        if template.endswith(".html.j2"):
            html = PageHTML(path, root / "mkdocs.yml")
            files[path] = html.finish(env.get_template(template).render(**common, **extra, html=html))
        else:
            files[path] = env.get_template(template).render(**common, **extra)
    titles["index.md"] = i18n.gettext(lang, "Home")  # the home page's own title is the organisation's name
    nav: list[Any] = [{_title(files[p], titles.get(p)): p} for _, p in NAV if p in files]
    form_nav = []
    for form_id, form in forms.items():
        path = f"forms/{form_id}/index.md"
        files[path] = env.get_template("form.md.j2").render(**common, form=form)
        # The same path under each language, so the switcher lands on the other notice.
        files[f"forms/{form_id}/privacy/index.md"] = env.get_template("privacy.md.j2").render(
            **common, form=form, privacy_text=_privacy_text(form, lang, digits))
        form_nav.append({form.title[lang]: path})
    if form_nav:
        nav.append({i18n.gettext(lang, "Forms"): form_nav})
    # The applicant's status page: its form posts to the endpoint, which answers in the site's look.
    files["status/index.md"] = env.get_template("status.md.j2").render(
        **common, status_form=Markup(render_status_form(lang, action=status_url(settings.endpoint_url))))
    nav.append({i18n.gettext(lang, "Where is my request?"): "status/index.md"})
    nav.append({i18n.gettext(lang, "Search"): "search/index.md"})
    return RenderedSite(lang=lang, files=files, nav=nav)


def status_url(endpoint_url: str) -> str:
    """Where the status form posts: `status` beside the forms' endpoint (/api/forms/ -> /api/status)."""
    return endpoint_url.rstrip("/").rsplit("/", 1)[0] + "/status"


def collection_pages(content: Content) -> dict[str, tuple[str, dict[str, Any]]]:
    """The pages made from collections: path -> (template, the items it shows).
    `*.html.j2` templates write HTML through PageHTML; the others Markdown."""
    return {
        "services/index.md": ("services.html.j2", {"services": content.items("services.yml")}),
        "faq/index.md": ("faq.html.j2", {"topics": content.items("faq.yml", "topics"),
                                         "questions": content.items("faq.yml", "questions")}),
        "charter/index.md": ("charter.html.j2", {"rights": content.items("charter.yml", "rights"),
                                                 "duties": content.items("charter.yml", "duties")}),
        "search/index.md": ("search.md.j2", {}),
    }


def localise_retention(days: int, lang: str, digits: str) -> str:
    from generator.forms.check_form import retention_text

    return i18n.localise_digits(retention_text(days, lang), lang, digits)


def _privacy_text(form: Any, lang: str, digits: str) -> str:
    """The form's privacy text, its period (filled in at load with 0-9) in the site's digits."""
    from generator.forms.check_form import retention_text

    days = form.retention_days
    return str(form.privacy[lang]).replace(retention_text(days, lang), localise_retention(days, lang, digits))


def _prose(env: jinja2.Environment, page: Page, common: dict[str, Any]) -> str:
    body = env.get_template(f"{page.template}.md.j2").render(**common, page=page)
    meta = {"title": page.meta.get("title"), "description": page.meta.get("description")}
    front = "".join(f"{k}: {_yaml_str(v)}\n" for k, v in meta.items() if v)
    return f"---\n{front}---\n\n{body}"


def _title(markdown: str, fallback: str | None) -> str:
    """A generated page's title, read back from the front matter we wrote."""
    if fallback:
        return fallback
    found = re.search(r"^title: (.*)$", markdown, re.M)  # not splitlines(): a page can be megabytes
    return json.loads(found.group(1)) if found else "?"


def _yaml_str(value: Any) -> str:
    return json.dumps(str(value), ensure_ascii=False)  # JSON strings are valid YAML


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


# Names of settings shown inside placeholders, translated at render time.
LABELS = {
    "phone": lambda lang: i18n.gettext(lang, "phone number"),
    "whatsapp": lambda lang: i18n.gettext(lang, "WhatsApp number"),
    "email": lambda lang: i18n.gettext(lang, "e-mail address"),
    "address": lambda lang: i18n.gettext(lang, "address"),
    "opening_hours": lambda lang: i18n.gettext(lang, "opening hours"),
    "what_to_prepare": lambda lang: i18n.gettext(lang, "what to prepare"),
}
