"""The `outbox` table: e-mail notifications and webhook posts waiting to be sent, one row each.

Rows are written in the transaction of the submission that causes them
(`_insert_outbox`, called by db/submissions.py), from the plan of the store's
`outbox_planner` (generator/submissions/notices.py; given when the store is
opened; None: notifications off, nothing queued). A sender (generator/notify/)
claims due rows, sends them and records each outcome as soon as it is known; a
claim is taken once:

* PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` inside the claiming UPDATE,
  so two senders never pick the same row;
* SQLite: one conditional UPDATE (still unclaimed, or its claim older than the
  lease) under BEGIN IMMEDIATE, which serialises the claimers.

An applicant's address is encrypted with the store's codec (bound to the row's
token); staff addresses (the form file's mailboxes, staff accounts) are kept as
they are. Every address is emptied once the message is sent; no answer is ever
stored here. A webhook row (kind "webhook", migration step 9) has no recipient:
its detail names the webhook, the event and the state; each of its tries is
logged in `outbox_tries` (time, HTTP status or error kind, duration; never a
body) for the workspace's delivery log. A "staff-account" row (step 15) tells a
staff member of a change to their own account: it belongs to no submission
(submission_id NULL, reference and form_id ""), its detail names the event. A
"reply-email" or "reply-sms" row (step 19) carries a caseworker's reply: its text, in
detail, is encrypted like an address and emptied once sent.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import secrets
from typing import Any, Iterable, Iterator, Mapping, Protocol, Sequence

from generator.submissions.records import Submission

from .connection import Database, marks

KINDS = ("staff-alert", "applicant-confirmation", "state-change", "webhook", "staff-account", "reply-email",
         "reply-sms")
#: Kinds whose detail is the caseworker's text to the applicant (step 19): encrypted, bound to
#: the row, like an applicant's address, and emptied once sent.
SECRET_DETAIL = ("reply-email", "reply-sms")
#: Kinds whose recipient is stored as it is: no one's personal data from a submission.
PLAIN_RECIPIENT = ("staff-alert", "webhook", "staff-account")
STATUSES = ("pending", "sent", "failed")

_INSERT = ("INSERT INTO outbox (submission_id, token, reference, form_id, kind, language, recipient, detail, "
           "created_at, status, next_attempt_at) "
           "SELECT id, ?, reference, form_id, ?, ?, ?, ?, ?, 'pending', ? FROM submissions WHERE reference = ?")
_COLUMNS = ("id, token, reference, form_id, kind, language, recipient, detail, created_at, status, attempts, "
            "next_attempt_at, last_error")


@dataclasses.dataclass(frozen=True)
class PlannedMessage:
    """One message a submission (or a change of its case) causes, before it is stored."""

    kind: str  # one of KINDS
    recipient: str  # an e-mail address
    language: str  # ar | en
    detail: str = ""  # JSON for state-change messages (the state and its texts); never an answer


@dataclasses.dataclass(frozen=True)
class OutboxMessage:
    """A stored row, as a sender or the failed list sees it."""

    id: int
    token: str  # 32 hex digits, stable: the Message-ID is made from it, so every retry carries the same one
    reference: str
    form_id: str
    kind: str
    language: str
    recipient: str  # decrypted ("" once sent)
    detail: str
    created_at: dt.datetime
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str

    @property
    def try_number(self) -> int:
        """Which try sending it now is (the tries recorded so far, plus this one)."""
        return self.attempts + 1


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a send attempt came to: sent, or try again at `retry_at`, or failed for good."""

    id: int
    status: str  # sent | pending | failed
    retry_at: dt.datetime | None = None
    error: str = ""  # the kind of error and the SMTP code, never the server's words (they may quote an address)
    #: A logged try (webhooks): when it started, the HTTP status (None: no answer) and how long it took.
    tried: Try | None = None


@dataclasses.dataclass(frozen=True)
class Try:
    """One try of a webhook delivery, as the delivery log shows it: never a body."""

    at: dt.datetime
    status_code: int | None
    duration_ms: int
    error: str = ""


class Tokens:
    """Row tokens for one batch: 96 random bits for the batch and a counter, 32 hex
    digits, unique without a random draw per message (the writer's time is precious)."""

    def __init__(self) -> None:
        self.prefix = secrets.token_hex(12)
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"{self.prefix}{self.count:08x}"


class Planner(Protocol):
    """What the store and a case move ask of the outbox planner (submissions/notices.py's
    OutboxPlanner, given when the store is opened): said here, beside the rows it plans,
    so the store names no module that names the store."""

    email: bool  # e-mail is set up; without it only webhooks are planned

    def plan(self, sub: Submission, accounts: Sequence[tuple[str, str]]) -> list[PlannedMessage]: ...

    def webhooks(self, form: Any, event: str, language: str, state: str | None) -> list[PlannedMessage]: ...

    def state_change(self, form: Any, answers: Mapping[str, Any], notice: Any,
                     language: str) -> list[PlannedMessage]: ...


class OutboxQueries(Database):
    codec: Any

    @property
    def outbox_planner(self) -> Planner | None:  # None: notifications off, nothing queued
        raise NotImplementedError  # the store's wiring gives it (store.py)

    # -- written with the submission (writer thread) ---------------------------

    def alert_accounts(self, cur: Any, form_id: str) -> list[tuple[str, str]]:
        """(address, language) of the staff accounts that may see this form's submissions
        (admins, and the caseworkers given the form) and have alerts on, read in the
        submission's transaction. Accounts still being set up or disabled get none;
        viewers never see a submission, so they are never told of one."""
        cur.execute("SELECT email, language, role, forms FROM staff_accounts "
                    "WHERE disabled = 0 AND alerts = 1 AND password_hash IS NOT NULL "
                    "AND role IN ('admin', 'caseworker') ORDER BY id")
        return [(email, language) for email, language, role, forms in cur.fetchall()
                if role == "admin" or form_id in json.loads(forms or "[]")]

    def _insert_outbox(self, cur: Any, subs: Iterable[Submission]) -> None:
        planner = self.outbox_planner
        if planner is None:
            return
        accounts: dict[str, list[tuple[str, str]]] = {}
        rows = []
        tokens = Tokens()
        for sub in subs:
            if sub.form_id not in accounts:
                accounts[sub.form_id] = self.alert_accounts(cur, sub.form_id) if planner.email else []
            if planned := planner.plan(sub, accounts[sub.form_id]):
                when = self._time_to_db(sub.submitted_at)
                rows += [self._outbox_row(sub.reference, message, when, tokens.next()) for message in planned]
        if rows:
            cur.executemany(self._sql(_INSERT), rows)

    def _outbox_row(self, reference: str, message: PlannedMessage, when: Any, token: str) -> tuple[Any, ...]:
        # A staff address (the form file's mailboxes, staff accounts) is no one's personal data
        # from a submission; an applicant's is, and is encrypted, bound to this row.
        recipient = (message.recipient if message.kind in PLAIN_RECIPIENT
                     else self.codec.encode({"to": message.recipient}, "outbox:" + token))
        detail = (self.codec.encode({"text": message.detail}, "outbox-text:" + token) if message.kind in SECRET_DETAIL
                  else message.detail)
        return (token, message.kind, message.language, recipient, detail, when, when, reference)

    def queue_messages(self, reference: str, messages: Sequence[PlannedMessage], at: dt.datetime) -> int:
        """Store messages about an existing submission (a change of its case) in one transaction."""
        if not messages:
            return 0
        with self._transaction() as cur:
            self._insert_messages(cur, reference, messages, at)
            return len(messages)

    def _insert_messages(self, cur: Any, reference: str, messages: Sequence[PlannedMessage], at: dt.datetime) -> None:
        tokens, when = Tokens(), self._time_to_db(at)
        cur.executemany(self._sql(_INSERT), [self._outbox_row(reference, m, when, tokens.next()) for m in messages])

    def queue_account_message(self, recipient: str, language: str, detail: str, at: dt.datetime) -> None:
        """A message about a staff account (kind "staff-account"), in no submission's name."""
        token, when = Tokens().next(), self._time_to_db(at)
        with self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO outbox (submission_id, token, reference, form_id, kind, language, "
                                  "recipient, detail, created_at, status, next_attempt_at) "
                                  "VALUES (NULL, ?, '', '', 'staff-account', ?, ?, ?, ?, 'pending', ?)"),
                        (token, language, recipient, detail, when, when))

    # -- senders ---------------------------------------------------------------

    def claim_outbox(self, sender: str, now: dt.datetime, lease: dt.timedelta, limit: int = 50
                     ) -> list[OutboxMessage]:
        """Take up to `limit` due rows for `sender`: pending, due, and unclaimed or with a
        claim older than `lease` (its sender died mid-send). Claiming is no try: a try is
        counted when its outcome is recorded (`finish_outbox`)."""
        at, stale = self._time_to_db(now), self._time_to_db(now - lease)
        due = ("status = 'pending' AND next_attempt_at <= ? AND (claimed_at IS NULL OR claimed_at < ?)")
        with self._transaction() as cur:
            cur.execute(self._sql(
                f"UPDATE outbox SET claimed_at = ?, claimed_by = ? "
                f"WHERE id IN (SELECT id FROM outbox WHERE {due} ORDER BY id LIMIT ?{self._skip_locked()}) "
                f"AND {due} RETURNING {_COLUMNS}"),
                (at, sender, at, stale, limit, at, stale))
            rows = cur.fetchall()
        return sorted((self._outbox_message(row) for row in rows), key=lambda m: m.id)

    def finish_outbox(self, sender: str, outcomes: Sequence[Outcome], now: dt.datetime) -> None:
        """Record the outcomes of one sender's tries in one transaction, each counted as a
        try. A row whose claim another sender has taken since (after the lease) is left
        to that one."""
        if not outcomes:
            return
        at = self._time_to_db(now)
        tries = [(self._time_to_db(o.tried.at), o.tried.status_code, o.tried.duration_ms, o.tried.error[:200], o.id,
                  sender) for o in outcomes if o.tried is not None]
        with self._outcome_transaction() as cur:
            if tries:  # webhooks (e-mails log no tries)
                cur.executemany(self._sql(
                    "INSERT INTO outbox_tries (outbox_id, at, status_code, duration_ms, error) "
                    "SELECT id, ?, ?, ?, ? FROM outbox WHERE id = ? AND claimed_by = ?"), tries)
            for outcome in outcomes:
                if outcome.status == "sent":
                    cur.execute(self._sql(
                        "UPDATE outbox SET status = 'sent', sent_at = ?, recipient = '', last_error = '', "
                        "detail = CASE WHEN kind IN ('reply-email', 'reply-sms') THEN '' ELSE detail END, "
                        "attempts = attempts + 1, "
                        "claimed_at = NULL, claimed_by = NULL WHERE id = ? AND claimed_by = ?"),
                        (at, outcome.id, sender))
                else:
                    retry = self._time_to_db(outcome.retry_at or now)
                    cur.execute(self._sql(
                        "UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ?, attempts = attempts + 1, "
                        "claimed_at = NULL, claimed_by = NULL WHERE id = ? AND claimed_by = ?"),
                        (outcome.status, retry, outcome.error[:200], outcome.id, sender))

    @contextlib.contextmanager
    def _outcome_transaction(self) -> Iterator[Any]:
        """A transaction whose COMMIT does not wait for the disk (SQLite: synchronous=NORMAL
        for it, in WAL mode; PostgreSQL: synchronous_commit off for it). A killed process
        loses none of it (the system has it); only a power cut or a crash of the system
        (PostgreSQL: of its server) may forget the last outcomes, and then those messages
        are sent again, never lost. A sender records an outcome per message and waits for
        it before the next (sender.py): a flush of the disk each time (~18 ms on the
        benchmark machine) would make it several times slower."""
        if self.dialect != "sqlite":
            with self._transaction() as cur:
                cur.execute("SET LOCAL synchronous_commit TO OFF")
                yield cur
            return
        conn = self._conn()
        level = int(conn.execute("PRAGMA synchronous").fetchone()[0])
        conn.execute("PRAGMA synchronous=NORMAL")
        try:
            with self._transaction() as cur:
                yield cur
        finally:
            conn.execute(f"PRAGMA synchronous={level}")

    def renew_outbox(self, sender: str, ids: Sequence[int], now: dt.datetime) -> int:
        """Renew the claims `sender` still holds among rows `ids` (it is still working on
        them): another sender takes them only a lease after this. How many it holds."""
        if not ids:
            return 0
        with self._transaction() as cur:
            cur.execute(self._sql(f"UPDATE outbox SET claimed_at = ? WHERE id IN ({marks(ids)}) "
                                  f"AND claimed_by = ? AND status = 'pending'"),
                        (self._time_to_db(now), *ids, sender))
            return int(cur.rowcount)

    def outbox_counts(self) -> dict[str, int]:
        cur = self._conn().cursor()
        cur.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({status: int(n) for status, n in cur.fetchall()})
        return counts

    def outbox_messages(self, *, status: str | None = None, ids: Sequence[int] = (), kind: str | None = None,
                        newest: int | None = None) -> list[OutboxMessage]:
        """Rows by status, id or kind, oldest first; `newest`: only the last N (still oldest first)."""
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("status", status), ("kind", kind)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if ids:
            where.append(f"id IN ({marks(ids)})")
            params.extend(ids)
        sql = f"SELECT {_COLUMNS} FROM outbox" + (" WHERE " + " AND ".join(where) if where else "")
        if newest is not None:
            sql += " ORDER BY id DESC LIMIT ?"
            params.append(newest)
        cur = self._conn().cursor()
        cur.execute(self._sql(sql + ("" if newest is not None else " ORDER BY id")), params)
        return sorted((self._outbox_message(row) for row in cur.fetchall()), key=lambda m: m.id)

    def outbox_tries(self, message_ids: Sequence[int]) -> dict[int, list[Try]]:
        """The logged tries of these rows (webhooks), oldest first."""
        found: dict[int, list[Try]] = {id_: [] for id_ in message_ids}
        if not message_ids:
            return found
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT outbox_id, at, status_code, duration_ms, error FROM outbox_tries "
                              f"WHERE outbox_id IN ({marks(message_ids)}) ORDER BY id"), list(message_ids))
        for outbox_id, at, code, duration, error in cur.fetchall():
            found[int(outbox_id)].append(Try(at=self._time_from_db(at), status_code=None if code is None else int(code),
                                             duration_ms=int(duration), error=error))
        return found

    def retry_outbox(self, message_id: int, now: dt.datetime) -> bool:
        """A failed message goes back to the queue with its tries counted from zero."""
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, "
                                  "claimed_at = NULL, claimed_by = NULL WHERE id = ? AND status = 'failed'"),
                        (self._time_to_db(now), message_id))
            return int(cur.rowcount) == 1

    def _outbox_message(self, row: Sequence[Any]) -> OutboxMessage:
        (id_, token, reference, form_id, kind, language, recipient, detail, created, status, attempts,
         next_at, error) = row
        address = (recipient if kind in PLAIN_RECIPIENT or not recipient
                   else self.codec.decode(recipient, "outbox:" + token)["to"])
        if kind in SECRET_DETAIL and detail:
            detail = self.codec.decode(detail, "outbox-text:" + token)["text"]
        return OutboxMessage(id=id_, token=token, reference=reference, form_id=form_id, kind=kind,
                             language=language, recipient=address, detail=detail,
                             created_at=self._time_from_db(created), status=status, attempts=int(attempts),
                             next_attempt_at=self._time_from_db(next_at), last_error=error)
