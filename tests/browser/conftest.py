"""Browser tests (issue 6): the real built site in Debian's chromium, driven by Playwright.

One module per concern: test_axe, test_rtl, test_switcher, test_keyboard (the
static site, served on 127.0.0.1), test_forms_e2e (the forms through the real
endpoint), test_screenshots. One chromium for the whole package, one context
(with one tab) per viewport, reused by every test. Without chromium these tests skip, except in CI
(QALB_REQUIRE_BROWSER is set by .ci/run), where a missing browser fails the run.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.site.browser import launch_chromium, serve_static
from generator.site.screenshots import VIEWPORTS
from tests.browser.site import AxeReady, SitePage, site_pages


@pytest.fixture(scope="package")
def browser(require_browser: None) -> Iterator[object]:
    # Package scope, not session: Playwright's sync API allows one instance per
    # thread, and other test modules start their own.
    with launch_chromium() as launched:
        yield AxeReady(launched)


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site on 127.0.0.1, e.g. http://127.0.0.1:40123/ (ends with /)."""
    with serve_static(built_site) as base:
        yield base


@pytest.fixture(scope="session")
def pages(built_site: Path) -> list[SitePage]:
    """Every built page (each index.html and 404.html), both languages."""
    found = site_pages(built_site)
    assert {p.lang for p in found} == {"ar", "en"}, f"expected pages in both languages, found {found}"
    return found


class Tabs:
    """One browser context and tab per viewport, opened on first use."""

    def __init__(self, browser) -> None:
        self.browser = browser
        self.open: dict[str, object] = {}

    def __getitem__(self, viewport: str):
        if viewport not in self.open:
            width, height = VIEWPORTS[viewport]
            context = self.browser.new_context(viewport={"width": width, "height": height})
            context.set_default_timeout(10_000)
            self.open[viewport] = context.new_page()
        return self.open[viewport]

    def close(self) -> None:
        for page in self.open.values():
            page.context.close()


@pytest.fixture(scope="package")
def tabs(browser) -> Iterator[Tabs]:
    opened = Tabs(browser)
    yield opened
    opened.close()
