"""Keyboard: Tab from the top of each page reaches the language switcher and every
navigation link, and wherever the focus is, it can be seen.

"Seen" means: the focused element draws an indicator (outline or box shadow),
at least part of it is inside the viewport, no ancestor hides it (opacity 0,
visibility hidden), and nothing else covers the centre of its visible part.
"""
from __future__ import annotations

import pytest

from generator.site.screenshots import VIEWPORTS
from tests.browser.site import FOCUSED, NO_TRANSITIONS, focus_problems, visit

MAX_TABS = 300

# Number the elements the keyboard must reach, so each Tab stop can say which it is.
_MARK_TARGETS = """() => {
  const targets = [...document.querySelectorAll('header a[hreflang], .md-nav--primary a.md-nav__link[href]')]
    .filter(el => el.checkVisibility());
  targets.forEach((el, i) => { el.dataset.qalbTarget = String(i); });
  return targets.map(el => (el.textContent.trim() || el.getAttribute('aria-label')) + ' -> ' + el.getAttribute('href'));
}"""


def tab_through(tab) -> list[dict]:
    """Press Tab until the focus has gone once round the whole page.

    From the top of the page: after the last element the focus leaves the
    page, and the next Tab starts again at the top.
    """
    stops: list[dict] = []
    left_page = 0
    for _ in range(MAX_TABS):
        tab.keyboard.press("Tab")
        stop = tab.evaluate(FOCUSED)
        if stop is None:
            left_page += 1
            if left_page == 2 or not stops:
                break
            continue
        if stops and (stop["name"], stop["rect"]) == (stops[0]["name"], stops[0]["rect"]):
            break
        stops.append(stop)
    return stops


# The bundle's last statement publishes window.component$, after it has mounted every component
# (header, drawer, sidebars); what they draw on the next animation frames is drawn two frames later.
_MATERIAL_DRAWN = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"


def wait_for_material(tab) -> None:
    """Until Material's bundle has run and drawn (an event, not a wait for the network to be quiet)."""
    tab.wait_for_function("() => window.component$ !== undefined")
    tab.evaluate(_MATERIAL_DRAWN)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_tab_reaches_switcher_and_navigation_with_visible_focus(tabs, site_url, pages, lang, viewport):
    tab = tabs[viewport]
    problems = []
    for page in (p for p in pages if p.lang == lang):
        url = site_url + page.url_path
        visit(tab, url)
        tab.add_style_tag(content=NO_TRANSITIONS)
        # A first key loads Material's bundle (issue 25: at the first sign of a person), which then
        # redraws the header and drawer; let that finish so every Tab below walks the final page.
        tab.keyboard.press("Shift")
        wait_for_material(tab)
        targets = tab.evaluate(_MARK_TARGETS)
        if len(targets) < 2:
            problems.append(f"{url}: expected a language switcher and navigation links, found {targets}")
        stops = tab_through(tab)
        for n, stop in enumerate(stops, 1):
            problems += focus_problems(f"{url}: Tab {n}", stop)
        reached = {int(s["target"]) for s in stops if s["target"] is not None}
        missed = [t for i, t in enumerate(targets) if i not in reached]
        if missed:
            problems.append(f"{url}: Tab ({len(stops)} stops) never reached: {missed}")
    assert not problems, f"{lang} at {viewport} {VIEWPORTS[viewport]}:\n" + "\n".join(problems)


_MENU_STATE = """() => {
  const button = document.querySelector('.md-header .qalb-menu-button');
  const link = document.querySelector('.md-nav--primary a.md-nav__link[href]');
  const r = link.getBoundingClientRect();
  return {focused: document.activeElement === button, tag: button.tagName.toLowerCase(), role: button.getAttribute('role'),
          name: button.getAttribute('aria-label'), expanded: button.getAttribute('aria-expanded'),
          open: document.getElementById('__drawer').checked,
          linkShown: r.right > 0 && r.left < innerWidth && r.width > 0};
}"""


@pytest.mark.parametrize("lang,prefix,name", [("ar", "", "القائمة"), ("en", "en/", "Menu")])
def test_phone_menu_button_is_a_named_button_the_keyboard_opens(tabs, site_url, lang, prefix, name):
    tab = tabs["phone"]
    visit(tab, f"{site_url}{prefix}faq/")
    tab.add_style_tag(content=NO_TRANSITIONS)
    for n in range(1, 20):  # noqa: B007 (used after the loop)  the menu button is one of the first stops in the header
        tab.keyboard.press("Tab")
        state = tab.evaluate(_MENU_STATE)
        if state["focused"]:
            break
    else:
        pytest.fail(f"{lang}: Tab never reached the menu button")
    assert focus_problems(f"{lang}: Tab {n}", tab.evaluate(FOCUSED)) == []
    # A real <button>, no role override (axe's aria-allowed-role; issue 24).
    assert (state["tag"], state["role"], state["name"], state["expanded"], state["open"]) == ("button", None, name, "false", False)
    assert not state["linkShown"], "the drawer should start closed"
    tab.keyboard.press("Enter")
    opened = tab.evaluate(_MENU_STATE)
    assert (opened["expanded"], opened["open"], opened["linkShown"]) == ("true", True, True)
    tab.keyboard.press(" ")
    closed = tab.evaluate(_MENU_STATE)
    assert (closed["expanded"], closed["open"]) == ("false", False)


_SKIP_STATE = """() => {
  const el = document.activeElement;
  const skip = document.querySelector('a.md-skip');
  const focusable = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]')]
    .filter(e => e.tabIndex >= 0 && !e.disabled && e.checkVisibility({visibilityProperty: true}) || e === skip);
  const target = skip && document.getElementById(decodeURIComponent(skip.hash.slice(1)));
  return {focused: el && el !== document.body ? el.outerHTML.slice(0, 120) : null, isSkip: el === skip,
          firstIsSkip: focusable[0] === skip, target: target ? target.tagName.toLowerCase() : null,
          text: skip ? skip.textContent.trim() : null};
}"""
SKIP_TEXT = {"ar": "انتقل إلى المحتوى", "en": "Skip to content"}


def test_the_first_tab_on_every_page_reaches_a_skip_link_to_the_content(tabs, site_url, pages):
    """Issue 35: one Tab from the top of any page, form pages included, lands on
    "skip to content", in the page's language, whose target is on the page; the search
    page too (it focused its search box, and the first Tab went past the link), whose
    second Tab then reaches the search box."""
    tab = tabs["phone"]
    problems = []
    for page in pages:
        url = site_url + page.url_path
        tab.goto(url, wait_until="load")
        if page.path == "search/":  # its script has run: it used to move the focus
            tab.wait_for_function("() => window.qalbSearch !== undefined")
        tab.keyboard.press("Tab")
        state = tab.evaluate(_SKIP_STATE)
        ok = state["isSkip"] and state["target"]
        if ok and page.path == "search/":  # the link leads to the content, whose first stop is the box
            tab.keyboard.press("Enter")
            tab.keyboard.press("Tab")
            ok = tab.evaluate("() => document.activeElement.matches('.qalb-search input')")
        if not ok or state["text"] != SKIP_TEXT[page.lang]:
            problems.append(f"{url}: {state}")
    assert not problems, "\n".join(problems)
