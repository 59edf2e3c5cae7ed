"""Issue 24: every tick box of every form keeps a square box of at least 24 px
beside the first line of its label, however long the label, in both
languages (right to left and left to right), on a phone and on a desktop.

Measured in the browser: the box's own rectangle, and the first line of the
label's text (the first rectangle of a Range over it). "Beside" means on the
start side of the label (right in Arabic, left in English), no further than
1 rem from it, its centre within a few pixels of the first line's centre. The
same again after the label is made five times longer in the page, so a longer
declaration written later is covered too.
"""
from __future__ import annotations

import pytest

from generator.site.screenshots import VIEWPORTS

from .site import visit

MIN_SIZE = 24

_MEASURE = """(lengthen) => [...document.querySelectorAll('.qalb-form input[type=checkbox]')].map(box => {
  const label = document.querySelector(`label[for="${box.id}"]`);
  if (!label) return {id: box.id, label: null};
  if (lengthen) label.textContent = Array(5).fill(label.textContent.trim()).join(' ');
  const range = document.createRange();
  range.selectNodeContents(label);
  const lines = [...range.getClientRects()].filter(r => r.width > 0);
  const first = lines[0], all = label.getBoundingClientRect(), r = box.getBoundingClientRect();
  const dir = getComputedStyle(label).direction;
  return {id: box.id, dir, lines: new Set(lines.map(l => Math.round(l.top))).size,
          box: [r.left, r.top, r.width, r.height], firstTop: first.top, firstBottom: first.bottom,
          labelLeft: all.left, labelRight: all.right};
})"""


def checkbox_problems(where: str, found: list[dict], direction: str) -> list[str]:
    problems = []
    for item in found:
        name = f"{where} #{item['id']}"
        if "box" not in item:
            problems.append(f"{name}: no <label for> found")
            continue
        left, top, width, height = item["box"]
        right, centre = left + width, top + height / 2
        if abs(width - height) > 0.5 or min(width, height) < MIN_SIZE:
            problems.append(f"{name}: the box is {width:.1f} x {height:.1f} px, not a square of at least {MIN_SIZE} px")
        line_centre = (item["firstTop"] + item["firstBottom"]) / 2
        if abs(centre - line_centre) > 4:
            problems.append(f"{name}: the box's centre is at y={centre:.1f}, the label's first line's at "
                            f"{line_centre:.1f} (label of {item['lines']} lines)")
        if item["dir"] != direction:
            problems.append(f"{name}: the label's direction is {item['dir']}, not {direction}")
        gap = item["labelLeft"] - right if direction == "ltr" else left - item["labelRight"]
        if not 0 <= gap <= 20:
            side = "left" if direction == "ltr" else "right"
            problems.append(f"{name}: the box is not just {side} of its label (gap {gap:.1f} px)")
    return problems


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_checkbox_is_a_square_beside_its_labels_first_line(tabs, site_url, pages, lang, viewport):
    tab = tabs[viewport]
    direction = "rtl" if lang == "ar" else "ltr"
    forms = [p for p in pages if p.lang == lang and p.path.startswith("forms/") and p.path.count("/") == 2]
    assert len(forms) >= 4, f"expected the four forms, found {forms}"
    problems, counted = [], 0
    for page in forms:
        url = site_url + page.url_path
        for lengthen in (False, True):
            visit(tab, url)
            found = tab.evaluate(_MEASURE, lengthen)
            counted += len(found)
            problems += checkbox_problems(f"{url}{' (labels made 5x longer)' if lengthen else ''}", found, direction)
    # Today: help-request's declaration and consent, volunteer's interests (a group) and its consent.
    assert counted >= 2 * 6, f"expected the forms' declarations, consents and grouped tick boxes, found {counted}"
    assert not problems, f"{lang} at {viewport} {VIEWPORTS[viewport]}:\n" + "\n".join(problems)
