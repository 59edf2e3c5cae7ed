"""Where submissions live: SQLite by default, PostgreSQL by a URL, one interface.

`open_store(url)` returns a `Store`; callers never write SQL. Writes come from
the single writer thread (see writer.py) through `insert_batch`, which commits
a whole batch in one transaction; reads (export, purge, staff look-ups) may
come from any thread, each on its own connection.

A `Store` is the queries of every table (db/<table>.py) over one backend's
connection (db/sqlite.py, db/postgres.py, both on db/connection.py). All
reading and writing of the answers column goes through the store's codec, and
with an `Indexer` (identifiers.py) each insert also stores keyed hashes of the
person's identifiers in the same transaction; with an `outbox_planner`
(notices.py) it also stores the e-mail notifications the submission causes
(db/outbox.py), so none is lost and none is sent for a submission not stored.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.core.organisation import DEFAULT_TIME_ZONE

from .db.accounts import AccountQueries
from .db.activity import ActivityQueries
from .db.audit_log import AuditQueries
from .db.cases import CaseQueries
from .db.connection import Database
from .db.export_tokens import TokenQueries
from .db.inbox import InboxQueries
from .db.outbox import OutboxQueries
from .db.postgres import PostgresDatabase
from .db.schemas import SchemaQueries
from .db.sqlite import SQLiteDatabase
from .db.staff_sessions import SessionQueries
from .db.submissions import AnswersCodec, SubmissionQueries


class Store(SubmissionQueries, CaseQueries, OutboxQueries, SchemaQueries, AuditQueries, TokenQueries,
            AccountQueries, SessionQueries, InboxQueries, ActivityQueries, Database):
    """The operations the web apps and the commands need, for either backend."""

    def __init__(self, *, codec: Any = None, indexer: Any = None) -> None:
        super().__init__()
        self.codec = codec or AnswersCodec()
        self.indexer = indexer  # identifiers.Indexer, or None: no lookup hashes stored
        self.outbox_planner: Any = None  # notices.OutboxPlanner, or None: notifications off, nothing queued
        self.report_fields: dict[str, tuple[str, ...]] = {}  # {form id: its `report: true` fields}
        #: {form id: (its counted single choices, its counted ratings)} (db/report_values.py)
        self.report_roles: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        #: The organisation's time zone (content/settings.yml): report months start at its midnight.
        self.time_zone: str = DEFAULT_TIME_ZONE

    def reencrypt(self, *, batch: int = 500) -> int:
        """Answers and internal notes not under the codec's newest key, rewritten under it."""
        return super().reencrypt(batch=batch) + self.reencrypt_notes(batch=batch)


class SQLiteStore(SQLiteDatabase, Store):
    def __init__(self, path: Path, *, codec: Any = None, indexer: Any = None) -> None:
        Store.__init__(self, codec=codec, indexer=indexer)
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)


class PostgresStore(PostgresDatabase, Store):
    def __init__(self, url: str, *, codec: Any = None, indexer: Any = None) -> None:
        Store.__init__(self, codec=codec, indexer=indexer)
        self.url = url


def open_store(url: str, *, root: Path | None = None, codec: Any = None, indexer: Any = None) -> Store:
    """`sqlite:///data/submissions.db` (relative to `root`), `sqlite:////abs/path.db`,
    or `postgresql://user@host:port/dbname`. Without a codec answers are plain JSON:
    the web apps and the commands open it through secure_store.open_secure_store."""
    if url.startswith("sqlite:///"):
        rest = unquote(url[len("sqlite:///"):].split("?", 1)[0])
        if not rest:
            raise ValueError(f"DATABASE_URL {url!r} names no file: use sqlite:///data/submissions.db")
        path = Path(rest)
        if not path.is_absolute():
            path = (root or Path.cwd()) / path
        return SQLiteStore(path, codec=codec, indexer=indexer)
    if urlsplit(url).scheme in ("postgresql", "postgres"):
        return PostgresStore(url, codec=codec, indexer=indexer)
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://; got {url.split(':')[0]!r}")
