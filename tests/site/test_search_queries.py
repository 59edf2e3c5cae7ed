"""Issue 8: search finds the expected page in the top 3, in each language, in a real browser."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from generator.site.browser import launch_chromium, serve_static

CASES = yaml.safe_load((Path(__file__).parent / "search_queries.yaml").read_text(encoding="utf-8"))
# The ranking the search page shows (templates/overrides/assets/javascripts/search.js).
SEARCH = """async (query) => {
  const found = await window.qalbSearch(query);
  return found.slice(0, 3).map(r => new URL('../' + r.url, location.href).pathname);
}"""


@pytest.fixture(scope="module")
def search_page(built_site, require_browser):
    with serve_static(built_site) as base, launch_chromium() as browser:
        page = browser.new_page()
        yield base, page


def test_query_set_is_large_enough():
    assert len(CASES["ar"]) >= 30 and len(CASES["en"]) >= 15


@pytest.mark.parametrize("lang,prefix", [("ar", ""), ("en", "en/")])
def test_every_query_finds_its_page_in_the_top_three(search_page, lang, prefix):
    base, page = search_page
    page.goto(f"{base}{prefix}search/")
    page.wait_for_function("() => window.qalbSearch !== undefined")
    misses = []
    for case in CASES[lang]:
        top = page.evaluate(SEARCH, case["query"])
        if f"/{prefix}{case['page']}" not in top:
            misses.append(f"{case['query']!r}: expected /{prefix}{case['page']} in {top}")
        # Results never cross languages.
        assert all(url.startswith("/en/") == (lang == "en") for url in top), (case, top)
    assert misses == []


def test_search_page_shows_results_for_a_linked_query(search_page):
    base, page = search_page
    page.goto(f"{base}search/?q=" + "اسبوعين")
    page.wait_for_selector(".qalb-search__link", timeout=10_000)
    links = [a.get_attribute("href") for a in page.query_selector_all(".qalb-search__link")]
    assert "../faq/" in links


def test_the_status_says_when_the_index_cannot_be_loaded(search_page):
    base, open_page = search_page
    page = open_page.context.browser.new_page()
    try:
        page.route("**/search/index.json", lambda route: route.fulfill(status=500, body="down"))
        page.goto(f"{base}en/search/?q=help")
        page.locator(".qalb-search__status").filter(has_text="not available").wait_for(timeout=10_000)
        assert page.locator(".qalb-search__link").count() == 0
    finally:
        page.close()


def test_the_status_repeats_the_query_as_typed(search_page):
    base, page = search_page
    query = "{count} $& help"
    page.goto(f"{base}en/search/?q=" + quote(query))
    page.wait_for_selector(".qalb-search__link", timeout=10_000)
    status = page.inner_text(".qalb-search__status")
    assert f"“{query}”" in status, status
    page.goto(f"{base}search/?q=" + quote("المساعدة"))
    page.wait_for_selector(".qalb-search__link", timeout=10_000)
    assert re.search(r"«المساعدة»: \d+$", page.inner_text(".qalb-search__status"))
