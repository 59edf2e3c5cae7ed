"""The database layout as an ordered list of steps, applied at start.

Each step has one version number and the SQL for each backend. `schema_version`
records which steps ran, so starting the service on an older database brings
it up to date with no manual step, and starting an older release on a newer
database stops with a message instead of writing rows it does not understand.

Rules for adding a step: append, never edit a released step; keep a step
backward compatible with rows already stored (add nullable columns, never
rewrite answers in place).

The answers column is plain text, not JSON/JSONB, on purpose: a later step can
encrypt it at rest without changing its type.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    title: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]

    def statements(self, dialect: str) -> tuple[str, ...]:
        return self.sqlite if dialect == "sqlite" else self.postgresql


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "submissions and the form schemas they were made with",
        sqlite=(
            """CREATE TABLE submissions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                reference TEXT NOT NULL UNIQUE,
                form_id TEXT NOT NULL,
                form_version TEXT NOT NULL,
                language TEXT NOT NULL CHECK (language IN ('ar', 'en')),
                submitted_at TEXT NOT NULL,
                consent TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('accepted', 'suspected-spam')),
                answers TEXT NOT NULL
            )""",
            "CREATE INDEX submissions_by_form ON submissions (form_id, status, submitted_at)",
            """CREATE TABLE form_schemas (
                form_id TEXT NOT NULL,
                form_version TEXT NOT NULL,
                schema_hash TEXT NOT NULL,
                descriptor TEXT NOT NULL,
                first_seen TEXT NOT NULL,
                PRIMARY KEY (form_id, schema_hash)
            )""",
        ),
        postgresql=(
            """CREATE TABLE submissions (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                reference TEXT NOT NULL UNIQUE,
                form_id TEXT NOT NULL,
                form_version TEXT NOT NULL,
                language TEXT NOT NULL CHECK (language IN ('ar', 'en')),
                submitted_at TIMESTAMPTZ NOT NULL,
                consent TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('accepted', 'suspected-spam')),
                answers TEXT NOT NULL
            )""",
            "CREATE INDEX submissions_by_form ON submissions (form_id, status, submitted_at)",
            """CREATE TABLE form_schemas (
                form_id TEXT NOT NULL,
                form_version TEXT NOT NULL,
                schema_hash TEXT NOT NULL,
                descriptor TEXT NOT NULL,
                first_seen TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (form_id, schema_hash)
            )""",
        ),
    ),
)

LATEST = MIGRATIONS[-1].version
VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, title TEXT NOT NULL)"


class NewerDatabaseError(RuntimeError):
    pass


def pending(current: int) -> list[Migration]:
    """The steps still to apply to a database at `current`; refuses a newer database."""
    if current > LATEST:
        raise NewerDatabaseError(
            f"The database is at layout version {current}, but this release knows only up to "
            f"{LATEST}. Run the newer release, or restore a backup made for this one."
        )
    versions = [m.version for m in MIGRATIONS]
    if versions != sorted(set(versions)):
        raise AssertionError("MIGRATIONS must be in increasing version order without repeats")
    return [m for m in MIGRATIONS if m.version > current]
