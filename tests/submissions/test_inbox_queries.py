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
