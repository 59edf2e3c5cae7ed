"""axe-core on every built page, both languages, phone and desktop: zero violations.

Rules: the WCAG 2.0, 2.1 and 2.2 A and AA tags and axe's best practices
(`best-practice`, issue 24), every impact. axe skips colour
contrast on Arabic text (it takes Arabic words for icon ligatures), so contrast
is proven on each page's English twin, which shares the same CSS: the English
pages are scanned here with the same rules, color-contrast included, and the
twin test below makes sure every Arabic page has one.
"""
from __future__ import annotations

import pytest

from generator.site.screenshots import VIEWPORTS
from tests.browser.site import axe_violations, describe_violations, visit

# A search with results is a page state of its own (the search page's result list), and
# so are results marked less sure (found through a root: Arabic only) and an empty result.
SEARCHES = {"ar": ["search/?q=التطوع", "search/?q=أطباء", "search/?q=موعد"],
            "en": ["search/?q=volunteer", "search/?q=appointment"]}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_no_axe_violations_on_any_page(tabs, site_url, pages, lang, viewport):
    tab = tabs[viewport]  # the package's browser starts every page with axe-core loaded
    urls = [site_url + page.url_path for page in pages if page.lang == lang]
    urls += [site_url + ("en/" if lang == "en" else "") + search for search in SEARCHES[lang]]
    problems = []
    for url in urls:
        visit(tab, url)
        problems += describe_violations(url, axe_violations(tab))
    assert not problems, f"axe found {len(problems)} violation(s) at {viewport} {VIEWPORTS[viewport]}:\n" + "\n".join(problems)


def test_every_arabic_page_has_an_english_twin_for_contrast(pages):
    missing = [str(p) for p in pages if p.lang == "ar" and p.twin() not in pages]
    assert not missing, f"no English twin (colour contrast is checked there) for: {missing}"
