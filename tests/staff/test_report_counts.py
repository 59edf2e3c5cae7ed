"""Report counts kept per month (migration step 10) on SQLite and PostgreSQL: answers
posted through the public form, then a subject delete, a purge and a rebuild from
the rows of step 8; every figure is computed again here from the posted answers."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import re
from collections import Counter
from typing import Any, Iterator

from hijridate import Gregorian

from generator.submissions.store import Store, open_store
from tests.staff import test_reports
from tests.staff.conftest import Staff
from tests.staff.test_reports import RATINGS, RIYADH, figures, local_month, parse, sign_in_as

posted = test_reports.posted  # the answers posted through the public form (a fixture)

GROUPS = ("service", "channel")
FEW = "fewer than 5"
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
ACCOUNTS = itertools.count()


def expected_totals(answers: list[dict[str, Any]]) -> Counter[tuple[str, str, str, str]]:
    """(by_field, by_value, field, value): submissions, counted here from the answers."""
    counted: Counter[tuple[str, str, str, str]] = Counter()
    for answer in answers:
        for name in (*GROUPS, *RATINGS):
            counted[("", "", name, str(answer[name]))] += 1
        for group in GROUPS:
            for name in RATINGS:
                counted[(group, str(answer[group]), name, str(answer[name]))] += 1
    return counted


def totals(ws: Staff, calendar: str, month: str) -> Counter[tuple[str, str, str, str]]:
    return Counter({(a, b, c, d): n for a, b, c, d, n in ws.store.report_totals("satisfaction", calendar, month,
                                                                                  month)})


@contextlib.contextmanager
def rewired(ws: Staff, **changes: Any) -> Iterator[Store]:
    """A second store on the workspace's database, with the same keys and its wiring
    changed (a store's own wiring is fixed when it is opened)."""
    store = open_store(ws.settings.database_url, root=ws.settings.root, codec=ws.store.codec,
                       indexer=ws.store.indexer, wiring=dataclasses.replace(ws.store.wiring, **changes))
    try:
        yield store
    finally:
        store.close()


def hijri_month(at: dt.datetime) -> str:
    """'hYYYY-MM' of the Umm al-Qura month of the date `at` falls on in Riyadh."""
    day = at.astimezone(RIYADH).date()
    h = Gregorian(day.year, day.month, day.day).to_hijri()
    return f"h{h.year:04d}-{h.month:02d}"


def overall_rows(ws: Staff, period: str, forms: dict[str, Any]) -> list[list[str]]:
    with sign_in_as(ws, f"reader{next(ACCOUNTS)}@example.org", "admin", lang="en") as client:
        page = client.get(f"/staff/reports/satisfaction?period={period}")
        assert page.status_code == 200
        return parse(page.text).tables["overall"][1:]


def expected_overall(answers: list[dict[str, Any]], forms: dict[str, Any]) -> list[list[str]]:
    form = forms["satisfaction"]
    return [[form.field(name).label["en"]] + figures([a[name] for a in answers], FEW) for name in RATINGS]


def test_counts_follow_subject_delete_and_outlive_the_purge(posted: tuple[Staff, list[dict[str, Any]], str],
                                                             forms: dict[str, Any]) -> None:
    ws, answers, month = posted
    subs = list(ws.store.submissions("satisfaction"))
    arrived = subs[0].submitted_at
    hijri = hijri_month(arrived)
    assert totals(ws, "gregorian", month) == expected_totals(answers)
    assert totals(ws, "hijri", hijri[1:]) == expected_totals(answers)
    # A subject delete takes the person's values out of the counts.
    gone = subs[5]
    ws.store.delete_references([gone.reference])
    left = list(answers)
    left.remove(next(a for a in answers if all(str(a[k]) == str(gone.answers[k]) for k in (*GROUPS, *RATINGS))))
    assert totals(ws, "gregorian", month) == expected_totals(left)
    assert totals(ws, "hijri", hijri[1:]) == expected_totals(left)
    assert overall_rows(ws, month, forms) == expected_overall(left, forms)
    # A purge deletes every submission and its values; the counts (and the page) stay.
    assert ws.store.purge("satisfaction", dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)) == len(left)
    assert ws.store.count("satisfaction") == 0
    assert totals(ws, "gregorian", month) == expected_totals(left)
    assert overall_rows(ws, month, forms) == expected_overall(left, forms)
    assert overall_rows(ws, hijri, forms) == expected_overall(left, forms)
    assert overall_rows(ws, month[:4], forms) == expected_overall(left, forms)  # the whole year


def test_counts_are_rebuilt_from_the_rows_of_step_8(posted: tuple[Staff, list[dict[str, Any]], str]) -> None:
    ws, answers, month = posted
    store = ws.store
    hijri = hijri_month(next(iter(store.submissions("satisfaction"))).submitted_at)[1:]

    def forget_counts() -> None:  # a database as step 8 left it
        with store._transaction() as cur:
            cur.execute("DELETE FROM report_counts")
            cur.execute("DELETE FROM report_counts_filled")

    forget_counts()
    assert totals(ws, "gregorian", month) == Counter()
    assert "satisfaction" in store.fill_report_counts(NOW)
    assert totals(ws, "gregorian", month) == expected_totals(answers)
    assert totals(ws, "hijri", hijri) == expected_totals(answers)
    assert store.fill_report_counts(NOW) == []  # once per form
    assert totals(ws, "gregorian", month) == expected_totals(answers)
    # Purged before step 10: only report_monthly is left, by Gregorian month.
    store.purge("satisfaction", dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc))
    forget_counts()
    store.fill_report_counts(NOW)
    assert totals(ws, "gregorian", month) == expected_totals(answers)
    assert totals(ws, "hijri", hijri) == Counter()  # a Gregorian month cannot be split into Hijri months


def test_rows_stored_before_a_form_file_edit_are_read_by_their_own_field_names(
        posted: tuple[Staff, list[dict[str, Any]], str]) -> None:
    """A form file edited after answers arrived (its counted fields moved, one removed):
    a subject delete and a purge read the stored rows by the names stored with them."""
    ws, answers, month = posted
    before = dict(ws.store.report_fields)
    edited = tuple(reversed(before["satisfaction"]))[:-1]  # the order turned round, the last dropped
    with rewired(ws, report_fields={**before, "satisfaction": edited}) as store:
        subs = list(store.submissions("satisfaction"))
        gone = subs[3]
        store.delete_references([gone.reference])
        left = list(answers)
        left.remove(next(a for a in answers if all(str(a[k]) == str(gone.answers[k]) for k in (*GROUPS, *RATINGS))))
        assert totals(ws, "gregorian", month) == expected_totals(left)
        store.purge("satisfaction", dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc))
        kept = Counter()
        for _month, values, n in store.monthly_counts("satisfaction"):
            for name, value in values.items():
                kept[(name, str(value))] += n
        expected = Counter()
        for answer in left:
            for name in before["satisfaction"]:
                expected[(name, str(answer[name]))] += 1
        assert kept == expected


def test_a_released_spam_answer_is_counted_from_then_on(both: Staff, forms: dict[str, Any]) -> None:
    from generator.forms import HONEYPOT_FIELD
    from tests.staff.test_inbox import signed_in, submit

    ws = both
    answer = {"service": "other", "channel": "phone", **dict.fromkeys(RATINGS, 4)}
    reference = submit(ws, forms, "satisfaction", **answer, **{HONEYPOT_FIELD: "buy now"})
    [sub] = ws.store.submissions("satisfaction", status=None, reference=reference)
    assert sub.status == "suspected-spam"
    month = local_month(sub.submitted_at)
    assert totals(ws, "gregorian", month) == Counter()  # spam is not counted
    with signed_in(ws, "cw@example.org", "caseworker", ("satisfaction",)) as client:
        folder = client.get("/staff/forms/satisfaction/spam")
        token = re.search(r'name="csrftoken" value="([^"]+)"', folder.text)[1]  # type: ignore[index]
        assert client.post(f"/staff/submissions/{reference}/release", data={"csrftoken": token}).status_code == 303
    assert totals(ws, "gregorian", month) == expected_totals([answer])


LATE = dt.datetime(2026, 1, 31, 22, 30, tzinfo=dt.timezone.utc)  # 01:30 on 1 February in Riyadh
EVENING = dt.datetime(2026, 1, 31, 20, 30, tzinfo=dt.timezone.utc)  # 23:30 on 31 January in Riyadh


def store_at(ws: Staff, form: Any, answers: list[dict[str, Any]], at: dt.datetime) -> None:
    """Answers stored as the endpoint stores them, arrived at `at` (the test's time, not the clock's)."""
    from generator.submissions.records import Submission
    from generator.submissions.references import new_reference

    subs = [Submission(reference=new_reference(), form_id=form.id, form_version="1", language="ar",
                       submitted_at=at, consent={}, status="accepted", answers=answer) for answer in answers]
    assert not [r for r in ws.store.insert_batch(subs) if isinstance(r, Exception)]


def test_a_submission_after_local_midnight_counts_in_the_next_month(both: Staff, forms: dict[str, Any]) -> None:
    """Months start at midnight in the organisation's time zone (Riyadh, UTC+3): sent at 22:30 UTC
    on 31 January, a request is counted in February, on the page and after step 12's rebuild."""
    from generator.submissions import migrations

    ws, form = both, forms["satisfaction"]
    store = ws.store
    assert store.time_zone == "Asia/Riyadh"  # forms_root has no settings file: the default
    known = test_reports.known_answers(form)
    late, evening = known[4:10], known[10:15]
    store_at(ws, form, late, LATE)
    store_at(ws, form, evening, EVENING)
    assert local_month(LATE) == "2026-02" and local_month(EVENING) == "2026-01"
    expected = {"2026-01": expected_overall(evening, forms), "2026-02": expected_overall(late, forms),
                "2026-Q1": expected_overall(evening + late, forms), "2026": expected_overall(evening + late, forms)}
    arrived = [(a, LATE) for a in late] + [(a, EVENING) for a in evening]
    for key in {hijri_month(at) for _, at in arrived}:  # by the local date too
        expected[key] = expected_overall([a for a, at in arrived if hijri_month(at) == key], forms)

    def pages() -> dict[str, list[list[str]]]:
        return {period: overall_rows(ws, period, forms) for period in expected}

    assert totals(ws, "gregorian", "2026-02") == expected_totals(late)
    assert totals(ws, "gregorian", "2026-01") == expected_totals(evening)
    assert pages() == expected
    # A database as steps 10-11 left it: the same rows counted by their UTC date (both in January).
    with store._transaction() as cur:
        cur.execute("DELETE FROM report_counts")
        cur.execute("DELETE FROM report_counts_filled")
    with rewired(ws, time_zone="UTC") as utc:
        utc.fill_report_counts(NOW)
    assert totals(ws, "gregorian", "2026-01") == expected_totals(evening + late)
    assert totals(ws, "gregorian", "2026-02") == Counter()
    # Step 12 empties the counts; the next start makes them again by the local date.
    [step] = [m for m in migrations.MIGRATIONS if m.version == 12]
    with store._transaction() as cur:
        for statement in step.statements(store.dialect):
            cur.execute(statement)
    assert totals(ws, "gregorian", "2026-01") == Counter()
    assert "satisfaction" in store.fill_report_counts(NOW)
    assert totals(ws, "gregorian", "2026-02") == expected_totals(late)
    assert pages() == expected
    # Purged after step 12, they are kept in report_monthly by local month too.
    store.purge("satisfaction", dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc))
    kept: Counter[str] = Counter()
    for month, _values, n in store.monthly_counts("satisfaction"):
        kept[month] += n
    assert kept == Counter({"2026-01": len(evening), "2026-02": len(late)})
    assert totals(ws, "gregorian", "2026-02") == expected_totals(late)
