"""Issues 8 and 25: the first view of every built page fits a slow phone connection.

Measured from the browser's network log with an empty cache (tests/support/weight.py):
every response the page loaded until the network was idle, text gzipped as a
static host serves it, fonts as they are. Every page of both languages, the
search page before a query included, is at most 100 KB; each page's weight
is printed by kind (HTML, CSS, JS, fonts). Also: no request leaves the site.
"""
from __future__ import annotations

import pytest

from generator.site.browser import launch_chromium, serve_static
from tests.support.weight import KINDS, measure_many, page_paths

BUDGET = 100 * 1024


@pytest.fixture(scope="module")
def browser_and_base(built_site, require_browser):
    with serve_static(built_site) as base, launch_chromium() as browser:
        yield browser, base


def test_every_page_weighs_at_most_100_kb_on_first_view(built_site, browser_and_base):
    browser, base = browser_and_base
    paths = page_paths(built_site)
    assert "search/" in paths and "en/search/" in paths and "404.html" in paths
    assert len(paths) >= 30, paths  # every page of both languages
    report, over, foreign = [], [], []
    for path, weight in zip(paths, measure_many(browser, [base + path for path in paths])):
        kinds = weight.by_kind
        report.append(f"/{path}: {weight.total / 1024:.1f} KB ("
                      + ", ".join(f"{kind} {kinds[kind] / 1024:.1f}" for kind in KINDS) + ")")
        if weight.total > BUDGET:
            biggest = sorted(weight.transfers.items(), key=lambda item: -item[1])[:5]
            over.append(f"/{path}: {weight.total} bytes; largest: {biggest}")
        if kinds["font"] == 0 or kinds["css"] == 0 or kinds["html"] == 0:
            over.append(f"/{path}: no HTML, CSS or fonts counted ({kinds}): is the measurement broken?")
        foreign += weight.foreign
    print("\nFirst view, gzip, empty cache (KB):\n" + "\n".join(report))
    assert foreign == []
    assert over == [], "\n".join(over)


def test_the_search_code_loads_when_a_search_begins(built_site, browser_and_base):
    """Before a query the search page fetches none of search.js, MiniSearch, the stemmer or the index."""
    browser, base = browser_and_base
    paths = ("search/", "en/search/")
    weights = measure_many(browser, [base + path + query for path in paths for query in ("", "?q=help")])
    for index, path in enumerate(paths):
        fetched = weights[2 * index].transfers
        late = [url for url in fetched if url.endswith(("/search.js", "/minisearch.js", "/index.json"))
                or "/stemmer-" in url]
        assert late == [], f"/{path} fetched search code before a query: {late}"
        with_query = weights[2 * index + 1].transfers
        assert any(url.endswith("/search.js") for url in with_query), f"/{path}?q= did not load search.js"
