"""The triage list (issue 33, item 1) against one real server holding the endpoint and the
workspace on one store, on SQLite and PostgreSQL: who asked and for what beside each
request (the form's `summary:`, decrypted for the page shown only), a filter by a
`report: true` choice, sorting by due date and state, bulk assign and bulk move (the
same rules and audit as one change), staff by name, and "my open cases" on the home page."""
from __future__ import annotations

import re
from typing import Any

from tests.staff.conftest import Staff, csrf
from tests.staff.test_inbox import signed_in
from tests.support.samples import submit


def rows(page: str) -> list[str]:
    """The references of the list's rows, in order."""
    return re.findall(r'<input type="checkbox" form="bulk" name="reference" value="([^"]+)"', page)


def test_the_list_says_who_and_what_filters_sorts_and_changes_in_bulk(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    first = submit(ws, forms, "help-request", applicant_name="سارة القحطاني", support_kind="financial",
                   city="الرياض")
    ws.clock.advance(days=2)
    second = submit(ws, forms, "help-request", applicant_name="Faisal Al-Harbi", support_kind="devices-medicine",
                    city="Jeddah")
    third = submit(ws, forms, "help-request", applicant_name="نورة", support_kind="financial", city="الدمام")
    with signed_in(ws, "admin@example.org") as client:
        listed = client.get("/staff/forms/help-request/")
        assert listed.status_code == 200
        assert rows(listed.text) == [third, second, first]  # newest first
        assert '<th scope="col">نوع الدعم الذي تطلبه</th>' in listed.text and '<th scope="col">المدينة</th>' in listed.text
        assert '<bdi dir="auto">سارة القحطاني</bdi>' in listed.text
        assert '<bdi dir="auto">دعم مالي</bdi>' in listed.text  # the choice's label, not its code
        assert '<bdi dir="auto">أجهزة طبية أو أدوية</bdi>' in listed.text and "devices-medicine</bdi>" not in listed.text
        # never the answers that are not in the summary (the national ID, the health details)
        assert forms["help-request"].summary == ("applicant_name", "support_kind", "city")
        # a filter by a `report: true` choice, read from report_values
        devices = client.get("/staff/forms/help-request/", params={"f.support_kind": "devices-medicine"})
        assert rows(devices.text) == [second]
        financial = client.get("/staff/forms/help-request/", params={"f.support_kind": "financial"})
        assert rows(financial.text) == [third, first]
        unknown = client.get("/staff/forms/help-request/", params={"f.support_kind": "nonsense"})
        assert rows(unknown.text) == [third, second, first]  # an unknown value filters nothing
        # bulk: assign two to me, then move the first two on
        token = csrf(listed.text)
        done = client.post("/staff/forms/help-request/bulk", data={
            "csrftoken": token, "action": "assign", "assignee": "admin@example.org", "reference": [first, second]}, follow_redirects=True)
        assert done.status_code == 200
        assert "غُيِّر: 2. وبقي على حاله" in done.text
        assert [e["detail"] for e in ws.audit("staff-case-assign")] == [
            f"{first} -> admin@example.org", f"{second} -> admin@example.org"]
        assert done.text.count("<td data-label=\"مسند إلى\"><bdi>Test admin</bdi></td>") == 2  # by name, not e-mail
        moved = client.post("/staff/forms/help-request/bulk", data={
            "csrftoken": token, "action": "move", "to": "under-study", "reference": [first, third]}, follow_redirects=True)
        assert "غُيِّر: 2. وبقي على حاله" in moved.text
        # the same rules as one move: "accepted" cannot follow "received"
        refused = client.post("/staff/forms/help-request/bulk", data={
            "csrftoken": token, "action": "move", "to": "accepted", "reference": [second]},
            follow_redirects=True)
        assert "غُيِّر: 0. وبقي على حاله" in refused.text and "1." in refused.text
        assert sorted(e["detail"] for e in ws.audit("staff-case-move")) == sorted([
            f"{first} received -> under-study", f"{third} received -> under-study"])
        # sorting: by state in the workflow's order (received before under-study), by due date
        by_state = client.get("/staff/forms/help-request/", params={"sort": "state"})
        assert rows(by_state.text) == [second, third, first]
        by_due = client.get("/staff/forms/help-request/", params={"sort": "due"})
        assert rows(by_due.text) == [first, second, third]  # the same due date: the one received first
        assert 'aria-current="true">موعد الرد</a>' in by_due.text
        # the home page starts with my open cases, the most overdue (earliest due) first
        home = client.get("/staff/")
        mine = home.text.split('id="mine-title"')[1].split('id="forms-title"')[0]
        assert re.findall(r'href="/staff/submissions/([^"]+)"', mine) == [first, second]
        # in English, the choices' English labels
        client.post("/staff/language", data={"csrftoken": csrf(home.text), "lang": "en", "next": "/staff/"})
        english = client.get("/staff/forms/help-request/")
        assert '<bdi dir="auto">Medical devices or medicine</bdi>' in english.text


def test_a_caseworker_may_not_change_another_forms_requests_in_bulk(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request")
    with signed_in(ws, "contact@example.org", "caseworker", ("contact",)) as client:
        page = client.get("/staff/forms/contact/")
        refused = client.post("/staff/forms/help-request/bulk", data={
            "csrftoken": csrf(page.text), "action": "move", "to": "under-study", "reference": [reference]})
        assert refused.status_code == 404
        done = client.post("/staff/forms/contact/bulk", data={
            "csrftoken": csrf(page.text), "action": "move", "to": "answered", "reference": [reference]},
            follow_redirects=True)
        assert "Changed" not in done.text and "غُيِّر: 0." in done.text  # not of this form: left
    assert ws.audit("staff-case-move") == []


def test_answers_stored_before_support_kind_was_counted_are_filtered_after_the_start_fills_them(
        store_url: str, forms: dict[str, Any]) -> None:
    """help-request's support_kind gained `report: true` in issue 33: the start's report backfill
    (fill_report_values) writes the older rows' values, and the list's filter finds them."""
    import dataclasses
    import datetime as dt

    from generator.submissions.records import Submission
    from generator.submissions.references import new_reference
    from generator.submissions.secure_store import fill_report_values
    from generator.submissions.store import Wiring, open_store

    full = Wiring.of(forms)
    assert full.report_fields["help-request"] == ("support_kind",)
    before = dataclasses.replace(full, report_fields={**full.report_fields, "help-request": ()},
                                 report_roles={**full.report_roles, "help-request": ((), ())})
    at = dt.datetime(2026, 3, 1, 9, tzinfo=dt.timezone.utc)
    subs = [Submission(reference=new_reference(), form_id="help-request", form_version="1", language="ar",
                       submitted_at=at, consent={}, status="accepted", answers={"support_kind": kind},
                       case_state="received")
            for kind in ("financial", "other", "financial")]
    store = open_store(store_url, wiring=before)
    store.migrate()
    try:
        assert store.insert_batch(subs) == subs
    finally:
        store.close()
    store = open_store(store_url, wiring=full)
    try:
        assert store.inbox_page("help-request", choices=[("support_kind", "financial")])[0] == []  # not yet
        assert fill_report_values(store, lambda _: None) == {"help-request": 3}
        found, more = store.inbox_page("help-request", choices=[("support_kind", "financial")])
        assert sorted(row.reference for row in found) == sorted([subs[0].reference, subs[2].reference])
        assert not more
    finally:
        store.close()
