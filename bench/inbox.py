#!/usr/bin/env python3
"""Staff inbox at scale (issue 18): with N submissions stored (100,000 by default) on
SQLite and on PostgreSQL, the time the real server takes to answer

* the list page of the form (newest 50, keyset), with each row's summary answers
  decrypted (issue 33), sorted by due date, by state, and filtered by a `report: true`
  choice (help-request's support_kind, read from report_values),
* a search by reference (typed in lower case with Arabic-Indic digits),
* a search by mobile number (through the keyed lookup hashes),
* a submission page (decrypts one row, writes one audit row),

beside the public `/api/health` route of the same server in the same run.
The target is under 100 ms each. The server is the endpoint and the workspace
in one uvicorn process on 127.0.0.1 (as `run` serves them), the store encrypted
with the lookup hashes, as in production; the client is httpx with keep-alive.

Then, on SQLite, what the index on the lookup hashes' digest (migration step 7)
gives the inbox's search by mobile: that query's time with it and without it.
(bench/endpoint.py measures what the index costs per stored submission.)

    .venv/bin/python bench/inbox.py                 # 100,000 per backend (several minutes)
    .venv/bin/python bench/inbox.py --count 2000    # quick
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import BACKENDS, on_backends  # noqa: E402

CSRF = re.compile(r'name="csrftoken" value="([^"]+)"')
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PASSWORD = "copper lantern orchard minus 47"
KINDS = ("financial", "devices-medicine", "treatment-travel", "other")


def make_root(tmp: Path) -> Path:
    from generator.submissions.commands import keys

    root = tmp / "project"
    shutil.copytree(REPO / "forms", root / "forms")
    (root / "content").mkdir()
    shutil.copy2(REPO / "content" / "settings.yml", root / "content" / "settings.yml")
    assert keys(root, action="create") == 0
    return root


def fill(store: Any, form: Any, count: int) -> tuple[str, str]:
    """`count` help-request submissions over the last year; (a reference, its mobile) from the middle."""
    from generator.submissions import cases
    from generator.submissions.records import Submission
    from generator.submissions.references import new_reference

    calendar = cases.WorkingCalendar(time_zone="Asia/Riyadh")
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=365)
    batch: list[Any] = []
    middle = ("", "")
    for i in range(count):
        at = start + dt.timedelta(seconds=i * 365 * 86400 // max(count, 1))
        mobile = f"05{i:08d}"
        sub = Submission(reference=new_reference(), form_id=form.id, form_version=str(form.version), language="ar",
                         submitted_at=at, consent={"fields": {"consent": True}, "given_at": at.isoformat()},
                         status="accepted" if i % 50 else "suspected-spam",
                         answers={"applicant_name": f"مقدم الطلب {i}", "national_id": f"1{i:09d}",
                                  "mobile": mobile, "email": f"person{i}@example.org", "city": "الرياض",
                                  "support_kind": KINDS[i % len(KINDS)],
                                  "description": "نص للتجربة " * 20},
                         **cases.open_case(form, at, calendar))
        batch.append(sub)
        if i == count // 2:
            middle = (sub.reference, mobile)
        if len(batch) == 1000:
            store.insert_batch(batch)
            batch = []
    if batch:
        store.insert_batch(batch)
    return middle


def timed(client: Any, path: str, params: dict[str, str] | None, rounds: int,
          post: dict[str, str] | None = None) -> dict[str, float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.post(path, data=post) if post is not None else client.get(path, params=params)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
    times.sort()
    return {"median": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1], "max": times[-1]}


def run_backend(name: str, url: str, root: Path, count: int, rounds: int) -> dict[str, Any]:
    import httpx
    import pyotp
    import uvicorn

    from generator.core.config import StaffSettings
    from generator.core.problems import Problems
    from generator.endpoint.app import create_app as create_endpoint
    from generator.forms import load_forms
    from generator.staff.app import create_app
    from generator.web.dispatch import PathDispatch
    from tests.support.fixtures import make_settings
    from tests.support.postgres import free_port

    forms = load_forms(root, Problems())
    endpoint = create_endpoint(settings=make_settings(root, url), forms=forms)
    store = endpoint.state.endpoint.store
    store.migrate()
    started = time.perf_counter()
    reference, mobile = fill(store, forms["help-request"], count)
    fill_s = time.perf_counter() - started
    settings = StaffSettings(root=root, database_url=url, sign_in_limit=None, site_dir=None)
    staff = create_app(settings=settings, forms=forms, store=store)
    ws = staff.state.workspace
    link = ws.accounts.add("bench@example.org", name="Bench", role="admin", forms=[], known_forms=sorted(forms),
                           by="bench")
    token = link.rsplit("/", 1)[1]
    setup = ws.accounts.setup(token)
    ws.accounts.complete_setup(token, setup, PASSWORD, pyotp.TOTP(setup.secret).now())
    session = ws.sessions.start(store.account(email="bench@example.org"))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(PathDispatch({"/staff": staff}, endpoint), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        from generator.staff.sessions import COOKIE

        with httpx.Client(base_url=f"http://127.0.0.1:{port}", cookies={COOKIE: session}, timeout=30) as client:
            typed = reference.lower().replace("-", " ").translate(ARABIC_INDIC)
            token = re.search(r'name="csrftoken" value="([^"]+)"', client.get("/staff/").text)[1]  # type: ignore[index]
            by_reference, by_mobile = {"csrftoken": token, "q": typed}, {"csrftoken": token, "q": mobile}
            assert reference in client.post("/staff/search", data=by_reference).text
            assert reference in client.post("/staff/search", data=by_mobile).text
            listed = client.get("/staff/forms/help-request/").text
            assert "مقدم الطلب" in listed  # the summary answers, decrypted for the page
            # The case page measured with a timeline: urgent, a due date extended (issue 33).
            sub = next(iter(store.submissions(reference=reference, status=None)))
            version = store.set_priority(reference, expected_version=sub.case_version, priority="urgent",
                                         at=sub.submitted_at, actor="bench@example.org")
            store.extend_due(reference, expected_version=version, due_at=sub.due_at + dt.timedelta(days=7),
                             at=sub.submitted_at, actor="bench@example.org", note="waiting for a hospital report")
            results = {
                "list": timed(client, "/staff/forms/help-request/", None, rounds),
                "list by due date": timed(client, "/staff/forms/help-request/", {"sort": "due"}, rounds),
                "list by state": timed(client, "/staff/forms/help-request/", {"sort": "state"}, rounds),
                "list, one kind": timed(client, "/staff/forms/help-request/", {"f.support_kind": "other"}, rounds),
                "list, kind, by due": timed(client, "/staff/forms/help-request/",
                                            {"f.support_kind": "other", "sort": "due"}, rounds),
                "search by reference": timed(client, "/staff/search", None, rounds, post=by_reference),
                "search by mobile": timed(client, "/staff/search", None, rounds, post=by_mobile),
                "submission page": timed(client, f"/staff/submissions/{reference}", None, rounds),
                "/api/health": timed(client, "/api/health", None, rounds),
            }
            plans = sorted_plans(store, name, forms["help-request"])
            queries = sorted_queries(store, forms["help-request"], rounds)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    return {"backend": name, "url": url, "count": count, "fill_s": fill_s, "results": results, "store": store,
            "mobile": mobile, "plans": plans, "queries": queries}


def sorted_queries(store: Any, form: Any, rounds: int) -> dict[str, tuple[float, float]]:
    """The sorted list's query alone in this process (no HTTP, no decryption), median ms of
    `rounds`, interleaved with the one query over every row of the form that migration step 21
    replaced (ORDER BY a CASE: one sort of all the form's rows), on the same store: (before, now)."""
    states = [state.id for state in form.workflow.states]
    ranks = " ".join(f"WHEN ? THEN {rank}" for rank in range(len(states)))
    column = store.report_fields["help-request"].index("support_kind") + 1
    keys = {"due": ("CASE WHEN due_at IS NULL OR closed_at IS NOT NULL THEN 1 ELSE 0 END, due_at, id", []),
            "state": (f"CASE case_state {ranks} ELSE {len(states)} END, id DESC", states)}
    results = {}
    for label, sort, choices in (("by due date", "due", ()), ("by state", "state", ()),
                                 ("one kind, by due date", "due", (("support_kind", "other"),)),
                                 ("one kind, by state", "state", (("support_kind", "other"),))):
        key, key_params = keys[sort]
        where, params = "form_id = ? AND status = ?", ["help-request", "accepted"]
        if choices:
            where += (f" AND EXISTS (SELECT 1 FROM report_values r WHERE r.submission_id = submissions.id "
                      f"AND r.v{column} = ?)")
            params.append("other")
        old_sql = store._sql(f"SELECT id FROM submissions WHERE {where} ORDER BY {key} LIMIT 51 OFFSET 0")
        before, now = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            cur = store._conn().cursor()
            cur.execute(old_sql, [*params, *key_params])
            old_rows = cur.fetchall()
            before.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            rows, _ = store.inbox_page("help-request", sort=sort, state_order=states, choices=choices)
            now.append((time.perf_counter() - started) * 1000)
        assert [r.id for r in rows] == [row[0] for row in old_rows[:50]], label  # the same page
        results[label] = (statistics.median(before), statistics.median(now))
    return results


def sorted_plans(store: Any, backend: str, form: Any) -> dict[str, list[str]]:
    """The query plans of the list sorted by due date and by state with the kind-of-support
    filter (migration step 21's indexes), page 0: EXPLAIN QUERY PLAN on SQLite, EXPLAIN
    ANALYZE on PostgreSQL."""
    column = store.report_fields["help-request"].index("support_kind") + 1
    where = ["form_id = ?", "status = ?", "EXISTS (SELECT 1 FROM report_values r WHERE r.submission_id = "
             f"submissions.id AND r.v{column} = ?)"]
    states = [state.id for state in form.workflow.states]
    plans = {}
    for sort in ("due", "state"):
        sql, values = store._sorted_query(where, ["help-request", "accepted", "other"], sort, states, 0, 50)
        explain = "EXPLAIN QUERY PLAN " if backend == "SQLite" else "EXPLAIN (ANALYZE, COSTS OFF) "
        cur = store._conn().cursor()
        cur.execute(explain + sql, values)
        plans[sort] = [str(row[3] if backend == "SQLite" else row[0]) for row in cur.fetchall()]
    return plans


def digest_index_effect(url: str, root: Path, mobile: str, rounds: int) -> dict[str, float]:
    """The search by mobile's query alone, without and with an index on the digest (SQLite)."""
    from generator.core.problems import Problems
    from generator.forms import load_forms
    from generator.submissions.secure_store import open_secure_store
    from tests.support.fixtures import make_settings

    forms = load_forms(root, Problems())
    store = open_secure_store(make_settings(root, url), forms)
    try:
        digests = store.indexer.search([(kind, mobile) for kind in ("national_id", "mobile", "email")])

        def query_ms() -> float:
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                assert store.ids_by_digests(digests)
                times.append((time.perf_counter() - started) * 1000)
            return statistics.median(times)

        with_index = query_ms()
        with store._transaction() as cur:  # the index migration step 7 made, dropped for the comparison
            cur.execute("DROP INDEX submission_lookups_by_digest")
        without = query_ms()
        with store._transaction() as cur:
            cur.execute("CREATE INDEX submission_lookups_by_digest ON submission_lookups (digest)")
        return {"without": without, "with": with_index}
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--backend", choices=BACKENDS, default="both")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="qalb-inbox-bench-"))
    try:
        root = make_root(tmp)
        runs = on_backends(args.backend, tmp / "inbox.db",
                           lambda name, url: run_backend(name, url, root, args.count, args.rounds))
        for run in runs:
            if run["backend"] == "SQLite":
                run["index"] = digest_index_effect(run["url"], root, run["mobile"], args.rounds)
        for run in runs:
            print(f"\n{run['backend']}: {run['count']:,} submissions stored in {run['fill_s']:.0f} s; "
                  f"{args.rounds} requests each (ms)")
            print(f"  {'':22} {'median':>8} {'p95':>8} {'max':>8}")
            for label, values in run["results"].items():
                print(f"  {label:22} {values['median']:8.1f} {values['p95']:8.1f} {values['max']:8.1f}")
            for label, (before, now) in run["queries"].items():
                print(f"  the query alone, {label}: {before:.1f} ms sorting every row, {now:.2f} ms along the indexes")
            for sort, plan in run["plans"].items():
                print(f"  plan, sorted by {sort}, one kind of support:")
                print("\n".join(f"    {line}" for line in plan))
            if "index" in run:
                print(f"  search-by-mobile query alone: {run['index']['without']:.2f} ms without a digest index, "
                      f"{run['index']['with']:.2f} ms with one")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
