"""Issue 24: on a 390 px phone every action link of the home page is on the first screen, in both languages."""
from __future__ import annotations

import pytest

from generator.site.screenshots import VIEWPORTS

from .site import visit

_ACTIONS = """() => [...document.querySelectorAll('.qalb-actions a')].map(a => {
  const r = a.getBoundingClientRect();
  return {text: a.textContent.trim(), top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};
})"""


@pytest.mark.parametrize("prefix", ["", "en/"], ids=["ar", "en"])
def test_every_home_action_is_on_a_phones_first_screen(tabs, site_url, prefix):
    tab = tabs["phone"]
    width, height = VIEWPORTS["phone"]
    visit(tab, site_url + prefix)
    actions = tab.evaluate(_ACTIONS)
    assert len(actions) == 5, actions
    for action in actions:
        assert action["top"] >= 0 and action["bottom"] <= height, f"{action} is not inside the first {height} px"
        assert action["left"] >= 0 and action["right"] <= width, f"{action} is not inside the {width} px width"
        assert action["height"] >= 44, f"{action} is a small target (under 44 px high)"
