"""Every form, in both languages, in a real browser, through the real endpoint on 127.0.0.1.

The endpoint app serves the built site and takes the posts, as `python -m
generator run` does, and writes to its own SQLite file, which the tests read.
Covered: axe and the Nu HTML checker on each form state (empty forms are in test_axe.py: they are
built pages), filling and sending with and without JavaScript, the stored
record, the error summary and its links, typed values kept after an error,
the keyboard alone, and left-to-right phone, e-mail and ID fields in Arabic.
"""
from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from generator import PROJECT_ROOT
from generator.site.screenshots import VIEWPORTS
from generator.submissions.references import PATTERN as REFERENCE
from tests.browser.forms import Endpoint, answers, expected_record, fill, form_url, serve_asgi, submit
from tests.browser.site import FOCUSED, NO_TRANSITIONS, axe_violations, describe_violations, focus_problems
from tests.support import shots
from tests.support.vnu import vnu_errors_in_html

LANGS = ["ar", "en"]


@pytest.fixture(scope="module")
def forms() -> dict[str, Any]:
    from generator.core.problems import Problems
    from generator.forms import load_forms

    problems = Problems()
    loaded = load_forms(PROJECT_ROOT, problems)
    assert not problems.errors, "\n".join(map(str, problems.errors))
    assert loaded, "no forms in forms/"
    return loaded


@pytest.fixture(scope="module")
def endpoint(built_site: Path, forms, tmp_path_factory) -> Iterator[Endpoint]:
    from generator.core.config import EndpointSettings
    from generator.endpoint.app import create_app

    folder = tmp_path_factory.mktemp("endpoint")
    database = folder / "submissions.db"
    settings = EndpointSettings(root=folder, database_url=f"sqlite:///{database}", site_dir=built_site,
                                rate_limit=None)
    app = create_app(settings=settings, forms=forms, serve_site=True)
    with serve_asgi(app) as url:
        yield Endpoint(url, database, app.state.endpoint.store.codec)


@pytest.fixture(scope="module")
def no_js_tab(browser):
    width, height = VIEWPORTS["phone"]
    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def thank_you_reference(tab, form_id: str, lang: str) -> str:
    """The reference the thank-you page shows (it must be there, and look like one)."""
    path = f"/{'en/' if lang == 'en' else ''}forms/{form_id}/thanks/"
    assert path in tab.url, f"after sending {form_id} ({lang}) the browser is at {tab.url}, not {path}"
    shown = tab.locator(".qalb-reference")
    assert shown.count() == 1, f"{tab.url}: no reference number (.qalb-reference) on the thank-you page"
    reference = shown.inner_text().strip()
    assert re.fullmatch(REFERENCE, reference), f"{tab.url}: {reference!r} is not a reference number"
    # Issue 35: isolated left to right and on one line, never broken at its hyphen.
    assert shown.evaluate("e => [e.tagName, e.dir, e.getClientRects().length]") == ["BDI", "ltr", 1], tab.url
    return reference


def check_stored(endpoint: Endpoint, reference: str, form, lang: str, given: dict[str, Any]) -> None:
    record = endpoint.record(reference)
    assert record is not None, f"{form.id} ({lang}): reference {reference} is not in {endpoint.database}"
    expected = {"form_id": form.id, "language": lang, "status": "accepted",
                "answers": expected_record(form, given)}
    assert record == expected, f"{form.id} ({lang}) {reference}: stored record differs from what was typed"


@pytest.mark.parametrize("lang", LANGS)
def test_form_states_have_no_axe_violations(tabs, endpoint, forms, lang):
    """With errors (sent empty) and thank-you, each form, at 390x844.

    The empty forms are built pages: test_axe.py scans them at both sizes. The
    error and thank-you states change only the form's own region, whose markup
    is the same at every width; what differs between widths is the page around
    it (sidebars, header), scanned at both sizes on every page.
    """
    viewport = "phone"
    tab = tabs[viewport]
    problems = []
    written = {}  # the pages as the browser holds them, for the Nu HTML checker (issue 24)
    for form in forms.values():
        tab.goto(form_url(endpoint, form.id, lang))
        submit(tab)
        written[f"{tab.url} ({form.id} sent empty)"] = tab.content()
        problems += describe_violations(f"{tab.url} ({form.id} sent empty)", axe_violations(tab))
        fill(tab, form, answers(form, lang))
        submit(tab)
        thank_you_reference(tab, form.id, lang)
        written[f"{tab.url} (thank-you)"] = tab.content()
        problems += describe_violations(f"{tab.url} (thank-you)", axe_violations(tab))
    assert not problems, f"axe at {viewport} {VIEWPORTS[viewport]}:\n" + "\n".join(problems)
    errors = vnu_errors_in_html(written)
    assert not errors, f"vnu found {len(errors)} error(s):\n" + "\n".join(errors)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", LANGS)
def test_each_form_is_sent_and_stored_as_typed(tabs, no_js_tab, endpoint, forms, lang, javascript):
    tab = tabs["phone"] if javascript else no_js_tab
    for form in forms.values():
        tab.goto(form_url(endpoint, form.id, lang))
        given = answers(form, lang)
        fill(tab, form, given)
        submit(tab)
        reference = thank_you_reference(tab, form.id, lang)
        check_stored(endpoint, reference, form, lang, given)


def focus_arrives(tab, selector: str) -> bool:
    try:
        tab.wait_for_function("s => document.activeElement && document.activeElement.matches(s)",
                              arg=selector, timeout=3000)
    except PlaywrightTimeout:
        return False
    return True


@pytest.mark.parametrize("lang", LANGS)
def test_error_summary_takes_focus_and_its_links_move_focus_to_the_fields(tabs, endpoint, forms, lang):
    tab = tabs["phone"]
    problems = []
    for form in forms.values():
        tab.goto(form_url(endpoint, form.id, lang))
        submit(tab)
        where = f"{tab.url} ({form.id} sent empty)"
        # `autofocus` is applied at the browser's next rendering update, which may come after
        # the load event the navigation waited for: wait for it (briefly) rather than sample once.
        if not focus_arrives(tab, "[data-qalb-error-summary]"):
            problems.append(f"{where}: the error summary does not have the focus "
                            f"({tab.evaluate('() => document.activeElement.outerHTML.slice(0, 80)')})")
        links = tab.locator("[data-qalb-error-summary] a[href^='#']")
        required = [f for f in form.fields if f.required and f.relevant is None]  # follow-ups: when asked
        if links.count() < len(required):
            problems.append(f"{where}: {links.count()} links in the error summary for {len(required)} required fields")
        for i in range(links.count()):
            link = links.nth(i)
            target = link.get_attribute("href")[1:]
            link.click()
            focused = tab.evaluate("() => document.activeElement.id")
            if focused != target:
                problems.append(f"{where}: the summary link to #{target} put the focus on #{focused}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_typed_values_are_kept_after_an_error(tabs, endpoint, forms, lang):
    tab = tabs["phone"]
    problems = []
    for form in forms.values():
        given = answers(form, lang)
        # Leave out the last required answer, so the form comes back with one error.
        left_out = [f for f in form.fields if f.required][-1]
        kept = {name: value for name, value in given.items() if name != left_out.name}
        tab.goto(form_url(endpoint, form.id, lang))
        fill(tab, form, kept)
        submit(tab)
        where = f"{tab.url} ({form.id} without {left_out.name})"
        if "/thanks/" in tab.url:
            problems.append(f"{where}: accepted without a required answer")
            continue
        for field in form.fields:
            if field.name == left_out.name or (field.relevant is not None and not tab.is_visible(f"#{field.id}")):
                continue
            if field.files is not None:  # none chosen here; files sent with an error: the endpoint's upload tests
                continue
            shown = _shown_value(tab, field)
            if shown != kept[field.name]:
                problems.append(f"{where}: {field.name} shows {shown!r}, typed {kept[field.name]!r}")
    assert not problems, "\n".join(problems)


def _shown_value(tab, field) -> Any:
    if field.control == "checkbox":
        return tab.is_checked(f"#{field.id}")
    if field.control in ("radios", "checkboxes"):
        values = tab.eval_on_selector_all(f'input[name="{field.name}"]:checked', "els => els.map(e => e.value)")
        chosen = [type(o.value)(v) for v in values for o in field.options[:1]]
        return chosen if field.control == "checkboxes" else (chosen[0] if chosen else None)
    return tab.input_value(f"#{field.id}")


@pytest.mark.parametrize("lang", LANGS)
def test_each_form_can_be_completed_with_the_keyboard_alone(tabs, endpoint, forms, lang):
    """Tab and Shift+Tab between fields, arrows in radio groups, Space on boxes, Enter to send;
    the focus visible at every stop."""
    tab = tabs["desktop"]
    problems = []
    for form in forms.values():
        url = form_url(endpoint, form.id, lang)
        tab.goto(url)
        tab.add_style_tag(content=NO_TRANSITIONS)
        given = answers(form, lang, choice=1)  # the second option: reached with an arrow key
        for _ in range(80):  # from the top of the page to the first field
            tab.keyboard.press("Tab")
            if tab.evaluate("() => !!document.activeElement.closest('form.qalb-form')"):
                break
        problems += _complete_with_keyboard(tab, url, form, given)
        if "/thanks/" not in tab.url:
            problems.append(f"{url}: Enter on the send button did not send the form (at {tab.url})")
            continue
        check_stored(endpoint, thank_you_reference(tab, form.id, lang), form, lang, given)
    assert not problems, "\n".join(problems)


_ACTIVE = """() => { const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '', value: e.value, id: e.id}; }"""


def _complete_with_keyboard(tab, url: str, form, given: dict[str, Any]) -> list[str]:
    fields = {f.name: f for f in form.fields}
    problems: list[str] = []
    done: set[str] = set()
    went_back = False
    for step in range(200):
        stop = tab.evaluate(FOCUSED)
        if stop is None:
            return problems + [f"{url}: the focus left the page before the send button"]
        problems += focus_problems(f"{url}: step {step}", stop)
        active = tab.evaluate(_ACTIVE)
        field = fields.get(active["name"])
        if active["type"] == "submit":
            hidden = {name for name, f in fields.items() if f.relevant is not None and not tab.is_visible(f"#{f.id}")}
            missed = set(fields) - done - hidden  # a hidden follow-up is not a stop
            with tab.expect_navigation():
                tab.keyboard.press("Enter")
            return problems + [f"{url}: never reached {sorted(missed)}"] * bool(missed)
        if field is None or field.files is not None:  # files are chosen in a dialog (test_files.py)
            done.update([field.name] if field else [])
            tab.keyboard.press("Tab")
            continue
        value = given[field.name]
        if field.control == "checkbox":
            tab.keyboard.press("Space")
        elif field.control == "checkboxes":
            if active["value"] in [str(v) for v in value]:
                tab.keyboard.press("Space")
        elif field.control == "radios":
            index = [str(o.value) for o in field.options].index(str(value))
            if index == 0:
                tab.keyboard.press("Space")
            for _ in range(index):
                tab.keyboard.press("ArrowDown")
        elif field.control == "select":
            # A closed select takes arrow keys: each moves the choice by one option.
            options = tab.evaluate("() => [...document.activeElement.options].map(o => o.value)")
            start = options.index(active["value"])
            for _ in range(options.index(str(value)) - start):
                tab.keyboard.press("ArrowDown")
        else:
            tab.keyboard.type(str(value))
        done.add(field.name)
        tab.keyboard.press("Tab")
        if not went_back:  # once per form: Shift+Tab goes back to the field just answered
            tab.keyboard.press("Shift+Tab")
            back = tab.evaluate(_ACTIVE)
            if back["name"] != field.name:
                problems.append(f"{url}: Shift+Tab from the field after {field.name} went to {back}")
            tab.keyboard.press("Tab")
            went_back = True
    return problems + [f"{url}: 200 key presses and the send button not reached"]


def test_phone_email_and_id_fields_read_left_to_right_on_arabic_pages(tabs, endpoint, forms):
    tab = tabs["phone"]
    problems = []
    ltr_fields = 0
    for form in forms.values():
        tab.goto(form_url(endpoint, form.id, "ar"))
        for state in ("empty", "with errors"):
            for field in form.fields:
                direction = tab.evaluate("(id) => getComputedStyle(document.getElementById(id)).direction", field.id)
                kind = "ltr" if field.ltr else "rtl"
                if field.control in ("radios", "checkboxes", "checkbox"):
                    continue
                ltr_fields += field.ltr
                if direction != kind:
                    problems.append(f"{tab.url} ({form.id}, {state}): {field.name} is {direction}, expected {kind}")
            if state == "empty":
                submit(tab)
    assert ltr_fields, "no phone, e-mail or ID fields found in any form"
    assert not problems, "\n".join(problems)


# The post's key (templates/overrides/assets/javascripts/form-key.js): made when the page loads.
SEND_TWICE = """async () => {
  const form = document.querySelector("form[data-qalb-form]");
  const sent = [];
  for (let i = 0; i < 2; i++) {  // the same page sent twice, as a retry after a lost answer sends it
    const response = await fetch(form.action, {method: "POST", body: new URLSearchParams(new FormData(form))});
    sent.push(response.url);
  }
  return sent;
}"""
CHANGED_AFTER_SENDING = """() => {
  const form = document.querySelector("form[data-qalb-form]");
  form.dispatchEvent(new Event("submit", {cancelable: true}));  // the listener sees a send; nothing is sent
  form.dispatchEvent(new Event("input", {bubbles: true}));
  return form.elements.post_key.value;
}"""


def test_a_form_page_sent_twice_is_stored_once_and_changed_answers_get_a_new_key(tabs, no_js_tab, endpoint, forms):
    tab, form = tabs["phone"], forms["contact"]
    keys = []
    for _ in range(2):
        tab.goto(form_url(endpoint, form.id, "ar"))
        keys.append(tab.input_value("input[name='post_key']"))
    assert all(re.fullmatch(r"[0-9a-f-]{32,36}", key) for key in keys) and keys[0] != keys[1], keys
    fill(tab, form, answers(form, "ar"))
    first, second = tab.evaluate(SEND_TWICE)
    assert "/forms/contact/thanks/?ref=" in first and first == second  # one submission, one reference
    reference = first.rsplit("=", 1)[1]
    with sqlite3.connect(endpoint.database) as db:
        stored = db.execute("SELECT count(*) FROM submissions s JOIN post_keys k ON k.submission_id = s.id "
                            "WHERE s.reference = ?", (reference,)).fetchone()[0]
    assert stored == 1
    assert tab.evaluate(CHANGED_AFTER_SENDING) not in ("", keys[1])  # answers changed after a send: a new post
    no_js_tab.goto(form_url(endpoint, form.id, "ar"))  # without JavaScript the field stays empty
    assert no_js_tab.input_value("input[name='post_key']") == ""


# Issue 37: follow-up questions. help-request asks "If other: describe the support you need"
# only when "Other support" is chosen, and the patient's name only when the applicant is not
# the patient.
_WIDE = "() => document.scrollingElement.scrollWidth - window.innerWidth"
SHOTS = Path(__file__).resolve().parents[2] / ".build" / "screenshots-followups"


@pytest.mark.parametrize("lang", LANGS)
def test_a_follow_up_opens_under_its_answer_is_required_then_stored(tabs, endpoint, forms, lang):
    """With JavaScript: "other" opens the follow-up (the focus stays on the choice); sent empty,
    the form comes back with "other" chosen, the follow-up open and the summary linking to its
    box; answered, it is stored. axe finds nothing in either state; no sideways scroll at 390 px."""
    form = forms["help-request"]
    tab = tabs["phone"]
    tab.goto(form_url(endpoint, form.id, lang))
    box, trigger = tab.locator("#f-support_other-when"), tab.locator('input[name="support_kind"][value="other"]')
    assert box.is_hidden() and trigger.get_attribute("aria-controls") == "f-support_other-when"
    given = {**answers(form, lang), "support_kind": "other", "support_other": ""}
    fill(tab, form, given)
    assert box.is_visible()
    assert tab.evaluate("() => document.activeElement.name") != "support_other"  # focus not moved
    submit(tab)
    problems = describe_violations(f"{tab.url} (other, its follow-up empty)", axe_violations(tab))
    assert not problems, "\n".join(problems)
    assert tab.evaluate(_WIDE) <= 0
    links = tab.locator("[data-qalb-error-summary] a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == ["#f-support_other"]
    assert box.is_visible() and tab.is_checked('input[name="support_kind"][value="other"]')
    for viewport in ("phone", "desktop") if shots.WANTED else ():
        shot = tabs[viewport]
        if viewport != "phone":
            shot.goto(tab.url)
            shot.set_content(tab.content())  # the same page with its error, at 1280 px
        box_of = shot.locator("#f-support_other-when")
        box_of.scroll_into_view_if_needed()
        shots.screenshot(shot, SHOTS / f"help-request-other-{lang}-{viewport}.png")
    links.first.click()
    assert tab.evaluate("() => document.activeElement.id") == "f-support_other"
    tab.fill("#f-support_other", "كرسي متحرك" if lang == "ar" else "A wheelchair")
    submit(tab)
    record = endpoint.record(thank_you_reference(tab, form.id, lang))
    assert record is not None
    assert record["answers"]["support_other"] == ("كرسي متحرك" if lang == "ar" else "A wheelchair")


@pytest.mark.parametrize("lang", LANGS)
def test_without_javascript_the_follow_up_is_shown_under_its_answer_and_ignored_when_it_does_not_apply(
        no_js_tab, endpoint, forms, lang):
    form = forms["help-request"]
    tab = no_js_tab
    tab.goto(form_url(endpoint, form.id, lang))
    box = tab.locator("#f-support_other-when")
    assert box.is_visible()
    # Directly under the choices it follows, and its label says when it applies.
    order = tab.evaluate("""() => [...document.querySelectorAll('.qalb-form .qalb-form-group')]
        .map(g => g.querySelector('[name]').name)""")
    assert order[order.index("support_kind") + 1] == "support_other"
    label = tab.locator('label[for="f-support_other"]').inner_text()
    assert label.startswith("إذا اخترت دعمًا آخر" if lang == "ar" else "If other:")
    assert tab.evaluate("(id) => getComputedStyle(document.getElementById(id)).borderInlineStartWidth",
                        "f-support_other-when") == "4px"
    assert tab.evaluate(_WIDE) <= 0
    # Someone who did not pick "other" (nor is the patient) fills the follow-ups anyway.
    given = {**answers(form, lang), "support_kind": "financial", "relation": "self",
             "support_other": "Written anyway", "patient_name": "Written anyway too"}
    fill(tab, form, given)
    submit(tab)
    record = endpoint.record(thank_you_reference(tab, form.id, lang))
    assert record is not None
    assert record["answers"]["support_other"] is None and record["answers"]["patient_name"] is None
    # Picking "other" and leaving it empty: the error, linked from the summary, on the follow-up.
    tab.goto(form_url(endpoint, form.id, lang))
    fill(tab, form, {**answers(form, lang), "support_kind": "other", "support_other": ""})
    submit(tab)
    links = tab.locator("[data-qalb-error-summary] a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == ["#f-support_other"]
