"""Corrections and logged calls from the case page (issue 33, items 5 and 6) against one
real server holding the public endpoint and the workspace on one store, SQLite and
PostgreSQL: a mistyped mobile number corrected, the case found by the new number and not
the old, the old one kept encrypted in the timeline; a corrected `report: true` answer
moves the report counts; a call logged in the timeline and the audit; a request entered for a
caller in the third person, assigned to whoever entered it, its reference on top."""
from __future__ import annotations

import re
from typing import Any

import httpx

from tests.staff.conftest import Staff, csrf, search
from tests.staff.test_casework import CW, case_of
from tests.staff.test_inbox import MOBILE, signed_in, submit
from tests.support.samples import valid_answers

NEW_MOBILE = "0598765432"


def post_case(client: httpx.Client, reference: str, action: str, **data: str) -> httpx.Response:
    page = client.get(f"/staff/submissions/{reference}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version
    return client.post(f"/staff/submissions/{reference}/{action}",
                       data={"csrftoken": csrf(page.text), "version": version[1], **data})


def raw_notes(ws: Staff, reference: str) -> list[str]:
    cur = ws.store._conn().cursor()
    cur.execute(ws.store._sql("SELECT e.note FROM case_events e JOIN submissions s ON s.id = e.submission_id "
                              "WHERE s.reference = ? AND e.note IS NOT NULL"), (reference,))
    return [row[0] for row in cur.fetchall()]


def test_a_mistyped_mobile_is_corrected_found_by_the_new_number_and_kept_in_the_timeline(
        both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        # The form's own checks: a number in the wrong shape is refused, with the form's message.
        refused = post_case(client, reference, "correct", field="mobile", value="12345", why="")
        assert refused.status_code == 400
        message = forms["help-request"].field("mobile").errors["pattern"]["ar"]
        assert message in refused.text and 'value="12345"' in refused.text
        assert case_of(ws, reference).answers["mobile"] == MOBILE
        # Arabic-Indic digits are accepted, as in the form.
        typed = NEW_MOBILE.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        done = post_case(client, reference, "correct", field="mobile", value=typed, why="خطأ في الإدخال")
        assert done.status_code == 303, done.text[:400]
        assert case_of(ws, reference).answers["mobile"] == NEW_MOBILE
        assert f'/staff/submissions/{reference}"' in search(client, NEW_MOBILE).text
        assert f'/staff/submissions/{reference}"' not in search(client, MOBILE).text
        page = client.get(f"/staff/submissions/{reference}").text
        timeline = page[page.index('class="timeline"'):]
        assert f'<bdi dir="auto" class="timeline__old">{MOBILE}</bdi>' in timeline
        assert "خطأ في الإدخال" in timeline
    [event] = [e for e in ws.store.case_events(reference) if e.kind == "correction"]
    assert (event.reason, event.old_value, event.actor) == ("mobile", MOBILE, CW)
    assert not any(MOBILE in note or "خطأ" in note for note in raw_notes(ws, reference))  # encrypted
    assert reference in ws.store.corrected_at([reference])
    [audited] = ws.audit("staff-case-correct")
    assert audited["detail"] == f"{reference} field=mobile"
    assert MOBILE not in str(ws.store.audit_entries()) and NEW_MOBILE not in str(ws.store.audit_entries())


def test_a_corrected_counted_answer_moves_the_report_counts(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "contact", kind="complaint")

    def kinds() -> dict[str, int]:
        totals = ws.store.report_totals("contact", "gregorian", "2000-01", "2999-12")
        return {value: n for by_field, _by, field, value, n in totals if not by_field and field == "kind"}

    assert kinds() == {"complaint": 1}
    with signed_in(ws, "admin@example.org") as client:
        assert post_case(client, reference, "correct", field="kind", value="suggestion").status_code == 303
        assert post_case(client, reference, "correct", field="kind", value="not-a-kind").status_code == 400
    assert kinds() == {"suggestion": 1}


def test_a_call_is_logged_in_the_timeline_and_the_audit(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        assert post_case(client, reference, "call", direction="sideways", outcome="reached").status_code == 400
        done = post_case(client, reference, "call", direction="out", outcome="no-answer", note="سأعاود الاتصال")
        assert done.status_code == 303
        page = client.get(f"/staff/submissions/{reference}").text
        timeline = page[page.index('class="timeline"'):]
        assert "اتصلنا بالمتقدم" in timeline and "لم يُجب" in timeline and "سأعاود الاتصال" in timeline
    [call] = [e for e in ws.store.case_events(reference) if e.kind == "call"]
    assert (call.reason, call.note) == ("out:no-answer", "سأعاود الاتصال")
    [audited] = ws.audit("staff-case-call")
    assert audited["detail"] == f"{reference} direction=out outcome=no-answer"
    assert "سأعاود" not in str(ws.store.audit_entries())


def test_a_phone_request_is_entered_in_the_third_person_assigned_to_its_enterer_with_its_reference_on_top(
        both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    form = forms["help-request"]
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        page = client.get("/staff/forms/help-request/enter").text
        assert "اسم المتقدم الكامل" in page and "اسمك الكامل" not in page
        assert "أكّد المتقدم" in page and "أُقرّ" not in page  # the declaration, as the applicant said it
        channels = re.findall(r'<option value="([^"]*)"', page[page.index('id="channel"'):].split("</select>")[0])
        assert "phone" in channels and "help-request" not in channels and "volunteering" not in channels
        data = {**valid_answers(form), "csrftoken": csrf(page), "channel": "phone"}
        done = client.post("/staff/forms/help-request/enter", data=data)
        assert done.status_code == 303
        reference = done.headers["location"].split("/staff/submissions/")[1].split("?")[0]
        shown = client.get(done.headers["location"]).text
        main = shown[shown.index("<main"):]
        top = main[:main.index('class="answers"')]  # before the answers: right under the heading
        assert f'<p class="reference-large"><bdi dir="ltr">{reference}</bdi></p>' in top
    sub = case_of(ws, reference)
    assert (sub.assigned_to, sub.entered_by) == (CW, CW)
    assert [(e.kind, e.assigned_to) for e in ws.store.case_events(reference)] == [("assign", CW)]
    assert form.field("applicant_name").label["ar"] == "اسمك الكامل"  # the public form is unchanged
