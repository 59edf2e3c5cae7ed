"""Documents from the applicant and the due date's clock (issue 36, item 6), on both
backends: a case waiting for the applicant (a state with pauses_clock) has its clock
started again when documents arrive, the state kept, the due date moved on by the days
it waited, and leaving the state later does not count those days twice; with
`documents_to:` the case moves on instead. The last reply sent while it waits is what
the status page shows as still needed."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from generator.submissions import cases
from tests.submissions.test_cases import RECEIVED, RIYADH, reload, stored_case

ACTOR = "amal@example.org"


def waiting_case(store: Any, form: Any) -> Any:
    sub = stored_case(store, form)
    cases.move(store, form, sub, to_state="waiting-for-applicant", actor=ACTOR, expected_version=0,
               now=RECEIVED + dt.timedelta(hours=1), note="a medical report", calendar=RIYADH)
    return reload(store, sub)


def test_documents_start_the_clock_again_and_the_state_stays(store: Any, forms: dict[str, Any]) -> None:
    form = forms["help-request"]
    sub = waiting_case(store, form)
    due = sub.due_at
    assert cases.clock_paused_at(store, sub) == RECEIVED + dt.timedelta(hours=1)
    arrived = RECEIVED + dt.timedelta(days=3)  # three days later in Riyadh
    assert cases.documents_received(store, form, sub.reference, now=arrived, actor="status-page",
                                    calendar=RIYADH) == "resumed"
    after = reload(store, sub)
    assert after.case_state == "waiting-for-applicant" and after.case_version == sub.case_version + 1
    assert after.due_at == due + dt.timedelta(days=3)
    assert cases.clock_paused_at(store, after) is None
    [*_, resume] = store.case_events(sub.reference)
    assert (resume.kind, resume.actor, resume.due_at) == ("resume", "status-page", due + dt.timedelta(days=3))
    # More documents while the clock runs change nothing more.
    assert cases.documents_received(store, form, sub.reference, now=arrived + dt.timedelta(days=1),
                                    actor="status-page", calendar=RIYADH) is None
    # The caseworker moves it on five days later: the days after the documents are not added again.
    cases.move(store, form, after, to_state="under-study", actor=ACTOR, expected_version=after.case_version,
               now=arrived + dt.timedelta(days=5), calendar=RIYADH)
    moved = reload(store, sub)
    assert moved.due_at == due + dt.timedelta(days=3)
    assert [e.kind for e in store.case_events(sub.reference)][-3:] == ["pause", "resume", "state"]


def test_documents_to_moves_the_case_on(store: Any, forms: dict[str, Any]) -> None:
    form = forms["help-request"]
    workflow = form.workflow
    waiting = dataclasses.replace(workflow.state("waiting-for-applicant"), documents_to="under-study")
    form = dataclasses.replace(form, workflow=dataclasses.replace(
        workflow, states=tuple(waiting if s.id == waiting.id else s for s in workflow.states)))
    sub = waiting_case(store, form)
    arrived = RECEIVED + dt.timedelta(days=2)
    assert cases.documents_received(store, form, sub.reference, now=arrived, actor="status-page",
                                    calendar=RIYADH) == "moved"
    after = reload(store, sub)
    assert after.case_state == "under-study" and after.due_at == sub.due_at + dt.timedelta(days=2)
    [*_, resume, state] = store.case_events(sub.reference)
    assert (resume.kind, state.kind, state.from_state, state.actor) == (
        "resume", "state", "waiting-for-applicant", "status-page")


def test_the_last_reply_since_the_case_began_to_wait_is_what_is_still_needed(
        store: Any, forms: dict[str, Any]) -> None:
    form = forms["help-request"]
    sub = stored_case(store, form)
    at = RECEIVED + dt.timedelta(hours=1)
    store.record_reply(sub.reference, channel="email", text="an older reply", messages=[], at=at, actor=ACTOR)
    cases.move(store, form, sub, to_state="waiting-for-applicant", actor=ACTOR, expected_version=0, now=at,
               note="internal: ask for the report", calendar=RIYADH)
    assert store.last_reply(sub.reference) is None  # the reply before it asked for nothing of this wait
    store.record_reply(sub.reference, channel="email", text="We still need:\n- a medical report", messages=[],
                       at=at, actor=ACTOR)
    assert store.last_reply(sub.reference) == "We still need:\n- a medical report"
    assert store.case_status(sub.reference).case_version == 1
