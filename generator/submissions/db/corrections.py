"""Talking to and about the applicant in a case's history (migration step 19):
a corrected answer, a reply sent, a logged call.

A correction rewrites the submission's answers (encrypted as before) and, in the
same transaction, what is derived from them: the lookup hashes (mobile, e-mail,
national ID: a search finds the new value, not the old), the counted report
values and their counts (the old values taken out, the new ones added), and a
'correction' row whose encrypted note holds the old value and why. The name index
(issue 33, item 2) is derived from the answers too: rewrite it where the lookups
are (`_derived_rows`). Checked against the case version the person saw, as every
case change.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Sequence

from generator.submissions.records import Submission

from .cases import CaseChanged
from .connection import Database, marks

#: A call's direction and outcome, stored as "<direction>:<outcome>" in the row's reason.
CALL_DIRECTIONS = ("in", "out")
CALL_OUTCOMES = ("reached", "no-answer", "left-message", "wrong-number")
REPLY_CHANNELS = ("email", "sms")


class CorrectionQueries(Database):
    codec: Any
    # The store's other mixins (db/cases.py, lookups.py, report_values.py, outbox.py).
    _event: Any
    _insert_lookups: Any
    _insert_report_values: Any
    _forget_counts: Any
    _insert_messages: Any

    def correct_answer(self, sub: Submission, *, field: str, value: Any, expected_version: int, at: dt.datetime,
                       actor: str, why: str = "") -> int:
        """Store `value` as the answer to `field` (checked by the caller with the form's
        own checks) and everything derived from the answers; the new case version."""
        assert sub.id is not None  # read from the store
        corrected = dataclasses.replace(sub, answers={**sub.answers, field: value})
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE submissions SET answers = ?, case_version = case_version + 1 "
                                  "WHERE id = ? AND case_version = ?"),
                        (self.codec.encode(corrected.answers, sub.reference), sub.id, expected_version))
            if cur.rowcount != 1:
                raise CaseChanged(sub.reference)
            self._derived_rows(cur, corrected)
            self._event(cur, sub.reference, at=at, actor=actor, kind="correction", reason=field, note=why or None,
                        secret={"old": sub.answers.get(field)})
        return expected_version + 1

    def _derived_rows(self, cur: Any, sub: Submission) -> None:
        """Lookup hashes and counted report values written again from `sub`'s answers."""
        cur.execute(self._sql("DELETE FROM submission_lookups WHERE submission_id = ?"), (sub.id,))
        self._insert_lookups(cur, [sub])
        self._forget_counts(cur, "id = ?", [sub.id])
        cur.execute(self._sql("DELETE FROM report_values WHERE submission_id = ?"), (sub.id,))
        self._insert_report_values(cur, [sub])

    def log_call(self, reference: str, *, direction: str, outcome: str, note: str, at: dt.datetime,
                 actor: str) -> None:
        if direction not in CALL_DIRECTIONS or outcome not in CALL_OUTCOMES:
            raise ValueError(f"a call is {CALL_DIRECTIONS} and {CALL_OUTCOMES}, not {direction!r} {outcome!r}")
        with self._transaction() as cur:
            self._event(cur, reference, at=at, actor=actor, kind="call", reason=f"{direction}:{outcome}",
                        note=note or None)

    def record_reply(self, reference: str, *, channel: str, text: str, messages: Sequence[Any], at: dt.datetime,
                     actor: str) -> None:
        """A reply: its outbox rows (the text encrypted there, emptied once sent) and its
        history row (the text kept encrypted, like a note), in one transaction."""
        if channel not in REPLY_CHANNELS:
            raise ValueError(f"a reply goes by {REPLY_CHANNELS}, not {channel!r}")
        with self._transaction() as cur:
            self._event(cur, reference, at=at, actor=actor, kind="reply", reason=channel, note=text)
            if messages:
                self._insert_messages(cur, reference, messages, at)

    def corrected_at(self, references: Sequence[str]) -> dict[str, dt.datetime]:
        """When each of these submissions was last corrected (absent: never): the
        export's "corrected" column."""
        if not references:
            return {}
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT s.reference, MAX(e.at) FROM case_events e JOIN submissions s "
                              f"ON s.id = e.submission_id WHERE e.kind = 'correction' "
                              f"AND s.reference IN ({marks(references)}) GROUP BY s.reference"), list(references))
        return {ref: self._time_from_db(at) for ref, at in cur.fetchall()}
