"""The applicant's status page over HTTP, on both backends: the answer for each
public state, one generic answer for a wrong reference or a wrong number (same
status, same text, same work), the limits, the audit. The browser test is in
tests/browser/test_status.py."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.core import i18n
from generator.endpoint.app import create_app
from generator.submissions import cases
from tests.support.fixtures import LiveServer, make_settings
from tests.support.samples import build_site, submit, valid_answers

MOBILE = "0512345678"


@pytest.fixture
def server(forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path,
           live: Callable[[Any], LiveServer]) -> LiveServer:
    site = build_site(tmp_path / "site", forms)
    return live(create_app(settings=make_settings(forms_root, store_url, site_dir=site), forms=forms))


def look_up(server: LiveServer, reference: str, contact: str, lang: str = "ar") -> Any:
    with server.client() as client:
        return client.post("/api/status", data={"reference": reference, "contact": contact, "lang": lang},
                           headers={"Origin": server.url, "Accept": "text/html"})


def region(page: str) -> str:
    """The text of the answer region (between the qalb-form markers), tags stripped."""
    inner = page.split("<!-- qalb-form:start -->", 1)[1].split("<!-- qalb-form:end -->", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inner)).strip()


def test_the_answer_follows_the_case_through_its_public_states(server: LiveServer, forms: dict[str, Any]) -> None:
    form = forms["help-request"]
    reference = submit(server, forms, "help-request", mobile=MOBILE)
    typed = reference.lower().replace("-", " ")  # as people type it
    for lang in ("ar", "en"):
        response = look_up(server, typed, "+966 51 234 5678", lang)
        assert response.status_code == 200
        text = region(response.text)
        assert form.workflow.state("received").public[lang] in text
        assert i18n.gettext(lang, "since %(date)s", date="").strip() in text
        assert response.headers["cache-control"] == "no-store"
    store = server.open_store()
    try:
        for version, (state, extra) in enumerate([("under-study", {}), ("declined", {"reason": "outside-scope"})]):
            [sub] = store.submissions("help-request", reference=reference)
            cases.move(store, form, sub, to_state=state, actor="caseworker", expected_version=version,
                       now=dt.datetime.now(dt.timezone.utc), **extra)
            for lang in ("ar", "en"):
                text = region(look_up(server, reference, MOBILE, lang).text)
                assert form.workflow.state(state).public[lang] in text
                if state == "declined":
                    assert form.workflow.reason("outside-scope").public[lang] in text
    finally:
        store.close()
    answers = valid_answers(form)
    text = look_up(server, reference, MOBILE).text
    for name in ("name", "patient_name", "description", "national_id"):
        if isinstance(answers.get(name), str) and len(answers[name]) > 3:
            assert answers[name] not in text, f"the status page shows the answer {name}"


def test_a_form_without_a_workflow_says_received_on(server: LiveServer, forms: dict[str, Any]) -> None:
    assert forms["enquiry"].workflow is None  # the test fixture form
    reference = submit(server, forms, "enquiry", mobile=MOBILE)
    for lang in ("ar", "en"):
        text = region(look_up(server, reference, MOBILE, lang).text)
        assert i18n.gettext(lang, "Your request has been received") in text
        assert i18n.gettext(lang, "on %(date)s", date="").strip() in text


def test_wrong_number_and_unknown_reference_get_the_same_answer_and_the_same_work(
        server: LiveServer, forms: dict[str, Any]) -> None:
    reference = submit(server, forms, "help-request", mobile=MOBILE)
    lookups = server.app.state.status
    store = server.app.state.endpoint.store
    queries: list[tuple[str, str]] = []
    original = store.status

    def counting(ref: str, kind: str, digest: str) -> Any:
        queries.append((ref, kind))
        return original(ref, kind, digest)

    store.status = counting
    try:
        answers = []
        for ref, contact in ((reference, "0599999999"), ("ABCDE-12345", MOBILE), ("not a reference", MOBILE)):
            before = lookups.digests
            response = look_up(server, ref, contact)
            answers.append((response.status_code, region(response.text)))  # typed values are in attributes only
            assert lookups.digests == before + 1  # one keyed hash each time, nothing decrypted
        assert len(queries) == 3 and all(kind == "mobile" for _, kind in queries)  # one query each time
        assert answers[0] == answers[1] == answers[2]
        assert answers[0][0] == 200
    finally:
        store.status = original
    entries = [e for e in store.audit_entries() if e["action"] == "status-lookup"]
    assert [e["detail"].split()[-1] for e in entries] == ["result=not-found"] * 3
    assert all("059" not in e["detail"] and "051" not in e["detail"] for e in entries)  # never the identifier
    assert f"reference={reference}" in entries[0]["detail"]


def test_the_eleventh_lookup_in_an_hour_is_refused(server: LiveServer, forms: dict[str, Any]) -> None:
    reference = submit(server, forms, "help-request", mobile=MOBILE)
    codes = [look_up(server, reference, MOBILE).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    refused = look_up(server, reference, MOBILE)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    for lang in ("ar", "en"):  # a bilingual page
        assert i18n.gettext(lang, "Too many lookups of this request or from this connection. "
                                  "Please try again in an hour.") in refused.text


def test_a_missing_field_is_an_error_in_the_page_language(server: LiveServer) -> None:
    response = look_up(server, "", "", "en")
    assert response.status_code == 422
    assert "Enter your reference number and the mobile number" in response.text
    assert re.search(r"<title>Error:", response.text)
