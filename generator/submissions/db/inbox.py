"""The staff inbox's queries: counts per form, one page of a form's
submissions newest first (keyset on id, no OFFSET), a reference found exactly,
and the first opening of a submission (migration step 7: `opened_at`, NULL = new).

The list reads no answers: its rows carry only what the list shows, so nothing
is decrypted to draw it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

from .connection import Database, marks

PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxRow:
    """One line of the inbox list: no answers."""

    id: int
    reference: str
    form_id: str
    status: str
    submitted_at: dt.datetime
    opened_at: dt.datetime | None
    case_state: str | None
    due_at: dt.datetime | None
    closed_at: dt.datetime | None
    assigned_to: str | None
    priority: str = "normal"  # "normal" | "urgent"


_ROW = ("id, reference, form_id, status, submitted_at, opened_at, case_state, due_at, closed_at, assigned_to, "
        "priority")


class InboxQueries(Database):
    _count_accepted: Any  # db/submissions.py: store a submission's counted values once it is accepted

    def _inbox_row(self, row: Sequence[Any]) -> InboxRow:
        def time(value: Any) -> dt.datetime | None:
            return None if value is None else self._time_from_db(value)

        return InboxRow(id=row[0], reference=row[1], form_id=row[2], status=row[3],
                        submitted_at=self._time_from_db(row[4]), opened_at=time(row[5]), case_state=row[6],
                        due_at=time(row[7]), closed_at=time(row[8]), assigned_to=row[9],
                        priority=row[10])

    def inbox_counts(self, form_ids: Sequence[str], since: dt.datetime,
                     now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
        """Per form: new (accepted, never opened), suspected spam, everything since `since`,
        open cases, and open cases past their due date at `now` (none without `now`)."""
        counts = {form_id: {"new": 0, "spam": 0, "recent": 0, "open": 0, "overdue": 0} for form_id in form_ids}
        if not form_ids:
            return counts
        cur = self._conn().cursor()
        cur.execute(self._sql(
            "SELECT form_id, "
            "SUM(CASE WHEN status = 'accepted' AND opened_at IS NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN status = 'suspected-spam' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN submitted_at >= ? THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN case_state IS NOT NULL AND closed_at IS NULL THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN case_state IS NOT NULL AND closed_at IS NULL AND due_at < ? THEN 1 ELSE 0 END) "
            f"FROM submissions WHERE form_id IN ({marks(form_ids)}) GROUP BY form_id"),
            [self._time_to_db(since), self._time_to_db(now) if now else None, *form_ids])
        for form_id, new, spam, recent, open_, overdue in cur.fetchall():
            counts[form_id] = {"new": int(new or 0), "spam": int(spam or 0), "recent": int(recent or 0),
                               "open": int(open_ or 0), "overdue": int(overdue or 0)}
        return counts

    def inbox_page(self, form_id: str, *, status: str = "accepted", opened: bool | None = None,
                   since: dt.datetime | None = None, until: dt.datetime | None = None,
                   older_than: int | None = None, newer_than: int | None = None,
                   case_states: Sequence[str] | None = None, assigned_to: str | None = None,
                   unassigned: bool = False, overdue_at: dt.datetime | None = None,
                   limit: int = PAGE_SIZE) -> tuple[list[InboxRow], bool]:
        """Up to `limit` rows, urgent first and newest first within each priority ('urgent' sorts
        after 'normal'), after (or before) a row id in that order; and whether there are more in
        the direction read."""
        where: list[str] = ["form_id = ?", "status = ?"]
        params: list[Any] = [form_id, status]
        if opened is not None:
            where.append("opened_at IS NOT NULL" if opened else "opened_at IS NULL")
        if since is not None:
            where.append("submitted_at >= ?")
            params.append(self._time_to_db(since))
        if until is not None:
            where.append("submitted_at < ?")
            params.append(self._time_to_db(until))
        if case_states:
            where.append(f"case_state IN ({marks(case_states)})")
            params.extend(case_states)
        if assigned_to is not None:
            where.append("assigned_to = ?")
            params.append(assigned_to)
        if unassigned:
            where.append("assigned_to IS NULL")
        if overdue_at is not None:
            where.append("closed_at IS NULL AND due_at IS NOT NULL AND due_at < ?")
            params.append(self._time_to_db(overdue_at))
        order = "DESC"
        # The page's edge row keeps its place in (priority, id) order even if its priority changed.
        edge = "(SELECT e.priority FROM submissions e WHERE e.id = ?)"
        if newer_than is not None:
            where.append(f"(priority, id) > ({edge}, ?)")
            params.extend([newer_than, newer_than])
            order = "ASC"
        elif older_than is not None:
            where.append(f"(priority, id) < ({edge}, ?)")
            params.extend([older_than, older_than])
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT {_ROW} FROM submissions WHERE {' AND '.join(where)} "
                              f"ORDER BY priority {order}, id {order} LIMIT ?"), [*params, limit + 1])
        rows = [self._inbox_row(row) for row in cur.fetchall()]
        more = len(rows) > limit
        rows = rows[:limit]
        if order == "ASC":
            rows.reverse()
        return rows, more

    def inbox_find(self, references: Sequence[str] = (), ids: Sequence[int] = ()) -> list[InboxRow]:
        """The rows with these references or ids (any status), newest first; no answers."""
        found: list[InboxRow] = []
        cur = self._conn().cursor()
        if references:
            cur.execute(self._sql(f"SELECT {_ROW} FROM submissions WHERE reference IN ({marks(references)})"),
                        list(references))
            found.extend(self._inbox_row(row) for row in cur.fetchall())
        if ids:
            cur.execute(self._sql(f"SELECT {_ROW} FROM submissions WHERE id IN ({marks(ids)})"), list(ids))
            found.extend(self._inbox_row(row) for row in cur.fetchall())
        unique = {row.id: row for row in found}
        return sorted(unique.values(), key=lambda row: row.id, reverse=True)

    def ids_by_digests(self, digests: Sequence[str]) -> list[int]:
        """The ids of the submissions holding one of these identifier hashes (no decryption)."""
        if not digests:
            return []
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT DISTINCT submission_id FROM submission_lookups "
                              f"WHERE digest IN ({marks(digests)})"), list(digests))
        return [int(row[0]) for row in cur.fetchall()]

    def digests_of(self, submission_id: int) -> list[tuple[str, str]]:
        """(kind, digest) of one submission's identifiers (not the words of names: many people share one)."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT kind, digest FROM submission_lookups WHERE submission_id = ? "
                              "AND kind <> 'name'"),
                    (submission_id,))
        return [(row[0], row[1]) for row in cur.fetchall()]

    def mark_opened(self, reference: str, at: dt.datetime) -> bool:
        """The first opening by any staff member; False if it was already opened."""
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE submissions SET opened_at = ? WHERE reference = ? AND opened_at IS NULL"),
                        (self._time_to_db(at), reference))
            return bool(cur.rowcount)

    def release_spam(self, reference: str) -> bool:
        """A suspected-spam submission becomes accepted; False if it was not spam."""
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE submissions SET status = 'accepted' "
                                  "WHERE reference = ? AND status = 'suspected-spam'"), (reference,))
            if not cur.rowcount:
                return False
            self._count_accepted(cur, reference)  # reports count it from now on (db/submissions.py)
            return True
