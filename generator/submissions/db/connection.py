"""Connections and transactions, the same for every backend and every table.

Each thread gets its own connection, opened on first use; `_transaction()` is
BEGIN ... COMMIT on it, ROLLBACK on error (and a broken connection is dropped,
so the next call reconnects). A backend (sqlite.py, postgres.py) overrides only
the hooks that differ: connecting, placeholders, time columns, error kinds and
the housekeeping after deletes. The queries of each table live in their own
module beside this one and are put together in generator/submissions/store.py.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import threading
from typing import Any, Iterator, Sequence, cast

from generator.submissions import migrations


class Database:
    """A database of either backend: connections, transactions, migrations."""

    dialect = ""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    # -- connections: one per thread, opened on first use --------------------

    def _connect(self) -> Any:
        raise NotImplementedError

    def connect(self) -> Any:
        """A new connection with this backend's settings, apart from the threads' own
        (for benchmarks and tools that measure the database alone)."""
        return self._connect()

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
        return cast(dt.datetime, value)  # the driver reads timestamps as aware datetimes

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

    def _skip_locked(self) -> str:
        """Words after a claiming SELECT that skip rows other transactions hold (PostgreSQL);
        SQLite needs none: BEGIN IMMEDIATE lets one claimer in at a time."""
        return ""

    def _is_broken(self, conn: Any) -> bool:
        return False

    def _is_unique_violation(self, exc: BaseException) -> bool:
        return False

    def _after_purge(self) -> None:
        """Make deleted rows unreadable in the files (SQLite: checkpoint; PostgreSQL: VACUUM)."""

    # -- layout ---------------------------------------------------------------

    def migrate(self) -> int:
        """Apply pending migrations in one transaction; return the layout version."""
        with self._transaction() as cur:
            self._lock_migrations(cur)
            cur.execute(migrations.VERSION_TABLE)
            cur.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            current = int(cur.fetchone()[0])
            for step in migrations.pending(current):
                for statement in step.statements(self.dialect):
                    cur.execute(statement)
                cur.execute(self._sql("INSERT INTO schema_version (version, title) VALUES (?, ?)"),
                            (step.version, step.title))
                current = step.version
        return current

    def _lock_migrations(self, cur: Any) -> None:
        pass


def marks(values: Sequence[Any]) -> str:
    """One placeholder per value, for IN (...)."""
    return ", ".join("?" for _ in values)


def chunks(values: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
