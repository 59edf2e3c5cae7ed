"""The store on both backends: the same tests run against SQLite and a real PostgreSQL."""
from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3

import pytest

from generator.submissions import migrations
from generator.submissions.records import Submission
from generator.submissions.references import new_reference
from generator.submissions.store import SQLiteStore, Store, open_store


def make(form_id: str = "contact", *, at: dt.datetime | None = None, status: str = "accepted",
         **answers: object) -> Submission:
    return Submission(
        reference=new_reference(), form_id=form_id, form_version="1", language="ar",
        submitted_at=at or dt.datetime.now(dt.timezone.utc),
        consent={"fields": {"consent": True}, "given_at": "2026-01-01T00:00:00Z"},
        status=status,  # type: ignore[arg-type]
        answers=answers or {"name": "سارة", "count": 3, "ok": True, "tags": ["a", "b"], "none": None},
    )


def test_migrations_are_applied_once_and_recorded(store: Store) -> None:
    assert store.migrate() == migrations.LATEST
    assert store.migrate() == migrations.LATEST  # idempotent at every start


def test_a_batch_is_stored_whole_and_read_back_unchanged(store: Store) -> None:
    subs = [make(), make(language_note="x"), make("volunteer", status="suspected-spam")]
    results = store.insert_batch(subs)
    assert results == subs
    got = {s.reference: s for s in store.submissions(None, status=None)}
    for sub in subs:
        stored = got[sub.reference]
        assert dataclasses.replace(stored, id=None) == sub
        assert stored.submitted_at.tzinfo is not None
    assert store.count("contact", status="accepted") == 2
    assert [s.reference for s in store.submissions("volunteer", status="suspected-spam")] == [subs[2].reference]
    assert store.count("volunteer", status="accepted") == 0
    assert store.form_ids() == ["contact", "volunteer"]


def test_a_reference_collision_draws_a_new_reference_and_spares_the_batch(store: Store) -> None:
    first = make()
    store.insert_batch([first])
    clash = dataclasses.replace(make(), reference=first.reference)
    other = make()
    results = store.insert_batch([clash, other])
    assert results[1] == other
    assert isinstance(results[0], Submission) and results[0].reference != first.reference
    assert store.count() == 3


def test_a_row_the_database_refuses_fails_alone(store: Store) -> None:
    bad = dataclasses.replace(make(), language="fr")  # CHECK constraint
    good = make()
    results = store.insert_batch([bad, good])
    assert isinstance(results[0], Exception)
    assert results[1] == good
    assert store.count() == 1


def test_purge_deletes_only_older_submissions_of_that_form(store: Store) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    old, recent = make(at=now - dt.timedelta(days=400)), make(at=now - dt.timedelta(days=10))
    other_old = make("volunteer", at=now - dt.timedelta(days=400))
    store.insert_batch([old, recent, other_old])
    cutoff = now - dt.timedelta(days=365)
    assert store.count_before("contact", cutoff) == 1
    assert store.purge("contact", cutoff) == 1
    assert [s.reference for s in store.submissions("contact")] == [recent.reference]
    assert store.count("volunteer") == 1


def test_form_schemas_are_remembered_once_per_distinct_schema(store: Store) -> None:
    store.remember_schema("contact", "1", {"fields": [{"name": "a", "type": "string"}]}, "h1")
    store.remember_schema("contact", "1", {"fields": [{"name": "a", "type": "string"}]}, "h1")
    store.remember_schema("contact", "2", {"fields": [{"name": "b", "type": "string"}]}, "h2")
    assert [v for v, _ in store.schemas("contact")] == ["1", "2"]


def test_a_database_from_a_newer_release_is_refused(store: Store) -> None:
    cur = store._conn().cursor()
    cur.execute(store._sql("INSERT INTO schema_version (version, title) VALUES (?, ?)"), (999, "future"))
    with pytest.raises(migrations.NewerDatabaseError, match="layout version 999"):
        store.migrate()


def test_sqlite_is_opened_for_durability(tmp_path) -> None:
    store = open_store("sqlite:///data/x.db", root=tmp_path)
    assert isinstance(store, SQLiteStore) and store.path == tmp_path / "data" / "x.db"
    store.migrate()
    conn = store._conn()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert store._conn().execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()
    assert sqlite3.connect(tmp_path / "data" / "x.db").execute(
        "SELECT version FROM schema_version ORDER BY version").fetchall() == [
            (m.version,) for m in migrations.MIGRATIONS]


def test_a_purged_answer_is_gone_from_the_sqlite_file(tmp_path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    store.migrate()
    secret = "SECRET-" + "x" * 40
    store.insert_batch([make(at=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc), name=secret)])
    assert store.purge("contact", dt.datetime(2001, 1, 1, tzinfo=dt.timezone.utc)) == 1
    store.close()
    for path in tmp_path.iterdir():
        assert secret.encode() not in path.read_bytes(), path.name


def test_unknown_database_urls_are_refused_with_the_expected_form() -> None:
    with pytest.raises(ValueError, match="sqlite:/// or postgresql://"):
        open_store("mysql://x")
    with pytest.raises(ValueError, match="names no file"):
        open_store("sqlite:///")


def test_step_3_keeps_the_identifier_hashes_of_a_step_2_database(store_url: str) -> None:
    """Hashes stored by the reference (step 2) are kept, keyed by the id, and still found."""
    from generator.submissions.identifiers import Indexer
    from tests.support.fixtures import migrate_to_step, test_keys

    codec, lookup = test_keys()
    store = open_store(store_url, codec=codec, indexer=Indexer(lookup, {}))
    try:
        with store._transaction() as cur:  # a database as release 2 left it
            migrate_to_step(store, cur, 2)
            sub = make(email="person@example.org")
            cur.execute(store._sql("INSERT INTO submissions (reference, form_id, form_version, language, "
                                   "submitted_at, consent, status, answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                        store.row_params(sub)[:8])  # the columns release 2 had
            digest = lookup.digest("email", "person@example.org")
            cur.execute(store._sql("INSERT INTO submission_lookups (reference, kind, digest, key_id) "
                                   "VALUES (?, ?, ?, ?)"), (sub.reference, "email", digest, lookup.id))
        assert store.migrate() == migrations.LATEST
        assert [s.reference for s in store.find_by_digests([digest])] == [sub.reference]
        assert store.lookup_key_ids() == {lookup.id}
        # New rows are stored and found the new way.
        other = make(email="other@example.org")
        store.insert_batch([other])
        assert [s.reference for s in store.find_by_digests([lookup.digest("email", "other@example.org")])] \
            == [other.reference]
        cur = store._conn().cursor()
        cur.execute("SELECT COUNT(*) FROM submission_lookups")
        assert cur.fetchone()[0] == 2
    finally:
        store.close()


def test_step_9_keeps_the_outbox_of_a_step_8_database_and_takes_webhooks(store_url: str) -> None:
    """The outbox is rebuilt on SQLite (its CHECK constraint widened, altered on PostgreSQL):
    queued and failed messages, their ids and the next id are kept; webhook rows fit."""
    from generator.submissions.db.outbox import Outcome, PlannedMessage, Try
    from generator.submissions.notices import webhook_detail
    from tests.support.fixtures import migrate_to_step, test_keys

    codec, _ = test_keys()
    store = open_store(store_url, codec=codec)
    try:
        with store._transaction() as cur:  # a database as release 8 left it
            migrate_to_step(store, cur, 8)
        at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
        sub = make()
        with store._transaction() as cur:
            cur.execute(store._sql("INSERT INTO submissions (reference, form_id, form_version, language, "
                                   "submitted_at, consent, status, answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                        store.row_params(sub)[:8])
        store.queue_messages(sub.reference, [PlannedMessage("staff-alert", "duty@qalb.example", "ar"),
                                             PlannedMessage("applicant-confirmation", "sara@example.org", "en")], at)
        claimed = store.claim_outbox("old", at, dt.timedelta(minutes=5), limit=1)
        store.finish_outbox("old", [Outcome(claimed[0].id, "failed", error="SMTPRecipientsRefused 550")], at)
        before = store.outbox_messages()
        assert store.migrate() == migrations.LATEST
        assert store.outbox_messages() == before  # same ids, rows and (decrypted) addresses
        store.queue_messages(sub.reference, [PlannedMessage("webhook", "", "ar",
                                                            webhook_detail("crm", "submitted", None))], at)
        hook = store.outbox_messages(kind="webhook")[0]
        assert hook.id > max(m.id for m in before)
        store.claim_outbox("new", at, dt.timedelta(minutes=5))
        store.finish_outbox("new", [Outcome(hook.id, "sent", tried=Try(at, 204, 12))], at)
        assert [(t.status_code, t.duration_ms) for t in store.outbox_tries([hook.id])[hook.id]] == [(204, 12)]
        assert store.purge("contact", at + dt.timedelta(days=1000)) == 1  # the tries go with their rows
        assert store.outbox_messages() == [] and store.outbox_tries([hook.id]) == {hook.id: []}
    finally:
        store.close()


# The SQL of every released step, as a digest per backend. A database that ran a step
# never runs it again, so editing a released step would leave old and new databases
# with different tables: append a new step instead (see migrations.py). Add a line
# here when a new step is released.
RELEASED = {
    1: {"sqlite": "99ce61c58ee49859", "postgresql": "fc19373cbdcde0c4"},
    2: {"sqlite": "409dac67c725fd1e", "postgresql": "5a58a051a30ccf27"},
    3: {"sqlite": "9462d58f529c7a3f", "postgresql": "d7f976f3e4d80c9f"},
    4: {"sqlite": "843361a44b5fce5d", "postgresql": "0f3a119756b424cb"},
    5: {"sqlite": "bb7a40216f14ad9e", "postgresql": "42b1ecdd0fc0183d"},
    6: {"sqlite": "a0de5aa3321f8c34", "postgresql": "2b0e990272d10b3a"},
    7: {"sqlite": "811ed8b2d4c538e7", "postgresql": "a7923d149587df8e"},
    8: {"sqlite": "4484482eba0a431b", "postgresql": "2cf4f85d752b8ee4"},
    9: {"sqlite": "a6558943e52c6fd9", "postgresql": "1238967cc196bf1b"},
    10: {"sqlite": "65887f4469da9878", "postgresql": "39359eef8acce098"},
    11: {"sqlite": "ac6b9df8d8e392fd", "postgresql": "ac6b9df8d8e392fd"},
    12: {"sqlite": "ef7e212d7ad0bc65", "postgresql": "ef7e212d7ad0bc65"},
    13: {"sqlite": "feb9475487c75d7b", "postgresql": "bed52f1e9bab9668"},
    14: {"sqlite": "1206e44e3e8510fe", "postgresql": "7dfe94c9a0bd82fc"},
    15: {"sqlite": "e321bfe2af378458", "postgresql": "6369141218d0ca4b"},
    16: {"sqlite": "6902458f3b50dc3f", "postgresql": "05606d1a4db701bb"},
    17: {"sqlite": "a21ed57255273a14", "postgresql": "3cbfb048735cc024"},
    18: {"sqlite": "3ab85afb3ae958e7", "postgresql": "c8c8910037fd7ef6"},
    19: {"sqlite": "435ad453da073722", "postgresql": "d8d54c149a8c50d5"},
    20: {"sqlite": "88addc81d4b03fe1", "postgresql": "3ed33e4f4f132193"},
    21: {"sqlite": "9c57718e22653499", "postgresql": "9c57718e22653499"},
}


def test_released_migration_steps_are_never_edited() -> None:
    import hashlib
    import json

    for step in migrations.MIGRATIONS:
        if step.version in RELEASED:
            for dialect, digest in RELEASED[step.version].items():
                sql = json.dumps(step.statements(dialect))
                assert hashlib.sha256(sql.encode()).hexdigest()[:16] == digest, (
                    f"migration step {step.version} ({dialect}) was edited after release: "
                    "put the change in a new step instead")
