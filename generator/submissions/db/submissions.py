"""The `submissions` table: writing batches (writer thread only), reading,
counting, purging and re-encrypting rows. The answers column goes through a
codec: the plain `AnswersCodec` here (tests, and reading rows from before
encryption), or crypto.EncryptedCodec, which every command and the endpoint
use (they open the store through secure_store.py).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, Callable, Iterator, Sequence

from generator.submissions.crypto import stored_key_id
from generator.submissions.records import Submission
from generator.submissions.references import new_reference

from .attachments import AttachmentQueries
from .connection import chunks, marks
from .lookups import LookupQueries
from .outbox import OutboxQueries
from .post_keys import PostKeyQueries
from .report_values import ReportQueries, fields_text

COLUMNS = ("reference, form_id, form_version, language, submitted_at, consent, status, answers, "
           "case_state, state_since, due_at, channel, entered_by")
INSERT = f"INSERT INTO submissions ({COLUMNS}) VALUES ({', '.join('?' for _ in COLUMNS.split(','))})"
SELECT = f"SELECT id, {COLUMNS}, closed_at, assigned_to, case_version, priority FROM submissions"
_REFERENCE_RETRIES = 5
# Past its retention period: no case and arrived before the limit, or a case closed before it.
_PAST_RETENTION = ("(((case_state IS NULL OR status <> 'accepted') AND submitted_at < ?) "
                   "OR (closed_at IS NOT NULL AND closed_at < ?))")


class AnswersCodec:
    """Answers <-> the text in the answers column, as plain JSON. The reference is
    for codecs that bind the value to its row (crypto.EncryptedCodec)."""

    def encode(self, answers: dict[str, Any], reference: str) -> str:
        return json.dumps(answers, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    def decode(self, stored: str, reference: str) -> dict[str, Any]:
        answers: dict[str, Any] = json.loads(stored)
        return answers

    def is_current(self, stored: str) -> bool:
        return True


class SubmissionQueries(ReportQueries, LookupQueries, OutboxQueries, PostKeyQueries, AttachmentQueries):
    codec: Any

    def row_params(self, sub: Submission) -> tuple[Any, ...]:
        """The values of INSERT for one submission, answers encoded by the codec."""
        return (sub.reference, sub.form_id, sub.form_version, sub.language,
                self._time_to_db(sub.submitted_at), json.dumps(sub.consent, ensure_ascii=False),
                sub.status, self.codec.encode(sub.answers, sub.reference), sub.case_state,
                self._maybe_time(sub.state_since), self._maybe_time(sub.due_at), sub.channel, sub.entered_by)

    def _maybe_time(self, value: dt.datetime | None) -> Any:
        return None if value is None else self._time_to_db(value)

    def _maybe_time_from_db(self, value: Any) -> dt.datetime | None:
        return None if value is None else self._time_from_db(value)

    def insert_batch(self, subs: Sequence[Submission]) -> list[Submission | Exception]:
        """Commit all in one transaction; on a failure, retry one by one so a bad row
        (or a reference collision) never costs its neighbours their submission. A post
        whose key is stored already (a retry, db/post_keys.py) is not stored again: its
        place in the answer holds the stored submission's id and reference."""
        try:
            with self._transaction() as cur:
                fresh, answers = self._split_retries(cur, subs)
                self._insert_rows(cur, fresh)
            return list(answers)
        except Exception:
            return [self._insert_one(sub) for sub in subs]

    def _insert_rows(self, cur: Any, subs: Sequence[Submission]) -> None:
        if not subs:
            return
        cur.executemany(self._sql(INSERT), [self.row_params(s) for s in subs])
        self._insert_lookups(cur, subs)
        self._insert_outbox(cur, subs)  # the messages they cause, in the same transaction
        self._insert_report_values(cur, subs)
        self._insert_post_keys(cur, subs)
        self._insert_attachments(cur, subs)  # the rows of their files (the bytes are placed after COMMIT)

    def _insert_one(self, sub: Submission) -> Submission | Exception:
        error: Exception = RuntimeError("no attempt made")
        for _ in range(_REFERENCE_RETRIES):
            try:
                with self._transaction() as cur:
                    fresh, (answer,) = self._split_retries(cur, [sub])
                    self._insert_rows(cur, fresh)
                return answer
            except Exception as exc:
                # A reference drawn twice, or a key another replica stored meanwhile: the
                # next try draws a new reference, and finds the key if it was the key. Never
                # for a submission with files: they are sealed with its reference as associated
                # data, so it keeps it (and fails if the reference was the collision).
                if not self._is_unique_violation(exc):
                    return exc
                error = exc
                if not sub.attachments:
                    sub = dataclasses.replace(sub, reference=new_reference())
        return error

    def _count_accepted(self, cur: Any, reference: str) -> None:
        """A submission that has just become accepted (released spam): its counted values
        stored, and the messages and webhooks a submission causes queued, as at arrival."""
        cur.execute(self._sql(f"{SELECT} WHERE reference = ?"), (reference,))
        if (row := cur.fetchone()) is not None:
            sub = self._submission(row)
            self._insert_report_values(cur, [sub])
            self._insert_outbox(cur, [sub])

    def purge(self, form_id: str, before: dt.datetime) -> int:
        """Delete what is past retention: a submission with no case by its arrival, a
        closed case by its closing; an open case never (open_cases_before reports it)."""
        return len(self.purge_references(form_id, before))

    def purge_references(self, form_id: str, before: dt.datetime) -> list[str]:
        """purge, returning the references deleted (committed: their files can go now)."""
        with self._transaction() as cur:
            self._keep_monthly_counts(cur, f"form_id = ? AND {_PAST_RETENTION}",
                                      (form_id, self._time_to_db(before), self._time_to_db(before)))
            cur.execute(self._sql(f"DELETE FROM submissions WHERE form_id = ? AND {_PAST_RETENTION} "
                                  "RETURNING reference"),
                        (form_id, self._time_to_db(before), self._time_to_db(before)))
            deleted = [str(row[0]) for row in cur.fetchall()]
        self._after_purge()
        return deleted

    def delete_references(self, references: Sequence[str]) -> int:
        """Delete these submissions (and, by cascade, their lookup hashes and counted values;
        their counts are taken out of report_counts)."""
        count = 0
        with self._transaction() as cur:
            for chunk in chunks(list(references)):
                self._forget_counts(cur, f"reference IN ({marks(chunk)})", chunk)
                cur.execute(self._sql(f"DELETE FROM submissions WHERE reference IN ({marks(chunk)})"), chunk)
                count += cur.rowcount
        self._after_purge()
        return count

    def stored_key_ids(self) -> set[str | None]:
        """The data key ids the answers and notes are encrypted with (None: plain JSON rows)."""
        cur = self._conn().cursor()
        cur.execute("SELECT DISTINCT substr(answers, 1, 14) FROM submissions UNION "
                    "SELECT DISTINCT substr(note, 1, 14) FROM case_events WHERE note IS NOT NULL")
        return {stored_key_id(row[0]) for row in cur.fetchall()}

    def reencrypt(self, *, batch: int = 500) -> int:
        """Rewrite every row not under the codec's newest key, a batch per transaction;
        rows from before encryption (plain JSON) also get their lookup hashes."""
        done, last = 0, 0
        while True:
            with self._transaction() as cur:
                cur.execute(self._sql(f"{SELECT} WHERE id > ? ORDER BY id LIMIT ?"), (last, batch))
                rows = cur.fetchall()
                if not rows:
                    return done
                last = rows[-1][0]
                stale = [(self._submission(row), row[8]) for row in rows if not self.codec.is_current(row[8])]
                for sub, _ in stale:
                    cur.execute(self._sql("UPDATE submissions SET answers = ? WHERE id = ?"),
                                (self.codec.encode(sub.answers, sub.reference), sub.id))
                plain = [sub for sub, stored in stale if stored_key_id(stored) is None]
                self._insert_lookups(cur, plain, on_conflict=" ON CONFLICT DO NOTHING")
                done += len(stale)

    def fill_report_values(self, *, batch: int = 500,
                           progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
        """Count the stored submissions of each form with `report: true` fields whose
        report_values row is missing (stored before migration step 8) or was written for
        other fields (a field that gained or lost `report: true`, or a row from before step
        11): each decrypted once, a batch per transaction, so a start that is killed goes on
        where it stopped; the form's counts are then made again (fill_report_counts).
        {form id: rows written}; `progress(form id, done, total)` after each batch of a
        form with more than one batch to do."""
        written: dict[str, int] = {}
        for form_id, names in sorted((getattr(self, "report_fields", None) or {}).items()):
            if not names:
                continue
            fields = fields_text(names)
            stale = (f"{SELECT} WHERE form_id = ? AND status = 'accepted' AND id > ? AND NOT EXISTS "
                     "(SELECT 1 FROM report_values r WHERE r.submission_id = submissions.id AND r.fields = ?)")
            last, done, total = 0, 0, 0
            while True:
                # Read and decrypted outside the write transaction: most starts find nothing, and
                # on SQLite the endpoint's writer is never held up by the search (~0.2 s per 100,000).
                cur = self._conn().cursor()
                cur.execute(self._sql(f"{stale} ORDER BY id LIMIT ?"), (form_id, last, fields, batch))
                rows = cur.fetchall()
                if not rows:
                    break
                if not total and len(rows) == batch:  # a large store: say how far it has got
                    cur.execute(self._sql(f"SELECT COUNT(*) FROM ({stale}) stale"), (form_id, last, fields))
                    total = int(cur.fetchone()[0])
                last = rows[-1][0]
                subs = [self._submission(row) for row in rows]
                with self._transaction() as cur:  # written again if another start got there first: the same values
                    self._rewrite_report_values(cur, form_id, subs)
                done += len(rows)
                if total and progress is not None:
                    progress(form_id, done, total)
            if done:
                written[form_id] = done
        return written

    def find_by_digests(self, digests: Sequence[str]) -> list[Submission]:
        """Every submission (any status) holding one of these identifier hashes."""
        if not digests:
            return []
        cur = self._conn().cursor()
        cur.execute(self._sql(f"{SELECT} WHERE id IN (SELECT submission_id FROM submission_lookups "
                              f"WHERE digest IN ({marks(digests)})) ORDER BY id"), list(digests))
        return [self._submission(row) for row in cur.fetchall()]

    def submissions(self, form_id: str | None = None, *, status: str | None = "accepted",
                    reference: str | None = None) -> Iterator[Submission]:
        where, params = [], []
        for column, value in (("form_id", form_id), ("status", status), ("reference", reference)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        cur = self._conn().cursor()
        cur.execute(self._sql(sql), params)
        while rows := cur.fetchmany(500):
            for row in rows:
                yield self._submission(row)

    def count(self, form_id: str | None = None, *, status: str | None = None) -> int:
        where = [(c, v) for c, v in (("form_id", form_id), ("status", status)) if v is not None]
        sql = "SELECT COUNT(*) FROM submissions" + (
            " WHERE " + " AND ".join(f"{c} = ?" for c, _ in where) if where else "")
        cur = self._conn().cursor()
        cur.execute(self._sql(sql), [v for _, v in where])
        return int(cur.fetchone()[0])

    def form_ids(self) -> list[str]:
        cur = self._conn().cursor()
        cur.execute("SELECT DISTINCT form_id FROM submissions ORDER BY form_id")
        return [row[0] for row in cur.fetchall()]

    def count_before(self, form_id: str, before: dt.datetime) -> int:
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT COUNT(*) FROM submissions WHERE form_id = ? AND {_PAST_RETENTION}"),
                    (form_id, self._time_to_db(before), self._time_to_db(before)))
        return int(cur.fetchone()[0])

    def _submission(self, row: Sequence[Any]) -> Submission:
        (id_, reference, form_id, version, language, at, consent, status, answers, case_state, state_since,
         due_at, channel, entered_by, closed_at, assigned_to, case_version, priority) = row
        return Submission(id=id_, reference=reference, form_id=form_id, form_version=version,
                          language=language, submitted_at=self._time_from_db(at),
                          consent=json.loads(consent), status=status,
                          answers=self.codec.decode(answers, reference), case_state=case_state,
                          state_since=self._maybe_time_from_db(state_since),
                          due_at=self._maybe_time_from_db(due_at), channel=channel, entered_by=entered_by,
                          closed_at=self._maybe_time_from_db(closed_at), assigned_to=assigned_to,
                          case_version=case_version, priority=priority)

    def _form_batch(self, form_id: str, after: int, batch: int) -> list[Submission]:
        cur = self._conn().cursor()
        cur.execute(self._sql(f"{SELECT} WHERE form_id = ? AND id > ? ORDER BY id LIMIT ?"), (form_id, after, batch))
        return [self._submission(row) for row in cur.fetchall()]

    def _all_submissions(self, cur: Any) -> list[Submission]:
        cur.execute(self._sql(SELECT))
        return [self._submission(row) for row in cur.fetchall()]

    def texts(self, form_id: str, field: str, start: dt.datetime, end: dt.datetime, *, limit: int) -> list[str]:
        """The non-empty answers to one field of a form's accepted submissions in [start, end),
        newest first, at most `limit` (the comments a report lists: answers are decrypted,
        a page of 200 at a time until `limit` are found)."""
        found: list[str] = []
        cur = self._conn().cursor()
        for offset in range(0, 10**9, 200):
            cur.execute(self._sql("SELECT reference, answers FROM submissions WHERE form_id = ? AND status = "
                                  "'accepted' AND submitted_at >= ? AND submitted_at < ? "
                                  "ORDER BY submitted_at DESC LIMIT 200 OFFSET ?"),  # the form's index, read backwards
                        (form_id, self._time_to_db(start), self._time_to_db(end), offset))
            rows = cur.fetchall()
            for reference, stored in rows:
                text = self.codec.decode(stored, reference).get(field)
                if isinstance(text, str) and text.strip():
                    found.append(text.strip())
                    if len(found) == limit:
                        return found
            if len(rows) < 200:
                break
        return found
