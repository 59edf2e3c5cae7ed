"""The `limit_counts` table (migrations.py, step 16): counts per client and minute,
in the database so that every replica of `run`, `endpoint` and `staff serve` on it
counts against the same limit.

    limit_take      a sliding window of whole minutes: refused (the seconds to wait)
                    once `limit` were counted in the last `period` seconds, else counted
    limit_add       one more in this minute (a wrong status lookup of a reference)
    audit_counted   a refusal to someone not signed in: the first of its client and
                    minute is an audit row, the others add to that row's count

Two replicas checking at the same instant may both pass the last free place: the
limit can be passed by one per replica racing, never more.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

from .connection import Database

#: Rows that count only for a limit are deleted once they are this many minutes old.
KEEP_MINUTES = 24 * 60


def minute_of(now: dt.datetime) -> int:
    """Whole minutes since the epoch (UTC)."""
    return int(now.timestamp() // 60)


class LimitQueries(Database):
    def limit_take(self, scope: str, client: str, *, now: dt.datetime, limit: int, period: float,
                   take: bool = True) -> int | None:
        """None when fewer than `limit` were counted for (`scope`, `client`) in the window of
        `period` seconds, and then one more is counted (unless `take` is false); else the
        seconds until enough of them leave the window. The window is the whole minutes that
        overlap the last `period` seconds: up to a minute longer, never shorter."""
        with self._transaction() as cur:
            cur.execute(self._sql("SELECT minute, count FROM limit_counts WHERE scope = ? AND client = ? "
                                  "AND minute >= ? ORDER BY minute"),
                        (scope, client, minute_of(now - dt.timedelta(seconds=period))))
            rows = cur.fetchall()
            excess = sum(count for _, count in rows) - limit + 1
            if excess > 0:
                for minute, count in rows:
                    excess -= count
                    if excess <= 0:  # counted no more once its minute ends `period` seconds ago
                        return max(1, math.ceil((int(minute) + 1) * 60 + period - now.timestamp()))
            if take:
                self._count_minute(cur, scope, client, minute_of(now))
        return None

    def limit_add(self, scope: str, client: str, *, now: dt.datetime) -> None:
        with self._transaction() as cur:
            self._count_minute(cur, scope, client, minute_of(now))

    def audit_counted(self, *, at: dt.datetime, actor: str, action: str, client: str, kind: str = "",
                      form_id: str | None = None, rows: int = 0, detail: str = "") -> int:
        """The audit row of a refusal, written for the first of `client`'s of this action and
        `kind` (a word from a short fixed list, never typed by the client) in this minute and
        counted for the others (the audit page shows the count). Returns the count so far."""
        scope = f"audit:{action}:{kind}"
        with self._transaction() as cur:
            count, audit_id = self._count_minute(cur, scope, client, minute_of(at))
            if audit_id is None:
                cur.execute(self._sql("INSERT INTO audit_log (at, actor, action, form_id, row_count, detail) "
                                      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
                            (self._time_to_db(at), actor, action, form_id, rows, detail))
                audit_id = cur.fetchone()[0]
                cur.execute(self._sql("UPDATE limit_counts SET audit_id = ? WHERE scope = ? AND client = ? "
                                      "AND minute = ?"), (audit_id, scope, client, minute_of(at)))
        return int(count)

    def _count_minute(self, cur: Any, scope: str, client: str, minute: int) -> tuple[int, Any]:
        """One more for (`scope`, `client`, `minute`): (its count now, its audit row's id or None)."""
        cur.execute(self._sql("INSERT INTO limit_counts (scope, client, minute, count) VALUES (?, ?, ?, 1) "
                              "ON CONFLICT (scope, client, minute) DO UPDATE SET count = limit_counts.count + 1 "
                              "RETURNING count, audit_id"), (scope, client, minute))
        count, audit_id = cur.fetchone()
        if count == 1:  # a new minute's row: the old rows that only counted for a limit can go
            cur.execute(self._sql("DELETE FROM limit_counts WHERE audit_id IS NULL AND minute < ?"),
                        (minute - KEEP_MINUTES,))
        return int(count), audit_id
