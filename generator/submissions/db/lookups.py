"""The `submission_lookups` table: keyed hashes of each person's identifiers
(national ID, mobile, e-mail; identifiers.py), for subject requests and staff
searches, written in the same transaction as the submission they belong to;
and of the words of names (kind 'name', migration step 17), for the staff
search by name: those of submissions stored before a form marked its names
are hashed at start (`fill_name_lookups`), as the report values are.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable, Iterable, Sequence

from generator.submissions.records import Submission

from .connection import Database, marks

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

    def _form_batch(self, form_id: str, after: int, batch: int) -> list[Submission]:
        """The next `batch` submissions of a form (any status) by id after `after`, decoded."""
        raise NotImplementedError

    def fill_name_lookups(self, now: dt.datetime, *, batch: int = 500,
                          progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
        """Once per form and set of name fields (name_index_filled), hash the name words of its
        stored submissions: a database from before step 17, or a field marked `identifier: name`
        later. A batch per transaction, its name hashes replaced (a start killed half-way does
        the form again: the same rows). {form id: submissions read}; `progress(form, done)`."""
        if self.indexer is None:
            return {}
        cur = self._conn().cursor()
        cur.execute("SELECT form_id, fields FROM name_index_filled")
        done_before = {(row[0], row[1]) for row in cur.fetchall()}
        read: dict[str, int] = {}
        key_id = self.indexer.key.id
        for form_id, names in sorted(self.indexer.name_fields().items()):
            fields = json.dumps(names)
            if (form_id, fields) in done_before:  # most starts: nothing to do
                continue
            last, done = 0, 0
            while subs := self._form_batch(form_id, last, batch):
                last = subs[-1].id or last
                rows = [(kind, digest, key_id, sub.reference) for sub in subs
                        for kind, digest in self.indexer.digests(form_id, sub.answers) if kind == "name"]
                with self._transaction() as cur:
                    cur.execute(self._sql(f"DELETE FROM submission_lookups WHERE kind = 'name' AND submission_id "
                                          f"IN ({marks(subs)})"), [sub.id for sub in subs])
                    if rows:
                        cur.executemany(self._sql(INSERT_LOOKUP + " ON CONFLICT DO NOTHING"), rows)
                done += len(subs)
                if progress is not None:
                    progress(form_id, done)
            with self._transaction() as cur:
                cur.execute(self._sql("INSERT INTO name_index_filled (form_id, fields, filled_at) VALUES (?, ?, ?) "
                                      "ON CONFLICT (form_id, fields) DO NOTHING"),
                            (form_id, fields, self._time_to_db(now)))
            read[form_id] = done
        return read

    def ids_by_name(self, digests: Sequence[str], form_ids: Sequence[str], *, limit: int) -> list[int]:
        """The ids (newest first, at most `limit`) of the submissions of these forms holding
        every one of these name-word hashes (no decryption): the ids of each word's rows (a
        range of the digest index each) intersected, then the newest of them in the forms.
        (An EXISTS per row of the rarest word instead: twice as slow at 100,000 on SQLite.)"""
        wanted = sorted(set(digests))
        if not wanted or not form_ids:
            return []
        each = " INTERSECT ".join("SELECT submission_id FROM submission_lookups WHERE digest = ? AND kind = 'name'"
                                  for _ in wanted)
        # PostgreSQL, given `id IN (...)`, may walk the whole primary key newest first, expecting
        # many matches to end the LIMIT early (155 ms at 100,000 for three words matching 16):
        # `= ANY(ARRAY(...))` reads the few intersected ids first, then only their rows.
        ids = f"IN ({each})" if self.dialect == "sqlite" else f"= ANY(ARRAY({each}))"
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT id FROM submissions WHERE id {ids} AND form_id IN ({marks(form_ids)}) "
                              "ORDER BY id DESC LIMIT ?"), [*wanted, *form_ids, limit])
        return [int(row[0]) for row in cur.fetchall()]
