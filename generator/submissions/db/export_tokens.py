"""The `export_tokens` table: named bearer tokens for the HTTP export, as digests (tokens.py)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from .connection import Database


class TokenQueries(Database):
    def add_token(self, name: str, digest: str, at: dt.datetime) -> None:
        with self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO export_tokens (name, digest, created_at) VALUES (?, ?, ?)"),
                        (name, digest, self._time_to_db(at)))

    def revoke_token(self, name: str, at: dt.datetime) -> bool:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE export_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"),
                        (self._time_to_db(at), name))
            return int(cur.rowcount) == 1

    def tokens(self) -> list[dict[str, Any]]:
        """Every token: name, digest, created_at, revoked_at (None while valid)."""
        cur = self._conn().cursor()
        cur.execute("SELECT name, digest, created_at, revoked_at FROM export_tokens ORDER BY created_at, name")
        return [{"name": name, "digest": digest, "created_at": self._time_from_db(created),
                 "revoked_at": self._time_from_db(revoked) if revoked is not None else None}
                for name, digest, created, revoked in cur.fetchall()]
