"""Where submissions live: SQLite by default, PostgreSQL by a URL, one interface.

`open_store(url)` returns a `Store`; callers never write SQL. Writes come from
the single writer thread (see writer.py) through `insert_batch`, which commits
a whole batch in one transaction; reads (export, purge, staff look-ups) may
come from any thread, each on its own connection.

All reading and writing of the answers column goes through a codec: the
plain `AnswersCodec` here (tests, and reading rows from before encryption),
or crypto.EncryptedCodec, which every command and the endpoint use (they open
the store through storage.py). With an `Indexer` (identifiers.py) each
insert also stores keyed hashes of the person's identifiers, for subject
requests, in the same transaction.

The backends (sqlite.py, postgres.py) differ only in connecting, placeholders,
time columns and error kinds; the SQL below is shared.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence
from urllib.parse import unquote, urlsplit

from . import migrations
from .crypto import stored_key_id
from .records import Submission
from .references import new_reference

COLUMNS = "reference, form_id, form_version, language, submitted_at, consent, status, answers"
_INSERT = f"INSERT INTO submissions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_SELECT = f"SELECT id, {COLUMNS} FROM submissions"
# Keyed by the submission's id (migrations.py, step 3), found here by its reference.
_INSERT_LOOKUP = ("INSERT INTO submission_lookups (submission_id, kind, digest, key_id) "
                  "SELECT id, ?, ?, ? FROM submissions WHERE reference = ?")
_REFERENCE_RETRIES = 5


class AnswersCodec:
    """Answers <-> the text in the answers column, as plain JSON. The reference is
    for codecs that bind the value to its row (crypto.EncryptedCodec)."""

    def encode(self, answers: dict[str, Any], reference: str) -> str:
        return json.dumps(answers, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    def decode(self, stored: str, reference: str) -> dict[str, Any]:
        return json.loads(stored)

    def is_current(self, stored: str) -> bool:
        return True


class Store:
    """The operations the endpoint and the staff commands need, for either backend."""

    dialect = ""

    def __init__(self, *, codec: Any = None, indexer: Any = None) -> None:
        self.codec = codec or AnswersCodec()
        self.indexer = indexer  # identifiers.Indexer, or None: no lookup hashes stored
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    # -- connections: one per thread, opened on first use --------------------

    def _connect(self) -> Any:
        raise NotImplementedError

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(Exception):  # best effort: a broken connection is gone anyway
                conn.close()
        self._local = threading.local()

    def close_this_thread(self) -> None:
        """Close the calling thread's connection (a thread that is about to end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with self._lock:
                self._all = [c for c in self._all if c is not conn]
            with contextlib.suppress(Exception):
                conn.close()

    def checkpoint(self) -> None:
        """Housekeeping a backend can do beside the writer, from another thread (see writer.py)."""

    def _sql(self, sql: str) -> str:
        return sql

    def _time_to_db(self, value: dt.datetime) -> Any:
        return value

    def _time_from_db(self, value: Any) -> dt.datetime:
        return value

    def _begin_write(self, cur: Any) -> None:
        cur.execute("BEGIN")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """A cursor inside BEGIN ... COMMIT on this thread's connection; ROLLBACK on error."""
        try:
            cur = self._conn().cursor()
            self._begin_write(cur)
            yield cur
            cur.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            return
        try:
            conn.execute("ROLLBACK")
        except Exception:
            # No transaction was open (BEGIN itself failed), or the connection is
            # broken (database restarted): drop it so the next call reconnects.
            if self._is_broken(conn):
                self._local.conn = None
                with self._lock:
                    self._all = [c for c in self._all if c is not conn]
                with contextlib.suppress(Exception):
                    conn.close()

    def _is_broken(self, conn: Any) -> bool:
        return False

    def _is_unique_violation(self, exc: BaseException) -> bool:
        return False

    # -- layout ---------------------------------------------------------------

    def migrate(self) -> int:
        """Apply pending migrations in one transaction; return the layout version."""
        with self._transaction() as cur:
            self._lock_migrations(cur)
            cur.execute(migrations.VERSION_TABLE)
            cur.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            current = cur.fetchone()[0]
            for step in migrations.pending(current):
                for statement in step.statements(self.dialect):
                    cur.execute(statement)
                cur.execute(self._sql("INSERT INTO schema_version (version, title) VALUES (?, ?)"),
                            (step.version, step.title))
                current = step.version
        return current

    def _lock_migrations(self, cur: Any) -> None:
        pass

    # -- writing (writer thread only) ------------------------------------------

    def _params(self, sub: Submission) -> tuple[Any, ...]:
        return (sub.reference, sub.form_id, sub.form_version, sub.language,
                self._time_to_db(sub.submitted_at), json.dumps(sub.consent, ensure_ascii=False),
                sub.status, self.codec.encode(sub.answers, sub.reference))

    def _lookups(self, subs: Iterable[Submission]) -> list[tuple[str, str, str, str]]:
        """(kind, digest, key id, reference) rows for _INSERT_LOOKUP."""
        if self.indexer is None:
            return []
        key_id = self.indexer.key.id
        return [(kind, digest, key_id, sub.reference)
                for sub in subs for kind, digest in self.indexer.digests(sub.form_id, sub.answers)]

    def insert_batch(self, subs: Sequence[Submission]) -> list[Submission | Exception]:
        """Commit all in one transaction; on a failure, retry one by one so a bad row
        (or a reference collision) never costs its neighbours their submission."""
        try:
            with self._transaction() as cur:
                cur.executemany(self._sql(_INSERT), [self._params(s) for s in subs])
                if lookups := self._lookups(subs):
                    cur.executemany(self._sql(_INSERT_LOOKUP), lookups)
            return list(subs)
        except Exception:
            return [self._insert_one(sub) for sub in subs]

    def _insert_one(self, sub: Submission) -> Submission | Exception:
        error: Exception = RuntimeError("no attempt made")
        for _ in range(_REFERENCE_RETRIES):
            try:
                with self._transaction() as cur:
                    cur.execute(self._sql(_INSERT), self._params(sub))
                    if lookups := self._lookups([sub]):
                        cur.executemany(self._sql(_INSERT_LOOKUP), lookups)
                return sub
            except Exception as exc:
                if not self._is_unique_violation(exc):
                    return exc
                error, sub = exc, dataclasses.replace(sub, reference=new_reference())
        return error

    def remember_schema(self, form_id: str, version: str, descriptor: dict[str, Any], schema_hash: str) -> None:
        """Keep each distinct schema a form has had, so exports can include old fields."""
        with self._transaction() as cur:
            cur.execute(self._sql("SELECT 1 FROM form_schemas WHERE form_id = ? AND schema_hash = ?"),
                        (form_id, schema_hash))
            if cur.fetchone() is None:
                cur.execute(self._sql(
                    "INSERT INTO form_schemas (form_id, form_version, schema_hash, descriptor, first_seen) "
                    "VALUES (?, ?, ?, ?, ?)"),
                    (form_id, version, schema_hash, json.dumps(descriptor, ensure_ascii=False),
                     self._time_to_db(dt.datetime.now(dt.timezone.utc))))

    def purge(self, form_id: str, before: dt.datetime) -> int:
        with self._transaction() as cur:
            cur.execute(self._sql("DELETE FROM submissions WHERE form_id = ? AND submitted_at < ?"),
                        (form_id, self._time_to_db(before)))
            count = cur.rowcount
        self._after_purge()
        return count

    def _after_purge(self) -> None:
        """Make deleted rows unreadable in the files (SQLite: checkpoint; PostgreSQL: VACUUM)."""

    def delete_references(self, references: Sequence[str]) -> int:
        """Delete these submissions (and, by cascade, their lookup hashes)."""
        count = 0
        with self._transaction() as cur:
            for chunk in _chunks(list(references)):
                cur.execute(self._sql(f"DELETE FROM submissions WHERE reference IN ({_marks(chunk)})"), chunk)
                count += cur.rowcount
        self._after_purge()
        return count

    # -- keys: re-encryption and lookup hashes ------------------------------------

    def stored_key_ids(self) -> set[str | None]:
        """The data key ids the answers are encrypted with (None: plain JSON rows)."""
        cur = self._conn().cursor()
        cur.execute("SELECT DISTINCT substr(answers, 1, 14) FROM submissions")
        return {stored_key_id(row[0]) for row in cur.fetchall()}

    def lookup_key_ids(self) -> set[str]:
        cur = self._conn().cursor()
        cur.execute("SELECT DISTINCT key_id FROM submission_lookups")
        return {row[0] for row in cur.fetchall()}

    def reencrypt(self, *, batch: int = 500) -> int:
        """Rewrite every row not under the codec's newest key, a batch per transaction;
        rows from before encryption (plain JSON) also get their lookup hashes."""
        done, last = 0, 0
        while True:
            with self._transaction() as cur:
                cur.execute(self._sql(f"{_SELECT} WHERE id > ? ORDER BY id LIMIT ?"), (last, batch))
                rows = cur.fetchall()
                if not rows:
                    return done
                last = rows[-1][0]
                stale = [(self._submission(row), row[8]) for row in rows if not self.codec.is_current(row[8])]
                for sub, _ in stale:
                    cur.execute(self._sql("UPDATE submissions SET answers = ? WHERE id = ?"),
                                (self.codec.encode(sub.answers, sub.reference), sub.id))
                plain = [sub for sub, stored in stale if stored_key_id(stored) is None]
                if lookups := self._lookups(plain):
                    cur.executemany(self._sql(_INSERT_LOOKUP + " ON CONFLICT DO NOTHING"), lookups)
                done += len(stale)

    def rebuild_lookups(self) -> int:
        """Recompute every lookup hash with the indexer's key (after a lookup key change)."""
        with self._transaction() as cur:
            cur.execute("DELETE FROM submission_lookups")
            cur.execute(self._sql(_SELECT))
            subs = [self._submission(row) for row in cur.fetchall()]
            lookups = self._lookups(subs)
            if lookups:
                cur.executemany(self._sql(_INSERT_LOOKUP), lookups)
        self._after_purge()
        return len(subs)

    # -- subject requests ---------------------------------------------------------

    def find_by_digests(self, digests: Sequence[str]) -> list[Submission]:
        """Every submission (any status) holding one of these identifier hashes."""
        if not digests:
            return []
        cur = self._conn().cursor()
        cur.execute(self._sql(f"{_SELECT} WHERE id IN (SELECT submission_id FROM submission_lookups "
                              f"WHERE digest IN ({_marks(digests)})) ORDER BY id"), list(digests))
        return [self._submission(row) for row in cur.fetchall()]

    # -- staff: audit log and export tokens ---------------------------------------

    def audit(self, *, at: dt.datetime, actor: str, action: str, form_id: str | None, rows: int,
              detail: str = "") -> None:
        with self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO audit_log (at, actor, action, form_id, row_count, detail) "
                                  "VALUES (?, ?, ?, ?, ?, ?)"),
                        (self._time_to_db(at), actor, action, form_id, rows, detail))

    def audit_entries(self) -> list[dict[str, Any]]:
        cur = self._conn().cursor()
        cur.execute("SELECT at, actor, action, form_id, row_count, detail FROM audit_log ORDER BY id")
        return [{"at": self._time_from_db(at), "actor": actor, "action": action, "form_id": form_id,
                 "rows": rows, "detail": detail} for at, actor, action, form_id, rows, detail in cur.fetchall()]

    def add_token(self, name: str, digest: str, at: dt.datetime) -> None:
        with self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO export_tokens (name, digest, created_at) VALUES (?, ?, ?)"),
                        (name, digest, self._time_to_db(at)))

    def revoke_token(self, name: str, at: dt.datetime) -> bool:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE export_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"),
                        (self._time_to_db(at), name))
            return cur.rowcount == 1

    def tokens(self) -> list[dict[str, Any]]:
        """Every token: name, digest, created_at, revoked_at (None while valid)."""
        cur = self._conn().cursor()
        cur.execute("SELECT name, digest, created_at, revoked_at FROM export_tokens ORDER BY created_at, name")
        return [{"name": name, "digest": digest, "created_at": self._time_from_db(created),
                 "revoked_at": self._time_from_db(revoked) if revoked is not None else None}
                for name, digest, created, revoked in cur.fetchall()]

    # -- reading --------------------------------------------------------------

    def schemas(self, form_id: str) -> list[tuple[str, dict[str, Any]]]:
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT form_version, descriptor FROM form_schemas WHERE form_id = ? "
                              "ORDER BY first_seen, form_version"), (form_id,))
        return [(version, json.loads(text)) for version, text in cur.fetchall()]

    def submissions(self, form_id: str | None = None, *, status: str | None = "accepted",
                    reference: str | None = None) -> Iterator[Submission]:
        where, params = [], []
        for column, value in (("form_id", form_id), ("status", status), ("reference", reference)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        cur = self._conn().cursor()
        cur.execute(self._sql(sql), params)
        while rows := cur.fetchmany(500):
            for row in rows:
                yield self._submission(row)

    def count(self, form_id: str | None = None, *, status: str | None = None) -> int:
        where = [(c, v) for c, v in (("form_id", form_id), ("status", status)) if v is not None]
        sql = "SELECT COUNT(*) FROM submissions" + (
            " WHERE " + " AND ".join(f"{c} = ?" for c, _ in where) if where else "")
        cur = self._conn().cursor()
        cur.execute(self._sql(sql), [v for _, v in where])
        return int(cur.fetchone()[0])

    def form_ids(self) -> list[str]:
        cur = self._conn().cursor()
        cur.execute("SELECT DISTINCT form_id FROM submissions ORDER BY form_id")
        return [row[0] for row in cur.fetchall()]

    def count_before(self, form_id: str, before: dt.datetime) -> int:
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT COUNT(*) FROM submissions WHERE form_id = ? AND submitted_at < ?"),
                    (form_id, self._time_to_db(before)))
        return int(cur.fetchone()[0])

    def _submission(self, row: Sequence[Any]) -> Submission:
        id_, reference, form_id, version, language, at, consent, status, answers = row
        return Submission(id=id_, reference=reference, form_id=form_id, form_version=version,
                          language=language, submitted_at=self._time_from_db(at),
                          consent=json.loads(consent), status=status,
                          answers=self.codec.decode(answers, reference))


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _chunks(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def open_store(url: str, *, root: Path | None = None, codec: Any = None, indexer: Any = None) -> Store:
    """`sqlite:///data/submissions.db` (relative to `root`), `sqlite:////abs/path.db`,
    or `postgresql://user@host:port/dbname`. Without a codec answers are plain JSON:
    the endpoint and the commands open it through storage.open_secure_store."""
    if url.startswith("sqlite:///"):
        rest = unquote(url[len("sqlite:///"):].split("?", 1)[0])
        if not rest:
            raise ValueError(f"DATABASE_URL {url!r} names no file: use sqlite:///data/submissions.db")
        path = Path(rest)
        if not path.is_absolute():
            path = (root or Path.cwd()) / path
        from .sqlite import SQLiteStore

        return SQLiteStore(path, codec=codec, indexer=indexer)
    if urlsplit(url).scheme in ("postgresql", "postgres"):
        from .postgres import PostgresStore

        return PostgresStore(url, codec=codec, indexer=indexer)
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://; got {url.split(':')[0]!r}")
