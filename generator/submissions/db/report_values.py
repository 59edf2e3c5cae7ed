"""The `report_values` and `report_monthly` tables (migration step 8): the values
of `report: true` fields (choices and ratings, never free text) in a form the
database can count, so the staff reports never decrypt answers.

Each submission of a form with such fields has one row: its counted values in
the columns v1..v8, in the order the form lists its `report: true` fields (a
list of choices as JSON text), written in the same transaction as the
submission and deleted with it by cascade (purge, subject delete). A report
counts a period with GROUP BY on those columns: the database returns one count
per group, never a row per submission. Before a purge deletes a submission,
its values (as one JSON object, keys sorted) are added to
`report_monthly`: one count per form, Gregorian month and combination, with no
reference and no free text, so multi-year trends survive the retention period.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable, Mapping, Sequence

from generator.submissions.records import Submission

from .connection import Database

COLUMNS = tuple(f"v{i}" for i in range(1, 9))  # at most 8 counted fields per form
INSERT_VALUES = (f"INSERT INTO report_values (submission_id, form_id, submitted_at, {', '.join(COLUMNS)}) "
                 f"SELECT id, form_id, submitted_at, {', '.join('?' for _ in COLUMNS)} FROM submissions "
                 f"WHERE reference = ?")
ADD_MONTHLY = ("INSERT INTO report_monthly (form_id, month, combination, count) VALUES (?, ?, ?, ?) "
               "ON CONFLICT (form_id, month, combination) DO UPDATE SET count = report_monthly.count + excluded.count")


def report_fields_of(forms: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """{form id: names of its `report: true` fields (the first 8)} for loaded forms."""
    return {form_id: tuple(f.name for f in form.fields if getattr(f, "report", False))[:len(COLUMNS)]
            for form_id, form in forms.items()}


def stored_value(answer: Any) -> str | None:
    """A choice or rating as text, a list of choices as JSON text, None if unanswered."""
    if answer is None or answer == "" or answer == []:
        return None
    if isinstance(answer, list):
        return json.dumps(sorted({str(item) for item in answer}), ensure_ascii=False, separators=(",", ":"))
    return str(answer)


class ReportQueries(Database):
    report_fields: Mapping[str, tuple[str, ...]]

    def _report_rows(self, subs: Iterable[Submission]) -> list[tuple[str | None, ...]]:
        fields = getattr(self, "report_fields", None) or {}
        rows = []
        for sub in subs:
            names = fields.get(sub.form_id)
            if sub.status == "accepted" and names:
                values = [stored_value(sub.answers.get(name)) for name in names]
                rows.append((*values, *([None] * (len(COLUMNS) - len(values))), sub.reference))
        return rows

    def _columns(self, form_id: str, names: Sequence[str]) -> list[str]:
        order = list((getattr(self, "report_fields", None) or {}).get(form_id, ()))
        return [COLUMNS[order.index(name)] for name in names]

    def _insert_report_values(self, cur: Any, subs: Iterable[Submission]) -> None:
        if rows := self._report_rows(subs):
            cur.executemany(self._sql(INSERT_VALUES), rows)

    def _keep_monthly_counts(self, cur: Any, where: str, params: Sequence[Any]) -> None:
        """Add the counted values of the submissions `where` selects to report_monthly."""
        cur.execute(self._sql(f"SELECT form_id, submitted_at, {', '.join(COLUMNS)} FROM report_values "
                              f"WHERE submission_id IN (SELECT id FROM submissions WHERE {where})"), list(params))
        fields = getattr(self, "report_fields", None) or {}
        counts: dict[tuple[str, str, str], int] = {}
        for form_id, at, *stored in cur.fetchall():
            named = {name: value for name, value in zip(fields.get(form_id, ()), stored) if value is not None}
            values = json.dumps(named, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            key = (form_id, self._time_from_db(at).strftime("%Y-%m"), values)
            counts[key] = counts.get(key, 0) + 1
        if counts:
            cur.executemany(self._sql(ADD_MONTHLY), [(*key, n) for key, n in sorted(counts.items())])

    def report_counts(self, form_id: str, start: dt.datetime, end: dt.datetime, groups: Sequence[str],
                      field: str) -> list[tuple[tuple[str | None, ...], str | None, int]]:
        """((value of each grouping field), value of `field`, number of submissions) in
        [start, end), counted by the database with one GROUP BY."""
        columns = self._columns(form_id, [*groups, field])
        cur = self._conn().cursor()
        listed = ", ".join(columns)
        cur.execute(self._sql(f"SELECT {listed}, COUNT(*) FROM report_values WHERE form_id = ? "
                              f"AND submitted_at >= ? AND submitted_at < ? GROUP BY {listed}"),
                    (form_id, self._time_to_db(start), self._time_to_db(end)))
        return [(tuple(row[:-2]), row[-2], int(row[-1])) for row in cur.fetchall()]

    def monthly_counts(self, form_id: str) -> list[tuple[str, dict[str, Any], int]]:
        """(month, counted values, count) rows kept for a form after purges."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT month, combination, count FROM report_monthly WHERE form_id = ? "
                              "ORDER BY month, combination"), (form_id,))
        return [(month, json.loads(values), int(n)) for month, values, n in cur.fetchall()]
