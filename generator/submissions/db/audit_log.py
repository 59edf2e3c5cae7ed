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
