"""Case handling: what happens to a submission after it arrives.

A form with a `workflow:` (forms/workflow.py) opens a case for each
submission in its first state, with a due date `response_days` after it
arrived: calendar days, or working days when content/settings.yml names the
weekend days (and holidays), counted in the organisation's time zone. The
due date is an internal target for staff; public pages never show it.

`move` checks a change against the workflow (allowed next state, a reason
or a note where the state needs one) and against the version the person saw,
so two people changing one case at once never overwrite each other. A state
with `pauses_clock: true` stops the due date's clock: leaving it moves the due
date on by the calendar days the case waited there. An admin may reopen a closed
case into the workflow's `reopen_to` state (a new due date from then), and a due
date may be extended to a later day; both need a reason typed, kept as a note.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from generator.forms.model import Form

from .db.cases import CaseChanged, OpenCase
from .records import Submission

if TYPE_CHECKING:
    from .store import Store

__all__ = ["PRIORITIES", "CaseChanged", "CaseProblem", "WorkingCalendar", "due_at", "due_day", "extend_due", "move",
           "open_case", "overdue", "reopen", "set_priority", "start_stateless_cases"]

PRIORITIES = ("normal", "urgent")


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days count for due dates (from content/settings.yml's working_days)."""

    weekend: frozenset[int] = frozenset()  # weekday numbers, Monday 0
    holidays: frozenset[dt.date] = frozenset()
    time_zone: str = "Asia/Riyadh"

    @classmethod
    def from_settings(cls, settings: Any) -> WorkingCalendar:
        return cls(weekend=settings.weekend, holidays=settings.holidays, time_zone=settings.time_zone)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


def due_at(received: dt.datetime, days: int, calendar: WorkingCalendar) -> dt.datetime:
    """The end of the day `days` days after `received` (local time): calendar days when
    the calendar names no weekend, else working days (weekend days and holidays skipped)."""
    day = received.astimezone(calendar.zone).date()
    if not calendar.weekend:
        day += dt.timedelta(days=days)
    else:
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            counted += calendar.is_working_day(day)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=calendar.zone)
    return end.astimezone(dt.timezone.utc)


def due_day(due: dt.datetime, calendar: WorkingCalendar) -> dt.date:
    """The local day a due time (the midnight ending that day) falls due on."""
    return (due.astimezone(calendar.zone) - dt.timedelta(microseconds=1)).date()


def open_case(form: Form, submitted_at: dt.datetime, calendar: WorkingCalendar) -> dict[str, Any]:
    """The case fields of a new submission (none for a form without a workflow)."""
    if form.workflow is None:
        return {}
    return {"case_state": form.workflow.initial.id, "state_since": submitted_at,
            "due_at": due_at(submitted_at, form.response_days, calendar) if form.response_days else None}


@dataclass
class CaseProblem(Exception):
    """A change the workflow does not allow; `code` keys the staff message."""

    code: str  # not-allowed | reason-required | unknown-reason | reason-not-taken | note-required | no-workflow
    detail: dict[str, str] = field(default_factory=dict)


def move(store: Store, form: Form, sub: Submission, *, to_state: str, actor: str, expected_version: int,
         now: dt.datetime, reason: str | None = None, note: str | None = None,
         messages: Sequence[Any] = (), calendar: WorkingCalendar | None = None) -> int:
    """Move the case; the new version. CaseProblem if the workflow forbids it,
    CaseChanged if someone changed it since `expected_version`. `messages`: what the
    move tells the applicant (notices.state_change_messages), queued with it."""
    workflow = form.workflow
    if workflow is None or sub.case_state is None:
        raise CaseProblem("no-workflow")
    if sub.case_version != expected_version:
        # Changed since the person saw it: say so, rather than judge their choice by a state
        # they have not seen (the database checks the version again when it writes).
        raise CaseChanged(sub.reference)
    if not workflow.can_move(sub.case_state, to_state):
        raise CaseProblem("not-allowed", {"from": sub.case_state, "to": to_state})
    target = workflow.state(to_state)
    note = (note or "").strip() or None
    if target.needs == "reason":
        if not reason:
            raise CaseProblem("reason-required")
        if reason not in {r.id for r in workflow.reasons}:
            raise CaseProblem("unknown-reason", {"reason": reason})
    elif reason:
        # Refused, not ignored: a reason chosen for a state that takes none most often means
        # the wrong state was picked (a decline meant), and a move made anyway would tell the
        # applicant of a state the caseworker did not mean, with the reason silently dropped.
        raise CaseProblem("reason-not-taken", {"reason": reason, "to": to_state})
    if target.needs == "note" and not note:
        raise CaseProblem("note-required")
    # The webhooks told of state changes are queued in the change's own transaction.
    planner = store.outbox_planner
    if planner is not None:
        messages = [*messages, *planner.webhooks(form, "state_changed", sub.language, to_state)]
    source = workflow.state(sub.case_state)
    pause = target.pauses_clock and not source.pauses_clock
    paused_at = clock_paused_at(store, sub) if source.pauses_clock else None
    resume = paused_at is not None and not target.pauses_clock and not target.closed
    resume_due = sub.due_at
    if resume and sub.due_at is not None and paused_at is not None:
        resume_due = sub.due_at + dt.timedelta(days=paused_days(paused_at, now, calendar or WorkingCalendar()))
    return int(store.move_case(sub.reference, expected_version=expected_version, from_state=sub.case_state,
                               to_state=to_state, closed=target.closed, at=now, actor=actor, reason=reason,
                               note=note, messages=messages, pause=pause, resume=resume, resume_due=resume_due))


def clock_paused_at(store: Store, sub: Submission) -> dt.datetime | None:
    """When the clock of a case in a pausing state stopped; None when it runs again
    (documents came from the applicant while it waits: documents_received)."""
    last = store.last_clock_event(sub.reference)
    if last is None:  # a case that entered the state before pauses were recorded
        return sub.state_since
    kind, at = last
    return at if kind == "pause" else None


def documents_received(store: Store, form: Form, reference: str, *, now: dt.datetime, actor: str,
                       calendar: WorkingCalendar) -> str | None:
    """After the applicant added documents (Store.add_attachments wrote them and the
    "documents-received" event): a case waiting in a state that pauses the clock moves to
    the state's `documents_to` when the workflow names one; else it stays and its clock runs
    again, the due date moved on by the days it waited. What was done: "moved", "resumed" or
    None. CaseChanged when a caseworker changed the case meanwhile."""
    row = store.case_status(reference)
    if form.workflow is None or row is None or row.case_state is None:
        return None
    try:
        state = form.workflow.state(row.case_state)
    except KeyError:
        return None
    if not state.pauses_clock:
        return None
    sub = next(store.submissions(form.id, reference=reference), None)
    if sub is None:
        return None
    if state.documents_to is not None:
        move(store, form, sub, to_state=state.documents_to, actor=actor, expected_version=sub.case_version, now=now,
             calendar=calendar)
        return "moved"
    paused_at = clock_paused_at(store, sub)
    if paused_at is None:
        return None
    due = sub.due_at
    if due is not None:
        due += dt.timedelta(days=paused_days(paused_at, now, calendar))
    store.resume_clock(reference, state=row.case_state, due_at=due, at=now, actor=actor)
    return "resumed"


def paused_days(since: dt.datetime, now: dt.datetime, calendar: WorkingCalendar) -> int:
    """The calendar days a case waited (local days from the day it paused to the day it resumed)."""
    return max(0, (now.astimezone(calendar.zone).date() - since.astimezone(calendar.zone).date()).days)


def _check_version(sub: Submission, expected_version: int) -> None:
    if sub.case_version != expected_version:
        raise CaseChanged(sub.reference)


def reopen(store: Store, form: Form, sub: Submission, *, actor: str, expected_version: int, now: dt.datetime,
           note: str, calendar: WorkingCalendar, messages: Sequence[Any] = ()) -> int:
    """Reopen a closed case into the workflow's `reopen_to` state, with a reason (a note) and a
    new due date counted from now. Who may do it is the caller's to check (admins)."""
    workflow = form.workflow
    if workflow is None or sub.case_state is None or workflow.reopen_to is None:
        raise CaseProblem("no-reopen")
    _check_version(sub, expected_version)
    if sub.closed_at is None:
        raise CaseProblem("not-closed")
    note = note.strip()
    if not note:
        raise CaseProblem("reopen-reason-required")
    due = due_at(now, form.response_days, calendar) if form.response_days else None
    return int(store.reopen_case(sub.reference, expected_version=expected_version, from_state=sub.case_state,
                                 to_state=workflow.reopen_to, due_at=due, at=now, actor=actor, note=note,
                                 messages=messages))


def extend_due(store: Store, sub: Submission, *, day: dt.date, actor: str, expected_version: int,
               now: dt.datetime, note: str, calendar: WorkingCalendar) -> int:
    """Move an open case's due date to the end of the local `day`, later than it was (or than
    today, when it had none), with a reason (a note)."""
    if sub.case_state is None or sub.closed_at is not None:
        raise CaseProblem("not-allowed")
    _check_version(sub, expected_version)
    note = note.strip()
    if not note:
        raise CaseProblem("extend-reason-required")
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=calendar.zone).astimezone(dt.timezone.utc)
    if end <= (sub.due_at or now):
        raise CaseProblem("due-not-later")
    return int(store.extend_due(sub.reference, expected_version=expected_version, due_at=end, at=now, actor=actor,
                                note=note))


def set_priority(store: Store, sub: Submission, *, priority: str, actor: str, expected_version: int,
                 now: dt.datetime) -> int:
    if sub.case_state is None or priority not in PRIORITIES:
        raise CaseProblem("not-allowed")
    _check_version(sub, expected_version)
    return int(store.set_priority(sub.reference, expected_version=expected_version, priority=priority, at=now,
                                  actor=actor))


def overdue(store: Store, now: dt.datetime, *, form_id: str | None = None) -> list[OpenCase]:
    """Open cases past their due date, most overdue first."""
    return list(store.open_cases(form_id=form_id, due_before=now))


def start_stateless_cases(store: Store, forms: dict[str, Form], calendar: WorkingCalendar) -> int:
    """Open a case for each submission stored before its form had a workflow (once, at start)."""
    started = 0
    for form in forms.values():
        if form.workflow is None:
            continue
        rows = store.stateless(form.id)
        if rows:
            started += store.start_cases(form.id, state=form.workflow.initial.id, due=[
                (id_, due_at(at, form.response_days, calendar) if form.response_days else None)
                for id_, at in rows])
    return started


def enter_request(store: Store, form: Form, posted: dict[str, Any], *, channel: str, entered_by: str, language: str,
                  now: dt.datetime, calendar: WorkingCalendar) -> Submission | dict[str, list[str]]:
    """A request received by phone, in person, by letter, through social media or a branch
    office, entered by a staff member: the same form and the same validation as on the
    website, plus the channel and who entered it. The declaration and consent boxes are
    recorded as confirmed by the applicant through that channel. The stored submission
    (with its reference, to tell the applicant), or the errors by field. The case is
    assigned to whoever entered it."""
    from generator.forms import read_submission

    from .records import consent_record, json_ready
    from .references import new_reference

    result = read_submission(form, posted)
    if not result.ok:
        return result.errors
    consent = consent_record(form.consent_fields, result.row, now, language=language, notice=form.notice_version)
    consent["confirmed_through"] = channel  # said by the applicant to the staff member, not ticked on the site
    sub = Submission(reference=new_reference(), form_id=form.id, form_version=str(form.version), language=language,
                     submitted_at=now, consent=consent, status="accepted", answers=json_ready(form.schema, result.row),
                     channel=channel, entered_by=entered_by, **open_case(form, now, calendar))
    [stored] = store.insert_batch([sub])
    if isinstance(stored, Exception):
        raise stored
    if form.workflow is None:
        return stored
    version = store.assign_case(stored.reference, expected_version=stored.case_version, assigned_to=entered_by,
                                at=now, actor=entered_by)
    return dataclasses.replace(stored, assigned_to=entered_by, case_version=version)
