"""Case handling in the database: the current state on `submissions` (case_state,
state_since, due_at, closed_at, assigned_to, case_version) and the history in
`case_events` (state changes, assignments, internal notes, reopenings, due-date
extensions, pauses and resumptions of the clock, priority changes). Where an
event carries a value that is not a state (a new due time, a priority) it is in
`reason`; a reason someone typed (reopening, extending) is a note, encrypted.
From step 19 also corrections of an answer, replies to the applicant and logged calls
(db/corrections.py); from step 20 documents received from the status page (db/attachments.py).

Every change is checked against the case_version the person saw: when two
people change one case at once the second gets CaseChanged and nothing is
overwritten. Notes are encrypted by the store's codec, like answers, bound to
the submission's reference.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

from .connection import Database

_NOTE = "note"  # the key of a note inside its encrypted value


class CaseChanged(Exception):
    """The case changed since the person loaded it (or it does not exist)."""


@dataclass(frozen=True)
class CaseEvent:
    at: dt.datetime
    actor: str
    kind: str  # "state" | "note" | "assign" | "reopen" | "due-extend" | "pause" | "resume" | "priority"
    #            | "correction" | "reply" | "call" | "documents-received" (files added later; reason: how many)
    from_state: str | None = None
    to_state: str | None = None
    reason: str | None = None
    assigned_to: str | None = None
    note: str | None = None  # decrypted; None where there is none
    #: A correction's answer before it (decrypted with the notes; None otherwise).
    old_value: Any = None

    @property
    def due_at(self) -> dt.datetime | None:
        """The due time a 'due-extend' or 'resume' set."""
        if self.kind in ("due-extend", "resume") and self.reason:
            return dt.datetime.fromisoformat(self.reason)
        return None


@dataclass(frozen=True)
class OpenCase:
    reference: str
    form_id: str
    case_state: str
    submitted_at: dt.datetime
    due_at: dt.datetime | None
    assigned_to: str | None


@dataclass(frozen=True)
class StatusRow:
    """What the applicant's status page may show: never an answer, a name or a due date."""

    form_id: str
    submitted_at: dt.datetime
    case_state: str | None
    state_since: dt.datetime | None
    reason: str | None  # the reason of the last state change (a decline's)


class CaseQueries(Database):
    codec: Any
    _insert_messages: Any  # OutboxQueries: messages a change causes, in its transaction

    def move_case(self, reference: str, *, expected_version: int, from_state: str, to_state: str, closed: bool,
                  at: dt.datetime, actor: str, reason: str | None = None, note: str | None = None,
                  messages: Sequence[Any] = (), pause: bool = False, resume_due: dt.datetime | None = None,
                  resume: bool = False) -> int:
        """Move the case to `to_state` (with its history row and the outbox `messages` the
        change causes: webhooks) if nobody changed it since `expected_version`; return the
        new version. CaseChanged otherwise. `pause`: the clock stops (a 'pause' event);
        `resume`: it runs again, the due date moved to `resume_due` (a 'resume' event)."""
        with self._transaction() as cur:
            due_sql, due_params = ("", []) if not resume else (", due_at = ?", [
                None if resume_due is None else self._time_to_db(resume_due)])
            cur.execute(self._sql(
                f"UPDATE submissions SET case_state = ?, state_since = ?, closed_at = ?{due_sql}, "
                "case_version = case_version + 1 WHERE reference = ? AND case_version = ? AND case_state = ?"),
                (to_state, self._time_to_db(at), self._time_to_db(at) if closed else None, *due_params, reference,
                 expected_version, from_state))
            if cur.rowcount != 1:
                raise CaseChanged(reference)
            if resume:
                self._event(cur, reference, at=at, actor=actor, kind="resume",
                            reason=None if resume_due is None else _iso(resume_due))
            self._event(cur, reference, at=at, actor=actor, kind="state", from_state=from_state,
                        to_state=to_state, reason=reason, note=note)
            if pause:
                self._event(cur, reference, at=at, actor=actor, kind="pause")
            if messages:
                self._insert_messages(cur, reference, messages, at)
        return expected_version + 1

    def assign_case(self, reference: str, *, expected_version: int, assigned_to: str | None, at: dt.datetime,
                    actor: str) -> int:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE submissions SET assigned_to = ?, case_version = case_version + 1 "
                                  "WHERE reference = ? AND case_version = ?"),
                        (assigned_to, reference, expected_version))
            if cur.rowcount != 1:
                raise CaseChanged(reference)
            self._event(cur, reference, at=at, actor=actor, kind="assign", assigned_to=assigned_to)
        return expected_version + 1

    def reopen_case(self, reference: str, *, expected_version: int, from_state: str, to_state: str,
                    due_at: dt.datetime | None, at: dt.datetime, actor: str, note: str,
                    messages: Sequence[Any] = ()) -> int:
        """Reopen a closed case into `to_state` with a new due date; the reason is a note."""
        with self._transaction() as cur:
            cur.execute(self._sql(
                "UPDATE submissions SET case_state = ?, state_since = ?, closed_at = NULL, due_at = ?, "
                "case_version = case_version + 1 WHERE reference = ? AND case_version = ? AND case_state = ? "
                "AND closed_at IS NOT NULL"),
                (to_state, self._time_to_db(at), None if due_at is None else self._time_to_db(due_at), reference,
                 expected_version, from_state))
            if cur.rowcount != 1:
                raise CaseChanged(reference)
            self._event(cur, reference, at=at, actor=actor, kind="reopen", from_state=from_state, to_state=to_state,
                        note=note)
            if messages:
                self._insert_messages(cur, reference, messages, at)
        return expected_version + 1

    def extend_due(self, reference: str, *, expected_version: int, due_at: dt.datetime, at: dt.datetime,
                   actor: str, note: str) -> int:
        """A new due date for an open case, with the reason typed (a note)."""
        with self._transaction() as cur:
            cur.execute(self._sql(
                "UPDATE submissions SET due_at = ?, case_version = case_version + 1 "
                "WHERE reference = ? AND case_version = ? AND closed_at IS NULL AND case_state IS NOT NULL"),
                (self._time_to_db(due_at), reference, expected_version))
            if cur.rowcount != 1:
                raise CaseChanged(reference)
            self._event(cur, reference, at=at, actor=actor, kind="due-extend", reason=_iso(due_at), note=note)
        return expected_version + 1

    def set_priority(self, reference: str, *, expected_version: int, priority: str, at: dt.datetime,
                     actor: str) -> int:
        """'normal' or 'urgent' (the database refuses anything else)."""
        with self._transaction() as cur:
            cur.execute(self._sql(
                "UPDATE submissions SET priority = ?, case_version = case_version + 1 "
                "WHERE reference = ? AND case_version = ? AND case_state IS NOT NULL"),
                (priority, reference, expected_version))
            if cur.rowcount != 1:
                raise CaseChanged(reference)
            self._event(cur, reference, at=at, actor=actor, kind="priority", reason=priority)
        return expected_version + 1

    def add_note(self, reference: str, *, note: str, at: dt.datetime, actor: str) -> None:
        """An internal note: never shown to the applicant, never in an export."""
        with self._transaction() as cur:
            self._event(cur, reference, at=at, actor=actor, kind="note", note=note)

    def _event(self, cur: Any, reference: str, *, at: dt.datetime, actor: str, kind: str,
               from_state: str | None = None, to_state: str | None = None, reason: str | None = None,
               assigned_to: str | None = None, note: str | None = None,
               secret: dict[str, Any] | None = None) -> None:
        """One history row; `note` and `secret` (more personal data: a correction's old
        value) encrypted together, bound to the reference."""
        payload = {**({_NOTE: note} if note else {}), **(secret or {})}
        stored = self.codec.encode(payload, reference) if payload else None
        cur.execute(self._sql(
            "INSERT INTO case_events (submission_id, at, actor, kind, from_state, to_state, reason, assigned_to, "
            "note) SELECT id, ?, ?, ?, ?, ?, ?, ?, ? FROM submissions WHERE reference = ?"),
            (self._time_to_db(at), actor, kind, from_state, to_state, reason, assigned_to, stored, reference))
        if cur.rowcount != 1:
            raise CaseChanged(reference)

    def case_events(self, reference: str, *, with_notes: bool = True) -> list[CaseEvent]:
        """The case's history, oldest first; notes decrypted only when asked for."""
        cur = self._conn().cursor()
        cur.execute(self._sql(
            "SELECT e.at, e.actor, e.kind, e.from_state, e.to_state, e.reason, e.assigned_to, e.note "
            "FROM case_events e JOIN submissions s ON s.id = e.submission_id WHERE s.reference = ? "
            "ORDER BY e.id"), (reference,))
        events = []
        for at, actor, kind, from_state, to_state, reason, assigned, note in cur.fetchall():
            payload = self.codec.decode(note, reference) if note and with_notes else {}
            events.append(CaseEvent(at=self._time_from_db(at), actor=actor, kind=kind, from_state=from_state,
                                    to_state=to_state, reason=reason, assigned_to=assigned,
                                    note=payload.get(_NOTE), old_value=payload.get("old")))
        return events

    def status(self, reference: str, kind: str, digest: str) -> StatusRow | None:
        """Where a request stands, only when `digest` is one of its identifier hashes of
        `kind`: one query whatever is wrong (the reference or the identifier), and no
        answer is read or decrypted."""
        cur = self._conn().cursor()
        cur.execute(self._sql(
            "SELECT s.form_id, s.submitted_at, s.case_state, s.state_since, (SELECT e.reason FROM case_events e "
            "WHERE e.submission_id = s.id AND e.kind = 'state' ORDER BY e.id DESC LIMIT 1) "
            "FROM submissions s JOIN submission_lookups l ON l.submission_id = s.id "
            "WHERE s.reference = ? AND s.status = 'accepted' AND l.kind = ? AND l.digest = ?"),
            (reference, kind, digest))
        row = cur.fetchone()
        if row is None:
            return None
        form_id, at, state, since, reason = row
        return StatusRow(form_id=form_id, submitted_at=self._time_from_db(at), case_state=state,
                         state_since=None if since is None else self._time_from_db(since), reason=reason)

    def open_cases(self, *, form_id: str | None = None, due_before: dt.datetime | None = None,
                   arrived_before: dt.datetime | None = None) -> list[OpenCase]:
        """Cases not closed (optionally: of one form, due before a time, arrived before a time)."""
        where = ["case_state IS NOT NULL", "closed_at IS NULL", "status = 'accepted'"]
        params: list[Any] = []
        if form_id is not None:
            where.append("form_id = ?")
            params.append(form_id)
        if due_before is not None:
            where.append("due_at IS NOT NULL AND due_at < ?")
            params.append(self._time_to_db(due_before))
        if arrived_before is not None:
            where.append("submitted_at < ?")
            params.append(self._time_to_db(arrived_before))
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT reference, form_id, case_state, submitted_at, due_at, assigned_to "
                              f"FROM submissions WHERE {' AND '.join(where)} ORDER BY due_at, id"), params)
        return [OpenCase(reference=ref, form_id=form, case_state=state, submitted_at=self._time_from_db(at),
                         due_at=None if due is None else self._time_from_db(due), assigned_to=assigned)
                for ref, form, state, at, due, assigned in cur.fetchall()]

    def start_cases(self, form_id: str, *, state: str, due: list[tuple[int, dt.datetime | None]]) -> int:
        """Give submissions stored before their form had a workflow its first state
        (`due`: (submission id, due time) for each), without touching any other."""
        with self._transaction() as cur:
            cur.executemany(self._sql(
                "UPDATE submissions SET case_state = ?, state_since = submitted_at, due_at = ? "
                "WHERE id = ? AND form_id = ? AND case_state IS NULL"),
                [(state, None if at is None else self._time_to_db(at), id_, form_id) for id_, at in due])
            return len(due)

    def stateless(self, form_id: str) -> list[tuple[int, dt.datetime]]:
        """(id, submitted_at) of the form's submissions that have no case state yet."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT id, submitted_at FROM submissions WHERE form_id = ? AND case_state IS NULL "
                              "AND status = 'accepted' ORDER BY id"), (form_id,))
        return [(id_, self._time_from_db(at)) for id_, at in cur.fetchall()]

    def reencrypt_notes(self, *, batch: int = 500) -> int:
        """Rewrite every note not under the codec's newest key (keys rotate)."""
        done, last = 0, 0
        while True:
            with self._transaction() as cur:
                cur.execute(self._sql(
                    "SELECT e.id, e.note, s.reference FROM case_events e JOIN submissions s ON s.id = e.submission_id "
                    "WHERE e.id > ? AND e.note IS NOT NULL ORDER BY e.id LIMIT ?"), (last, batch))
                rows = cur.fetchall()
                if not rows:
                    return done
                last = rows[-1][0]
                for id_, stored, reference in rows:
                    if not self.codec.is_current(stored):
                        cur.execute(self._sql("UPDATE case_events SET note = ? WHERE id = ?"),
                                    (self.codec.encode(self.codec.decode(stored, reference), reference), id_))
                        done += 1


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone.utc).isoformat()
