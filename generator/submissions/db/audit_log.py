"""The `audit_log` table: only ever inserted into and read (see audit.py)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from .connection import Database


class AuditQueries(Database):
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

    def audit_page(self, *, actor: str | None = None, action: str | None = None, since: dt.datetime | None = None,
                   until: dt.datetime | None = None, before: int | None = None,
                   limit: int = 50) -> list[dict[str, Any]]:
        """Entries newest first, filtered, `limit` at most with an id below `before` (the staff
        workspace's audit page: keyset paging, so every page costs the same however far back).
        `count`: how many refusals of that client and minute the row stands for (limit_counts)."""
        where, params = [], []
        for clause, value in (("a.actor = ?", actor), ("a.action = ?", action), ("a.at >= ?", since),
                              ("a.at < ?", until), ("a.id < ?", before)):
            if value is not None:
                where.append(clause)
                params.append(self._time_to_db(value) if isinstance(value, dt.datetime) else value)
        sql = ("SELECT a.id, a.at, a.actor, a.action, a.form_id, a.row_count, a.detail, c.count FROM audit_log a "
               "LEFT JOIN limit_counts c ON c.audit_id = a.id"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.id DESC LIMIT ?")
        cur = self._conn().cursor()
        cur.execute(self._sql(sql), (*params, limit))
        return [{"id": int(id_), "at": self._time_from_db(at), "actor": who, "action": what, "form_id": form_id,
                 "rows": rows, "detail": detail, "count": int(count or 1)}
                for id_, at, who, what, form_id, rows, detail, count in cur.fetchall()]

    def audit_actors(self) -> list[str]:
        cur = self._conn().cursor()
        cur.execute("SELECT DISTINCT actor FROM audit_log ORDER BY actor")
        return [row[0] for row in cur.fetchall()]
