"""The `report_values` and `report_monthly` tables (migration step 7): the values
of `report: true` fields (choices and ratings, never free text) in a form the
database can count, so the staff reports never decrypt answers.

Each submission of a form with such fields has one row: its counted values as
one JSON object (`combination`, keys sorted), written in the same transaction
as the submission and deleted with it by cascade (purge, subject delete). A
report counts a period with one GROUP BY on the index (form, time, combination):
the database returns one count per distinct combination, never a row per
submission. Before a purge deletes a submission, its combination is added to
`report_monthly`: one count per form, Gregorian month and combination, with no
reference and no free text, so multi-year trends survive the retention period.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable, Mapping, Sequence

from generator.submissions.records import Submission

from .connection import Database

INSERT_VALUES = ("INSERT INTO report_values (submission_id, form_id, submitted_at, combination) "
                 "SELECT id, form_id, submitted_at, ? FROM submissions WHERE reference = ?")
ADD_MONTHLY = ("INSERT INTO report_monthly (form_id, month, combination, count) VALUES (?, ?, ?, ?) "
               "ON CONFLICT (form_id, month, combination) DO UPDATE SET count = report_monthly.count + excluded.count")


def report_fields_of(forms: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """{form id: names of its `report: true` fields} for loaded forms."""
    return {form_id: tuple(f.name for f in form.fields if getattr(f, "report", False))
            for form_id, form in forms.items()}


def combination(answers: Mapping[str, Any], fields: Sequence[str]) -> str:
    """The counted values of one submission as JSON text: a choice or rating as text, a
    list of choices as a sorted list of texts; unanswered fields left out."""
    values: dict[str, Any] = {}
    for name in fields:
        answer = answers.get(name)
        if answer is None or answer == "" or answer == []:
            continue
        values[name] = sorted({str(item) for item in answer}) if isinstance(answer, list) else str(answer)
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class ReportQueries(Database):
    report_fields: Mapping[str, tuple[str, ...]]

    def _report_rows(self, subs: Iterable[Submission]) -> list[tuple[str, str]]:
        fields = getattr(self, "report_fields", None) or {}
        return [(combination(sub.answers, fields[sub.form_id]), sub.reference) for sub in subs
                if sub.status == "accepted" and fields.get(sub.form_id)]

    def _insert_report_values(self, cur: Any, subs: Iterable[Submission]) -> None:
        if rows := self._report_rows(subs):
            cur.executemany(self._sql(INSERT_VALUES), rows)

    def _keep_monthly_counts(self, cur: Any, where: str, params: Sequence[Any]) -> None:
        """Add the counted values of the submissions `where` selects to report_monthly."""
        cur.execute(self._sql(f"SELECT form_id, submitted_at, combination FROM report_values "
                              f"WHERE submission_id IN (SELECT id FROM submissions WHERE {where})"), list(params))
        counts: dict[tuple[str, str, str], int] = {}
        for form_id, at, values in cur.fetchall():
            key = (form_id, self._time_from_db(at).strftime("%Y-%m"), values)
            counts[key] = counts.get(key, 0) + 1
        if counts:
            cur.executemany(self._sql(ADD_MONTHLY), [(*key, n) for key, n in sorted(counts.items())])

    def report_counts(self, form_id: str, start: dt.datetime, end: dt.datetime) -> list[tuple[dict[str, Any], int]]:
        """(counted values, number of submissions with exactly these) for [start, end),
        counted by the database."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT combination, COUNT(*) FROM report_values WHERE form_id = ? "
                              "AND submitted_at >= ? AND submitted_at < ? GROUP BY combination"),
                    (form_id, self._time_to_db(start), self._time_to_db(end)))
        return [(json.loads(values), int(n)) for values, n in cur.fetchall()]

    def monthly_counts(self, form_id: str) -> list[tuple[str, dict[str, Any], int]]:
        """(month, counted values, count) rows kept for a form after purges."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT month, combination, count FROM report_monthly WHERE form_id = ? "
                              "ORDER BY month, combination"), (form_id,))
        return [(month, json.loads(values), int(n)) for month, values, n in cur.fetchall()]
