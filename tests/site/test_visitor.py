"""Issue 35: what a visitor on a phone reads — the logo's text, list markers,
durations, the privacy notice's date, one name per form."""
from __future__ import annotations

import re

SITE_NAME = {"ar": "جمعية قلب", "en": "Qalb"}


def test_the_logo_is_named_in_the_page_language_on_every_page(built_site):
    for page in sorted(built_site.rglob("*.html")):
        lang = "en" if page.relative_to(built_site).parts[0] == "en" else "ar"
        html = page.read_text(encoding="utf-8")
        alts = re.findall(r'<img src="[^"]*logo\.svg" alt="([^"]*)"', html)
        assert alts and set(alts) == {SITE_NAME[lang]}, (page, alts)
