"""The review of issue 35: the status page has one name, its title, on the site, in the
applicant's messages and in the workspace, in both languages."""
from __future__ import annotations

import re

from generator import PROJECT_ROOT
from tests.site.test_visible_text import visible_text

TITLE = {"ar": "أين وصل طلبي؟", "en": "Where is my request?"}
#: The names it had besides its title.
OTHER_NAMES = re.compile(r"status page|صفحة متابعة الطلب|صفحة حالة الطلب", re.I)


def test_every_interface_word_calls_it_by_its_title():
    """The catalogs hold every word of the site, the messages and the workspace."""
    for lang in TITLE:
        catalog = (PROJECT_ROOT / "generator/locale" / lang / "LC_MESSAGES/messages.po").read_text(encoding="utf-8")
        texts = [line for line in catalog.splitlines() if line.startswith(("msgstr", '"')) and not line.startswith('"POT')]
        assert [line for line in texts if OTHER_NAMES.search(line)] == [], lang


def test_built_pages_name_it_by_its_title_and_link_it_so(built_site):
    for lang, prefix in (("ar", ""), ("en", "en/")):
        status = (built_site / prefix / "status/index.html").read_text(encoding="utf-8")
        assert re.search(r"<h1[^>]*>" + re.escape(TITLE[lang]) + "</h1>", status), lang
        for page in sorted((built_site / prefix).rglob("index.html")):
            if lang == "ar" and page.is_relative_to(built_site / "en"):
                continue
            assert not OTHER_NAMES.search(visible_text(page.read_text(encoding="utf-8"))), page
        notice = (built_site / prefix / "forms/help-request/privacy/index.html").read_text(encoding="utf-8")
        assert re.search(r'<a href="[./]*status/">' + re.escape(TITLE[lang]) + "</a>", notice), lang
