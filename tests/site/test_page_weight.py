"""Issue 8: the first view of the guide and of every form fits a slow phone connection.

Measured from the browser's network log with an empty cache: every response
the page loaded, text gzipped as a static host serves it. Also: no request
leaves the site.
"""
from __future__ import annotations

import pytest

from generator.site.browser import launch_chromium, serve_static
from tests.support.weight import measure

BUDGET = 150 * 1024


@pytest.fixture(scope="module")
def browser_and_base(built_site, require_browser):
    with serve_static(built_site) as base, launch_chromium() as browser:
        yield browser, base


def budgeted_pages(site) -> list[str]:
    forms = sorted(p.name for p in (site / "forms").iterdir() if p.is_dir())
    pages = ["services/", "en/services/"]
    for form in forms:
        pages += [f"forms/{form}/", f"en/forms/{form}/"]
    return pages


def test_guide_and_every_form_weigh_at_most_150_kb(built_site, browser_and_base):
    browser, base = browser_and_base
    report, over, foreign = [], [], []
    for path in budgeted_pages(built_site):
        weight = measure(browser, base + path)
        report.append(f"{path}: {weight.total / 1024:.1f} KB")
        if weight.total > BUDGET:
            biggest = sorted(weight.transfers.items(), key=lambda item: -item[1])[:5]
            over.append(f"{path}: {weight.total} bytes; largest: {biggest}")
        foreign += weight.foreign
    print("\n".join(report))
    assert len(report) >= 10  # the guide and four forms, in both languages
    assert foreign == []
    assert over == []


@pytest.mark.parametrize("path", ["", "faq/", "charter/", "policy/", "contact/", "en/", "en/policy/"])
def test_other_pages_request_nothing_from_another_host(browser_and_base, path):
    browser, base = browser_and_base
    assert measure(browser, base + path).foreign == []
