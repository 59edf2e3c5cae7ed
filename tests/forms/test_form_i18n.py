"""Interface words go through gettext: with an Arabic catalog, the form speaks Arabic."""
from __future__ import annotations

import io

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from generator.forms import error_message, error_texts, render, render_form

#: The msgids this package introduces, with the Arabic the lead adds to the catalog.
ARABIC = {
    "(optional)": "(اختياري)",
    "Error:": "خطأ:",
    "There is a problem": "توجد مشكلة",
    "Send": "إرسال",
    "Select an option": "اختر من القائمة",
    "Leave this field empty": "اترك هذا الحقل فارغًا",
    "Check this answer and try again.": "راجع هذه الإجابة وحاول مرة أخرى.",
    "The form was sent with an answer it does not ask for. Reload the page and send it again.":
        "أُرسل النموذج ومعه إجابة لا يطلبها. أعد تحميل الصفحة وأرسله مرة أخرى.",
}


@pytest.fixture
def arabic_catalog(monkeypatch):
    catalog = Catalog(locale="ar")
    for msgid, msgstr in ARABIC.items():
        catalog.add(msgid, msgstr)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    monkeypatch.setattr(error_texts, "translations", lambda lang: Translations(fp=buffer))
    error_texts.catalog.cache_clear()
    render.environment.cache_clear()
    yield
    error_texts.catalog.cache_clear()
    render.environment.cache_clear()


def test_interface_words_are_translated(forms, arabic_catalog):
    html = render_form(forms["satisfaction"], "ar", action="/x", errors={"": ["unknown-field"], "service": ["required"]})
    for msgid in ("(optional)", "Error:", "There is a problem", "Send", "Select an option", "Leave this field empty"):
        assert ARABIC[msgid] in html, msgid
        assert msgid not in html
    assert ARABIC[list(ARABIC)[-1]] in html
    assert error_message(forms["satisfaction"], "service", "type", "ar") == ARABIC["Check this answer and try again."]


def test_the_msgids_are_the_ones_in_the_code():
    """Every msgid above appears in this package's code or templates, so the list stays true."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = "".join(p.read_text(encoding="utf-8") for p in
                      [*(root / "generator" / "forms").glob("*.py"), *(root / "templates").rglob("*.html")])
    for msgid in ARABIC:
        assert f'"{msgid}"' in sources, msgid
