"""A file field in chromium (issue 36, item 7): files.js on the built help-request page.

Files are chosen with Playwright's set_input_files (a large one in memory; the many and the
together-too-large cases are made in the page, where 27 MB cost nothing to send): the list
names each file (isolated in <bdi>) with its size in the page's language, the problems are
said before sending in the page's language, the form is not sent while they stand, and axe
and the Nu checker find nothing in those states. Without JavaScript the server says the same
(the endpoint's tests, issue 36 part b).
"""
from __future__ import annotations

import pytest

from generator import PROJECT_ROOT
from generator.core.i18n import gettext
from generator.forms import error_message
from tests.browser.site import axe_violations, describe_violations, visit
from tests.support.vnu import vnu_errors_in_html

MB = 1024 * 1024
SEEN: dict[str, str] = {}  # the page in each state, for one run of the Nu checker at the end

# Files of any size made in the page (a DataTransfer), then a change event as a person's choice gives.
_CHOOSE = """([selector, files]) => {
  const input = document.querySelector(selector);
  const chosen = new DataTransfer();
  for (const [name, type, size] of files) chosen.items.add(new File([new Uint8Array(size)], name, {type}));
  input.files = chosen.files;
  input.dispatchEvent(new Event('change', {bubbles: true}));
}"""
_LISTED = """(id) => [...document.querySelectorAll(`#${id}-chosen li`)].map(li => ({
  name: li.querySelector('bdi').textContent, text: li.textContent, wrong: li.className}))"""
_SAID = "(id) => [...document.querySelectorAll(`#${id}-chosen .qalb-error-message`)].map(p => p.textContent.trim())"


@pytest.fixture(scope="module")
def form():
    from generator.core.problems import Problems
    from generator.forms import load_forms

    return load_forms(PROJECT_ROOT, Problems())["help-request"]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_chosen_files_are_listed_and_problems_said_before_sending(tabs, site_url, form, lang, tmp_path):
    tab = tabs["phone"]
    field = form.field("medical_reports")
    url = site_url + ("en/" if lang == "en" else "") + "forms/help-request/"
    visit(tab, url)
    selector = f"#{field.id}"
    said = {code: error_message(form, field.name, code, lang) for code in
            ("file-too-large", "file-type", "files-too-many", "files-too-large")}
    error = gettext(lang, "Error:")

    # Given by their paths: chromium reads them itself, nothing crosses the wire (the 11 MB one is sparse).
    chosen = {"تقرير القلب.pdf": 200 * 1024, "scan.jpg": 11 * MB, "setup.exe": 102}
    for name, size in chosen.items():
        with (tmp_path / name).open("wb") as file:
            file.truncate(size)
    tab.set_input_files(selector, [tmp_path / name for name in chosen])
    listed = tab.evaluate(_LISTED, field.id)
    assert [item["name"] for item in listed] == ["تقرير القلب.pdf", "scan.jpg", "setup.exe"]
    kb, mb = gettext(lang, "%(size)s KB"), gettext(lang, "%(size)s MB")
    assert listed[0]["text"] == f"تقرير القلب.pdf — {kb % {'size': '200'}}" and not listed[0]["wrong"]
    assert listed[1]["text"] == f"scan.jpg — {mb % {'size': '11'}} — {gettext(lang, 'too large')}"
    assert listed[2]["text"] == f"setup.exe — {kb % {'size': '1'}} — {gettext(lang, 'not a kind this form takes')}"
    assert tab.evaluate(_SAID, field.id) == [f"{error} {said['file-type']}", f"{error} {said['file-too-large']}"]
    region = tab.locator(f"#{field.id}-chosen")
    assert region.get_attribute("aria-live") == "polite"
    assert f"{field.id}-chosen" in tab.get_attribute(selector, "aria-describedby").split()
    assert tab.get_attribute(selector, "aria-invalid") == "true"
    SEEN[f"{lang}-problems"] = tab.content()

    # Send: nothing leaves the page while a file is wrong; the field takes the focus.
    tab.click("form.qalb-form [type=submit]")
    assert tab.url == url and tab.evaluate("() => document.activeElement.id") == field.id

    tab.evaluate(_CHOOSE, [selector, [[f"page-{n}.png", "image/png", 1000] for n in range(6)]])
    assert tab.evaluate(_SAID, field.id) == [f"{error} {said['files-too-many']}"]
    tab.evaluate(_CHOOSE, [selector, [[f"part-{n}.pdf", "application/pdf", 9 * MB] for n in range(3)]])
    assert tab.evaluate(_SAID, field.id) == [f"{error} {said['files-too-large']}"]
    # A type the browser does not know is judged by the file's ending (the server reads the bytes).
    tab.evaluate(_CHOOSE, [selector, [["REPORT.PDF", "", 5000], ["photo.jpeg", "image/jpeg", 3 * MB]]])
    assert tab.evaluate(_SAID, field.id) == []
    assert tab.get_attribute(selector, "aria-invalid") is None
    assert not tab.locator(".qalb-form-group--error").count()
    SEEN[f"{lang}-fine"] = tab.content()
    problems = describe_violations(url, axe_violations(tab))
    # And with problems said (axe, injected now, stays out of the pages the Nu checker reads).
    tab.evaluate(_CHOOSE, [selector, [["scan.jpg", "image/jpeg", 11 * MB], ["x.exe", "", 10]]])
    assert len(tab.evaluate(_SAID, field.id)) == 2
    problems += describe_violations(url, axe_violations(tab))
    assert not problems, "\n".join(problems)


def test_the_pages_with_files_chosen_are_valid_html():
    assert len(SEEN) == 4, "the test above runs first, in both languages"
    errors = vnu_errors_in_html(SEEN)
    assert not errors, "\n".join(errors)


def test_the_script_is_loaded_only_on_a_form_with_a_file_field(built_site):
    for lang in ("", "en/"):
        help_request = (built_site / lang / "forms/help-request/index.html").read_text(encoding="utf-8")
        assert help_request.count("assets/javascripts/files.js") == 1
        assert 'enctype="multipart/form-data"' in help_request
        for other in ("contact", "volunteer", "satisfaction"):
            page = (built_site / lang / f"forms/{other}/index.html").read_text(encoding="utf-8")
            assert "files.js" not in page and "multipart" not in page, other
