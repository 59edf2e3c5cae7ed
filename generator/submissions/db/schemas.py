"""The `form_schemas` table: each distinct schema a form has had, so exports
can include the fields of older versions.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .connection import Database


class SchemaQueries(Database):
    def remember_schema(self, form_id: str, version: str, descriptor: dict[str, Any], schema_hash: str) -> None:
        """Keep each distinct schema a form has had, so exports can include old fields."""
        # One statement, not "look, then insert": replicas starting together on one database
        # would both find nothing and the second insert would fail on the primary key.
        with self._transaction() as cur:
            cur.execute(self._sql(
                "INSERT INTO form_schemas (form_id, form_version, schema_hash, descriptor, first_seen) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (form_id, schema_hash) DO NOTHING"),
                (form_id, version, schema_hash, json.dumps(descriptor, ensure_ascii=False),
                 self._time_to_db(dt.datetime.now(dt.timezone.utc))))

    def schemas(self, form_id: str) -> list[tuple[str, dict[str, Any]]]:
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT form_version, descriptor FROM form_schemas WHERE form_id = ? "
                              "ORDER BY first_seen, form_version"), (form_id,))
        return [(version, json.loads(text)) for version, text in cur.fetchall()]
