"""Case handling in the workspace (issue 19) against one real server holding the public
endpoint and the workspace on one store, SQLite and PostgreSQL: help requests submitted
through the public form, moved through every state by a caseworker, assigned, noted;
two people at once; overdue after the clock moves; a request entered for a phone call."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest

from generator.submissions.commands import cases_overdue
from tests.staff.conftest import Staff, csrf, search
from tests.staff.test_inbox import MOBILE, count, signed_in, submit
from tests.support.samples import valid_answers

CW = "cw@example.org"


def move(client: httpx.Client, reference: str, to: str, **extra: str) -> httpx.Response:
    page = client.get(f"/staff/submissions/{reference}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version, "no move form on the page"
    return client.post(f"/staff/submissions/{reference}/move",
                       data={"csrftoken": csrf(page.text), "version": version[1], "to": to, **extra})


def case_of(ws: Staff, reference: str) -> Any:
    [sub] = ws.store.submissions(reference=reference, status=None)
    return sub


def test_a_help_request_moves_through_every_state_with_a_reason_on_decline(
        both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    workflow = forms["help-request"].workflow
    accepted, declined = (submit(ws, forms, "help-request", mobile=MOBILE) for _ in range(2))
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        # A state that needs a note is refused without one; nothing changes.
        assert move(client, accepted, "under-study").status_code == 303
        refused = move(client, accepted, "waiting-for-applicant")
        assert refused.status_code == 400 and 'id="case-problem"' in refused.text
        assert case_of(ws, accepted).case_state == "under-study"
        path = [("waiting-for-applicant", {"note": "نحتاج تقريرا طبيا حديثا"}), ("under-study", {}),
                ("referred", {}), ("accepted", {}), ("closed", {})]
        for state, extra in path:
            response = move(client, accepted, state, **extra)
            assert response.status_code == 303, (state, response.text[:400])
            assert case_of(ws, accepted).case_state == state
        # A decline needs a reason from the form's list.
        move(client, declined, "under-study")
        assert move(client, declined, "declined").status_code == 400
        assert move(client, declined, "declined", reason="no-such-reason").status_code == 400
        assert move(client, declined, "declined", reason="outside-scope").status_code == 303
        page = client.get(f"/staff/submissions/{declined}").text
        assert workflow.reason("outside-scope").name["ar"] in page
        assert 'id="move-form"' not in page  # closed: nothing to move to
        # The timeline of the first one, in Arabic, names each state and carries the note.
        page = client.get(f"/staff/submissions/{accepted}").text
        timeline = page[page.index('class="timeline"'):]
        for state, _extra in path:
            assert workflow.state(state).name["ar"] in timeline
        assert '<bdi dir="auto" class="timeline__note">نحتاج تقريرا طبيا حديثا</bdi>' in timeline
    visited = [s for s, _ in path]
    events = ws.store.case_events(accepted)
    assert [e.to_state for e in events if e.kind == "state"] == ["under-study", *visited]
    assert {e.actor for e in events} == {CW}
    assert case_of(ws, accepted).closed_at is not None and case_of(ws, declined).closed_at is not None
    [decline] = [e for e in ws.store.case_events(declined) if e.to_state == "declined"]
    assert decline.reason == "outside-scope"
    moves = [e["detail"] for e in ws.audit("staff-case-move")]
    assert f"{accepted} under-study -> waiting-for-applicant" in moves
    assert f"{declined} under-study -> declined reason=outside-scope" in moves
    assert "تقريرا" not in str(ws.store.audit_entries())  # the note's words are never audited


def problem_of(page: str) -> str:
    said = re.search(r'<div class="problem" role="alert" id="case-problem"><p>\s*(.*?)\s*</p>', page, re.S)
    assert said, "no problem said on the page"
    return said[1]


def test_a_reason_chosen_for_a_state_that_takes_none_is_refused_in_both_languages(
        both: Staff, forms: dict[str, Any]) -> None:
    # Refused, not ignored: the reason most often means the wrong state was picked.
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    said = {"ar": "الحالة التي اخترتها لا تحتاج إلى سبب. اختر «دون سبب»، أو اختر الحالة التي يخصّها هذا السبب.",
            "en": "The state you chose takes no reason. Choose “No reason”, or the state the reason is for."}
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        for lang in ("ar", "en"):
            home = client.get("/staff/")
            assert client.post("/staff/language", data={"csrftoken": csrf(home.text), "lang": lang,
                                                         "next": "/staff/"}).status_code == 303
            refused = move(client, reference, "under-study", reason="outside-scope", note="typed words")
            assert refused.status_code == 400
            assert problem_of(refused.text) == said[lang]
            assert '<option value="outside-scope" selected>' in refused.text  # what was chosen is kept
            assert ">typed words</textarea>" in refused.text
            assert case_of(ws, reference).case_state == "received"
        assert move(client, reference, "under-study", reason="").status_code == 303
    assert [e.to_state for e in ws.store.case_events(reference) if e.kind == "state"] == ["under-study"]


def test_two_people_change_one_case_at_once_and_the_second_is_told(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    with signed_in(ws, CW, "caseworker", ("help-request",)) as first, \
            signed_in(ws, "admin@example.org") as second:
        pages = [c.get(f"/staff/submissions/{reference}").text for c in (first, second)]
        versions = [re.search(r'name="version" value="(\d+)"', p)[1] for p in pages]  # type: ignore[index]
        assert versions[0] == versions[1]
        done = first.post(f"/staff/submissions/{reference}/move",
                          data={"csrftoken": csrf(pages[0]), "version": versions[0], "to": "under-study"})
        assert done.status_code == 303
        late = second.post(f"/staff/submissions/{reference}/move",
                           data={"csrftoken": csrf(pages[1]), "version": versions[1], "to": "referred",
                                 "note": "اتصلت بالمتقدم"})
        assert late.status_code == 409
        assert 'id="case-problem"' in late.text
        # Told it changed, even when the choice would not be allowed from the new state either.
        stale = second.post(f"/staff/submissions/{reference}/move",
                            data={"csrftoken": csrf(pages[1]), "version": versions[1], "to": "waiting-for-applicant"})
        assert stale.status_code == 409
        assert "اتصلت بالمتقدم</textarea>" in late.text  # what the second person typed is kept
        assert re.search(r'name="version" value="(\d+)"', late.text)[1] == str(int(versions[0]) + 1)  # type: ignore[index]
        # An assignment made against the old version is refused the same way.
        assigned = second.post(f"/staff/submissions/{reference}/assign",
                               data={"csrftoken": csrf(pages[1]), "version": versions[1], "assignee": CW})
        assert assigned.status_code == 409
    sub = case_of(ws, reference)
    assert (sub.case_state, sub.assigned_to) == ("under-study", None)
    assert [e.actor for e in ws.store.case_events(reference)] == [CW]


def test_assignment_views_notes_and_who_may_change_a_case(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    mine, other = (submit(ws, forms, "help-request", mobile=MOBILE) for _ in range(2))
    ws.add("volunteers@example.org", "caseworker", ("volunteer",))
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        page = client.get(f"/staff/submissions/{mine}").text
        options = re.findall(r'<option value="([^"]*)"', page[page.index('id="case-assign"'):].split("</select>")[0])
        # Caseworkers of this form and admins only (not the volunteer form's caseworker).
        assert CW in options and "volunteers@example.org" not in options
        version = re.search(r'name="version" value="(\d+)"', page)[1]  # type: ignore[index]
        response = client.post(f"/staff/submissions/{mine}/assign",
                               data={"csrftoken": csrf(page), "version": version, "assignee": CW})
        assert response.status_code == 303
        stranger = client.post(f"/staff/submissions/{other}/assign",
                               data={"csrftoken": csrf(page), "version": "0", "assignee": "volunteers@example.org"})
        assert stranger.status_code == 400 and case_of(ws, other).assigned_to is None
        listed = client.get("/staff/forms/help-request/", params={"mine": "1"}).text
        assert mine in listed and other not in listed
        listed = client.get("/staff/forms/help-request/", params={"unassigned": "1"}).text
        assert other in listed and mine not in listed
        # An internal note: stored encrypted, shown in the timeline, audited without its words.
        noted = client.post(f"/staff/submissions/{mine}/note", data={"csrftoken": csrf(page),
                                                                      "note": "الحالة عاجلة\nاتصل صباحا"})
        assert noted.status_code == 303
        assert "الحالة عاجلة\nاتصل صباحا</bdi>" in client.get(f"/staff/submissions/{mine}").text
        assert client.post(f"/staff/submissions/{mine}/note", data={"csrftoken": csrf(page),
                                                                     "note": "  "}).status_code == 400
    assert [e["detail"] for e in ws.audit("staff-case-note")] == [mine]
    assert [e["detail"] for e in ws.audit("staff-case-assign")] == [f"{mine} -> {CW}"]
    raw = ws.store._conn().cursor()
    raw.execute("SELECT note FROM case_events WHERE note IS NOT NULL")
    stored = [row[0] for row in raw.fetchall()]
    assert stored and all("عاجلة" not in (n if isinstance(n, str) else bytes(n).decode("latin-1")) for n in stored)
    # Someone who may not work on the form gets 404 for every change, as if it did not exist.
    with signed_in(ws, "vol2@example.org", "caseworker", ("volunteer",)) as client, \
            signed_in(ws, "viewer@example.org", "viewer") as viewer:
        for who in (client, viewer):
            token = csrf(who.get("/staff/").text)
            for action, data in (("move", {"to": "under-study", "version": "1"}),
                                 ("assign", {"assignee": "", "version": "1"}), ("note", {"note": "x"})):
                response = who.post(f"/staff/submissions/{mine}/{action}", data={"csrftoken": token, **data})
                assert response.status_code == 404, (action, response.status_code)
            assert who.get("/staff/forms/help-request/enter").status_code == 404
    assert case_of(ws, mine).case_state == "received"


def test_fifteen_days_later_it_is_overdue_in_the_list_the_counts_and_cases_overdue(
        both: Staff, forms: dict[str, Any], forms_root: Any, store_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    ws = both
    monkeypatch.setenv("DATABASE_URL", store_url)  # `cases overdue` reads the same store
    reference = submit(ws, forms, "help-request", mobile=MOBILE)
    received = case_of(ws, reference).submitted_at
    ws.clock.now = received + dt.timedelta(days=1)
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        assert count(client.get("/staff/").text, "help-request", "overdue") == 0
        opened = count(client.get("/staff/").text, "help-request", "open")
        assert opened == sum(1 for s in ws.store.submissions("help-request") if s.closed_at is None)
        assert reference not in client.get("/staff/forms/help-request/", params={"overdue": "1"}).text
    ws.clock.advance(days=14)  # sessions end long before: sign in again
    with signed_in(ws, "cw2@example.org", "caseworker", ("help-request",)) as client:
        assert count(client.get("/staff/").text, "help-request", "overdue") == 1
        listed = client.get("/staff/forms/help-request/", params={"overdue": "1"}).text
        assert reference in listed and "متأخر" in listed  # said in words, not colour alone
        page = client.get(f"/staff/submissions/{reference}").text
        assert '<strong class="overdue">' in page
    capsys.readouterr()
    assert cases_overdue(forms_root, now=ws.clock()) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.startswith(reference)]
    assert "\tUnder study\t" not in line and "1 day(s) overdue" in line
    # Closed cases are never overdue.
    with signed_in(ws, "admin@example.org") as client:
        move(client, reference, "under-study")
        move(client, reference, "declined", reason="duplicate")
        assert count(client.get("/staff/").text, "help-request", "overdue") == 0
        assert count(client.get("/staff/").text, "help-request", "open") == opened - 1
    assert cases_overdue(forms_root, now=ws.clock()) == 0
    assert reference not in capsys.readouterr().out


def entry_post(form: Any, page: str, **extra: Any) -> dict[str, Any]:
    data = {**valid_answers(form), "csrftoken": csrf(page), **extra}
    return {k: v for k, v in data.items() if v is not None}


def test_a_request_by_phone_is_entered_with_its_channel_and_found_by_its_reference(
        both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    form = forms["help-request"]
    with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
        assert 'href="/staff/forms/help-request/enter"' in client.get("/staff/forms/help-request/").text
        page = client.get("/staff/forms/help-request/enter").text
        assert 'name="channel"' in page and "الاتصالات الهاتفية" in page
        assert 'value="website"' not in page  # the website is not a channel staff enter for
        # Staff enter what a caller says: no file field, and the form posts as before (issue 36).
        assert 'name="medical_reports"' not in page and 'type="file"' not in page and "multipart" not in page
        before = len(list(ws.store.submissions("help-request")))
        # Without a channel nothing is stored, and the answers' problems are said at the same time.
        broken = entry_post(form, page, channel="", applicant_name="")
        response = client.post("/staff/forms/help-request/enter", data=broken)
        assert response.status_code == 400 and 'id="channel-error"' in response.text
        summary = response.text[response.text.index("qalb-error-summary"):response.text.index('<form class="qalb-form"')]
        assert 'href="#channel"' in summary and 'href="#' in summary.replace('href="#channel"', "")
        assert len(list(ws.store.submissions("help-request"))) == before
        response = client.post("/staff/forms/help-request/enter", data=entry_post(form, page, channel="phone",
                                                                                answer_language="en"))
        assert response.status_code == 303, response.text[:500]
        reference = response.headers["location"].split("/staff/submissions/")[1].split("?")[0]
        shown = client.get(response.headers["location"]).text
        assert reference in shown and "الاتصالات الهاتفية" in shown and CW in shown
        found = search(client, reference.lower()).text
        assert f'href="/staff/submissions/{reference}"' in found
        # It follows the same workflow as a request from the website.
        assert move(client, reference, "under-study").status_code == 303
    sub = case_of(ws, reference)
    assert (sub.channel, sub.entered_by, sub.status, sub.language) == ("phone", CW, "accepted", "en")
    assert sub.consent["confirmed_through"] == "phone"
    assert sub.due_at is not None and sub.case_state == "under-study"
    assert [e["detail"] for e in ws.audit("staff-case-enter")] == [f"{reference} channel=phone"]


def test_home_counts_follow_the_arabic_digits_setting(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    submit(ws, forms, "help-request", mobile=MOBILE)
    with signed_in(ws, "admin@example.org") as client:
        western = client.get("/staff/").text
        ws.workspace.organisation.arabic_digits = "arab"  # content/settings.yml: arabic_digits: arab
        try:
            arabic = client.get("/staff/").text
        finally:
            ws.workspace.organisation.arabic_digits = "default"
    cell = r'class="count-new">(?:<a [^>]*>)?([^<]+)<'
    assert re.search(cell, western)[1].isascii()  # type: ignore[index]
    shown = re.search(cell, arabic)[1]  # type: ignore[index]
    assert shown and all("\u0660" <= c <= "\u0669" for c in shown)
    assert count(arabic, "help-request", "new") == count(western, "help-request", "new")


def test_the_workspace_served_alone_queues_the_applicants_message_when_it_moves_a_case(
        forms: dict[str, Any], forms_root: Any, store_url: str, live: Any) -> None:
    """As `staff serve` starts it (a store opened for it with its planner, then passed in) with
    QALB_SMTP_URL set: a move into a notify_applicant state queues the applicant's e-mail in the outbox."""
    import dataclasses

    from generator.core.config import Config
    from generator.forms.model import Notify
    from generator.staff.app import create_app
    from generator.submissions.cases import open_case
    from generator.submissions.notices import OutboxPlanner
    from generator.submissions.records import Submission
    from generator.submissions.references import new_reference
    from generator.submissions.secure_store import open_secure_store
    from tests.staff.conftest import Clock, CountingHasher

    told = {**forms, "help-request": dataclasses.replace(forms["help-request"], notify=Notify(applicant=True))}
    settings = Config(forms_root, {"DATABASE_URL": store_url, "QALB_SMTP_URL": "smtp://127.0.0.1:1",
                                   "QALB_STAFF_SIGN_IN_LIMIT": "off"}).staff
    assert settings.notify_email
    planner = OutboxPlanner.if_needed(told, email=settings.notify_email)
    store = open_secure_store(settings, told, planner=planner, create_keys=True)
    clock, hasher = Clock(), CountingHasher()
    app = create_app(settings=settings, forms=told, store=store, clock=clock, hasher=hasher)
    ws = Staff(live(app), settings, clock, hasher, app.state.workspace, dict(told))
    try:
        assert store.outbox_planner is not None and store.outbox_planner.email
        at = clock()
        [sub] = store.insert_batch([Submission(
            reference=new_reference(), form_id="help-request", form_version="1", language="en", submitted_at=at,
            consent={}, status="accepted", answers={**valid_answers(forms["help-request"]), "email": "sara@example.org"},
            **open_case(forms["help-request"], at, ws.workspace.calendar))])
        before = {m.id for m in store.outbox_messages(status="pending")}
        with signed_in(ws, CW, "caseworker", ("help-request",)) as client:
            assert move(client, sub.reference, "under-study").status_code == 303
            assert move(client, sub.reference, "accepted").status_code == 303
        queued = [m for m in store.outbox_messages(status="pending")  # not the caseworker's own setup e-mail
                  if m.id not in before and m.kind != "staff-account"]
        assert [(m.kind, m.reference, m.recipient) for m in queued] == [("state-change", sub.reference,
                                                                           "sara@example.org")]
    finally:
        store.close()
