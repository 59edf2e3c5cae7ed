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
                   until: dt.datetime | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Entries newest first, filtered (the staff workspace's audit page)."""
        where, params = [], []
        for clause, value in (("actor = ?", actor), ("action = ?", action), ("at >= ?", since), ("at < ?", until)):
            if value is not None:
                where.append(clause)
                params.append(self._time_to_db(value) if isinstance(value, dt.datetime) else value)
        sql = ("SELECT at, actor, action, form_id, row_count, detail FROM audit_log"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?")
        cur = self._conn().cursor()
        cur.execute(self._sql(sql), (*params, limit))
        return [{"at": self._time_from_db(at), "actor": who, "action": what, "form_id": form_id,
                 "rows": rows, "detail": detail} for at, who, what, form_id, rows, detail in cur.fetchall()]

    def audit_actors(self) -> list[str]:
        cur = self._conn().cursor()
        cur.execute("SELECT DISTINCT actor FROM audit_log ORDER BY actor")
        return [row[0] for row in cur.fetchall()]
