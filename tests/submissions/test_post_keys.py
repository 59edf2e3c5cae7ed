"""Replicas on one database: a keyed post is stored once, however often and wherever it
is retried; two replicas remembering a form's schema at once both succeed. Both backends."""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from typing import Any, Callable

import psycopg
import pytest

from generator.submissions.db.post_keys import KEEP
from generator.submissions.records import Submission, post_digest
from generator.submissions.references import new_reference
from generator.submissions.store import Store, open_store
from tests.submissions.test_store import make


def keyed(key: str, form_id: str = "contact", **answers: object) -> Submission:
    sub = make(form_id, **answers)
    return dataclasses.replace(sub, post_key=post_digest(form_id, key, sub.answers))


def retry(sub: Submission) -> Submission:
    """The same post sent again: a new reference drawn, the same key and answers."""
    return dataclasses.replace(sub, reference=new_reference())


def second_replica(store: Store) -> Store:
    """Another process's store on the same database (its own connections)."""
    url = f"sqlite:///{store.path}" if store.dialect == "sqlite" else store.url  # type: ignore[attr-defined]
    other = open_store(url, codec=store.codec, indexer=store.indexer)
    other.migrate()
    return other


def test_a_retried_post_is_stored_once_and_answered_with_the_first_reference(store: Store) -> None:
    first = keyed("k-1")
    (stored,) = store.insert_batch([first])
    assert stored == first
    (again,) = store.insert_batch([retry(first)])
    assert isinstance(again, Submission) and again.reference == first.reference and again.id is not None
    assert store.count() == 1 and store.post_key_count() == 1
    # A post without a key, or the same key with other answers (the page edited and sent
    # again), or on another form, is another post.
    others = [make(), make(), keyed("k-1", name="other"), keyed("k-1", "volunteer")]
    assert store.insert_batch(others) == others
    assert store.count() == 5 and store.post_key_count() == 3


def test_the_same_key_twice_in_one_batch_is_stored_once(store: Store) -> None:
    first, other = keyed("k-2"), make()
    results = store.insert_batch([first, retry(first), other, retry(first)])
    assert [r.reference for r in results if isinstance(r, Submission)] == [
        first.reference, first.reference, other.reference, first.reference]
    assert store.count() == 2


def test_a_retry_on_another_replica_gets_the_first_reference(store: Store) -> None:
    other = second_replica(store)
    try:
        first = keyed("k-3")
        store.insert_batch([first])
        (again,) = other.insert_batch([retry(first)])
        assert isinstance(again, Submission) and again.reference == first.reference
        # A failing neighbour sends the batch through the one-by-one path: the key still holds.
        results = other.insert_batch([retry(first), dataclasses.replace(make(), language="fr")])
        assert isinstance(results[0], Submission) and results[0].reference == first.reference
        assert isinstance(results[1], Exception)
        assert store.count() == 1
    finally:
        other.close()


def test_keys_are_forgotten_after_a_day_and_with_their_submission(store: Store) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    old = dataclasses.replace(keyed("k-4"), submitted_at=now - KEEP - dt.timedelta(minutes=1))
    recent = keyed("k-5")
    store.insert_batch([old])
    assert store.post_key_count() == 1
    # The writer that stores keys forgets those older than a day, at most every 10 minutes
    # (a store opened now, as after a restart, does it with its first keyed batch).
    other = second_replica(store)
    try:
        other.insert_batch([recent])
    finally:
        other.close()
    assert store.post_key_count() == 1
    with store._transaction() as cur:
        assert store.prune_post_keys(cur, now - KEEP) == 0
    store.delete_references([recent.reference])  # a subject delete: the key goes with it
    assert store.post_key_count() == 0
    # A day later the key is unknown: the post is stored again (a day is how long a retry is expected).
    (late,) = store.insert_batch([retry(old)])
    assert isinstance(late, Submission) and late.reference != old.reference


def test_a_key_older_than_a_day_is_unknown_even_before_it_is_pruned(store: Store) -> None:
    """One replica, quiet for a day: the key is still in the table (nothing pruned it), yet
    the same post sent 30 hours later is a new post."""
    first = keyed("k-6")
    store.insert_batch([first])
    late = dataclasses.replace(retry(first), submitted_at=first.submitted_at + dt.timedelta(hours=30))
    store._post_keys_pruned_at = time.monotonic()  # as if this writer had just pruned: no prune now
    (stored,) = store.insert_batch([late])
    assert isinstance(stored, Submission) and stored.reference == late.reference != first.reference
    (again,) = store.insert_batch([retry(late)])  # the new post's key is known from then on
    assert isinstance(again, Submission) and again.reference == late.reference


def test_the_stored_digest_is_keyed_by_the_lookup_key() -> None:
    """A database copy alone cannot confirm guessed answers: the digest needs the lookup key."""
    from generator.submissions import crypto

    answers = {"subject": "x"}
    one, other = crypto.LookupKey(crypto.new_key()), crypto.LookupKey(crypto.new_key())
    keyed_once = post_digest("contact", "order-17", answers, one)
    assert keyed_once == post_digest("contact", "order-17", answers, one)  # the same post: the same digest
    assert keyed_once not in (post_digest("contact", "order-17", answers, other),
                              post_digest("contact", "order-17", answers))
    assert post_digest("contact", "order-17", {"subject": "y"}, one) != keyed_once


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.01)


def waiting_on_a_lock(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'").fetchone()
        return bool(row and row[0])


def in_thread(function: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = function()
        except BaseException as exc:  # the test asserts there was none
            outcome["error"] = exc
    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_two_replicas_storing_one_key_at_the_same_moment_store_it_once(store: Store) -> None:
    # Replica A has stored the post but not committed yet when replica B stores the retry:
    # B waits on A's row of post_keys, then finds the key and answers with A's reference.
    other = second_replica(store)
    try:
        first = keyed("k-6")
        with store._transaction() as cur:
            store._insert_rows(cur, [first])
            thread, outcome = in_thread(lambda: other.insert_batch([retry(first)]))
            wait_until(lambda: waiting_on_a_lock(store.url), "replica B waiting on A's key")  # type: ignore[attr-defined]
        thread.join(timeout=20)
        assert "error" not in outcome
        (again,) = outcome["result"]
        assert isinstance(again, Submission) and again.reference == first.reference
        assert store.count() == 1
    finally:
        other.close()


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_two_replicas_remembering_one_schema_at_the_same_moment_both_succeed(store: Store) -> None:
    # The race of two replicas starting together on an empty database: A has inserted the
    # schema, not committed; B's remember_schema must wait and then do nothing, not fail.
    other = second_replica(store)
    descriptor = {"fields": [{"name": "a", "type": "string"}]}
    try:
        with store._transaction() as cur:
            cur.execute(store._sql("INSERT INTO form_schemas (form_id, form_version, schema_hash, descriptor, "
                                   "first_seen) VALUES (?, ?, ?, ?, now())"), ("contact", "1", "h1", "{}"))
            thread, outcome = in_thread(lambda: other.remember_schema("contact", "1", descriptor, "h1"))
            wait_until(lambda: waiting_on_a_lock(store.url), "replica B waiting on A's schema")  # type: ignore[attr-defined]
        thread.join(timeout=20)
        assert "error" not in outcome, repr(outcome.get("error"))
        assert len(store.schemas("contact")) == 1
    finally:
        other.close()


def test_step_13_keeps_every_row_of_a_step_12_database(store_url: str) -> None:
    from generator.submissions import migrations
    from tests.support.fixtures import migrate_to_step, test_keys

    codec, _ = test_keys()
    store = open_store(store_url, codec=codec)
    try:
        with store._transaction() as cur:  # a database as release 12 left it
            migrate_to_step(store, cur, 12)
        old = [make(), make("volunteer", status="suspected-spam")]
        assert store.insert_batch(old) == old  # posts without a key never touch post_keys
        assert store.migrate() == migrations.LATEST
        assert [dataclasses.replace(s, id=None) for s in store.submissions(None, status=None)] == old
        first = keyed("k-7")
        store.insert_batch([first])
        (again,) = store.insert_batch([retry(first)])
        assert isinstance(again, Submission) and again.reference == first.reference and store.count() == 3
    finally:
        store.close()
