"""The status page in a real browser with JavaScript off, on both backends: a help
request sent through the public form is found from its thank-you page by its
reference (typed in Arabic-Indic digits and lower case) and the mobile number,
shows "received", then each public state as a caseworker moves the case, in
Arabic and English; axe finds nothing on the status page or its answers."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import PROJECT_ROOT
from generator.site.screenshots import VIEWPORTS
from generator.submissions import cases
from tests.browser.forms import Endpoint, answers, fill, form_url, serve_asgi, submit
from tests.browser.site import axe_violations, describe_violations
from tests.support.fixtures import default_tls_context
from tests.support.shots import screenshot

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture(scope="module")
def forms() -> dict[str, Any]:
    from generator.core.problems import Problems
    from generator.forms import load_forms

    problems = Problems()
    return load_forms(PROJECT_ROOT, problems)


@pytest.fixture
def endpoint(built_site: Path, forms: dict[str, Any], store_url: str, tmp_path: Path) -> Iterator[Any]:
    from generator.core.config import EndpointSettings
    from generator.endpoint.app import create_app

    settings = EndpointSettings(root=tmp_path, database_url=store_url, site_dir=built_site, rate_limit=None,
                                status_limit=(100, 3600.0))  # this test looks up one reference often
    app = create_app(settings=settings, forms=forms, serve_site=True)
    with serve_asgi(app) as url:
        yield Endpoint(url, tmp_path / "unused.db", app.state.endpoint.store.codec), app.state.endpoint


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    """JavaScript off: the status page must work without it."""
    width, height = VIEWPORTS["phone"]
    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=False)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def axe_tab(browser: Any) -> Iterator[Any]:
    """JavaScript on, for axe (which runs as a script in the page)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def check(tab: Any, url: str, reference: str, mobile: str) -> str:
    tab.goto(url)
    tab.fill("#f-reference", reference)
    tab.fill("#f-contact", mobile)
    submit(tab)
    return tab.locator(".qalb-status, .qalb-error-summary").first.inner_text()


def assert_axe_clean(tab: Any) -> None:
    problems = describe_violations(tab.url, axe_violations(tab))
    assert problems == [], "\n".join(problems)


def test_an_applicant_follows_a_request_on_the_status_page(endpoint: Any, forms: dict[str, Any], tab: Any,
                                                            axe_tab: Any) -> None:
    site, app_state = endpoint
    form = forms["help-request"]
    given = answers(form, "ar")
    tab.goto(form_url(site, "help-request", "ar"))
    fill(tab, form, given)
    submit(tab)
    reference = tab.locator(".qalb-reference").inner_text().strip()
    # The thank-you page points to the status page.
    link = tab.locator(".qalb-status-link a")
    assert link.count() == 1
    status_url = link.get_attribute("href")
    assert status_url.endswith("/status/")
    tab.goto(site.url + "status/")
    assert tab.locator("html").get_attribute("dir") == "rtl"
    for prefix in ("", "en/"):
        axe_tab.goto(f"{site.url}{prefix}status/")
        assert_axe_clean(axe_tab)

    typed = reference.lower().replace("-", " ").translate(ARABIC_DIGITS)
    mobile = given["mobile"]
    answer = check(tab, site.url + "status/", typed, mobile)
    assert form.workflow.state("received").public["ar"] in answer and "منذ" in answer
    # Issue 35: the answer names the reference, and it and the hint's example are each one
    # unbroken line, left to right, on a phone.
    shown = tab.locator(".qalb-reference")
    assert shown.all_inner_texts() == [reference, "7KQ2M-X9PHD"]  # the answer, then the form again
    assert shown.evaluate_all("els => els.map(e => [e.getClientRects().length, getComputedStyle(e).direction])") \
        == [[1, "ltr"], [1, "ltr"]]
    check(axe_tab, site.url + "status/", reference, mobile)  # the answer page, and the "not found" one
    assert_axe_clean(axe_tab)
    check(axe_tab, site.url + "en/status/", reference, "0599999999")
    assert_axe_clean(axe_tab)
    for name in ("name", "patient_name", "description"):
        if name in given:
            assert str(given[name]) not in tab.content()

    store = app_state.store
    moves = [("under-study", {}), ("waiting-for-applicant", {"note": "نحتاج تقريرًا طبيًا"}),
             ("under-study", {}), ("declined", {"reason": "incomplete"})]
    for version, (state, extra) in enumerate(moves):
        [sub] = store.submissions("help-request", reference=reference)
        cases.move(store, form, sub, to_state=state, actor="caseworker", expected_version=version,
                   now=dt.datetime.now(dt.timezone.utc), **extra)
        for lang, prefix in (("ar", ""), ("en", "en/")):
            answer = check(tab, f"{site.url}{prefix}status/", reference, mobile)
            assert form.workflow.state(state).public[lang] in answer, (state, lang, answer)
            assert "نحتاج تقريرًا طبيًا" not in tab.content()  # never an internal note
    assert form.workflow.reason("incomplete").public["en"] in answer

    # A wrong mobile number: the one generic answer.
    answer = check(tab, f"{site.url}en/status/", reference, "0599999999")
    assert "We found no request with this reference number" in answer


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the page does not depend on the backend
def test_a_held_reference_gets_the_site_styled_429_page_in_both_languages(
        endpoint: Any, browser: Any, tmp_path: Path) -> None:
    import httpx

    site, _ = endpoint
    wrong = {"reference": "ABCDE-12345", "contact": "0500000000", "lang": "ar"}
    with httpx.Client(timeout=20, verify=default_tls_context()) as client:
        for _ in range(10):  # ten wrong lookups of one reference hold it for five minutes
            assert client.post(f"{site.url}api/status", data=wrong,
                               headers={"Origin": site.url.rstrip("/")}).status_code == 200
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.set_default_timeout(15_000)
        tab = context.new_page()
        try:
            for lang, prefix in (("ar", ""), ("en", "en/")):
                said = check(tab, f"{site.url}{prefix}status/", "ABCDE-12345", "0512345678")
                assert ("حاول مرة أخرى بعد الساعة" if lang == "ar" else "Please try again after") in said
                assert tab.locator("html").get_attribute("lang") == lang
                assert tab.locator("link[rel=stylesheet]").count() > 0  # the site's own page and styles
                backs = tab.locator("a[href$='status/']").filter(has_text=re.compile("العودة|Back to"))
                assert backs.count() == 2  # one in each language
                assert_axe_clean(tab)
                screenshot(tab, tmp_path / f"status-429-{width}-{lang}.png")  # to look at: --basetemp
        finally:
            context.close()
