"""The `post_keys` table: the keys of posts already stored, so a retried post is
stored once and its retry answered with the first reference (endpoint/app.py).

A post's key (an `Idempotency-Key` header, or the key a form's script makes per
page load) is kept as `records.post_digest` makes it: a sha256 digest of the
form, the key and the answers, so the same key with other answers is another
post, and neither the key nor any answer is stored. A row is written in the
submission's own transaction and deleted with it (cascade).

How long: 24 hours (`KEEP`). A retry comes seconds or minutes after the first
try (a client's timeout, a replica killed between commit and reply, a reload
of the page that posted); a day covers a person who finds the page again the
next morning, and keeps the table at one day of keyed posts. Rows older than
that are deleted at most every `PRUNE_EVERY` seconds by the writer that stores
new keys, so a key lives between 24 hours and 24 hours and 10 minutes.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Any, Sequence

from generator.submissions.records import Submission

from .connection import Database, chunks, marks

KEEP = dt.timedelta(hours=24)
PRUNE_EVERY = 600.0  # seconds


class PostKeyQueries(Database):
    _post_keys_pruned_at: float = float("-inf")  # time.monotonic() of the last prune

    def _split_retries(self, cur: Any, subs: Sequence[Submission]) -> tuple[list[Submission], list[Submission]]:
        """(the posts to store, what each post of `subs` is answered with): a post whose key
        is stored already, or came earlier in `subs`, is answered with that submission."""
        keyed = {sub.post_key: sub for sub in reversed(subs) if sub.post_key}  # the first post of each key
        known: dict[str, Submission] = {}
        if not keyed:
            return list(subs), list(subs)
        # A key older than KEEP is forgotten whether or not a prune has run since.
        since = self._time_to_db(max(sub.submitted_at for sub in keyed.values()) - KEEP)
        for chunk in chunks(sorted(keyed)):
            cur.execute(self._sql(f"SELECT k.digest, s.id, s.reference FROM post_keys k JOIN submissions s "
                                  f"ON s.id = k.submission_id WHERE k.digest IN ({marks(chunk)}) "
                                  "AND k.created_at >= ?"), [*chunk, since])
            for digest, id_, reference in cur.fetchall():
                known[digest] = dataclasses.replace(keyed[digest], id=id_, reference=reference)
        fresh: list[Submission] = []
        answers: list[Submission] = []
        for sub in subs:
            if sub.post_key and sub.post_key in known:
                answers.append(known[sub.post_key])
                continue
            if sub.post_key:
                known[sub.post_key] = sub
            fresh.append(sub)
            answers.append(sub)
        return fresh, answers

    def _insert_post_keys(self, cur: Any, subs: Sequence[Submission]) -> None:
        rows = [(sub.post_key, self._time_to_db(sub.submitted_at), sub.reference) for sub in subs if sub.post_key]
        if not rows:
            return
        # A key forgotten (older than KEEP) but not pruned yet gives its place to the new post's;
        # a key still known is never replaced: two replicas storing one new key conflict, as they must.
        since = self._time_to_db(max(sub.submitted_at for sub in subs if sub.post_key) - KEEP)
        for chunk in chunks(sorted({row[0] for row in rows if row[0]})):
            cur.execute(self._sql(f"DELETE FROM post_keys WHERE digest IN ({marks(chunk)}) AND created_at < ?"),
                        [*chunk, since])
        cur.executemany(self._sql("INSERT INTO post_keys (digest, submission_id, created_at) "
                                  "SELECT ?, id, ? FROM submissions WHERE reference = ?"), rows)
        if time.monotonic() - self._post_keys_pruned_at > PRUNE_EVERY:
            self._post_keys_pruned_at = time.monotonic()
            self.prune_post_keys(cur, max(sub.submitted_at for sub in subs) - KEEP)

    def prune_post_keys(self, cur: Any, before: dt.datetime) -> int:
        """Forget the keys of posts stored before `before` (in the caller's transaction)."""
        cur.execute(self._sql("DELETE FROM post_keys WHERE created_at < ?"), (self._time_to_db(before),))
        return int(cur.rowcount)

    def post_key_count(self) -> int:
        cur = self._conn().cursor()
        cur.execute("SELECT COUNT(*) FROM post_keys")
        return int(cur.fetchone()[0])

