"""The inbox's queries on both backends: keyset pages newest first (no row twice,
none missed, either direction), the new count, filters, and that the list reads
no answers (a row whose answers cannot be decrypted still lists)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from generator.submissions.records import Submission
from generator.submissions.references import new_reference

START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def stored(store: Any, n: int, *, form_id: str = "enquiry", status: str = "accepted") -> list[str]:
    subs = [Submission(reference=new_reference(), form_id=form_id, form_version="1", language="ar",
                       submitted_at=START + dt.timedelta(minutes=i), consent={}, status=status,  # type: ignore[arg-type]
                       answers={"mobile": f"05{i:08d}"}) for i in range(n)]
    assert store.insert_batch(subs) == subs
    return [s.reference for s in subs]


def test_pages_newest_first_both_ways_and_filters(store: Any) -> None:
    refs = stored(store, 120)
    stored(store, 3, status="suspected-spam")
    stored(store, 2, form_id="volunteer")
    seen: list[str] = []
    older = None
    while True:
        rows, more = store.inbox_page("enquiry", older_than=older, limit=50)
        seen.extend(r.reference for r in rows)
        if not more:
            break
        older = rows[-1].id
    assert seen == list(reversed(refs))
    # Back from the last page towards the newest, with `newer_than` its first row.
    rows, more = store.inbox_page("enquiry", newer_than=rows[0].id, limit=50)
    assert [r.reference for r in rows] == list(reversed(refs))[50:100] and more
    # New until opened; the count follows.
    assert store.inbox_counts(["enquiry", "volunteer"], START)["enquiry"] == {"new": 120, "spam": 3, "recent": 123,
                                                                            "open": 0, "overdue": 0}
    assert store.mark_opened(refs[5], START) is True
    assert store.mark_opened(refs[5], START) is False
    assert store.inbox_counts(["enquiry"], START)["enquiry"]["new"] == 119
    opened, _ = store.inbox_page("enquiry", opened=True)
    assert [r.reference for r in opened] == [refs[5]]
    # Dates: [since, until).
    rows, _ = store.inbox_page("enquiry", since=START + dt.timedelta(minutes=10),
                               until=START + dt.timedelta(minutes=13))
    assert [r.reference for r in rows] == [refs[12], refs[11], refs[10]]


def test_the_list_reads_no_answers(store: Any) -> None:
    [reference] = stored(store, 1)

    class Refuse:
        def decode(self, stored: str, reference: str) -> Any:
            raise AssertionError("the list decrypted an answer")

    codec, store.codec = store.codec, Refuse()
    try:
        rows, _ = store.inbox_page("enquiry")
        assert [r.reference for r in rows] == [reference]
        assert [r.reference for r in store.inbox_find([reference])] == [reference]
    finally:
        store.codec = codec


def test_sorted_by_due_date_and_state_pages_through_every_row_once_in_order(store: Any) -> None:
    """The list sorted by due date or by state (read in parts along the indexes of migration
    step 21 and merged) gives the order of one sort over every row, page after page: open cases
    by due date, then closed ones and those without one; states in the workflow's order, a state
    outside it and no state last, newest first within each."""
    order = ["received", "under-study", "waiting", "closed"]
    states = ["under-study", "received", "closed", None, "retired", "waiting", "received"]
    subs = []
    for i in range(40):
        state = states[i % len(states)]
        due = None if state is None or i % 11 == 0 else START + dt.timedelta(days=(i * 7) % 13, minutes=i)
        subs.append(Submission(reference=new_reference(), form_id="enquiry", form_version="1", language="ar",
                               submitted_at=START + dt.timedelta(minutes=i), consent={}, status="accepted",
                               answers={"mobile": "0500000000"}, case_state=state, due_at=due))
    store.insert_batch(subs)
    with store._transaction() as cur:  # insert_batch stores open cases only: close these
        cur.execute(store._sql("UPDATE submissions SET closed_at = submitted_at WHERE case_state = ?"), ["closed"])
    stored(store, 2, form_id="volunteer")

    def pages(sort: str, **filters: Any) -> list[str]:
        seen, page = [], 0
        while True:
            rows, more = store.inbox_page("enquiry", sort=sort, state_order=order, page=page, limit=6, **filters)
            seen.extend(r.reference for r in rows)
            if not more:
                return seen
            page += 1

    by_id = sorted(subs, key=lambda s: s.submitted_at)
    ids = {s.reference: n for n, s in enumerate(by_id)}
    rank = {state: n for n, state in enumerate(order)}
    expected_state = sorted(by_id, key=lambda s: (rank.get(s.case_state, len(order)), -ids[s.reference]))
    assert pages("state") == [s.reference for s in expected_state]
    open_ = [s for s in by_id if s.case_state != "closed" and s.due_at is not None]
    rest = [s for s in by_id if s not in open_]
    assert pages("due")[:len(open_)] == [s.reference for s in sorted(open_, key=lambda s: (s.due_at, ids[s.reference]))]
    assert sorted(pages("due")[len(open_):]) == sorted(s.reference for s in rest)  # NULLs first or last by backend
    assert len(pages("due")) == len(set(pages("due"))) == 40
    # with a filter: only that state's rows, in the same order
    assert pages("state", case_states=["received"]) == [s.reference for s in expected_state
                                                        if s.case_state == "received"]


def test_the_sorted_list_reads_along_an_index_on_sqlite(tmp_path: Any) -> None:
    """SQLite's plan for a sorted page: each part searched through an index of step 21, no
    sort of the form's rows (only the merged page's few rows are sorted)."""
    from generator.submissions.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'plan.db'}")
    store.migrate()
    try:
        store.insert_batch([Submission(reference=new_reference(), form_id="enquiry", form_version="1", language="ar",
                                       submitted_at=START, consent={}, status="accepted", answers={},
                                       case_state=state) for state in ("received", "retired")])
        where, params = ["form_id = ?", "status = ?", "assigned_to IS NULL"], ["enquiry", "accepted"]
        plans = {}
        for sort in ("due", "state"):
            sql, values = store._sorted_query(where, params, sort, ["received", "closed"], 2, 50)
            plans[sort] = [tuple(r) for r in store._conn().execute("EXPLAIN QUERY PLAN " + sql, values).fetchall()]
    finally:
        store.close()
    due, state = ([r[3] for r in plans[sort]] for sort in ("due", "state"))
    assert any("USING INDEX submissions_inbox_due_open" in p for p in due), due
    assert any("USING INDEX submissions_inbox_due_rest" in p for p in due), due
    # received, retired (outside the workflow), no state: three searches by state
    assert sum("USING INDEX submissions_inbox_state (form_id=? AND status=? AND case_state=?)" in p
               for p in state) == 3, state
    for plan in (due, state):
        assert not any(p.startswith("SCAN submissions") for p in plan), plan
    for rows in plans.values():
        # a part's rows come in index order (no sort inside a part's co-routine); only the
        # parts' few rows ((page + 1) * 50 + 1 at most each) are sorted as they are merged
        parts = {r[0] for r in rows if r[3].startswith("CO-ROUTINE")}
        assert parts and not [r for r in rows if "TEMP B-TREE" in r[3] and r[1] in parts], rows
