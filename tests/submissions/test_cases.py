"""Case handling on both backends: states from the form file, due dates, notes,
the version check, overdue cases, retention of open and closed cases, key rotation
and subject exports. The staff pages that drive this are tested in tests/staff/."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from generator.submissions import cases, crypto
from generator.submissions.commands import cases_overdue, purge
from generator.submissions.db.cases import CaseChanged
from generator.submissions.records import Submission
from generator.submissions.references import new_reference
from generator.submissions.secure_store import open_secure_store
from generator.submissions.subject import export as subject_export
from tests.support.fixtures import make_settings

RIYADH = cases.WorkingCalendar(weekend=frozenset({4, 5}), time_zone="Asia/Riyadh")
RECEIVED = dt.datetime(2026, 12, 3, 7, 0, tzinfo=dt.timezone.utc)  # Thursday 10:00 in Riyadh


def stored_case(store: Any, form: Any, *, at: dt.datetime = RECEIVED, calendar: cases.WorkingCalendar = RIYADH,
                answers: dict[str, Any] | None = None) -> Submission:
    sub = Submission(reference=new_reference(), form_id=form.id, form_version="1", language="ar", submitted_at=at,
                     consent={}, status="accepted", answers=answers or {"mobile": "0512345678"},
                     **cases.open_case(form, at, calendar))
    assert store.insert_batch([sub]) == [sub]
    [loaded] = store.submissions(form.id, reference=sub.reference)
    return loaded


def reload(store: Any, sub: Submission) -> Submission:
    [loaded] = store.submissions(sub.form_id, reference=sub.reference, status=None)
    return loaded


def test_due_dates_count_calendar_days_or_working_days() -> None:
    # Calendar days: 14 days after Thursday 3 December is Thursday 17 December (end of that day, Riyadh).
    calendar = cases.WorkingCalendar(time_zone="Asia/Riyadh")
    due = cases.due_at(RECEIVED, 14, calendar)
    assert cases.due_day(due, calendar) == dt.date(2026, 12, 17)
    assert due == dt.datetime(2026, 12, 17, 21, 0, tzinfo=dt.timezone.utc)  # midnight in Riyadh (UTC+3)
    # Working days, Friday and Saturday off: counted one by one here, independently.
    day, counted = dt.date(2026, 12, 3), 0
    while counted < 14:
        day += dt.timedelta(days=1)
        counted += day.weekday() not in (4, 5)
    assert cases.due_day(cases.due_at(RECEIVED, 14, RIYADH), RIYADH) == day == dt.date(2026, 12, 23)
    # A holiday inside the period moves the due date by a working day.
    holiday = dataclass_replace(RIYADH, holidays=frozenset({dt.date(2026, 12, 7)}))
    assert cases.due_day(cases.due_at(RECEIVED, 14, holiday), holiday) == dt.date(2026, 12, 24)
    # Late in the evening UTC is already the next day in Riyadh.
    late = dt.datetime(2026, 12, 3, 22, 30, tzinfo=dt.timezone.utc)  # Friday 01:30 in Riyadh
    assert cases.due_day(cases.due_at(late, 1, RIYADH), RIYADH) == dt.date(2026, 12, 6)  # Sunday


def dataclass_replace(calendar: cases.WorkingCalendar, **changes: Any) -> cases.WorkingCalendar:
    import dataclasses

    return dataclasses.replace(calendar, **changes)


def test_the_shipped_forms_have_the_policys_workflows(forms: dict[str, Any]) -> None:
    help_request = forms["help-request"]
    assert help_request.response_days == 14
    assert [s.id for s in help_request.workflow.states] == [
        "received", "under-study", "waiting-for-applicant", "referred", "accepted", "declined", "closed"]
    assert help_request.workflow.state("declined").needs == "reason" and help_request.workflow.reasons
    assert [s.id for s in forms["contact"].workflow.states] == ["received", "answered", "closed"]
    assert forms["contact"].workflow.state("answered").needs == "note"
    assert [s.id for s in forms["volunteer"].workflow.states] == [
        "received", "contacted", "accepted", "declined", "closed"]
    assert forms["satisfaction"].workflow is None


def test_a_help_request_moves_through_every_state(store: Any, forms: dict[str, Any]) -> None:
    form = forms["help-request"]
    sub = stored_case(store, form)
    assert (sub.case_state, sub.case_version, sub.state_since) == ("received", 0, RECEIVED)
    assert sub.due_at == cases.due_at(RECEIVED, 14, RIYADH)
    later = RECEIVED + dt.timedelta(days=1)
    steps = [("under-study", {}), ("waiting-for-applicant", {"note": "نحتاج تقريرًا طبيًا حديثًا"}),
             ("under-study", {}), ("referred", {}), ("accepted", {}), ("closed", {})]
    for number, (state, extra) in enumerate(steps):
        version = cases.move(store, form, reload(store, sub), to_state=state, actor="amal@example.org",
                             expected_version=number, now=later + dt.timedelta(hours=number), **extra)
        assert version == number + 1
    final = reload(store, sub)
    assert final.case_state == "closed" and final.closed_at == later + dt.timedelta(hours=5)
    events = store.case_events(sub.reference)
    # Waiting for the applicant pauses the due date's clock (issue 33): a pause and a resume
    # around it, the due date unchanged for an hour's wait on the same day.
    assert [e.kind for e in events] == ["state", "state", "pause", "resume", "state", "state", "state", "state"]
    assert final.due_at == cases.due_at(RECEIVED, 14, RIYADH)
    history = [e for e in events if e.kind == "state"]
    assert [(e.from_state, e.to_state) for e in history] == [
        ("received", "under-study"), ("under-study", "waiting-for-applicant"), ("waiting-for-applicant", "under-study"),
        ("under-study", "referred"), ("referred", "accepted"), ("accepted", "closed")]
    assert history[1].note == "نحتاج تقريرًا طبيًا حديثًا" and history[1].actor == "amal@example.org"
    # The note is stored encrypted, bound to its reference.
    cur = store._conn().cursor()
    cur.execute("SELECT note FROM case_events WHERE note IS NOT NULL")
    [(stored,)] = cur.fetchall()
    assert stored.startswith("enc1:") and "تقرير" not in stored


def test_the_workflow_refuses_what_it_does_not_allow(store: Any, forms: dict[str, Any]) -> None:
    form = forms["help-request"]
    sub = stored_case(store, form)
    with pytest.raises(cases.CaseProblem) as refused:
        cases.move(store, form, sub, to_state="closed", actor="a", expected_version=0, now=RECEIVED)
    assert refused.value.code == "not-allowed"
    cases.move(store, form, sub, to_state="under-study", actor="a", expected_version=0, now=RECEIVED)
    sub = reload(store, sub)
    with pytest.raises(cases.CaseProblem) as refused:
        cases.move(store, form, sub, to_state="declined", actor="a", expected_version=1, now=RECEIVED)
    assert refused.value.code == "reason-required"
    with pytest.raises(cases.CaseProblem) as refused:
        cases.move(store, form, sub, to_state="declined", reason="no-such", actor="a", expected_version=1,
                   now=RECEIVED)
    assert refused.value.code == "unknown-reason"
    with pytest.raises(cases.CaseProblem) as refused:
        cases.move(store, form, sub, to_state="waiting-for-applicant", note="  ", actor="a", expected_version=1,
                   now=RECEIVED)
    assert refused.value.code == "note-required"
    with pytest.raises(cases.CaseProblem) as refused:  # a reason for a state that takes none
        cases.move(store, form, sub, to_state="referred", reason="outside-scope", actor="a", expected_version=1,
                   now=RECEIVED)
    assert (refused.value.code, refused.value.detail) == ("reason-not-taken", {"reason": "outside-scope",
                                                                               "to": "referred"})
    assert reload(store, sub).case_state == "under-study"
    cases.move(store, form, sub, to_state="declined", reason="outside-scope", actor="a", expected_version=1,
               now=RECEIVED)
    declined = reload(store, sub)
    assert declined.case_state == "declined" and declined.closed_at == RECEIVED
    assert store.case_events(sub.reference)[-1].reason == "outside-scope"


def test_two_people_changing_one_case_at_once(store: Any, forms: dict[str, Any]) -> None:
    form = forms["help-request"]
    sub = stored_case(store, form)
    seen_by_first, seen_by_second = reload(store, sub), reload(store, sub)  # both opened version 0
    cases.move(store, form, seen_by_first, to_state="under-study", actor="first", expected_version=0, now=RECEIVED)
    with pytest.raises(CaseChanged):
        cases.move(store, form, seen_by_second, to_state="referred", actor="second", expected_version=0,
                   now=RECEIVED)
    with pytest.raises(CaseChanged):
        store.assign_case(sub.reference, expected_version=0, assigned_to="second", at=RECEIVED, actor="second")
    after = reload(store, sub)
    assert (after.case_state, after.case_version, after.assigned_to) == ("under-study", 1, None)
    assert [e.actor for e in store.case_events(sub.reference)] == ["first"]  # nothing of the second was written
    store.assign_case(sub.reference, expected_version=1, assigned_to="second@example.org", at=RECEIVED, actor="a")
    assert reload(store, sub).assigned_to == "second@example.org"


def test_overdue_cases_with_the_clock_moved(store: Any, forms: dict[str, Any], forms_root: Path, store_url: str,
                                            monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    form = forms["help-request"]
    calendar = cases.WorkingCalendar(time_zone="Asia/Riyadh")  # calendar days, as forms_root has no settings file
    late = stored_case(store, form, calendar=calendar)
    on_time = stored_case(store, form, at=RECEIVED + dt.timedelta(days=10), calendar=calendar)
    closed = stored_case(store, forms["contact"], calendar=calendar)
    cases.move(store, forms["contact"], closed, to_state="closed", actor="a", expected_version=0, now=RECEIVED)
    now = RECEIVED + dt.timedelta(days=15)
    assert [c.reference for c in cases.overdue(store, now)] == [late.reference]
    assert cases.overdue(store, RECEIVED + dt.timedelta(days=14)) == []  # due at the end of day 14
    assert [c.reference for c in cases.overdue(store, now + dt.timedelta(days=10))] == [
        late.reference, on_time.reference]
    monkeypatch.setenv("DATABASE_URL", store_url)
    assert cases_overdue(forms_root, now=now) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [f"{late.reference}\thelp-request\tReceived\tdue 2026-12-17\t"
                                    "1 day(s) overdue\tunassigned"]
    assert "1 overdue case(s)" in out.err
    assert cases_overdue(forms_root, form_id="contact", now=now) == 0
    assert capsys.readouterr().out == ""


def test_purge_keeps_open_cases_and_deletes_closed_ones_with_their_notes(
        forms: dict[str, Any], forms_root: Path, store_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", store_url)
    store = open_secure_store(make_settings(forms_root, store_url), forms)
    form = forms["help-request"]
    still_open = stored_case(store, form)
    closed = stored_case(store, form)
    store.add_note(closed.reference, note="ملاحظة داخلية", at=RECEIVED, actor="a")
    closed_recently = stored_case(store, form)
    for sub, days in ((closed, 2), (closed_recently, 170)):
        cases.move(store, form, sub, to_state="under-study", actor="a", expected_version=0, now=RECEIVED)
        cases.move(store, form, reload(store, sub), to_state="declined", reason="duplicate", actor="a",
                   expected_version=1, now=RECEIVED + dt.timedelta(days=days))
    store.close()

    now = RECEIVED + dt.timedelta(days=200)  # all three arrived more than 180 days before
    assert purge(forms_root, now=now) == 0
    err = capsys.readouterr().err
    assert f"kept open case {still_open.reference} (state received)" in err
    assert "help-request: deleted 1 submission(s)" in err

    store = open_secure_store(make_settings(forms_root, store_url), forms)
    try:
        left = {s.reference for s in store.submissions("help-request", status=None)}
        assert left == {still_open.reference, closed_recently.reference}  # closed 30 days ago: kept
        cur = store._conn().cursor()
        cur.execute("SELECT COUNT(*) FROM case_events WHERE note IS NOT NULL")
        assert cur.fetchone()[0] == 0  # the closed case's note went with it
    finally:
        store.close()


def test_key_rotation_reencrypts_notes(forms: dict[str, Any], store: Any) -> None:
    form = forms["help-request"]
    old, new = crypto.new_key(), crypto.new_key()
    store.codec = crypto.EncryptedCodec(crypto.DataKeys([old]))
    sub = stored_case(store, form)
    store.add_note(sub.reference, note="سري", at=RECEIVED, actor="a")
    assert store.stored_key_ids() == {crypto.key_id(old)}
    store.codec = crypto.EncryptedCodec(crypto.DataKeys([old, new]))  # what `keys rotate` does
    assert store.reencrypt() == 2  # the answers and the note
    assert store.stored_key_ids() == {crypto.key_id(new)}
    assert store.case_events(sub.reference)[0].note == "سري"


def test_subject_export_has_the_steps_but_never_the_notes(forms: dict[str, Any], store: Any, tmp_path: Path) -> None:
    form = forms["help-request"]
    sub = stored_case(store, form)
    store.add_note(sub.reference, note="CANARY-NOTE", at=RECEIVED, actor="staff-member@example.org")
    cases.move(store, form, sub, to_state="under-study", actor="staff-member@example.org", expected_version=0,
               now=RECEIVED + dt.timedelta(days=1))
    sub = reload(store, sub)
    cases.move(store, form, sub, to_state="declined", reason="outside-scope", actor="staff-member@example.org",
               expected_version=1, now=RECEIVED + dt.timedelta(days=2))
    sub = reload(store, sub)
    events = {sub.reference: store.case_events(sub.reference, with_notes=False)}
    paths = subject_export([sub], forms, tmp_path, events=events)
    text = "".join(p.read_text(encoding="utf-8") for p in paths)
    assert "CANARY-NOTE" not in text and "staff-member@example.org" not in text
    data = json.loads(paths[1].read_text(encoding="utf-8"))
    case = data["submissions"][0]["case"]
    assert case["state"] == "declined"
    assert case["state_text"] == form.workflow.state("declined").public["ar"]
    assert [s["state"] for s in case["steps"]] == ["under-study", "declined"]
    assert case["steps"][1]["reason_text"] == form.workflow.reason("outside-scope").public["ar"]
    assert form.workflow.reason("outside-scope").public["ar"] in paths[0].read_text(encoding="utf-8")


def test_a_request_by_phone_carries_its_channel_and_follows_the_workflow(store: Any, forms: dict[str, Any]) -> None:
    from tests.support.samples import broken_answers, valid_answers

    form = forms["help-request"]
    errors = cases.enter_request(store, form, broken_answers(form)[0], channel="phone", entered_by="huda@example.org",
                                 language="ar", now=RECEIVED, calendar=RIYADH)
    assert isinstance(errors, dict) and errors  # the website's validation, field by field
    assert store.count("help-request") == 0
    sub = cases.enter_request(store, form, valid_answers(form), channel="phone", entered_by="huda@example.org",
                              language="ar", now=RECEIVED, calendar=RIYADH)
    assert isinstance(sub, Submission)
    [found] = store.submissions("help-request", reference=sub.reference)
    assert (found.channel, found.entered_by, found.case_state) == ("phone", "huda@example.org", "received")
    assert found.consent["confirmed_through"] == "phone" and all(found.consent["fields"].values())
    assert found.due_at == cases.due_at(RECEIVED, 14, RIYADH)
    assert found.assigned_to == "huda@example.org"  # assigned to whoever entered it (issue 33)
    cases.move(store, form, found, to_state="under-study", actor="huda@example.org",
               expected_version=found.case_version, now=RECEIVED)
    assert reload(store, found).case_state == "under-study"
