"""The language switcher, pressed on each page, opens the same page in the other language.

Pressed at 390x844, where the header is narrowest and the switcher most at risk
of being squeezed out; at 1280x800 test_keyboard.py reaches the same link with
Tab and checks that it is visible and in the viewport.
"""
from __future__ import annotations

import pytest

from generator.site.screenshots import VIEWPORTS
from tests.browser.site import visit

SWITCHER = "header a[hreflang]"

_LANGUAGE = "() => ({lang: document.documentElement.lang, dir: document.documentElement.dir})"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_switcher_opens_the_same_page_in_the_other_language(tabs, site_url, pages, lang):
    viewport = "phone"
    tab = tabs[viewport]
    problems = []
    for page in (p for p in pages if p.lang == lang and not p.is_404):
        url, twin = site_url + page.url_path, page.twin()
        visit(tab, url)
        switcher = tab.locator(SWITCHER)
        if switcher.count() != 1 or not switcher.is_visible():
            problems.append(f"{url}: expected one visible language switcher ({SWITCHER}), found {switcher.count()}")
            continue
        if switcher.get_attribute("hreflang") != twin.lang:
            problems.append(f"{url}: the switcher's hreflang is {switcher.get_attribute('hreflang')!r}, not {twin.lang!r}")
        with tab.expect_navigation():
            switcher.click()
        arrived = tab.evaluate(_LANGUAGE)
        expected = {"lang": twin.lang, "dir": twin.direction}
        if tab.url != site_url + twin.url_path or arrived != expected:
            problems.append(f"{url}: the switcher opened {tab.url} {arrived}, expected {site_url + twin.url_path} {expected}")
    assert not problems, f"at {viewport} {VIEWPORTS[viewport]}:\n" + "\n".join(problems)
