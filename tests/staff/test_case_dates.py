"""States and dates of a case (issue 33, item 4) against the real server, SQLite and
PostgreSQL: a decline straight from "received", an admin's reopening with a reason (a
caseworker gets 404), a due date extended with a reason, the clock paused while the case
waits for the applicant (the due date moves by the days waited: the workspace's clock is
injected), the closing time shown instead of a due date, urgent cases first in the list,
and staff shown by name (a rename shows the new name)."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest

from generator.submissions.cases import due_day
from tests.staff.conftest import Staff, csrf
from tests.staff.test_casework import case_of, move
from tests.staff.test_inbox import MOBILE, signed_in, submit

CW = "cw@example.org"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def post_case(client: httpx.Client, reference: str, action: str, **data: str) -> httpx.Response:
    page = client.get(f"/staff/submissions/{reference}").text
    version = re.search(r'name="version" value="(\d+)"', page)
    return client.post(f"/staff/submissions/{reference}/{action}",
                       data={"csrftoken": csrf(page), "version": version[1] if version else "", **data})


def state_messages(ws: Staff, reference: str) -> int:
    cur = ws.store._conn().cursor()
    cur.execute(ws.store._sql("SELECT COUNT(*) FROM outbox WHERE reference = ? AND kind = 'state-change'"),
                (reference,))
    return int(cur.fetchone()[0])


def test_a_decline_from_received_shows_its_closing_and_only_an_admin_reopens_it_with_a_reason(
        both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        assert move(client, reference, "declined", reason="duplicate").status_code == 303  # one move, not two
        closed = case_of(ws, reference)
        assert closed.case_state == "declined" and closed.closed_at is not None
        page = client.get(f"/staff/submissions/{reference}").text
        assert 'id="case-closed"' in page and 'id="case-due"' not in page  # when it closed, not a due date
        assert 'id="reopen-form"' not in page  # a caseworker is not offered it
        refused = post_case(client, reference, "reopen", reason="طلب خاطئ")
        assert refused.status_code == 404
        assert case_of(ws, reference).case_state == "declined"
    assert any("reopen" in e["detail"] for e in ws.audit("staff-refused"))
    told = state_messages(ws, reference)
    with signed_in(ws, "admin@example.org") as client:
        page = client.get(f"/staff/submissions/{reference}").text
        assert 'id="reopen-form"' in page and "قيد الدراسة" in page[page.index('id="reopen-form"'):]
        empty = post_case(client, reference, "reopen", reason="  ")
        assert empty.status_code == 400 and "اكتب سبب إعادة فتح الطلب." in empty.text
        assert post_case(client, reference, "reopen", reason="ليس مكررا: رقم مختلف").status_code == 303
        page = client.get(f"/staff/submissions/{reference}").text
        assert "أُعيد فتحه من معتذر عنه إلى قيد الدراسة" in page and "ليس مكررا: رقم مختلف" in page
        assert 'id="case-due"' in page and 'id="case-closed"' not in page
    reopened = case_of(ws, reference)
    assert reopened.case_state == "under-study" and reopened.closed_at is None and reopened.due_at > ws.clock()
    assert [e["detail"] for e in ws.audit("staff-case-reopen")] == [f"{reference} declined -> under-study"]
    assert state_messages(ws, reference) == told  # help-request's reopen_notify is false: the applicant is not told
    assert "مكررا" not in str(ws.store.audit_entries())


def test_a_due_date_is_extended_with_a_reason_and_waiting_for_the_applicant_pauses_it(
        both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    calendar = ws.workspace.calendar
    first = case_of(ws, reference).due_at
    later = due_day(first, calendar) + dt.timedelta(days=5)
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        assert post_case(client, reference, "due", due=later.isoformat(), reason="").status_code == 400
        earlier = post_case(client, reference, "due", due=(later - dt.timedelta(days=10)).isoformat(), reason="x")
        assert earlier.status_code == 400 and "بعد الموعد الحالي" in earlier.text
        typed = later.isoformat().translate(ARABIC_INDIC)  # Arabic-Indic digits are read too
        assert post_case(client, reference, "due", due=typed, reason="ننتظر تقرير المستشفى").status_code == 303
        extended = case_of(ws, reference).due_at
        assert due_day(extended, calendar) == later
        timeline = client.get(f"/staff/submissions/{reference}").text
        assert "مُدّد موعد الإنجاز إلى" in timeline and "ننتظر تقرير المستشفى" in timeline
        assert move(client, reference, "waiting-for-applicant", note="نحتاج صورة الهوية").status_code == 303
        page = client.get(f"/staff/submissions/{reference}").text
        assert "توقف احتساب المدة ريثما يرد المتقدم" in page and "متوقف ريثما يرد المتقدم" in page
    assert [e["detail"] for e in ws.audit("staff-case-due")] == [f"{reference} due={later.isoformat()}"]
    ws.clock.advance(days=3)  # the applicant answers three days later (sessions end long before)
    with signed_in(ws, "cw-back@example.org", "caseworker", ("help-request",)) as client:
        assert move(client, reference, "under-study").status_code == 303
        assert "عاد احتساب المدة" in client.get(f"/staff/submissions/{reference}").text
    assert case_of(ws, reference).due_at == extended + dt.timedelta(days=3)
    kinds = [e.kind for e in ws.store.case_events(reference)]
    assert kinds == ["due-extend", "state", "pause", "resume", "state"]


def test_urgent_cases_come_first_and_staff_appear_by_their_current_name(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    older, newer = (submit(ws, forms, "help-request", mobile=MOBILE) for _ in range(2))
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        listed = client.get("/staff/forms/help-request/").text
        assert listed.index(newer) < listed.index(older)  # newest first
        assert post_case(client, older, "priority", priority="urgent").status_code == 303
        assert post_case(client, newer, "priority", priority="very").status_code == 400
        listed = client.get("/staff/forms/help-request/").text
        assert listed.index(older) < listed.index(newer)  # urgent first
        assert '<strong class="urgent">عاجل</strong>' in listed
        assert post_case(client, older, "assign", assignee=CW).status_code == 303
        page = client.get(f"/staff/submissions/{older}").text
        shown = re.sub(r"<[^>]*>", " ", page)  # the words on the page, not its attributes
        assert "جُعل عاجلًا" in shown and "Test caseworker" in shown and CW not in shown
        account = ws.store.account(email=CW)
        ws.store.update_account(account.id, name="ريم الحربي")
        page = client.get(f"/staff/submissions/{older}").text
        assert "ريم الحربي" in page and "Test caseworker" not in page  # looked up when shown
        assert "ريم الحربي" in client.get("/staff/forms/help-request/").text
    assert case_of(ws, older).priority == "urgent"
    assert [e["detail"] for e in ws.audit("staff-case-priority")] == [f"{older} -> urgent"]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the page's words, not the backend
def test_documents_from_the_applicant_start_the_clock_while_the_case_still_waits(
        both: Staff, forms: dict[str, Any]) -> None:
    """Issue 36, item 6: the case page no longer says the clock is paused once the applicant
    sent documents from the status page, and its timeline says both."""
    from generator.submissions import cases

    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        assert move(client, reference, "waiting-for-applicant", note="نحتاج تقريرًا طبيًا").status_code == 303
        assert "متوقف ريثما يرد المتقدم" in client.get(f"/staff/submissions/{reference}").text
        due = case_of(ws, reference).due_at
        assert cases.documents_received(ws.store, forms["help-request"], reference,
                                        now=ws.clock() + dt.timedelta(days=2),
                                        actor="status-page", calendar=ws.workspace.calendar) == "resumed"
        page = client.get(f"/staff/submissions/{reference}").text
        assert "متوقف ريثما يرد المتقدم" not in page and "عاد احتساب المدة" in page
        assert case_of(ws, reference).case_state == "waiting-for-applicant"
        assert case_of(ws, reference).due_at == due + dt.timedelta(days=2)
