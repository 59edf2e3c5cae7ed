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


def look_up(server: LiveServer, reference: str, contact: str, lang: str = "ar", client: Any = None) -> Any:
    if client is None:
        with server.client() as client:
            return look_up(server, reference, contact, lang, client)
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
    # Lookups that find nothing: one audit row for this client and minute, counting all three.
    [entry] = [e for e in store.audit_page() if e["action"] == "status-lookup"]
    assert entry["count"] == 3 and entry["detail"] == f"reference={reference} result=not-found"
    assert "059" not in entry["detail"] and "051" not in entry["detail"]  # never the identifier


def test_a_found_request_is_audited_on_its_own_row(server: LiveServer, forms: dict[str, Any]) -> None:
    reference = submit(server, forms, "help-request", mobile=MOBILE)
    for _ in range(2):
        assert look_up(server, reference, MOBILE).status_code == 200
    entries = [e for e in server.app.state.endpoint.store.audit_page() if e["action"] == "status-lookup"]
    assert [(e["detail"], e["count"], e["form_id"]) for e in entries] == [
        (f"reference={reference} result=found", 1, "help-request")] * 2


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 7, 9, 0, 30, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now


def test_wrong_lookups_of_a_reference_keep_its_applicant_out_for_minutes_only(
        server: LiveServer, forms: dict[str, Any]) -> None:
    reference = submit(server, forms, "help-request", mobile=MOBILE)
    clock = server.app.state.status.now = Clock()
    with server.client() as client:
        wrong = [look_up(server, reference, f"05000000{i:02d}", client=client).status_code for i in range(10)]
        assert wrong == [200] * 10  # "not found", ten times
        refused = look_up(server, reference, MOBILE, client=client)  # the right pair, while the reference is held
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 330  # 5 minutes after 09:00:59
        other = submit(server, forms, "help-request", mobile="0511111111")
        assert look_up(server, other, "0511111111", client=client).status_code == 200  # other references are not held
        clock.now += dt.timedelta(minutes=5)
        assert look_up(server, reference, MOBILE, client=client).status_code == 429
        clock.now += dt.timedelta(seconds=30)  # five minutes after the minute of the wrong lookups, it answers
        answered = look_up(server, reference, MOBILE, client=client)
        assert answered.status_code == 200 and forms["help-request"].workflow.state("received").public["ar"] in (
            region(answered.text))
        # Right lookups never count against the reference: it is not held again by its applicant.
        assert [look_up(server, reference, MOBILE, client=client).status_code for _ in range(12)] == [200] * 12


def test_one_address_may_look_up_sixty_times_an_hour_then_gets_a_page_saying_when(
        server: LiveServer, forms: dict[str, Any]) -> None:
    reference = submit(server, forms, "help-request", mobile=MOBILE)
    clock = server.app.state.status.now = Clock()
    digits = server.app.state.endpoint.organisation.arabic_digits
    with server.client() as client:  # a branch office's hour
        codes = [look_up(server, reference, MOBILE, client=client).status_code for _ in range(60)]
    assert codes == [200] * 60
    for lang, other in (("ar", "en"), ("en", "ar")):
        refused = look_up(server, reference, MOBILE, lang)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == str(3600 + 30)  # when their minute is an hour old
        page = refused.text
        assert f'<html lang="{lang}"' in page and 'class="qalb-form"' in page  # the site's page, styled
        assert "<title>" + i18n.gettext(lang, "Error:") in page
        # 09:00:30 UTC + 60.5 minutes = 13:01 in Riyadh, in each language's digits
        assert i18n.gettext(lang, "Too many lookups of this request or from this connection. "
                                  "Please try again after %(time)s.",
                            time=i18n.localise_digits("13:01", lang, digits)) in page
        assert i18n.gettext(other, "Too many lookups of this request or from this connection. "
                                   "Please try again after %(time)s.",
                            time=i18n.localise_digits("13:01", other, digits)) in page  # both languages
        for code, prefix in (("ar", ""), ("en", "en/")):
            assert f'<a href="/{prefix}status/">{i18n.gettext(code, "Back to “Where is my request?”")}</a>' in page
    clock.now += dt.timedelta(minutes=60)
    assert look_up(server, reference, MOBILE).status_code == 429
    clock.now += dt.timedelta(seconds=30)
    assert look_up(server, reference, MOBILE).status_code == 200
    # The refusals are audited on one row for the client and minute, with their count.
    store = server.app.state.endpoint.store
    refusals = [e for e in store.audit_page() if e["action"] == "status-lookup" and "refused" in e["detail"]]
    assert [e["count"] for e in refusals] == [1, 2]  # 10:00:30, then 09:00:30


def test_a_missing_field_is_an_error_in_the_page_language(server: LiveServer) -> None:
    response = look_up(server, "", "", "en")
    assert response.status_code == 422
    assert "Enter your reference number and the mobile number" in response.text
    assert re.search(r"<title>Error:", response.text)
