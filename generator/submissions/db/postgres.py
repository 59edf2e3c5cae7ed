"""The PostgreSQL backend, for larger deployments (`DATABASE_URL=postgresql://...`).

A DELETE leaves the old row versions ("dead tuples") in the table's pages
until VACUUM marks them free, so purge and subject deletes run VACUUM on the
tables they touched right away instead of waiting for autovacuum. (The
answers in them are encrypted anyway; VACUUM FULL, which rewrites the files,
is the step that also drops freed space from disk: see docs/security.md.)
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .connection import Database

if TYPE_CHECKING:
    import psycopg


class PostgresDatabase(Database):
    dialect = "postgresql"
    url: str

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg  # here, not at the top: a SQLite deployment's commands start without it (~0.15 s)

        # autocommit: transactions are the explicit BEGIN/COMMIT of connection.py, as for SQLite.
        return psycopg.connect(self.url, autocommit=True, application_name="qalb-endpoint")

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _lock_migrations(self, cur: Any) -> None:
        # Two services starting at once must not both create the tables.
        cur.execute("SELECT pg_advisory_xact_lock(4242001)")

    def _lock_report_rewrite(self, cur: Any) -> None:
        # Self-conflicting, unlike SHARE: two starts rewriting at once take turns (no deadlock),
        # and the second reads the rows the first wrote.
        cur.execute("LOCK TABLE report_values IN SHARE ROW EXCLUSIVE MODE")

    def _lock_report_values(self, cur: Any) -> None:
        # No submission's values may be stored (and counted) while a form's counts are rebuilt.
        cur.execute("LOCK TABLE report_values IN SHARE MODE")

    def _skip_locked(self) -> str:
        return " FOR UPDATE SKIP LOCKED"

    def _time_from_db(self, value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.timezone.utc)

    def _is_unique_violation(self, exc: BaseException) -> bool:
        import psycopg

        return isinstance(exc, psycopg.errors.UniqueViolation)

    def _after_purge(self) -> None:
        # VACUUM cannot run inside a transaction; the connection is autocommit.
        for table in ("submissions", "submission_lookups", "outbox", "attachments"):
            self._conn().execute(f"VACUUM {table}")

    def _is_broken(self, conn: Any) -> bool:
        return bool(conn.closed or conn.broken)
