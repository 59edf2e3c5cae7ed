"""Right to left: Arabic pages are mirrored, English ones are not; nothing overflows.

On every page, in both languages, at 390x844 and 1280x800: the document's
direction, main text aligned to the start side (right in Arabic), the primary
navigation on the start side (the desktop sidebar; the phone's menu button and
drawer), and no content wider than the viewport.
"""
from __future__ import annotations

import pytest

from generator.site.screenshots import VIEWPORTS
from tests.browser.site import settle, visit

# What a page looks like, measured in the page: direction, alignment of the
# main text (computed and as drawn), horizontal overflow, elements wider than
# the screen.
_MEASURE = """() => {
  const html = document.documentElement;
  const side = (el) => {
    const s = getComputedStyle(el);
    const rtl = s.direction === 'rtl';
    return {start: rtl ? 'right' : 'left', end: rtl ? 'left' : 'right', left: 'left', right: 'right',
            justify: rtl ? 'right' : 'left', center: 'center'}[s.textAlign] || s.textAlign;
  };
  const article = document.querySelector('article.md-content__inner');
  const blocks = article ? [...article.querySelectorAll('h1, h2, h3, p, li, dt, dd')]
    .filter(el => !el.closest('[dir="ltr"], pre, code') && el.textContent.trim()) : [];
  const misaligned = blocks.filter(el => side(el) !== (getComputedStyle(html).direction === 'rtl' ? 'right' : 'left'))
    .map(el => `${el.tagName} "${el.textContent.trim().slice(0, 30)}" is text-align ${getComputedStyle(el).textAlign}`);
  // As drawn: the first heading's text hugs the start edge of its box.
  let drawn = null;
  const h1 = article && article.querySelector('h1');
  if (h1) {
    const range = document.createRange(); range.selectNodeContents(h1);
    const text = range.getBoundingClientRect(), box = h1.getBoundingClientRect();
    drawn = {textLeft: text.left, textRight: text.right, boxLeft: box.left, boxRight: box.right};
  }
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect();
    if (!r.width || getComputedStyle(el).position === 'fixed' || el.closest('.md-sidebar--primary')) return false;
    return r.right > width + 1 || r.left < -1;
  }).filter(el => !el.closest('.md-sidebar--primary, [hidden]'))
    .map(el => `${el.tagName}.${el.className} [${Math.round(el.getBoundingClientRect().left)}, ${Math.round(el.getBoundingClientRect().right)}]`);
  return {
    lang: html.lang, dirAttr: html.dir, direction: getComputedStyle(html).direction,
    bodyDirection: getComputedStyle(document.body).direction,
    misaligned, drawn, scrollWidth: document.scrollingElement.scrollWidth, width, wide: wide.slice(0, 5),
  };
}"""

_CENTRE_X = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return {centre: r.left + r.width / 2, left: r.left, right: r.right, width: window.innerWidth};
}"""


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_layout_follows_the_language_direction(tabs, site_url, pages, lang, viewport):
    tab = tabs[viewport]
    expected = "rtl" if lang == "ar" else "ltr"
    start = "right" if expected == "rtl" else "left"
    problems = []
    for index, page in enumerate(p for p in pages if p.lang == lang):
        url = site_url + page.url_path
        visit(tab, url)
        m = tab.evaluate(_MEASURE)
        if (m["lang"], m["dirAttr"], m["direction"], m["bodyDirection"]) != (lang, expected, expected, expected):
            problems.append(f"{url}: <html lang={m['lang']!r} dir={m['dirAttr']!r}>, computed direction "
                            f"{m['direction']} (body {m['bodyDirection']}); expected {lang}/{expected}")
        problems += [f"{url}: main text not aligned {start}: {what}" for what in m["misaligned"]]
        d = m["drawn"]
        if d is None:
            problems.append(f"{url}: no <h1> in the page content")
        elif expected == "rtl" and abs(d["textRight"] - d["boxRight"]) > 2:
            problems.append(f"{url}: the <h1> text ends {d['boxRight'] - d['textRight']:.0f}px short of the right edge")
        elif expected == "ltr" and abs(d["textLeft"] - d["boxLeft"]) > 2:
            problems.append(f"{url}: the <h1> text starts {d['textLeft'] - d['boxLeft']:.0f}px from the left edge")
        if m["scrollWidth"] > m["width"]:
            problems.append(f"{url}: the page scrolls sideways ({m['scrollWidth']}px content in a "
                            f"{m['width']}px viewport); widest: {m['wide']}")
        elif m["wide"]:
            problems.append(f"{url}: content outside the viewport: {m['wide']}")
        # The header and sidebar are the same on every page: open the drawer once.
        problems += _navigation_side(tab, url, viewport, start, open_drawer=index == 0)
    assert not problems, f"{lang} at {viewport} {VIEWPORTS[viewport]}:\n" + "\n".join(problems)


def _navigation_side(tab, url: str, viewport: str, start: str, *, open_drawer: bool) -> list[str]:
    def on_start_side(box) -> bool:
        return box is not None and (box["centre"] > box["width"] / 2) == (start == "right")

    if viewport == "desktop":
        sidebar = tab.evaluate(_CENTRE_X, ".md-sidebar--primary")
        if not on_start_side(sidebar):
            return [f"{url}: the navigation sidebar is not on the {start} ({sidebar})"]
        return []
    button = tab.evaluate(_CENTRE_X, ".md-header .qalb-menu-button")
    if not on_start_side(button):
        return [f"{url}: the menu button is not on the {start} ({button})"]
    if not open_drawer:
        return []
    tab.click(".md-header .qalb-menu-button")
    settle(tab)
    drawer = tab.evaluate(_CENTRE_X, ".md-sidebar--primary")
    if not on_start_side(drawer) or drawer["left"] < -1 or drawer["right"] > drawer["width"] + 1:
        return [f"{url}: the opened navigation drawer is not inside the screen on the {start} ({drawer})"]
    return []


def test_arabic_sub_lists_count_with_arabic_letters(tabs, site_url):
    """Issue 35: the policy's sub-lists count أ- ب- ج- in Arabic (Material's a. b. c. in English)."""
    tab = tabs["phone"]
    styles = {}
    for prefix in ("", "en/"):
        tab.goto(f"{site_url}{prefix}policy/", wait_until="load")
        styles[prefix] = tab.evaluate("() => [...document.querySelectorAll('article ol ol')]"
                                      ".map(ol => getComputedStyle(ol).listStyleType)")
    assert styles[""] and set(styles[""]) == {"qalb-abjad"}
    assert styles["en/"] and set(styles["en/"]) == {"lower-alpha"}


_FORM_TYPE = """() => {
  const style = e => getComputedStyle(e);
  const label = document.querySelector('.qalb-form-group > .qalb-label');
  const hint = document.querySelector('.qalb-form-group > .qalb-hint');
  const groups = [...document.querySelectorAll('.qalb-form > .qalb-form-group')];
  const gaps = groups.slice(1).map((g, i) => g.getBoundingClientRect().top - groups[i].getBoundingClientRect().bottom);
  const button = document.querySelector('.qalb-form .qalb-button').getBoundingClientRect();
  const last = groups[groups.length - 1].getBoundingClientRect();
  return {labelWeight: +style(label).fontWeight, hintWeight: +style(hint).fontWeight,
          labelColour: style(label).color, hintColour: style(hint).color,
          hintToControl: hint.nextElementSibling.getBoundingClientRect().top - hint.getBoundingClientRect().bottom,
          minGap: Math.min(...gaps), beforeButton: button.top - last.bottom};
}"""


@pytest.mark.parametrize("path", ["forms/help-request/", "en/forms/help-request/", "status/", "en/status/"])
def test_form_questions_read_as_questions(tabs, site_url, path):
    """Issue 35, GOV.UK's proportions: a bold label over a regular hint in a secondary colour,
    space under the hint, at least 20 px between questions and before the button (phone)."""
    tab = tabs["phone"]
    tab.goto(site_url + path, wait_until="load")
    shown = tab.evaluate(_FORM_TYPE)
    assert shown["labelWeight"] >= 700 and shown["hintWeight"] == 400, shown
    assert shown["labelColour"] != shown["hintColour"], shown
    assert shown["hintToControl"] >= 10 and shown["minGap"] >= 19.5 and shown["beforeButton"] >= 19.5, shown
