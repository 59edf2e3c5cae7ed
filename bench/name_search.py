#!/usr/bin/env python3
"""Staff search by name at scale (issue 33): with N help-request submissions stored
(100,000 by default), encrypted and with their lookup hashes (the words of
`applicant_name` among them) as the endpoint stores them, the time the staff search's
name step takes on SQLite and on PostgreSQL: hash the typed words, find the ids that
hold all of them in the forms the account sees (newest 51), read their list rows.

Names are drawn from small pools (30 first names, 30 fathers' names, 40 family names),
so one typed first name matches ~1 in 30 submissions (~3,300 at 100,000): the worst
case a caller's common first name alone gives. Target: under 50 ms.

    .venv/bin/python bench/name_search.py                 # 100,000 per backend (minutes)
    .venv/bin/python bench/name_search.py --count 2000    # quick
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import BACKENDS, on_backends  # noqa: E402

FIRST = ("محمد أحمد عبدالله عبدالرحمن خالد سعد فهد سلطان فيصل تركي نورة فاطمة سارة مريم هيا لطيفة ريم "
         "عبدالعزيز سلمان ناصر ماجد بندر منيرة حصة عائشة خديجة إبراهيم يوسف علي عمر").split()
FAMILY = ("القحطاني العتيبي الحربي الدوسري الشمري المطيري الغامدي الزهراني العنزي السبيعي الشهري "
          "العمري المالكي الرشيدي البقمي الجهني السهلي الخالدي الشهراني القرني الأحمدي الثبيتي "
          "السلمي الحارثي اليامي العسيري الفيفي المري الهاجري العجمي البلوي الحازمي التميمي "
          "الكثيري الصاعدي المحمدي الرويلي العنزي آل سعود آل الشيخ").split()
SEARCHES = {
    "one common first name": "مُحمّد",
    "first + family name": "محمد القحطانى",
    "three words": "محمد عبدالله القحطاني",
    "a family name": "الحربي",
    "a name nobody has": "زبيدة الفلاني",
}


def fill(store: Any, form: Any, count: int) -> None:
    from generator.submissions.records import Submission
    from generator.submissions.references import new_reference

    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=365)
    batch: list[Any] = []
    for i in range(count):
        at = start + dt.timedelta(seconds=i * 365 * 86400 // max(count, 1))
        name = f"{FIRST[i % 30]} {FIRST[(i // 30) % 30]} {FAMILY[(i * 11) % len(FAMILY)]}"
        batch.append(Submission(
            reference=new_reference(), form_id=form.id, form_version=str(form.version), language="ar",
            submitted_at=at, consent={}, status="accepted",
            answers={"applicant_name": name, "national_id": f"1{i:09d}", "mobile": f"05{i:08d}",
                     "email": f"person{i}@example.org", "city": "الرياض"}))
        if len(batch) == 1000:
            store.insert_batch(batch)
            batch = []
    if batch:
        store.insert_batch(batch)


def run_backend(name: str, url: str, root: Path, count: int, rounds: int) -> dict[str, Any]:
    from generator.core.problems import Problems
    from generator.forms import load_forms
    from generator.submissions.secure_store import open_secure_store
    from tests.support.fixtures import make_settings

    forms = load_forms(root, Problems())
    store = open_secure_store(make_settings(root, url), forms, note=lambda text: None)
    try:
        started = time.perf_counter()
        fill(store, forms["help-request"], count)
        fill_s = time.perf_counter() - started
        if store.dialect != "sqlite":  # what autovacuum does after a bulk load: statistics, visibility map
            store._conn().execute("VACUUM ANALYZE submission_lookups, submissions")
        seen = sorted(forms)
        results = {}
        for label, typed in SEARCHES.items():
            times, found = [], 0
            for _ in range(rounds):
                started = time.perf_counter()
                ids = store.ids_by_name(store.indexer.name_search(typed), seen, limit=51)
                store.inbox_find([], ids[:50])
                times.append((time.perf_counter() - started) * 1000)
                found = len(ids)
            times.sort()
            results[label] = {"median": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1],
                              "max": times[-1], "found": found}
        plans = {label: explain(store, SEARCHES[label], seen) for label in ("one common first name", "three words")}
        assert results["a name nobody has"]["found"] == 0 and (count < 50_000 or results["three words"]["found"])
    finally:
        store.close()
    return {"backend": name, "count": count, "fill_s": fill_s, "results": results, "plans": plans}


def explain(store: Any, typed: str, form_ids: list[str]) -> list[str]:
    """The plan of the name step's query (ids_by_name): EXPLAIN QUERY PLAN on SQLite, EXPLAIN
    ANALYZE on PostgreSQL."""
    captured: list[tuple[str, Any]] = []
    conn = store._conn()

    class Capture:
        def __init__(self) -> None:
            self.cursor = conn.cursor()

        def execute(self, sql: str, values: Any) -> Any:
            captured.append((sql, values))
            return self.cursor.execute(sql, values)

        def fetchall(self) -> Any:
            return self.cursor.fetchall()

    real = store._conn
    store._conn = lambda: type("Conn", (), {"cursor": lambda self: Capture()})()
    try:
        store.ids_by_name(store.indexer.name_search(typed), form_ids, limit=51)
    finally:
        store._conn = real
    sql, values = captured[-1]
    prefix = "EXPLAIN QUERY PLAN " if store.dialect == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    rows = conn.execute(prefix + sql, values).fetchall()
    return [str(row[3] if store.dialect == "sqlite" else row[0]) for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--backend", choices=BACKENDS, default="both")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="qalb-name-bench-"))
    try:
        from bench.inbox import make_root

        root = make_root(tmp)
        runs = on_backends(args.backend, tmp / "names.db",
                           lambda name, url: run_backend(name, url, root, args.count, args.rounds))
        for run in runs:
            print(f"\n{run['backend']}: {run['count']:,} submissions stored in {run['fill_s']:.0f} s; "
                  f"{args.rounds} searches each (ms)")
            print(f"  {'':24} {'median':>8} {'p95':>8} {'max':>8} {'found (max 51)':>15}")
            for label, v in run["results"].items():
                print(f"  {label:24} {v['median']:8.1f} {v['p95']:8.1f} {v['max']:8.1f} {v['found']:>15}")
            for label, plan in run["plans"].items():
                print(f"  plan, {label}:")
                print("\n".join(f"    {line}" for line in plan))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
