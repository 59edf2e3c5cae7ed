"""Every form, valid and invalid, in both languages, through a real server, on both backends."""
from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from generator import PROJECT_ROOT
from generator.core import i18n
from generator.endpoint.app import create_app
from generator.forms import error_message, read_submission, reference_html
from generator.submissions.references import is_reference
from tests.support.fixtures import LiveServer, form_files, make_settings
from tests.support.samples import broken_answers, build_site, valid_answers

FORM_IDS = [p.stem for p in form_files()]
LANGS = ("ar", "en")


@pytest.fixture
def server(forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path,
           live: Callable[[Any], LiveServer]) -> LiveServer:
    site = build_site(tmp_path / "site", forms)
    settings = make_settings(forms_root, store_url, site_dir=site)
    return live(create_app(settings=settings, forms=forms))


def browser_post(server: LiveServer, form_id: str, data: dict[str, Any], lang: str):
    page = f"{server.url}/{'en/' if lang == 'en' else ''}forms/{form_id}/"
    with server.client() as client:
        return client.post(f"/api/forms/{form_id}", data={**data, "lang": lang},
                           headers={"Origin": server.url, "Referer": page, "Accept": "text/html"})


def test_sample_answers_are_what_the_forms_accept(forms: dict[str, Any]) -> None:
    for form in forms.values():
        assert read_submission(form, valid_answers(form)).ok, form.id
        assert not read_submission(form, broken_answers(form)[0]).ok, form.id


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_valid_post_is_stored_and_thanked_in_its_language(server: LiveServer, forms: dict[str, Any],
                                                          store_url: str, form_id: str, lang: str) -> None:
    form = forms[form_id]
    answers = valid_answers(form)
    response = browser_post(server, form_id, answers, lang)
    assert response.status_code == 303, response.text[:500]
    location = response.headers["location"]
    prefix = "/en" if lang == "en" else ""
    assert urlsplit(location).path == f"{prefix}/forms/{form_id}/thanks/"
    reference = parse_qs(urlsplit(location).query)["ref"][0]
    assert is_reference(reference)

    store = server.open_store()
    try:
        [stored] = list(store.submissions(form_id))
    finally:
        store.close()
    assert (stored.reference, stored.language, stored.status) == (reference, lang, "accepted")
    assert stored.form_version == str(form.version)
    expected = read_submission(form, answers).row
    assert set(stored.answers) == set(expected)
    if form.consent_fields:
        assert stored.consent["fields"] == dict.fromkeys(form.consent_fields, True)

    with server.client() as client:
        thanks = client.get(location)
    assert thanks.status_code == 200
    assert f'<html lang="{lang}"' in thanks.text
    assert reference in thanks.text
    assert i18n.gettext(lang, "Your reference number") in thanks.text
    assert "<strong>" in thanks.text or "<p>" in thanks.text  # after_submit rendered from Markdown
    # Issue 35: a confirmation that confirms. Its own heading (not the form's title and
    # instructions), the reference large in a panel, isolated and unbroken, what happens next.
    heading = form.received.get(lang) or i18n.gettext(lang, "We received your request")
    title = html.unescape(re.search(r"<title>(.*?)</title>", thanks.text, re.S)[1])
    assert title.startswith(heading + " - ")
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", thanks.text, re.S) == [html.escape(heading, quote=False)]
    assert f'<bdi class="qalb-reference qalb-panel__reference" dir="ltr">{reference}</bdi>' in thanks.text
    assert form.intro[lang].split("\n")[0] not in thanks.text
    assert i18n.gettext(lang, "What happens next") in thanks.text
    # The language switch leads to the same confirmation in the other language.
    other = "ar" if lang == "en" else "en"
    twin = f"{'/en' if other == 'en' else ''}/forms/{form_id}/thanks/?ref={reference}"
    assert f'<a class="qalb-switcher__link" href="{twin}"' in thanks.text
    with server.client() as client:
        assert reference in client.get(twin).text
    # A skip link first, to the heading.
    assert thanks.text.index('class="md-skip"') < thanks.text.index("<header")
    assert 'href="#qalb-content"' in thanks.text and 'id="qalb-content"' in thanks.text
    assert "Content-Security-Policy" in thanks.headers and thanks.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("form_id", FORM_IDS)
def test_invalid_post_gets_the_form_again_with_errors_and_nothing_is_stored(
        server: LiveServer, forms: dict[str, Any], store_url: str, form_id: str, lang: str) -> None:
    form = forms[form_id]
    answers, broken = broken_answers(form)
    response = browser_post(server, form_id, answers, lang)
    assert response.status_code == 422
    page = response.text
    assert f'<html lang="{lang}"' in page
    title = html.unescape(re.search(r"<title>(.*?)</title>", page, re.S)[1])
    assert title.startswith(i18n.gettext(lang, "Error:") + " ")
    assert form.title[lang] in title
    expected = read_submission(form, answers).errors
    message = error_message(form, broken, expected[broken][0], lang)
    assert html.escape(message, quote=False) in page or message in html.unescape(page)
    assert f'href="#{form.field(broken).id}"' in page  # the summary links to the field
    assert f'name="lang" value="{lang}"' in page  # a second try keeps its language
    assert_input_kept(page, form, answers, broken)
    # the shell's relative links now work from /api/forms/<id>
    assert 'href="/assets/stylesheets/qalb.css"' in page
    sha = re.search(r"'sha256-([^']+)'", response.headers["content-security-policy"])
    assert sha, "the shell's inline script is allowed by its hash"
    store = server.open_store()
    try:
        assert store.count() == 0
    finally:
        store.close()


def assert_input_kept(page: str, form: Any, answers: dict[str, Any], broken: str) -> None:
    """Every other answer is shown again: typed text as the value, choices as checked."""
    for field in form.fields:
        if field.name == broken:
            continue
        values = answers[field.name] if isinstance(answers[field.name], list) else [answers[field.name]]
        for value in values:
            if field.options or field.type == "boolean":
                pattern = rf'value="{re.escape(html.escape(str(value)))}"[^>]*\b(checked|selected)\b'
                assert re.search(pattern, page), (field.name, value)
            else:
                assert html.escape(str(value)) in page, field.name  # value="..." or a textarea's text


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_script_clients_get_json(server: LiveServer, forms: dict[str, Any], form_id: str) -> None:
    form = forms[form_id]
    with server.client() as client:
        ok = client.post(f"/api/forms/{form_id}", json={**valid_answers(form), "lang": "en"},
                         headers={"Accept": "application/json"})
        assert ok.status_code == 201, ok.text
        assert is_reference(ok.json()["reference"])
        assert ok.headers["location"].startswith(f"/en/forms/{form_id}/thanks/?ref=")
        answers, broken = broken_answers(form)
        bad = client.post(f"/api/forms/{form_id}", json=answers)
        assert bad.status_code == 422
        errors = bad.json()["errors"]
        assert broken in {e["field"] for e in errors}
        assert all(e["message"] for e in errors)


def test_language_falls_back_to_the_referring_page(server: LiveServer, forms: dict[str, Any], store_url: str) -> None:
    form = next(iter(forms.values()))
    with server.client() as client:
        response = client.post(f"/api/forms/{form.id}", data=valid_answers(form),
                               headers={"Referer": f"{server.url}/en/forms/{form.id}/"})
        assert response.headers["location"].startswith("/en/")
        response = client.post(f"/api/forms/{form.id}", data=valid_answers(form))
        assert response.headers["location"].startswith(f"/forms/{form.id}/")


def test_arabic_indic_digits_are_read(server: LiveServer, forms: dict[str, Any], store_url: str) -> None:
    form = forms["enquiry"] if "enquiry" in forms else pytest.skip("fixture form not loaded")
    answers = {**valid_answers(form), "mobile": "٠٥١٢٣٤٥٦٧٨", "rating": "٤"}
    assert browser_post(server, form.id, answers, "ar").status_code == 303
    store = server.open_store()
    try:
        [stored] = list(store.submissions(form.id))
    finally:
        store.close()
    assert stored.answers["mobile"] == "0512345678" and stored.answers["rating"] == 4


def test_filled_honeypot_looks_like_success_but_is_kept_apart(server: LiveServer, forms: dict[str, Any],
                                                              store_url: str) -> None:
    from generator.forms import HONEYPOT_FIELD

    form = next(iter(forms.values()))
    trap = browser_post(server, form.id, {**valid_answers(form), HONEYPOT_FIELD: "http://spam"}, "ar")
    real = browser_post(server, form.id, valid_answers(form), "ar")
    assert trap.status_code == real.status_code == 303
    assert urlsplit(trap.headers["location"]).path == urlsplit(real.headers["location"]).path
    store = server.open_store()
    try:
        assert store.count(form.id, status="suspected-spam") == 1
        assert store.count(form.id, status="accepted") == 1
    finally:
        store.close()


def test_a_post_opens_a_case_in_the_workflows_first_state(server: LiveServer, forms: dict[str, Any]) -> None:
    """A form with a workflow: the stored submission starts in its first state, due
    response_days later; a form without one (satisfaction) has no case."""
    for form_id, state in (("help-request", "received"), ("satisfaction", None)):
        response = browser_post(server, form_id, valid_answers(forms[form_id]), "ar")
        assert response.status_code == 303
        store = server.open_store()
        try:
            [stored] = list(store.submissions(form_id))
        finally:
            store.close()
        assert stored.case_state == state
        if state is None:
            assert stored.due_at is None and stored.state_since is None
        else:
            assert stored.state_since == stored.submitted_at
            assert stored.due_at is not None
            assert stored.due_at - stored.submitted_at >= dt.timedelta(days=forms[form_id].response_days)


_LOCAL_LINK = re.compile(r'(?:href|src)="(/[^"#?]*|(?:\.\./)+[^"#?]*)"')


def test_the_thank_you_page_on_the_real_built_form_pages(built_site: Path, forms: dict[str, Any],
                                                         forms_root: Path, tmp_path: Path,
                                                         live: Callable[[Any], LiveServer]) -> None:
    """The review of issue 35: the confirmation made from each real built form page (the site's
    header, menu, footer and scripts around it, not samples.shell_html), posted through the real
    endpoint: the form and its introduction gone, one heading, the reference in the panel, what
    happens next, the link to the status page where the form has steps, the language switch to the
    same confirmation, a skip link first, and every link to the site's own files still leading to one.
    The backend does not matter here: SQLite only."""
    settings = make_settings(forms_root, f"sqlite:///{tmp_path / 'submissions.db'}", site_dir=built_site)
    server = live(create_app(settings=settings, forms=forms, serve_site=True))
    real = sorted(p.stem for p in (PROJECT_ROOT / "forms").glob("*.yml"))
    assert len(real) >= 4
    for form_id in real:
        form = forms[form_id]
        for lang in LANGS:
            response = browser_post(server, form_id, valid_answers(form), lang)
            assert response.status_code == 303, (form_id, lang, response.text[:300])
            location = response.headers["location"]
            reference = parse_qs(urlsplit(location).query)["ref"][0]
            with server.client() as client:
                thanks = client.get(location)
                built = (built_site / ("en/" if lang == "en" else "") / "forms" / form_id / "index.html").read_text(
                    encoding="utf-8")
                page = thanks.text
                where = f"{form_id} ({lang})"
                assert thanks.status_code == 200 and f'<html lang="{lang}"' in page, where
                # The real page's frame is kept: its header and menu.
                assert page.count('class="md-header') == built.count('class="md-header'), where
                assert page.count("md-nav__link") == built.count("md-nav__link"), where
                heading = form.received.get(lang) or i18n.gettext(lang, "We received your request")
                assert re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S) == [html.escape(heading, quote=False)], where
                assert "<form" not in page.split('class="md-content"')[1].split("</article>")[0], where
                assert form.intro[lang].split("\n")[0] not in page, where
                assert str(reference_html(reference, classes="qalb-panel__reference")) in page, where
                assert i18n.gettext(lang, "What happens next") in page, where
                status = re.search(r'<p class="qalb-status-link">.*?<a href="([^"]+)"', page, re.S)
                assert (status is not None) == (form.workflow is not None), where
                assert status is None or status[1] == f'{"/en" if lang == "en" else ""}/status/', where
                assert page.index('class="md-skip"') < page.index("<header"), where
                assert 'href="#qalb-content"' in page and 'id="qalb-content"' in page, where
                other = "ar" if lang == "en" else "en"
                twin = f"{'/en' if other == 'en' else ''}/forms/{form_id}/thanks/?ref={reference}"
                assert f'<a class="qalb-switcher__link" href="{twin}"' in page, where
                twin_page = client.get(twin)
                assert twin_page.status_code == 200 and f'<html lang="{other}"' in twin_page.text, where
                assert str(reference_html(reference, classes="qalb-panel__reference")) in twin_page.text, where
                # Every stylesheet, script, image and page it links to is there (from /forms/<id>/thanks/).
                base = location.split("?")[0]
                missing = [link for link in sorted(set(_LOCAL_LINK.findall(page)))
                           if client.get(urljoin(server.url + base, link)).status_code != 200]
                assert missing == [], where


def test_a_crafted_answer_to_a_question_that_does_not_apply_is_stored_without_it(
        server: LiveServer, forms: dict[str, Any]) -> None:
    """Issue 37: the server judges which questions apply; answers to the others are dropped
    (a browser without JavaScript sends every field), never stored, never refused."""
    form = forms["help-request"]
    answers = {**valid_answers(form), "relation": "self", "patient_name": "Crafted Name",
               "support_kind": "financial", "support_other": "crafted support", "lang": "en"}
    with server.client() as client:
        ok = client.post("/api/forms/help-request", json=answers, headers={"Accept": "application/json"})
        assert ok.status_code == 201, ok.text
        asked = client.post("/api/forms/help-request", headers={"Accept": "application/json"},
                            json={**answers, "support_kind": "other", "support_other": ""})
        assert asked.status_code == 422
        assert [e["field"] for e in asked.json()["errors"]] == ["support_other"]
    store = server.open_store()
    try:
        [stored] = [s for s in store.submissions("help-request") if s.reference == ok.json()["reference"]]
    finally:
        store.close()
    assert stored.answers["patient_name"] is None and stored.answers["support_other"] is None
    assert stored.answers["relation"] == "self"
