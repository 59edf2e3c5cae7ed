"""The triage list (issue 33) in Debian's chromium against the real server, with the
organisation writing Arabic-Indic digits (`arabic_digits: arab`): the list with its
summaries, sorted, filtered and after a bulk change, the home page's "my open cases",
a case and the search results, at 390 and 1280 px in both languages: axe (best practices
too), the keyboard, no sideways scroll (each row a card on a phone), one kind of digits
on every Arabic page (page_checks), and the Nu HTML checker."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from generator.core.organisation import Settings
from tests.staff.conftest import Clock, CountingHasher, Staff
from tests.staff.test_browser import SEEN, keyboard_problems, page_checks
from tests.staff.test_inbox_browser import signed_in_tab
from tests.support.fixtures import LiveServer, make_settings
from tests.support.samples import submit
from tests.support.vnu import vnu_errors_in_html


@pytest.fixture
def arab_digits(forms: dict[str, Any], forms_root: Any, store_url: str,
                live: Callable[[Any], LiveServer]) -> Staff:
    """The endpoint and the workspace on one store, the organisation writing Arabic-Indic digits."""
    from generator.endpoint.app import create_app as create_endpoint
    from generator.staff.app import create_app
    from generator.staff.context import StaffSettings
    from generator.web.dispatch import PathDispatch

    endpoint = create_endpoint(settings=make_settings(forms_root, store_url), forms=forms)
    settings = StaffSettings(root=forms_root, database_url=store_url, sign_in_limit=None, site_dir=None)
    clock, hasher = Clock(), CountingHasher()
    app = create_app(settings=settings, forms=forms, store=endpoint.state.endpoint.store, clock=clock, hasher=hasher,
                     organisation=Settings(arabic_digits="arab"))
    server = live(PathDispatch({"/staff": app}, endpoint))
    return Staff(server, settings, clock, hasher, app.state.workspace, dict(forms))


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the pages do not depend on the backend
def test_the_triage_pages_pass_axe_keyboard_390px_and_one_kind_of_digits(arab_digits: Staff, forms: dict[str, Any],
                                                                         browser: Any) -> None:
    ws = arab_digits
    references = [submit(ws, forms, "help-request", applicant_name=name, support_kind=kind, city=city)
                  for name, kind, city in (("سارة عبدالله القحطاني", "financial", "الرياض"),
                                           ("Faisal Al-Harbi", "treatment-travel", "Jeddah"))]
    SEEN.clear()
    problems: list[str] = []
    for width in (390, 1280):
        email = f"admin{width}@example.org"
        tab = signed_in_tab(browser, ws, width, email=email)
        case = next(iter(ws.store.submissions(reference=references[0])))
        ws.store.assign_case(references[0], expected_version=case.case_version, assigned_to=email, at=ws.clock(),
                             actor=email)  # one of "my open cases" on the home page
        try:
            for lang in ("ar", "en"):
                tab.goto(f"{ws.url}/staff/")
                if tab.locator("html").get_attribute("lang") != lang:
                    tab.click("form[action='/staff/language'] button")
                    tab.wait_for_load_state()
                paths = ("/staff/", "/staff/forms/help-request/", "/staff/forms/help-request/?sort=due",
                         "/staff/forms/help-request/?f.support_kind=financial&sort=state",
                         "/staff/forms/help-request/?done=bulk&changed=1&left=1") if lang == "ar" else (
                         "/staff/", "/staff/forms/help-request/")
                for path in paths:
                    tab.goto(f"{ws.url}{path}")
                    where = f"{width}px {path} {lang}"
                    problems += page_checks(tab, where)
                    if path == "/staff/forms/help-request/":
                        problems += keyboard_problems(tab, where)
                tab.goto(f"{ws.url}/staff/forms/help-request/")
                tab.check(f"input[value='{references[1]}']")  # a bulk assignment, without JavaScript
                with tab.expect_navigation():
                    tab.click("button[name=action][value=assign]")
                problems += page_checks(tab, f"{width}px bulk done {lang}")
        finally:
            tab.context.close()
    problems += vnu_errors_in_html(SEEN)
    assert not problems, "\n".join(problems)
