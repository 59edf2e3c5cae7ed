"""Conditional questions in chromium: the shared cases (tests/fixtures/relevance_cases.yaml)
against relevance.js, as a pure function and through the form's own controls.

The server runs the same cases (tests/forms/test_relevance.py).
"""
from __future__ import annotations

import json

import pytest

from generator import PROJECT_ROOT
from generator.forms import render_form
from generator.forms.relevance import script_rules
from tests.forms.test_relevance import CASES, FIXTURES

SCRIPT = PROJECT_ROOT / "templates/overrides/assets/javascripts/relevance.js"

# Each case typed into the form: radios and boxes ticked, text typed, then a change event;
# the follow-ups not hidden, and the names the form would send.
_FILL = """(answers) => {
  const form = document.querySelector('form');
  form.reset();
  form.dispatchEvent(new Event('change'));
  for (const [name, value] of Object.entries(answers)) {
    for (const el of form.querySelectorAll(`[name="${name}"]`)) {
      if (el.type === 'radio' || el.type === 'checkbox') el.checked = [].concat(value).includes(el.value);
      else el.value = value;
      el.dispatchEvent(new Event('change', {bubbles: true}));
    }
  }
  const open = [...form.querySelectorAll('.qalb-followup')].filter(b => !b.hidden).map(b => b.id.slice(2, -5));
  const sent = [...new FormData(form).keys()];
  return {open, sent};
}"""


@pytest.fixture(scope="module")
def conditions():
    from generator.core.problems import Problems
    from generator.forms import load_forms

    return load_forms(FIXTURES / "relevance", Problems())["conditions"]


def test_the_shared_cases_in_the_script(tabs, conditions):
    tab = tabs["phone"]
    tab.goto("about:blank")  # not a page of the endpoint's: its CSP would refuse the script tag
    tab.set_content('<!doctype html><html lang="en"><title>t</title><body></body></html>')
    tab.add_script_tag(path=str(SCRIPT))
    rules = json.loads(script_rules(conditions.fields))
    found = tab.evaluate("([rules, cases]) => cases.map(c => qalbRelevance.relevant(rules, c.answers))",
                         [rules, CASES])
    conditional = {f.name for f in conditions.fields if f.relevant}
    for case, names in zip(CASES, found):
        assert [n for n in names if n in conditional] == case["open"], case["name"]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_shared_cases_through_the_forms_controls(tabs, conditions, lang):
    tab = tabs["phone"]
    direction = "rtl" if lang == "ar" else "ltr"
    html = render_form(conditions, lang, action="/x")
    tab.goto("about:blank")  # not a page of the endpoint's: its CSP would refuse the script tag
    tab.set_content(f'<!doctype html><html lang="{lang}" dir="{direction}"><title>t</title><body>{html}</body></html>')
    tab.add_script_tag(path=str(SCRIPT))
    for case in CASES:
        result = tab.evaluate(_FILL, case["answers"])
        assert result["open"] == case["open"], case["name"]
        hidden = {f.name for f in conditions.fields if f.relevant} - set(case["open"])
        assert not hidden & set(result["sent"]), f"{case['name']}: a hidden follow-up's value is sent"
    # The triggers say what they open: aria-controls names the follow-up; a tick box (where ARIA
    # allows it, not a radio button) also says with aria-expanded whether it is open.
    tab.evaluate(_FILL, {"visit": "home"})
    home = tab.locator("#f-visit-2")
    assert home.get_attribute("aria-controls").split()[0] == "f-address-when"
    assert home.get_attribute("aria-expanded") is None
    transport = tab.locator("#f-needs-2")  # controls transport_from, no_money and no_needs
    assert transport.get_attribute("aria-controls").split()[0] == "f-transport_from-when"
    tab.evaluate(_FILL, {"needs": ["money"]})  # none of the three applies
    assert transport.get_attribute("aria-expanded") == "false"
    tab.evaluate(_FILL, {"needs": ["transport"]})
    assert transport.get_attribute("aria-expanded") == "true"
