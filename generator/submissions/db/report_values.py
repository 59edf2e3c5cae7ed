"""The `report_values` and `report_monthly` tables (migration step 7): the values
of `report: true` fields (choices and ratings, never free text) in a form the
database can count, so the staff reports never decrypt answers.

A submission's values are written in the same transaction as the submission
and deleted with it by cascade (purge, subject delete). Before a purge deletes
a submission, its values are added to `report_monthly` as one count per form,
Gregorian month and combination of values: no reference, no free text, so
multi-year trends survive the retention period.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping, Sequence

from generator.submissions.records import Submission

from .connection import Database, marks

INSERT_VALUE = ("INSERT INTO report_values (submission_id, form_id, submitted_at, field, value) "
                "SELECT id, form_id, submitted_at, ?, ? FROM submissions WHERE reference = ?")
ADD_MONTHLY = ("INSERT INTO report_monthly (form_id, month, combination, count) VALUES (?, ?, ?, ?) "
               "ON CONFLICT (form_id, month, combination) DO UPDATE SET count = report_monthly.count + excluded.count")


def report_fields_of(forms: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """{form id: names of its `report: true` fields} for loaded forms."""
    return {form_id: tuple(f.name for f in form.fields if getattr(f, "report", False))
            for form_id, form in forms.items()}


def values_of(answer: Any) -> list[str]:
    """The counted text of one answer: each choice of a list, a rating as digits."""
    if answer is None or answer == "":
        return []
    if isinstance(answer, list):
        return [str(item) for item in answer]
    return [str(answer)]


class ReportQueries(Database):
    report_fields: Mapping[str, tuple[str, ...]]

    def _report_rows(self, subs: Iterable[Submission]) -> list[tuple[str, str, str]]:
        fields = getattr(self, "report_fields", None) or {}
        return [(name, value, sub.reference) for sub in subs if sub.status == "accepted"
                for name in fields.get(sub.form_id, ()) for value in sorted(set(values_of(sub.answers.get(name))))]

    def _insert_report_values(self, cur: Any, subs: Iterable[Submission]) -> None:
        if rows := self._report_rows(subs):
            cur.executemany(self._sql(INSERT_VALUE), rows)

    def _keep_monthly_counts(self, cur: Any, where: str, params: Sequence[Any]) -> None:
        """Add the counted values of the submissions `where` selects to report_monthly."""
        cur.execute(self._sql(f"SELECT submission_id, form_id, submitted_at, field, value FROM report_values "
                              f"WHERE submission_id IN (SELECT id FROM submissions WHERE {where})"), list(params))
        by_submission: dict[Any, tuple[str, str, list[str]]] = {}
        for sid, form_id, at, field, value in cur.fetchall():
            month = self._time_from_db(at).strftime("%Y-%m")
            by_submission.setdefault(sid, (form_id, month, []))[2].append(f"{field}={value}")
        counts: dict[tuple[str, str, str], int] = {}
        for form_id, month, pairs in by_submission.values():
            key = (form_id, month, ";".join(sorted(pairs)))
            counts[key] = counts.get(key, 0) + 1
        if counts:
            cur.executemany(self._sql(ADD_MONTHLY), [(*key, n) for key, n in sorted(counts.items())])

    def report_counts(self, form_id: str, fields: Sequence[str], start: dt.datetime, end: dt.datetime, *,
                      by: str | None = None) -> list[tuple[str | None, str, str, int]]:
        """(group value or None, field, value, number of submissions) for these fields in
        [start, end), grouped by the value of the field `by` when given; counted by the database."""
        if not fields:
            return []
        cur = self._conn().cursor()
        span = (self._time_to_db(start), self._time_to_db(end))
        if by is None:
            cur.execute(self._sql(f"SELECT NULL, field, value, COUNT(*) FROM report_values WHERE form_id = ? "
                                  f"AND field IN ({marks(fields)}) AND submitted_at >= ? AND submitted_at < ? "
                                  f"GROUP BY field, value"), (form_id, *fields, *span))
        else:
            cur.execute(self._sql(
                f"SELECT g.value, r.field, r.value, COUNT(*) FROM report_values r JOIN report_values g "
                f"ON g.submission_id = r.submission_id AND g.field = ? WHERE r.form_id = ? "
                f"AND r.field IN ({marks(fields)}) AND r.submitted_at >= ? AND r.submitted_at < ? "
                f"GROUP BY g.value, r.field, r.value"), (by, form_id, *fields, *span))
        return [(group, field, value, int(n)) for group, field, value, n in cur.fetchall()]

    def monthly_counts(self, form_id: str) -> list[tuple[str, str, int]]:
        """(month, combination, count) rows kept for a form after purges."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT month, combination, count FROM report_monthly WHERE form_id = ? "
                              "ORDER BY month, combination"), (form_id,))
        return [(m, c, int(n)) for m, c, n in cur.fetchall()]
