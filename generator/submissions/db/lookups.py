"""The `submission_lookups` table: keyed hashes of each person's identifiers
(national ID, mobile, e-mail; identifiers.py), for subject requests and staff
searches, written in the same transaction as the submission they belong to.
"""
from __future__ import annotations

from typing import Any, Iterable

from generator.submissions.records import Submission

from .connection import Database

# Keyed by the submission's id (migrations.py, step 3), found here by its reference.
INSERT_LOOKUP = ("INSERT INTO submission_lookups (submission_id, kind, digest, key_id) "
                 "SELECT id, ?, ?, ? FROM submissions WHERE reference = ?")


class LookupQueries(Database):
    indexer: Any  # identifiers.Indexer, or None: no lookup hashes stored

    def _lookups(self, subs: Iterable[Submission]) -> list[tuple[str, str, str, str]]:
        """(kind, digest, key id, reference) rows for INSERT_LOOKUP."""
        if self.indexer is None:
            return []
        key_id = self.indexer.key.id
        return [(kind, digest, key_id, sub.reference)
                for sub in subs for kind, digest in self.indexer.digests(sub.form_id, sub.answers)]

    def _insert_lookups(self, cur: Any, subs: Iterable[Submission], *, on_conflict: str = "") -> None:
        if lookups := self._lookups(subs):
            cur.executemany(self._sql(INSERT_LOOKUP + on_conflict), lookups)

    def lookup_key_ids(self) -> set[str]:
        cur = self._conn().cursor()
        cur.execute("SELECT DISTINCT key_id FROM submission_lookups")
        return {row[0] for row in cur.fetchall()}

    def rebuild_lookups(self) -> int:
        """Recompute every lookup hash with the indexer's key (after a lookup key change)."""
        with self._transaction() as cur:
            cur.execute("DELETE FROM submission_lookups")
            subs = self._all_submissions(cur)
            self._insert_lookups(cur, subs)
        self._after_purge()
        return len(subs)

    def _all_submissions(self, cur: Any) -> list[Submission]:
        """Every stored submission, decoded (db/submissions.py)."""
        raise NotImplementedError
