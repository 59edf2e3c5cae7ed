"""The SQLite backend: the default, one file, one writing process.

WAL mode with synchronous=FULL: when COMMIT returns, the rows are on disk, and
only then is the visitor told "received" (WAL also lets exports read while
the writer writes). Copying the WAL into the database file (a checkpoint) is
done beside the writer by `checkpoint`, every 0.1 s while the endpoint runs
(writer.py); a commit does it itself only when the WAL passes 10,000 pages
(~40 MB), which bounds the WAL when the background copy cannot keep up.
Checkpoints in the commits, every 1,000 pages by default, left the endpoint
idle while all its clients waited (bench/endpoint.py: 2,153-2,261
submissions/s before, 2,420-2,676/s after). secure_delete makes purged rows
unreadable in the file instead of leaving them in free pages.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from .connection import Database


class SQLiteDatabase(Database):
    dialect = "sqlite"
    path: Path

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so the moment
        # of durability is explicit. check_same_thread stays on: one per thread.
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "secure_delete=ON",
                       "busy_timeout=10000", "foreign_keys=ON", "wal_autocheckpoint=10000"):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def _begin_write(self, cur: Any) -> None:
        # IMMEDIATE takes the write lock now, so a batch never fails half-way on SQLITE_BUSY.
        cur.execute("BEGIN IMMEDIATE")

    def _time_to_db(self, value: dt.datetime) -> str:
        # Fixed width, UTC: text order is time order, so purge can compare strings.
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _time_from_db(self, value: str) -> dt.datetime:
        # fromisoformat reads the trailing Z as UTC (Python 3.11) in ~0.3 us; strptime took ~10 us,
        # most of the response-times report's 72 ms for a year of 2,500 cases (bench/reports.py).
        return dt.datetime.fromisoformat(value)

    def _is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

    def checkpoint(self) -> None:
        # PASSIVE: copies what is committed without waiting for, or blocking, the writer.
        self._conn().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _after_purge(self) -> None:
        # Deleted rows linger in the WAL until a checkpoint copies the cleaned pages back.
        self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
