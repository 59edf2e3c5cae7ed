"""Where submissions live: SQLite by default, PostgreSQL by a URL, one interface.

`open_store(url)` returns a `Store`; callers never write SQL. Writes come from
the single writer thread (see writer.py) through `insert_batch`, which commits
a whole batch in one transaction; reads (export, purge, staff look-ups) may
come from any thread, each on its own connection.

A `Store` is the queries of every table (db/<table>.py) over one backend's
connection (db/sqlite.py, db/postgres.py, both on db/connection.py). All
reading and writing of the answers column goes through the store's codec, and
with an `Indexer` (identifiers.py) each insert also stores keyed hashes of the
person's identifiers in the same transaction; with an outbox planner
(notices.py) it also stores the e-mail notifications the submission causes
(db/outbox.py), so none is lost and none is sent for a submission not stored.

The planner, the organisation's time zone and the forms' counted report
fields are the store's `Wiring`, given when it is opened and read-only after:
whoever opens the store decides them once for the whole process (`run` serves
the endpoint and the workspace on one store, so on one planner). The codec and
the indexer are set once the keys are loaded, because the keys are checked
against the rows of the opened database (secure_store.py).

Why the queries stay mixins on one class rather than one object per table
(`store.outbox.queue(...)`): the writes that must not half-happen span tables
and share one transaction on one connection. `insert_batch` writes the
submissions, their lookup hashes, their counted report values and the outbox
messages they cause with one cursor and one commit; a case move writes the
case, its event and its messages the same way; the attachments rows of the files
sent with a submission are written with it (db/attachments.py) (db/cases.py calls
OutboxQueries' `_insert_messages` with its open cursor); a purge moves the
counts into report_monthly and deletes the submissions in one transaction.
These helpers take the open cursor and read the store's one codec and wiring.
Per-table objects would each need that cursor handed in (a unit of work passed
to every write that spans tables), the codec and the wiring, and the callers
would lose the one `store` they pass around today: a split must solve those
first, not only move methods.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote, urlsplit

from generator.core.organisation import DEFAULT_TIME_ZONE

from .db.accounts import AccountQueries
from .db.activity import ActivityQueries
from .db.audit_log import AuditQueries
from .db.cases import CaseQueries
from .db.connection import Database
from .db.corrections import CorrectionQueries
from .db.export_tokens import TokenQueries
from .db.inbox import InboxQueries
from .db.limit_counts import LimitQueries
from .db.outbox import OutboxQueries, Planner
from .db.postgres import PostgresDatabase
from .db.report_values import report_fields_of, report_roles_of
from .db.schemas import SchemaQueries
from .db.sqlite import SQLiteDatabase
from .db.staff_sessions import SessionQueries
from .db.submissions import AnswersCodec, SubmissionQueries


@dataclass(frozen=True)
class Wiring:
    """What a store is given when it is opened and keeps unchanged."""

    planner: Planner | None = None  # None: notifications off, nothing queued
    #: The organisation's time zone (content/settings.yml): report months start at its midnight.
    time_zone: str = DEFAULT_TIME_ZONE
    report_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # {form id: its `report: true` fields}
    #: {form id: (its counted single choices, its counted ratings)} (db/report_values.py)
    report_roles: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def of(cls, forms: Mapping[str, Any], *, planner: Planner | None = None,
           time_zone: str = DEFAULT_TIME_ZONE) -> Wiring:
        """The wiring for loaded forms: their report fields and roles counted from the form files."""
        return cls(planner=planner, time_zone=time_zone, report_fields=report_fields_of(forms),
                   report_roles=report_roles_of(forms))


class Store(SubmissionQueries, CaseQueries, CorrectionQueries, OutboxQueries, SchemaQueries, AuditQueries, TokenQueries,
            AccountQueries, SessionQueries, InboxQueries, ActivityQueries, LimitQueries, Database):
    """The operations the web apps and the commands need, for either backend."""

    def __init__(self, *, codec: Any = None, indexer: Any = None, wiring: Wiring | None = None) -> None:
        super().__init__()
        self.codec = codec or AnswersCodec()
        self.indexer = indexer  # identifiers.Indexer, or None: no lookup hashes stored
        self._wiring = wiring or Wiring()

    @property
    def wiring(self) -> Wiring:
        return self._wiring

    @property
    def outbox_planner(self) -> Planner | None:
        return self._wiring.planner

    @property
    def time_zone(self) -> str:
        return self._wiring.time_zone

    @property
    def report_fields(self) -> Mapping[str, tuple[str, ...]]:
        return self._wiring.report_fields

    @property
    def report_roles(self) -> Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        return self._wiring.report_roles

    def reencrypt(self, *, batch: int = 500) -> int:
        """Answers, internal notes and file names not under the codec's newest key, rewritten under it
        (the files themselves: commands.rotate_files)."""
        return (super().reencrypt(batch=batch) + self.reencrypt_notes(batch=batch)
                + self.reencrypt_attachment_names(batch=batch))


class SQLiteStore(SQLiteDatabase, Store):
    def __init__(self, path: Path, *, codec: Any = None, indexer: Any = None, wiring: Wiring | None = None) -> None:
        Store.__init__(self, codec=codec, indexer=indexer, wiring=wiring)
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)


class PostgresStore(PostgresDatabase, Store):
    def __init__(self, url: str, *, codec: Any = None, indexer: Any = None, wiring: Wiring | None = None) -> None:
        Store.__init__(self, codec=codec, indexer=indexer, wiring=wiring)
        self.url = url


def open_store(url: str, *, root: Path | None = None, codec: Any = None, indexer: Any = None,
               wiring: Wiring | None = None) -> Store:
    """`sqlite:///data/submissions.db` (relative to `root`), `sqlite:////abs/path.db`,
    or `postgresql://user@host:port/dbname`. Without a codec answers are plain JSON:
    the web apps and the commands open it through secure_store.open_secure_store.
    Without `wiring`: no planner, the default time zone, no counted report fields."""
    if url.startswith("sqlite:///"):
        rest = unquote(url[len("sqlite:///"):].split("?", 1)[0])
        if not rest:
            raise ValueError(f"DATABASE_URL {url!r} names no file: use sqlite:///data/submissions.db")
        path = Path(rest)
        if not path.is_absolute():
            path = (root or Path.cwd()) / path
        return SQLiteStore(path, codec=codec, indexer=indexer, wiring=wiring)
    if urlsplit(url).scheme in ("postgresql", "postgres"):
        return PostgresStore(url, codec=codec, indexer=indexer, wiring=wiring)
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://; got {url.split(':')[0]!r}")
