"""The `staff_sessions` table (migrations.py, step 4): one row per sign-in, found by
the sha256 digest of the random id in the person's cookie (generator/staff/sessions.py).
`device` (step 15): the browser and system read from the User-Agent at sign-in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

from .connection import Database

_COLUMNS = "digest, account_id, created_at, last_seen, ended_at, device"


@dataclass(frozen=True)
class SessionRow:
    digest: str
    account_id: int
    created_at: dt.datetime
    last_seen: dt.datetime
    ended_at: dt.datetime | None
    device: str = ""  # "browser,system" (generator/staff/devices.py), "" when not known


class SessionQueries(Database):
    def add_session(self, digest: str, account_id: int, at: dt.datetime, device: str = "") -> None:
        with self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO staff_sessions (digest, account_id, created_at, last_seen, device) "
                                  "VALUES (?, ?, ?, ?, ?)"),
                        (digest, account_id, self._time_to_db(at), self._time_to_db(at), device[:100]))

    def _session_row(self, row: Sequence[Any]) -> SessionRow:
        return SessionRow(str(row[0]), int(row[1]), self._time_from_db(row[2]), self._time_from_db(row[3]),
                          self._time_from_db(row[4]) if row[4] is not None else None, str(row[5]))

    def session(self, digest: str) -> SessionRow | None:
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT {_COLUMNS} FROM staff_sessions WHERE digest = ?"), (digest,))
        row = cur.fetchone()
        return None if row is None else self._session_row(row)

    def account_sessions(self, account_id: int) -> list[SessionRow]:
        """An account's sessions not ended, newest first (some may have expired since last used)."""
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT {_COLUMNS} FROM staff_sessions WHERE account_id = ? AND ended_at IS NULL "
                              "ORDER BY created_at DESC"), (account_id,))
        return [self._session_row(row) for row in cur.fetchall()]

    def touch_session(self, digest: str, at: dt.datetime) -> None:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE staff_sessions SET last_seen = ? WHERE digest = ? AND ended_at IS NULL"),
                        (self._time_to_db(at), digest))

    def end_session(self, digest: str, at: dt.datetime) -> bool:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE staff_sessions SET ended_at = ? WHERE digest = ? AND ended_at IS NULL"),
                        (self._time_to_db(at), digest))
            return int(cur.rowcount) == 1

    def end_sessions(self, account_id: int, at: dt.datetime) -> int:
        """End every open session of an account (disabled, reset)."""
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE staff_sessions SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL"),
                        (self._time_to_db(at), account_id))
            return int(cur.rowcount)

    def end_other_sessions(self, account_id: int, keep: str, at: dt.datetime) -> int:
        """End every open session of an account but the one with digest `keep` (a password change)."""
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE staff_sessions SET ended_at = ? WHERE account_id = ? AND digest <> ? "
                                  "AND ended_at IS NULL"), (self._time_to_db(at), account_id, keep))
            return int(cur.rowcount)

    def open_sessions(self, account_id: int) -> int:
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT COUNT(*) FROM staff_sessions WHERE account_id = ? AND ended_at IS NULL"),
                    (account_id,))
        return int(cur.fetchone()[0])
