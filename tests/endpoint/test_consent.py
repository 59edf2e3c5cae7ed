"""Issue 9: each submission keeps its consent record, with the privacy notice version, on both backends.

Posts are made the way the site's form page makes them: the answers plus the
hidden fields that `render_form` writes (language, notice version).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import pytest

from generator.core.config import EndpointSettings
from generator.endpoint.app import create_app
from generator.forms import render_form
from generator.submissions.records import notice_shown
from generator.submissions.secure_store import open_secure_store
from tests.support.fixtures import LiveServer, make_settings
from tests.support.samples import build_site, valid_answers

HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


@pytest.fixture
def settings(forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path) -> EndpointSettings:
    return make_settings(forms_root, store_url, site_dir=build_site(tmp_path / "site", forms))


@pytest.fixture
def server(settings: EndpointSettings, forms: dict[str, Any], live: Callable[[Any], LiveServer]) -> LiveServer:
    return live(create_app(settings=settings, forms=forms))


def hidden_fields(form: Any, lang: str) -> dict[str, str]:
    return dict(HIDDEN.findall(render_form(form, lang, action=f"/api/forms/{form.id}")))


def post(server: LiveServer, form: Any, data: dict[str, Any], **kwargs: Any):
    with server.client() as client:
        response = client.post(f"/api/forms/{form.id}", headers={"Origin": server.url, "Accept": "text/html"},
                               data=data, **kwargs)
    assert response.status_code == 303, response.text[:500]
    return response


def stored(settings: EndpointSettings, forms: dict[str, Any], form_id: str) -> list[Any]:
    store = open_secure_store(settings, forms)  # as the endpoint opens it: its keys read the answers
    try:
        return list(store.submissions(form_id))
    finally:
        store.close()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_submission_records_consent_time_notice_version_and_language(
        server: LiveServer, forms: dict[str, Any], settings: EndpointSettings, lang: str) -> None:
    form = forms["help-request"]
    hidden = hidden_fields(form, lang)
    assert hidden == {"lang": lang, "privacy_notice": form.notice_version, "post_key": ""}  # key: made by a script
    # No Referer, as when the site and the endpoint are on different hosts: the hidden field decides.
    post(server, form, {**valid_answers(form), **hidden})
    [submission] = stored(settings, forms, form.id)
    assert submission.language == lang
    assert submission.consent == {
        "fields": {"declaration": True, "consent": True},
        "given_at": submission.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "notice_version": form.notice_version,
        "language": lang,
    }


def test_a_form_without_tick_boxes_still_records_the_notice_shown(
        server: LiveServer, forms: dict[str, Any], settings: EndpointSettings) -> None:
    form = forms["contact"]
    post(server, form, {**valid_answers(form), **hidden_fields(form, "en")})
    [submission] = stored(settings, forms, form.id)
    assert submission.consent == {"fields": {}, "notice_version": form.notice_version, "language": "en"}


def test_a_stale_page_records_the_notice_it_showed_and_is_not_refused(
        server: LiveServer, forms: dict[str, Any], settings: EndpointSettings) -> None:
    form = forms["volunteer"]
    old = f"{form.version}-0123abcd"
    post(server, form, {**valid_answers(form), **hidden_fields(form, "ar"), "privacy_notice": old})
    [submission] = stored(settings, forms, form.id)
    assert submission.consent["notice_version"] == old
    assert submission.consent["current_notice_version"] == form.notice_version


@pytest.mark.parametrize("posted", [None, "", "<b>x</b>", "1-XYZ", "1-0123abcd\n"])
def test_no_or_a_malformed_notice_version_records_the_current_one(forms: dict[str, Any], posted: Any) -> None:
    current = forms["volunteer"].notice_version
    assert notice_shown(current, posted) == {"notice_version": current}
    assert notice_shown(current, [current, current]) == {"notice_version": current}  # posted twice


def test_a_script_without_hidden_fields_gets_the_current_notice(
        server: LiveServer, forms: dict[str, Any], settings: EndpointSettings) -> None:
    form = forms["volunteer"]
    with server.client() as client:
        response = client.post(f"/api/forms/{form.id}", json={**valid_answers(form), "consent": True},
                               headers={"Accept": "application/json", "Origin": server.url})
    assert response.status_code == 201, response.text[:500]
    [submission] = stored(settings, forms, form.id)
    assert submission.consent["notice_version"] == form.notice_version
    assert submission.consent["language"] == "ar"  # no lang field, no Referer: the default language
    assert "current_notice_version" not in submission.consent
