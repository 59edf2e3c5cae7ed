"""The submissions and response-times reports (issue 23) on SQLite and PostgreSQL, the
public endpoint and the workspace on one store: messages posted through the public
forms, requests entered by staff for other channels and moved through their
workflow by the real case code, at times the test chooses; every figure on the
pages is computed again here from what was stored."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import statistics
from typing import Any

from babel.dates import format_date

from generator.submissions import cases
from tests.staff.conftest import Staff
from tests.staff.test_inbox import signed_in, submit
from tests.staff.test_reports import RIYADH, parse
from tests.support.samples import valid_answers

UTC = dt.timezone.utc
DAY = dt.timedelta(days=1)
KINDS = {"enquiry": 3, "complaint": 2, "suggestion": 1}
CALENDAR = cases.WorkingCalendar()  # calendar days, as the workspace counts due dates without a weekend set


def enter(ws: Staff, forms: dict[str, Any], form_id: str, channel: str, at: dt.datetime) -> Any:
    """A request entered by a staff member (the real code path), received at `at`."""
    stored = cases.enter_request(ws.store, forms[form_id], valid_answers(forms[form_id]), channel=channel,
                                 entered_by="staff@example.org", language="ar", now=at, calendar=CALENDAR)
    assert not isinstance(stored, dict), stored
    return stored


def move(ws: Staff, forms: dict[str, Any], reference: str, to_state: str, at: dt.datetime, **extra: str) -> None:
    [sub] = ws.store.submissions(reference=reference)
    cases.move(ws.store, forms[sub.form_id], sub, to_state=to_state, actor="staff@example.org",
               expected_version=sub.case_version, now=at, **extra)


def sunday_of(at: dt.datetime) -> dt.date:
    """The Sunday that starts the week of `at`'s date in Riyadh (weeks start at local midnight)."""
    day = at.astimezone(RIYADH).date()
    return day - dt.timedelta(days=day.isoweekday() % 7)  # isoweekday: Sunday is 7


def test_submissions_by_week_kind_and_channel(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    for kind, n in KINDS.items():
        for _ in range(n):
            submit(ws, forms, "contact", kind=kind)
    for _ in range(2):
        submit(ws, forms, "help-request")
    now = max(s.submitted_at for s in ws.store.submissions()) + dt.timedelta(minutes=1)
    ws.clock.now = now
    # Requests staff entered over the last months (by telephone, in person), and one too old to show by week.
    for weeks, channel in ((1, "phone"), (3, "phone"), (3, "interview"), (10, "phone"), (25, "interview"),
                           (30, "phone")):
        enter(ws, forms, "help-request", channel, now - dt.timedelta(weeks=weeks))
    stored = list(ws.store.submissions())
    local = now.astimezone(RIYADH)
    year = str(local.year)
    with signed_in(ws, "viewer@example.org", "viewer") as client:
        page = client.get(f"/staff/reports/submissions?period={year}")
        assert page.status_code == 200
        tables = parse(page.text).tables
        # Week by week: one column per form (in the order of their ids), then all forms.
        shown = sorted(forms)
        first = sunday_of(now) - dt.timedelta(weeks=25)
        expected = []
        for week in range(26):
            start = first + dt.timedelta(weeks=week)
            counts = [sum(1 for s in stored if s.form_id == form_id and sunday_of(s.submitted_at) == start)
                      for form_id in shown]
            expected.append([format_date(start, "long", locale="ar").replace("\u200f", "\u200f")]
                            + [str(n) for n in counts] + [str(sum(counts))])
        rows = tables["weeks"][1:]
        assert [row[1:] for row in rows] == [row[1:] for row in expected]
        assert rows[-1][shown.index("contact") + 1] == str(sum(KINDS.values()))
        assert sum(int(row[-1]) for row in rows) == len(stored) - 1  # all but the one from 30 weeks ago
        # Contact messages by kind, month by month over the year.
        kinds = tables["contact-kind"]
        assert kinds[0][1:] == ["استفسار", "شكوى", "اقتراح", "الكل"]
        assert len(kinds) == 13
        this_month = kinds[local.month]
        assert this_month[1:] == [str(n) for n in KINDS.values()] + [str(sum(KINDS.values()))]
        assert all(row[1:] == ["0"] * 4 for i, row in enumerate(kinds[1:], 1) if i != local.month)
        # Requests by channel over the year: forms with case handling only.
        handled = [f for f in shown if forms[f].workflow is not None]
        in_year = [s for s in stored if s.submitted_at.astimezone(RIYADH).year == local.year
                   and s.form_id in handled]
        channels = {row[0]: row[1:] for row in tables["channels"][1:]}
        for channel, label in (("website", "الموقع الإلكتروني للجمعية"), ("phone", "الاتصالات الهاتفية"),
                                   ("interview", "المقابلة الشخصية")):
            counts = [sum(1 for s in in_year if s.form_id == f and s.channel == channel) for f in handled]
            if channel == "website" or any(counts):
                assert channels[label] == [str(n) for n in counts] + [str(sum(counts))], channel
        # Each table's CSV is the table; the weekly chart draws its first (oldest) week at the right.
        for table_id, table in tables.items():
            response = client.get(f"/staff/reports/submissions/{table_id}.csv?period={year}")
            assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == table
        xs = parse(page.text).category_x["chart-weeks"]
        assert len(xs) == 26 and xs == sorted(xs, reverse=True)
        # Nothing of any message is on the page or in the counts.
        assert "Test" not in page.text
    # A caseworker sees only their own forms.
    with signed_in(ws, "cw@example.org", "caseworker", ("contact",)) as client:
        tables = parse(client.get(f"/staff/reports/submissions?period={year}").text).tables
        assert len(tables["weeks"][0]) == 3 and "channels" in tables and "contact-kind" in tables


def nearest_rank_90(values: list[float]) -> float:
    """The smallest value at least 90% of the values are not above."""
    return min(v for v in values if sum(1 for w in values if w <= v) >= 0.9 * len(values))


def test_response_times_of_help_requests_and_contact(both: Staff, forms: dict[str, Any]) -> None:
    ws = both
    now = dt.datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
    ws.clock.now = now
    received = now - dt.timedelta(days=60)
    decided = {  # days from receipt to the first decision, and which
        0: (3, "accepted"), 1: (10, "accepted"), 2: (13.5, "declined"), 3: (20, "accepted"),
        4: (1, "declined"), 5: (16, "accepted"), 6: (7, "accepted"), 7: (2, "accepted"),
    }
    help_refs = []
    for i in range(11):
        sub = enter(ws, forms, "help-request", "phone", received + dt.timedelta(days=i))
        help_refs.append((sub.reference, sub.submitted_at, sub.due_at))
        if i in decided:
            days, state = decided[i]
            move(ws, forms, sub.reference, "under-study", sub.submitted_at + DAY / 2)
            extra = {"reason": "duplicate"} if state == "declined" else {}
            move(ws, forms, sub.reference, state, sub.submitted_at + dt.timedelta(days=days), **extra)
            if state == "accepted" and i % 2:
                move(ws, forms, sub.reference, "closed", sub.submitted_at + dt.timedelta(days=days + 1))
    # Two open ones past due (8, 9) and one received in the last days, not yet due.
    recent = enter(ws, forms, "help-request", "phone", now - 2 * DAY)
    # One received in another year: not in the period.
    enter(ws, forms, "help-request", "phone", dt.datetime(2025, 12, 1, tzinfo=UTC))
    # Contact: answered in 2 and 9 days (7 allowed), one still waiting past due.
    contact_days = [2, 9, None]
    for i, days in enumerate(contact_days):
        sub = enter(ws, forms, "contact", "phone", received + dt.timedelta(days=i))
        if days is not None:
            move(ws, forms, sub.reference, "answered", sub.submitted_at + dt.timedelta(days=days), note="replied")
    with signed_in(ws, "viewer@example.org", "viewer") as client:
        home = client.get("/staff/")
        from tests.staff.conftest import csrf

        client.post("/staff/language", data={"csrftoken": csrf(home.text), "lang": "en", "next": "/staff/"})
        page = client.get("/staff/reports/response-times?period=2026")
        assert page.status_code == 200
        tables = parse(page.text).tables
    rows = {row[0]: row[1] for row in tables["times-help-request"][1:]}
    days = [d for d, _ in decided.values()]
    assert rows["Received in the period"] == str(11 + 1)
    assert rows["Decided"] == str(len(days))
    assert rows["Median time to the first decision"] == f"{statistics.median(days):.1f} days"
    assert rows["90th percentile of the time to the first decision"] == f"{nearest_rank_90(days):.1f} days"
    # In time: decided by the due date. Judged: decided, or open and past due (the recent one is neither).
    in_time = sum(1 for i, (ref, at, due) in enumerate(help_refs)
                  if i in decided and at + dt.timedelta(days=decided[i][0]) <= due)
    judged = len(decided) + sum(1 for i, (_, _, due) in enumerate(help_refs) if i not in decided and due <= now)
    assert judged == 11 and recent.due_at > now
    assert rows["Decided within 14 days"] == f"{100 * in_time / judged:.0f}% ({in_time} / {judged})"
    assert rows["First decision: Accepted"] == str(sum(1 for _, s in decided.values() if s == "accepted"))
    assert rows["First decision: Declined"] == str(sum(1 for _, s in decided.values() if s == "declined"))
    open_now = [s for s in ws.store.submissions("help-request") if s.closed_at is None]
    assert rows["Open now (any period)"] == str(len(open_now))
    assert rows["Overdue now (open and past the due date)"] == str(
        sum(1 for s in open_now if s.due_at is not None and s.due_at < now))
    contact = {row[0]: row[1] for row in tables["times-contact"][1:]}
    assert contact["Decided within 7 days"] == "33% (1 / 3)"
    assert contact["First decision: Answered"] == "2"
    assert math.isclose(float(contact["Median time to the first decision"].split()[0]), 5.5)
