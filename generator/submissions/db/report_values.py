"""The `report_values` and `report_monthly` tables (migration step 8): the values
of `report: true` fields (choices and ratings, never free text) in a form the
database can count, so the staff reports never decrypt answers.

Each submission of a form with such fields has one row: its counted values in
the columns v1..v8, in the order the form listed its `report: true` fields when
the row was written (a list of choices as JSON text), with those field names in
`fields` (migration step 11) so an edited form file never misreads old rows; written in the same transaction as the
submission and deleted with it by cascade (purge, subject delete). A report
counts a period with GROUP BY on those columns: the database returns one count
per group, never a row per submission. Before a purge deletes a submission,
its values (as one JSON object, keys sorted) are added to
`report_monthly`: one count per form, Gregorian month and combination, with no
reference and no free text, so multi-year trends survive the retention period.

Reports do not count those rows: `report_counts` (migration step 10) keeps, per
form and month of each calendar, the number of submissions with each value of
each counted field, and of each rating beside each value of each grouping
choice. It is added to in the submission's transaction and taken from by
`subject delete`, and a purge leaves it alone, so a report of any whole period
(a month, a quarter or a year, old or new) sums at most 12 months of counts.

A submission's month (in report_counts and report_monthly) is that of its date
in the organisation's time zone (the store's `time_zone`, content/settings.yml),
as the inbox shows it: sent at 01:00 on 1 March in Riyadh, it counts in March.
Counts made before migration step 12 were by UTC date; step 12 empties
report_counts so `fill_report_counts` makes them again by local date. Months
purged before step 12 (only in report_monthly) stay as they were counted, by UTC.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import zoneinfo
from collections import Counter
from typing import Any, Iterable, Iterator, Mapping, Sequence

from hijridate import Gregorian

from generator.core.organisation import DEFAULT_TIME_ZONE
from generator.forms.check_report import MAX_REPORT_FIELDS
from generator.submissions.records import Submission

from .connection import Database, chunks, marks

COLUMNS = tuple(f"v{i}" for i in range(1, MAX_REPORT_FIELDS + 1))  # the checker refuses more
INSERT_VALUES = (f"INSERT INTO report_values (submission_id, form_id, submitted_at, fields, {', '.join(COLUMNS)}) "
                 f"SELECT id, form_id, submitted_at, ?, {', '.join('?' for _ in COLUMNS)} FROM submissions "
                 f"WHERE reference = ?")
#: The same, or the values of the form's current fields written again over an older row (fill_report_values).
UPSERT_VALUES = (f"{INSERT_VALUES} ON CONFLICT (submission_id) DO UPDATE SET fields = excluded.fields, "
                 + ", ".join(f"{column} = excluded.{column}" for column in COLUMNS))
STORED = f"form_id, submitted_at, fields, {', '.join(COLUMNS)}"  # what readers of stored rows select
ADD_COUNTS = ("INSERT INTO report_counts (form_id, calendar, month, by_field, by_value, field, value, count) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (form_id, calendar, month, by_field, by_value, field, value) "
              "DO UPDATE SET count = report_counts.count + excluded.count")
ADD_MONTHLY = ("INSERT INTO report_monthly (form_id, month, combination, count) VALUES (?, ?, ?, ?) "
               "ON CONFLICT (form_id, month, combination) DO UPDATE SET count = report_monthly.count + excluded.count")


def report_fields_of(forms: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """{form id: names of its `report: true` fields (the first 8)} for loaded forms."""
    return {form_id: tuple(f.name for f in form.fields if getattr(f, "report", False))[:len(COLUMNS)]
            for form_id, form in forms.items()}


def fields_text(names: Sequence[str]) -> str:
    """The `fields` column of a row written with these counted fields."""
    return json.dumps(list(names))


def report_roles_of(forms: Mapping[str, Any]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """{form id: (its counted single choices, its counted ratings)}: each rating is also
    counted beside each value of each of those choices (a list of choices groups nothing)."""
    roles = {}
    for form_id, form in forms.items():
        counted = [f for f in form.fields if getattr(f, "report", False)][:len(COLUMNS)]
        groups = tuple(f.name for f in counted if f.type == "string" and f.options)
        ratings = tuple(f.name for f in counted if f.type == "integer")
        roles[form_id] = (groups, ratings)
    return roles


@functools.lru_cache(maxsize=4096)
def months_of(day: dt.date) -> tuple[tuple[str, str], ...]:
    """(calendar, 'YYYY-MM') of the day in each calendar (Umm al-Qura only within its tables)."""
    months = [("gregorian", f"{day.year:04d}-{day.month:02d}")]
    try:
        hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    except (ValueError, OverflowError):  # outside 1343-1500 AH
        return tuple(months)
    months.append(("hijri", f"{hijri.year:04d}-{hijri.month:02d}"))
    return tuple(months)


def marginals(values: Mapping[str, str | None], groups: Sequence[str],
              ratings: Sequence[str]) -> Iterator[tuple[str, str, str, str]]:
    """(by_field, by_value, field, value) counted once for one submission's values."""
    for name, value in values.items():
        if value is not None:
            yield "", "", name, value
    for group in groups:
        if (by_value := values.get(group)) is None:
            continue
        for rating in ratings:
            if (value := values.get(rating)) is not None:
                yield group, by_value, rating, value


def stored_value(answer: Any) -> str | None:
    """A choice or rating as text, a list of choices as JSON text, None if unanswered."""
    if answer is None or answer == "" or answer == []:
        return None
    if isinstance(answer, list):
        return json.dumps(sorted({str(item) for item in answer}), ensure_ascii=False, separators=(",", ":"))
    return str(answer)


class ReportQueries(Database):
    # The store's read-only `report_fields`, `report_roles` and `time_zone` (the organisation's:
    # months start at its midnight) are its wiring, given when it is opened (store.py).

    def _local_day(self, at: dt.datetime) -> dt.date:
        """The day `at` falls on in the organisation's time zone (the month it is counted in)."""
        return at.astimezone(zoneinfo.ZoneInfo(getattr(self, "time_zone", None) or DEFAULT_TIME_ZONE)).date()

    def _report_rows(self, subs: Iterable[Submission]) -> list[tuple[str | None, ...]]:
        fields = getattr(self, "report_fields", None) or {}
        rows = []
        for sub in subs:
            names = fields.get(sub.form_id)
            if sub.status == "accepted" and names:
                values = [stored_value(sub.answers.get(name)) for name in names]
                rows.append((fields_text(names), *values, *([None] * (len(COLUMNS) - len(values))),
                             sub.reference))
        return rows

    def _named(self, form_id: str, fields: str | None, stored: Sequence[Any]) -> dict[str, Any]:
        """A stored row's values by field name: by the names written with it, or (a row
        from before step 11) by the form's current order."""
        names = json.loads(fields) if fields else (getattr(self, "report_fields", None) or {}).get(form_id, ())
        return dict(zip(names, stored))

    def _columns(self, form_id: str, names: Sequence[str]) -> list[str]:
        order = list((getattr(self, "report_fields", None) or {}).get(form_id, ()))
        return [COLUMNS[order.index(name)] for name in names]

    def _insert_report_values(self, cur: Any, subs: Iterable[Submission]) -> None:
        if rows := self._report_rows(subs):
            cur.executemany(self._sql(INSERT_VALUES), rows)
            fields = getattr(self, "report_fields", None) or {}
            by_reference = {sub.reference: sub for sub in subs}
            counts: Counter[tuple[str, ...]] = Counter()
            for _names, *values, reference in rows:
                sub = by_reference[reference]  # type: ignore[index]
                self._count(counts, sub.form_id, sub.submitted_at, dict(zip(fields[sub.form_id], values)))
            self._add_counts(cur, counts)

    def _rewrite_report_values(self, cur: Any, form_id: str, subs: Sequence[Submission]) -> None:
        """Write the rows of stored submissions again (none yet, or made for other fields) and
        correct the form's counts in the same transaction: each old row's values (by the fields
        written with it) taken out, the new ones added. Never a recount: the months of purged
        submissions live only in report_counts (the Hijri ones nowhere else), so a recount would
        lose them. A row another start rewrote meanwhile is left as it is (read under the lock)."""
        self._lock_report_rewrite(cur)
        fields: Mapping[str, tuple[str, ...]] = getattr(self, "report_fields", None) or {}
        current = fields_text(fields.get(form_id, ()))
        by_id = {sub.id: sub for sub in subs}
        counts: Counter[tuple[str, ...]] = Counter()
        done: set[int] = set()
        for chunk in chunks(sorted(by_id)):
            cur.execute(self._sql(f"SELECT submission_id, {STORED} FROM report_values "
                                  f"WHERE submission_id IN ({marks(chunk)})"), chunk)
            for submission_id, form, at, names, *stored in cur.fetchall():
                if names == current:
                    done.add(submission_id)
                else:
                    self._count(counts, form, self._time_from_db(at), self._named(form, names, stored), -1)
        todo = [sub for sub in subs if sub.id not in done]
        if rows := self._report_rows(todo):
            cur.executemany(self._sql(UPSERT_VALUES), rows)
            for sub in todo:
                if sub.status == "accepted" and (names := fields.get(sub.form_id)):  # as _report_rows writes
                    values = [stored_value(sub.answers.get(name)) for name in names]
                    self._count(counts, sub.form_id, sub.submitted_at, dict(zip(names, values)))
        self._add_counts(cur, counts)

    def _lock_report_rewrite(self, cur: Any) -> None:
        """One start at a time rewrites stored rows (PostgreSQL; SQLite has one writer)."""

    def _count(self, counts: Counter[tuple[str, ...]], form_id: str, at: dt.datetime,
               values: Mapping[str, str | None], n: int = 1) -> None:
        """Add n (or take away, n < 0) one submission's values to `counts`, keyed as report_counts."""
        groups, ratings = (getattr(self, "report_roles", None) or {}).get(form_id, ((), ()))
        day = self._local_day(at)
        for calendar, month in months_of(day):
            for key in marginals(values, groups, ratings):
                counts[(form_id, calendar, month, *key)] += n

    def _add_counts(self, cur: Any, counts: Counter[tuple[str, ...]]) -> None:
        if rows := [(*key, n) for key, n in sorted(counts.items()) if n]:
            cur.executemany(self._sql(ADD_COUNTS), rows)
            if any(n < 0 for n in counts.values()):
                cur.execute("DELETE FROM report_counts WHERE count <= 0")

    def _forget_counts(self, cur: Any, where: str, params: Sequence[Any]) -> None:
        """Take the values of the submissions `where` selects out of report_counts (subject delete)."""
        cur.execute(self._sql(f"SELECT {STORED} FROM report_values "
                              f"WHERE submission_id IN (SELECT id FROM submissions WHERE {where})"), list(params))
        counts: Counter[tuple[str, ...]] = Counter()
        for form_id, at, names, *stored in cur.fetchall():
            self._count(counts, form_id, self._time_from_db(at), self._named(form_id, names, stored), -1)
        self._add_counts(cur, counts)

    def _lock_report_values(self, cur: Any) -> None:
        """Hold back other writers of report_values while counts are rebuilt (PostgreSQL)."""

    def fill_report_counts(self, now: dt.datetime) -> list[str]:
        """Once per form (report_counts_filled), build its counts from the rows stored
        before migration step 10: report_values (both calendars) and report_monthly
        (Gregorian months only: a Gregorian month's combinations cannot be split into
        Hijri months). The forms filled now."""
        fields = getattr(self, "report_fields", None) or {}
        cur = self._conn().cursor()
        cur.execute("SELECT form_id FROM report_counts_filled")
        done = {row[0] for row in cur.fetchall()}
        filled = []
        for form_id in sorted(fields):
            if not fields[form_id] or form_id in done:  # most starts: nothing to do, nothing locked
                continue
            with self._transaction() as cur:
                self._lock_report_values(cur)
                cur.execute(self._sql("INSERT INTO report_counts_filled (form_id, filled_at) VALUES (?, ?) "
                                      "ON CONFLICT (form_id) DO NOTHING"), (form_id, self._time_to_db(now)))
                if cur.rowcount != 1:
                    continue
                cur.execute(self._sql("DELETE FROM report_counts WHERE form_id = ?"), (form_id,))
                counts: Counter[tuple[str, ...]] = Counter()
                cur.execute(self._sql(f"SELECT {STORED} FROM report_values WHERE form_id = ?"), (form_id,))
                for _form, at, names, *stored in cur.fetchall():
                    self._count(counts, form_id, self._time_from_db(at), self._named(form_id, names, stored))
                groups, ratings = (getattr(self, "report_roles", None) or {}).get(form_id, ((), ()))
                cur.execute(self._sql("SELECT month, combination, count FROM report_monthly WHERE form_id = ?"),
                            (form_id,))
                for month, combination, n in cur.fetchall():
                    for key in marginals(json.loads(combination), groups, ratings):
                        counts[(form_id, "gregorian", month, *key)] += int(n)
                self._add_counts(cur, counts)
                filled.append(form_id)
        return filled

    def report_totals(self, form_id: str, calendar: str, first: str,
                      last: str) -> list[tuple[str, str, str, str, int]]:
        """(by_field, by_value, field, value, submissions) summed over the months first..last
        ('YYYY-MM', inclusive) of a calendar: '' by_field for a field's own counts."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT by_field, by_value, field, value, SUM(count) FROM report_counts "
                              "WHERE form_id = ? AND calendar = ? AND month >= ? AND month <= ? "
                              "GROUP BY by_field, by_value, field, value"), (form_id, calendar, first, last))
        return [(by_field, by_value, field, value, int(n)) for by_field, by_value, field, value, n in cur.fetchall()]

    def report_months(self, form_id: str, calendar: str, field: str, first: str,
                      last: str) -> list[tuple[str, str, int]]:
        """(month, value, submissions) of one counted field, month by month."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT month, value, SUM(count) FROM report_counts WHERE form_id = ? AND "
                              "calendar = ? AND month >= ? AND month <= ? AND by_field = '' AND field = ? "
                              "GROUP BY month, value ORDER BY month, value"), (form_id, calendar, first, last, field))
        return [(month, value, int(n)) for month, value, n in cur.fetchall()]

    def _keep_monthly_counts(self, cur: Any, where: str, params: Sequence[Any]) -> None:
        """Add the counted values of the submissions `where` selects to report_monthly."""
        cur.execute(self._sql(f"SELECT {STORED} FROM report_values "
                              f"WHERE submission_id IN (SELECT id FROM submissions WHERE {where})"), list(params))
        counts: dict[tuple[str, str, str], int] = {}
        for form_id, at, names, *stored in cur.fetchall():
            named = {name: value for name, value in self._named(form_id, names, stored).items() if value is not None}
            values = json.dumps(named, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            key = (form_id, self._local_day(self._time_from_db(at)).strftime("%Y-%m"), values)
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
