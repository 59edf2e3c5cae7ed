"""The staff inbox's queries: counts per form, one page of a form's
submissions newest first (keyset on id, no OFFSET), a reference found exactly,
and the first opening of a submission (migration step 7: `opened_at`, NULL = new).

The rows carry no answers: the list's summary answers (the form's `summary:`)
are read by `inbox_answers` for the rows of the page shown only, decrypted in
memory and kept nowhere; its filters by choice read report_values (no decryption).
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


#: The orders the list may be sorted in (`?sort=`): newest first (keyset on id), the
#: earliest due date first (no due date last), and by the workflow's order of states.
SORTS = ("received", "due", "state")


class InboxQueries(Database):
    _count_accepted: Any  # db/submissions.py: store a submission's counted values once it is accepted
    codec: Any  # db/submissions.py: answers <-> the stored (encrypted) text
    report_fields: Any  # store.py: {form id: its `report: true` field names, in column order}

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
                   choices: Sequence[tuple[str, str]] = (), sort: str = "received",
                   state_order: Sequence[str] = (), page: int = 0,
                   limit: int = PAGE_SIZE) -> tuple[list[InboxRow], bool]:
        """Up to `limit` rows, urgent first and newest first within each priority ('urgent' sorts
        after 'normal'), after (or before) a row id in that order; and whether there are more in
        the direction read. `choices`: (field, value) of `report: true` single choices the rows
        must have (read from report_values, no decryption). Sorted by due date or state (`sort`),
        the rows are read a `page` at a time (such a list is read a few pages deep, not paged
        through), along indexes (`_sorted_page`)."""
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
        names = list((getattr(self, "report_fields", None) or {}).get(form_id, ()))
        for field, value in choices:
            if field in names:
                # probed row by row along the list's order (report_values' key is the submission's id)
                where.append(f"EXISTS (SELECT 1 FROM report_values r WHERE r.submission_id = submissions.id "
                             f"AND r.v{names.index(field) + 1} = ?)")
                params.append(value)
        if sort in ("due", "state"):
            rows = self._sorted_page(where, params, sort, state_order, max(page, 0), limit)
            return rows[:limit], len(rows) > limit
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

    def _sorted_page(self, where: list[str], params: list[Any], sort: str, state_order: Sequence[str],
                     page: int, limit: int) -> list[InboxRow]:
        """One page (and one row more) of the list sorted by due date or by state, read along
        indexes (migration step 21), never by sorting every row of the form: the rows are
        split into parts each read in index order, the first `page`'s worth and one page more
        of each, and merged. By due date: open cases with a due date, earliest first, then the
        rest (closed, or no due date). By state: each state's rows newest first, in the
        workflow's order; states outside it (a changed workflow) and no state last, newest first."""
        sql, values = self._sorted_query(where, params, sort, state_order, page, limit)
        cur = self._conn().cursor()
        cur.execute(sql, values)
        return [self._inbox_row(row[1:]) for row in cur.fetchall()]

    def _sorted_query(self, where: list[str], params: list[Any], sort: str, state_order: Sequence[str],
                      page: int, limit: int) -> tuple[str, list[Any]]:
        wanted = (page + 1) * limit + 1
        parts: list[tuple[int, str, list[Any]]]  # (rank, condition, its values)
        if sort == "due":
            parts = [(0, "closed_at IS NULL AND due_at IS NOT NULL", []),
                     (1, "(closed_at IS NOT NULL OR due_at IS NULL)", [])]
            order = merged = "due_at, id"
        elif state_order:
            present = self._states_present(where[:2], params[:2])
            parts = [(rank, "case_state = ?", [state]) for rank, state in enumerate(state_order) if state in present]
            rest = len(state_order)
            parts += [(rest, "case_state = ?", [state]) for state in sorted(present - set(state_order))]
            parts.append((rest, "case_state IS NULL", []))
            # each part's state is one value: ordered as the state index reads it, backwards
            order, merged = "case_state DESC, id DESC", "id DESC"
        else:
            parts, order, merged = [(0, "1 = 1", [])], "id DESC", "id DESC"
        selects: list[str] = []
        values: list[Any] = []
        for rank, condition, extra in parts:
            selects.append(f"SELECT * FROM (SELECT {rank} AS part, {_ROW} FROM submissions "
                           f"WHERE {' AND '.join([*where, condition])} ORDER BY {order} LIMIT ?) p{len(selects)}")
            values.extend([*params, *extra, wanted])
        return (self._sql(f"{' UNION ALL '.join(selects)} ORDER BY part, {merged} LIMIT ? OFFSET ?"),
                [*values, limit + 1, page * limit])

    def _states_present(self, where: list[str], params: list[Any]) -> set[str]:
        """The case states the form's rows of this status have: a loose scan of the state index,
        one seek per state (the smallest state after the last one found), not a read of the
        form's rows."""
        form = " AND ".join(where)
        cur = self._conn().cursor()
        cur.execute(self._sql(
            f"WITH RECURSIVE present (state) AS (SELECT MIN(case_state) FROM submissions WHERE {form} "
            f"UNION ALL SELECT (SELECT MIN(case_state) FROM submissions WHERE {form} AND case_state > present.state) "
            "FROM present WHERE present.state IS NOT NULL) SELECT state FROM present WHERE state IS NOT NULL"),
            [*params, *params])
        return {row[0] for row in cur.fetchall()}

    def my_open_cases(self, assigned_to: str, form_ids: Sequence[str], limit: int = 10) -> list[InboxRow]:
        """The open cases assigned to one person in these forms, the most overdue (earliest
        due date) first, cases without a due date last: the start of the home page."""
        if not form_ids:
            return []
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT {_ROW} FROM submissions WHERE form_id IN ({marks(form_ids)}) "
                              "AND status = 'accepted' AND assigned_to = ? AND case_state IS NOT NULL "
                              "AND closed_at IS NULL "
                              "ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id LIMIT ?"),
                    [*form_ids, assigned_to, limit])
        return [self._inbox_row(row) for row in cur.fetchall()]

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

    def inbox_answers(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The answers of these rows (one page of the list), decrypted here and kept nowhere."""
        if not ids:
            return {}
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT id, reference, answers FROM submissions WHERE id IN ({marks(ids)})"),
                    list(ids))
        return {int(row[0]): self.codec.decode(row[2], row[1]) for row in cur.fetchall()}

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
