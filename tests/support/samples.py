"""Answers for any form, made from its schema: one valid post, and ways to break it.

The tests run over every form (the real ones in forms/ and the fixture), so
answers are derived from each field's type and constraints rather than
written by hand; `read_submission` confirms them before a test relies on them.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Values people really send, tried in order against a field's pattern.
PATTERN_CANDIDATES = ("0512345678", "1012345678", "2012345678", "512345678", "966512345678",
                      "+966512345678", "12345", "123", "1", "A1", "AB12", "sara@example.org")


def valid_value(field: Any) -> Any:
    c = field.constraints
    if getattr(field, "files", None) is not None:
        return []  # files are uploaded, not typed: the endpoint's upload tests send them
    if field.type == "array":
        return [str(field.options[0].value)] if field.options else ["x"]
    if field.options:
        return str(field.options[0].value)
    if field.type == "boolean":
        return "true"
    if field.type in ("integer", "number"):
        low, high = c.get("minimum"), c.get("maximum")
        value = low if low is not None else (min(1, high) if high is not None else 1)
        return str(value)
    if field.type == "date":
        low = c.get("minimum")
        return str(low) if low else "2024-03-05"
    if field.format == "email":
        return "sara@example.org"
    pattern = c.get("pattern")
    if pattern:
        for candidate in PATTERN_CANDIDATES:
            if re.fullmatch(f"(?a:{pattern})", candidate) and _length_ok(candidate, c):
                return candidate
        raise AssertionError(f"no sample value matches the pattern of {field.name!r}: {pattern}")
    text = "نص للتجربة"
    low = c.get("minLength") or 0
    text = (text * (low // len(text) + 1))[: max(low, len(text))]
    return text[: c.get("maxLength", len(text))]


def _length_ok(value: str, c: Any) -> bool:
    return c.get("minLength", 0) <= len(value) <= c.get("maxLength", 10**9)


def valid_answers(form: Any) -> dict[str, Any]:
    """Every field answered (optional ones too): the fullest valid post."""
    return {field.name: valid_value(field) for field in form.fields}


def broken_answers(form: Any) -> tuple[dict[str, Any], str]:
    """A post that breaks the schema, and the name of a field that must show an error."""
    answers = valid_answers(form)
    for field in form.fields:
        if field.type == "string" and not field.options and "maxLength" in field.constraints:
            answers[field.name] = "x" * (field.constraints["maxLength"] + 1)
            return answers, field.name
    field = next(f for f in form.fields if f.required)
    del answers[field.name]
    return answers, field.name


def shell_html(form: Any, lang: str) -> str:
    """A minimal built page in the site's shape: markers, a title, a relative
    stylesheet, an inline script (for the CSP hash), a skip link, the language
    switch and Material's <article> holding the heading, the introduction and the form."""
    from generator.forms import render_form

    direction = "rtl" if lang == "ar" else "ltr"
    up = "../../" if lang == "ar" else "../../../"
    other = "en/" if lang == "ar" else ""  # the language switch's prefix (Arabic: none)
    region = render_form(form, lang, action=f"/api/forms/{form.id}")
    region = region.replace("<form ", f'<form data-lang="{lang}" ', 1)
    return (f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
            f"<title>{form.title[lang]} - Qalb</title>"
            f'<link rel="stylesheet" href="{up}assets/stylesheets/qalb.css">'
            f"<script>var qalbShell = {{lang: '{lang}'}};</script></head>"
            f'<body><a href="#qalb-content" class="md-skip">skip</a><header class="md-header">'
            f'<a class="qalb-switcher__link" href="{up}{other}forms/{form.id}/">{other or "ar"}</a></header>'
            f'<main><article class="md-content__inner md-typeset"><h1 id="qalb-content">{form.title[lang]}</h1>'
            f'<p>{form.intro[lang].splitlines()[0]}</p>{region}<a href="{up}">home</a></article></main></body></html>')


def build_site(site_dir: Path, forms: dict[str, Any]) -> Path:
    for form in forms.values():
        for lang, prefix in (("ar", ""), ("en", "en/")):
            page = site_dir / prefix / "forms" / form.id / "index.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(shell_html(form, lang), encoding="utf-8")
    pages = {"index.html": '<html lang="ar" dir="rtl"><title>الرئيسية</title>',
             "404.html": '<html lang="ar" dir="rtl"><title>غير موجودة</title>',
             "en/index.html": '<html lang="en" dir="ltr"><title>Home</title>',
             "en/404.html": '<html lang="en" dir="ltr"><title>Not found</title>'}
    for path, text in pages.items():
        (site_dir / path).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / path).write_text("<!doctype html>" + text, encoding="utf-8")
    return site_dir


def submit(server: Any, forms: dict[str, Any], form_id: str, **answers: Any) -> str:
    """Post a valid answer (with `answers` over it) through the public form endpoint of a
    running server (anything with .url and .client()), as a browser in Arabic does; its reference."""
    data = {**valid_answers(forms[form_id]), **answers, "lang": "ar"}
    with server.client() as client:
        response = client.post(f"/api/forms/{form_id}", data=data,
                               headers={"Origin": server.url, "Accept": "text/html"})
    assert response.status_code == 303, response.text[:300]
    return parse_qs(urlsplit(response.headers["location"]).query)["ref"][0]
