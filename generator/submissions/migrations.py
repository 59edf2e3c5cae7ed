"""The database layout as an ordered list of steps, applied at start.

Each step has one version number and the SQL for each backend. `schema_version`
records which steps ran, so starting the service on an older database brings
it up to date with no manual step, and starting an older release on a newer
database stops with a message instead of writing rows it does not understand.

Rules for adding a step: append, never edit a released step; keep a step
backward compatible with rows already stored (add nullable columns, never
rewrite answers in place).

The answers column is plain text, not JSON/JSONB, on purpose: it holds the
answers encrypted by the application (crypto.py); rows from before step 2
were plain JSON and are encrypted in place at the next start (secure_store.py).
"""
from __future__ import annotations

from dataclasses import dataclass

#: The only words the two backends spell differently in our tables.
DIALECT_WORDS = {
    "sqlite": {"serial_key": "INTEGER PRIMARY KEY AUTOINCREMENT", "time": "TEXT", "serial_ref": "INTEGER",
               "without_rowid": " WITHOUT ROWID"},
    "postgresql": {"serial_key": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "time": "TIMESTAMPTZ",
                   "serial_ref": "BIGINT", "without_rowid": ""},
}


@dataclass(frozen=True)
class Migration:
    version: int
    title: str
    sql: tuple[str, ...]  # with the DIALECT_WORDS keys ({serial_key}, {time}...) where the backends differ
    #: Statements for one backend only, run before `sql` (what the two cannot say alike,
    #: such as changing a CHECK constraint: PostgreSQL alters it, SQLite rebuilds the table).
    sqlite: tuple[str, ...] = ()
    postgresql: tuple[str, ...] = ()

    def statements(self, dialect: str) -> tuple[str, ...]:
        name = "sqlite" if dialect == "sqlite" else "postgresql"
        words = DIALECT_WORDS[name]
        return tuple(statement.format(**words) for statement in (*getattr(self, name), *self.sql))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "submissions and the form schemas they were made with",
        sql=(
            """CREATE TABLE submissions (
                id {serial_key},
                reference TEXT NOT NULL UNIQUE,
                form_id TEXT NOT NULL,
                form_version TEXT NOT NULL,
                language TEXT NOT NULL CHECK (language IN ('ar', 'en')),
                submitted_at {time} NOT NULL,
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
                first_seen {time} NOT NULL,
                PRIMARY KEY (form_id, schema_hash)
            )""",
        ),
    ),
    Migration(
        2,
        "keyed hashes of identifiers, the staff audit log, named export tokens",
        # submission_lookups: HMAC-SHA256 digests (never the values) of a submission's
        # national ID / mobile / e-mail, for subject requests; deleted with the submission.
        # audit_log: who exported or searched what, when, how many rows; never content.
        # export_tokens: sha256 digests of bearer tokens, named, revocable.
        sql=(
            """CREATE TABLE submission_lookups (
                reference TEXT NOT NULL REFERENCES submissions (reference) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('national_id', 'mobile', 'email')),
                digest TEXT NOT NULL,
                key_id TEXT NOT NULL,
                PRIMARY KEY (reference, kind, digest)
            )""",
            "CREATE INDEX submission_lookups_by_digest ON submission_lookups (digest)",
            """CREATE TABLE audit_log (
                id {serial_key},
                at {time} NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                form_id TEXT,
                row_count INTEGER NOT NULL,
                detail TEXT NOT NULL DEFAULT ''
            )""",
            """CREATE TABLE export_tokens (
                name TEXT PRIMARY KEY,
                digest TEXT NOT NULL UNIQUE,
                created_at {time} NOT NULL,
                revoked_at {time}
            )""",
        ),
    ),
    Migration(
        3,
        "identifier hashes keyed by the submission's id, without an index on the hash",
        # Step 2 keyed each hash by the random reference and indexed the random
        # digest: two B-trees written at random places, ~60% of what storing a
        # submission cost (bench/endpoint.py). Keyed by the increasing id, rows
        # are appended; a subject request reads the whole (narrow) table instead:
        # ~25 ms for 250,000 hashes of 100,000 submissions (SQLite), and staff
        # make such requests rarely.
        sql=(
            """CREATE TABLE submission_lookups_by_id (
                submission_id {serial_ref} NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('national_id', 'mobile', 'email')),
                digest TEXT NOT NULL,
                key_id TEXT NOT NULL,
                PRIMARY KEY (submission_id, kind, digest)
            ){without_rowid}""",
            """INSERT INTO submission_lookups_by_id (submission_id, kind, digest, key_id)
                SELECT s.id, l.kind, l.digest, l.key_id
                FROM submission_lookups l JOIN submissions s ON s.reference = l.reference""",
            "DROP TABLE submission_lookups",
            "ALTER TABLE submission_lookups_by_id RENAME TO submission_lookups",
        ),
    ),
    Migration(
        4,
        "staff accounts, their recovery codes, setup links and sessions",
        # The staff workspace (generator/staff/). Secrets are never stored as given:
        # passwords as argon2id hashes, the TOTP secret encrypted with the data key
        # (crypto.py), recovery codes, setup links and session ids as sha256 digests
        # of random values. `forms` is a JSON list of form ids (caseworker, viewer).
        sql=(
            """CREATE TABLE staff_accounts (
                id {serial_key},
                email TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('admin', 'caseworker', 'viewer')),
                forms TEXT NOT NULL DEFAULT '[]',
                language TEXT NOT NULL DEFAULT 'ar' CHECK (language IN ('ar', 'en')),
                password_hash TEXT,
                totp_secret TEXT,
                totp_last_step BIGINT NOT NULL DEFAULT 0,
                disabled INTEGER NOT NULL DEFAULT 0,
                failures INTEGER NOT NULL DEFAULT 0,
                locked_until {time},
                created_at {time} NOT NULL
            )""",
            """CREATE TABLE staff_recovery_codes (
                account_id {serial_ref} NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
                digest TEXT NOT NULL,
                used_at {time},
                PRIMARY KEY (account_id, digest)
            )""",
            """CREATE TABLE staff_setup_links (
                digest TEXT PRIMARY KEY,
                account_id {serial_ref} NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
                expires_at {time} NOT NULL,
                used_at {time}
            )""",
            """CREATE TABLE staff_sessions (
                digest TEXT PRIMARY KEY,
                account_id {serial_ref} NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
                created_at {time} NOT NULL,
                last_seen {time} NOT NULL,
                ended_at {time}
            )""",
            "CREATE INDEX staff_sessions_by_account ON staff_sessions (account_id)",
            "CREATE INDEX audit_log_by_time ON audit_log (at)",
        ),
    ),
    Migration(
        5,
        "case handling: each submission's current state, due date, assignment and channel; its history",
        # The current state lives on the submission so lists filter and count by it
        # without reading the history; case_version is the optimistic lock two staff
        # members changing one case at once are checked against. case_events is the
        # history (who, when, from, to, reason) and the internal notes, encrypted like
        # the answers; deleted with the submission.
        sql=(
            "ALTER TABLE submissions ADD COLUMN case_state TEXT",
            "ALTER TABLE submissions ADD COLUMN state_since {time}",
            "ALTER TABLE submissions ADD COLUMN case_version INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE submissions ADD COLUMN assigned_to TEXT",
            "ALTER TABLE submissions ADD COLUMN due_at {time}",
            "ALTER TABLE submissions ADD COLUMN closed_at {time}",
            "ALTER TABLE submissions ADD COLUMN channel TEXT NOT NULL DEFAULT 'website'",
            "ALTER TABLE submissions ADD COLUMN entered_by TEXT",
            "CREATE INDEX submissions_by_case ON submissions (form_id, case_state, due_at)",
            """CREATE TABLE case_events (
                id {serial_key},
                submission_id {serial_ref} NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                at {time} NOT NULL,
                actor TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('state', 'note', 'assign')),
                from_state TEXT,
                to_state TEXT,
                reason TEXT,
                assigned_to TEXT,
                note TEXT
            )""",
            "CREATE INDEX case_events_by_submission ON case_events (submission_id, id)",
        ),
    ),
    Migration(
        6,
        "the outbox: e-mail notifications written with the submission that causes them",
        # One row per message (generator/submissions/outbox.py plans them, generator/notify/
        # sends them). Written in the submission's own transaction, so a crash never
        # loses a message nor sends one for a submission that was not stored. An
        # applicant's address is encrypted like the answers; every address is emptied
        # once sent; no answer is ever stored here. Deleted with its submission (purge,
        # subject delete).
        # claimed_at/claimed_by: the sender holding the row; a claim older than the
        # lease is free again (a sender that died mid-send).
        sql=(
            """CREATE TABLE outbox (
                id {serial_key},
                token TEXT NOT NULL,
                submission_id {serial_ref} NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                reference TEXT NOT NULL,
                form_id TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('staff-alert', 'applicant-confirmation', 'state-change')),
                language TEXT NOT NULL CHECK (language IN ('ar', 'en')),
                recipient TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '',
                created_at {time} NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at {time} NOT NULL,
                claimed_at {time},
                claimed_by TEXT,
                sent_at {time},
                last_error TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
            "CREATE INDEX outbox_by_submission ON outbox (submission_id)",
            # Staff alerts by e-mail, a choice on the account's page: on unless the account turns it off
            # (only caseworkers and admins of a form get them; viewers never see answers or references).
            "ALTER TABLE staff_accounts ADD COLUMN alerts INTEGER NOT NULL DEFAULT 1",
        ),
    ),
    Migration(
        7,
        "the staff inbox: when a submission was first opened; the lookup hashes indexed again",
        # opened_at NULL: new (not yet opened by anyone). submissions_inbox serves the inbox
        # list, newest first a page at a time (keyset on id, no OFFSET), and its counts.
        # Step 3 dropped the index on the digest because only rare subject requests read
        # it; the inbox searches by national ID, mobile or e-mail and lists a person's other
        # submissions on every submission page: without it each of those reads all the
        # hashes (~115 ms at 100,000 submissions, SQLite), with it ~0.01 ms, for roughly
        # 100 us more per stored submission (bench/inbox.py, bench/endpoint.py; docs/benchmarks.md).
        sql=(
            "ALTER TABLE submissions ADD COLUMN opened_at {time}",
            "CREATE INDEX submissions_inbox ON submissions (form_id, status, id)",
            "CREATE INDEX submission_lookups_by_digest ON submission_lookups (digest)",
        ),
    ),
    Migration(
        8,
        "values the reports count (report: true fields), and monthly counts kept beyond retention",
        # report_values: one row per submission with its counted values (choices and 1-5
        # ratings, never free text) in v1..v8, in the order of the form's `report: true`
        # fields; written with it, deleted with it by cascade (purge, subject delete).
        # report_monthly: how many submissions of a form, in a Gregorian month, had one
        # combination of counted values; no reference, no free text; kept after a purge.
        sql=(
            """CREATE TABLE report_values (
                submission_id {serial_ref} PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
                form_id TEXT NOT NULL,
                submitted_at {time} NOT NULL,
                v1 TEXT, v2 TEXT, v3 TEXT, v4 TEXT, v5 TEXT, v6 TEXT, v7 TEXT, v8 TEXT
            )""",
            "CREATE INDEX report_values_by_form ON report_values (form_id, submitted_at)",
            """CREATE TABLE report_monthly (
                form_id TEXT NOT NULL,
                month TEXT NOT NULL,
                combination TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (form_id, month, combination)
            )""",
        ),
    ),
    Migration(
        9,
        "webhooks through the outbox; each delivery try logged; a daily digest per staff account",
        # A webhook delivery is an outbox row of kind 'webhook' (recipient empty; the webhook's
        # name, event and state in detail; never an answer: a payload that carries answers is
        # built from the submission when it is sent). outbox_tries: one row per try of a
        # webhook (time, HTTP status or error kind, duration), never a body; deleted with
        # its outbox row. staff_accounts.digest: the daily digest e-mail, off unless chosen.
        sqlite=(
            # SQLite cannot alter a CHECK constraint: the outbox is rebuilt, rows and ids kept.
            """CREATE TABLE outbox_9 (
                id {serial_key},
                token TEXT NOT NULL,
                submission_id {serial_ref} NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                reference TEXT NOT NULL,
                form_id TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('staff-alert', 'applicant-confirmation', 'state-change',
                                                   'webhook')),
                language TEXT NOT NULL CHECK (language IN ('ar', 'en')),
                recipient TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '',
                created_at {time} NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at {time} NOT NULL,
                claimed_at {time},
                claimed_by TEXT,
                sent_at {time},
                last_error TEXT NOT NULL DEFAULT ''
            )""",
            "INSERT INTO outbox_9 SELECT id, token, submission_id, reference, form_id, kind, language, recipient, "
            "detail, created_at, status, attempts, next_attempt_at, claimed_at, claimed_by, sent_at, last_error "
            "FROM outbox",
            "DROP TABLE outbox",
            "ALTER TABLE outbox_9 RENAME TO outbox",
            "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
            "CREATE INDEX outbox_by_submission ON outbox (submission_id)",
        ),
        postgresql=(
            "ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check",
            "ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('staff-alert', "
            "'applicant-confirmation', 'state-change', 'webhook'))",
        ),
        sql=(
            """CREATE TABLE outbox_tries (
                id {serial_key},
                outbox_id {serial_ref} NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
                at {time} NOT NULL,
                status_code INTEGER,
                duration_ms INTEGER NOT NULL,
                error TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX outbox_tries_by_message ON outbox_tries (outbox_id, id)",
            "CREATE INDEX outbox_by_kind ON outbox (kind, id)",
            "ALTER TABLE staff_accounts ADD COLUMN digest INTEGER NOT NULL DEFAULT 0",
        ),
    ),
    Migration(
        10,
        "report counts kept per month of each calendar as submissions arrive",
        # report_counts: how many submissions of a form, in one month of one calendar
        # (Gregorian or Umm al-Qura, months starting at midnight UTC as report periods do),
        # had one value of a counted field (by_field ''), or one rating together with one
        # value of a grouping choice (by_field the choice). Added to in the submission's own
        # transaction, taken from by `subject delete`, left alone by purge (aggregates with
        # no reference and no free text, kept beyond retention like report_monthly). A report
        # sums at most 12 months of these rows instead of counting a period's submissions
        # (a year's satisfaction page: ~516 ms -> see docs/benchmarks.md).
        # report_counts_filled: the forms whose counts were rebuilt from report_values and
        # report_monthly (rows stored before this step) at the first start with this step.
        sql=(
            """CREATE TABLE report_counts (
                form_id TEXT NOT NULL,
                calendar TEXT NOT NULL CHECK (calendar IN ('gregorian', 'hijri')),
                month TEXT NOT NULL,
                by_field TEXT NOT NULL,
                by_value TEXT NOT NULL,
                field TEXT NOT NULL,
                value TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (form_id, calendar, month, by_field, by_value, field, value)
            )""",
            """CREATE TABLE report_counts_filled (
                form_id TEXT PRIMARY KEY,
                filled_at {time} NOT NULL
            )""",
        ),
    ),
    Migration(
        11,
        "each row of report_values names the fields of its columns",
        # v1..v8 follow the order of the form's `report: true` fields when the row was
        # written; a form file edited later (a field added, removed or moved) must not
        # make a subject delete or a purge read old rows by the new order. NULL: a row
        # from before this step, read by the form's current order as before.
        sql=("ALTER TABLE report_values ADD COLUMN fields TEXT",),
    ),
    Migration(
        12,
        "report counts made again by the organisation's local date",
        # Steps 10-11 counted a submission in the month of its UTC date; report periods now
        # start at midnight in the organisation's time zone (content/settings.yml, as the
        # inbox shows dates). Emptied here, report_counts is made again from report_values
        # by local date at the next start (fill_report_counts, once per form). Months
        # purged before this step exist only in report_monthly (Gregorian, by UTC date) and
        # come back as they were counted.
        sql=(
            "DELETE FROM report_counts",
            "DELETE FROM report_counts_filled",
        ),
    ),
    Migration(
        13,
        "the keys of retried posts, so a retry is stored once and answered with the first reference",
        # post_keys: one row per stored post that carried a key (an Idempotency-Key header, or
        # the key a form's script makes per page load), as a sha256 digest of the form, the key
        # and the answers, never the key or an answer. A retry on any replica finds it and gets
        # the submission's reference instead of a second submission; the primary key makes two
        # replicas storing one key at once store it once. Kept 24 hours (db/post_keys.py),
        # deleted with the submission by cascade (purge, subject delete).
        sql=(
            """CREATE TABLE post_keys (
                digest TEXT PRIMARY KEY,
                submission_id {serial_ref} NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                created_at {time} NOT NULL
            )""",
            "CREATE INDEX post_keys_by_time ON post_keys (created_at)",
            "CREATE INDEX post_keys_by_submission ON post_keys (submission_id)",
        ),
    ),
    Migration(
        14,
        "the editor role: content pages only",
        # An `editor` edits the site's content in the workspace (/staff/content/) and sees no
        # submission, report or case. PostgreSQL alters the role's CHECK; SQLite rebuilds
        # staff_accounts, and with it the three tables that reference it (a dropped parent
        # would take their rows with it by cascade): new tables are filled, the old dropped
        # children first, and the renames point the references back at staff_accounts.
        sqlite=(
            """CREATE TABLE staff_accounts_14 (
                id {serial_key},
                email TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('admin', 'caseworker', 'viewer', 'editor')),
                forms TEXT NOT NULL DEFAULT '[]',
                language TEXT NOT NULL DEFAULT 'ar' CHECK (language IN ('ar', 'en')),
                password_hash TEXT,
                totp_secret TEXT,
                totp_last_step BIGINT NOT NULL DEFAULT 0,
                disabled INTEGER NOT NULL DEFAULT 0,
                failures INTEGER NOT NULL DEFAULT 0,
                locked_until {time},
                created_at {time} NOT NULL,
                alerts INTEGER NOT NULL DEFAULT 1,
                digest INTEGER NOT NULL DEFAULT 0
            )""",
            "INSERT INTO staff_accounts_14 SELECT id, email, name, role, forms, language, password_hash, "
            "totp_secret, totp_last_step, disabled, failures, locked_until, created_at, alerts, digest "
            "FROM staff_accounts",
            """CREATE TABLE staff_recovery_codes_14 (
                account_id {serial_ref} NOT NULL REFERENCES staff_accounts_14 (id) ON DELETE CASCADE,
                digest TEXT NOT NULL,
                used_at {time},
                PRIMARY KEY (account_id, digest)
            )""",
            "INSERT INTO staff_recovery_codes_14 SELECT account_id, digest, used_at FROM staff_recovery_codes",
            """CREATE TABLE staff_setup_links_14 (
                digest TEXT PRIMARY KEY,
                account_id {serial_ref} NOT NULL REFERENCES staff_accounts_14 (id) ON DELETE CASCADE,
                expires_at {time} NOT NULL,
                used_at {time}
            )""",
            "INSERT INTO staff_setup_links_14 SELECT digest, account_id, expires_at, used_at FROM staff_setup_links",
            """CREATE TABLE staff_sessions_14 (
                digest TEXT PRIMARY KEY,
                account_id {serial_ref} NOT NULL REFERENCES staff_accounts_14 (id) ON DELETE CASCADE,
                created_at {time} NOT NULL,
                last_seen {time} NOT NULL,
                ended_at {time}
            )""",
            "INSERT INTO staff_sessions_14 SELECT digest, account_id, created_at, last_seen, ended_at "
            "FROM staff_sessions",
            "DROP TABLE staff_recovery_codes",
            "DROP TABLE staff_setup_links",
            "DROP TABLE staff_sessions",
            "DROP TABLE staff_accounts",
            "ALTER TABLE staff_accounts_14 RENAME TO staff_accounts",
            "ALTER TABLE staff_recovery_codes_14 RENAME TO staff_recovery_codes",
            "ALTER TABLE staff_setup_links_14 RENAME TO staff_setup_links",
            "ALTER TABLE staff_sessions_14 RENAME TO staff_sessions",
            "CREATE INDEX staff_sessions_by_account ON staff_sessions (account_id)",
        ),
        postgresql=(
            "ALTER TABLE staff_accounts DROP CONSTRAINT staff_accounts_role_check",
            "ALTER TABLE staff_accounts ADD CONSTRAINT staff_accounts_role_check "
            "CHECK (role IN ('admin', 'caseworker', 'viewer', 'editor'))",
        ),
        sql=(),
    ),
    Migration(
        15,
        "messages about a staff account through the outbox; the device of each staff session",
        # kind 'staff-account': an e-mail telling a staff member that their password, recovery
        # codes or second factor changed, or that an admin reset or disabled the account. It
        # belongs to no submission: submission_id NULL, reference and form_id ''. The detail
        # names the event (JSON), never a password, code or secret. staff_sessions.device:
        # the browser and system read from the User-Agent at sign-in ("Firefox, Linux"),
        # never the header itself, for the account's sessions page. (Step 14 is another
        # change's: the steps apply in order of their numbers.)
        sqlite=(
            # SQLite cannot alter a CHECK constraint or drop NOT NULL: the outbox is rebuilt,
            # rows and ids kept. Dropping the old table deletes its tries by cascade (foreign
            # keys are on), so they are kept aside and put back: they refer to the same ids.
            "CREATE TABLE outbox_tries_15 AS SELECT * FROM outbox_tries",
            """CREATE TABLE outbox_15 (
                id {serial_key},
                token TEXT NOT NULL,
                submission_id {serial_ref} REFERENCES submissions (id) ON DELETE CASCADE,
                reference TEXT NOT NULL,
                form_id TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('staff-alert', 'applicant-confirmation', 'state-change',
                                                   'webhook', 'staff-account')),
                language TEXT NOT NULL CHECK (language IN ('ar', 'en')),
                recipient TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '',
                created_at {time} NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at {time} NOT NULL,
                claimed_at {time},
                claimed_by TEXT,
                sent_at {time},
                last_error TEXT NOT NULL DEFAULT ''
            )""",
            "INSERT INTO outbox_15 SELECT id, token, submission_id, reference, form_id, kind, language, recipient, "
            "detail, created_at, status, attempts, next_attempt_at, claimed_at, claimed_by, sent_at, last_error "
            "FROM outbox",
            "DROP TABLE outbox",
            "ALTER TABLE outbox_15 RENAME TO outbox",
            "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
            "CREATE INDEX outbox_by_submission ON outbox (submission_id)",
            "CREATE INDEX outbox_by_kind ON outbox (kind, id)",
            "INSERT INTO outbox_tries SELECT * FROM outbox_tries_15",
            "DROP TABLE outbox_tries_15",
        ),
        postgresql=(
            "ALTER TABLE outbox ALTER COLUMN submission_id DROP NOT NULL",
            "ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check",
            "ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('staff-alert', "
            "'applicant-confirmation', 'state-change', 'webhook', 'staff-account'))",
        ),
        sql=("ALTER TABLE staff_sessions ADD COLUMN device TEXT NOT NULL DEFAULT ''",),
    ),
    Migration(
        16,
        "counters per client and minute: limits that hold across replicas, refusals audited once a minute",
        # limit_counts: one row per (what is counted, whose, minute since the epoch) with a count,
        # shared by every replica on the database (db/limit_counts.py). Sign-in posts and status
        # lookups are limited by the sum of a window's rows; a refusal to someone not signed in
        # (an unknown setup link, a post without its token, a status lookup) writes one audit row
        # per client and minute, and this row counts the rest (audit_id: that audit row). Rows
        # without an audit row are deleted a day later; the others are kept as the audit log is.
        sql=(
            """CREATE TABLE limit_counts (
                scope TEXT NOT NULL,
                client TEXT NOT NULL,
                minute BIGINT NOT NULL,
                count INTEGER NOT NULL,
                audit_id {serial_ref},
                PRIMARY KEY (scope, client, minute)
            )""",
            "CREATE INDEX limit_counts_by_minute ON limit_counts (minute)",
            "CREATE INDEX limit_counts_by_audit ON limit_counts (audit_id)",
            # /staff/audit pages newest first through one action's or one actor's rows
            "CREATE INDEX audit_log_by_action ON audit_log (action, id)",
            "CREATE INDEX audit_log_by_actor ON audit_log (actor, id)",
        ),
    ),
    Migration(
        17,
        "the words of names as keyed hashes, for the staff search by name",
        # submission_lookups kind 'name': one HMAC digest per normalised word of a field marked
        # `identifier: name` (identifiers.py name_words), never the word. name_index_filled: the
        # forms (and their name fields) whose stored submissions have had their names hashed at
        # start (db/lookups.py fill_name_lookups: the answers must be decrypted, so not here).
        sqlite=(
            # SQLite cannot alter a CHECK constraint: the table is rebuilt, rows kept.
            """CREATE TABLE submission_lookups_17 (
                submission_id {serial_ref} NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('national_id', 'mobile', 'email', 'name')),
                digest TEXT NOT NULL,
                key_id TEXT NOT NULL,
                PRIMARY KEY (submission_id, kind, digest)
            ){without_rowid}""",
            "INSERT INTO submission_lookups_17 SELECT submission_id, kind, digest, key_id FROM submission_lookups",
            "DROP TABLE submission_lookups",
            "ALTER TABLE submission_lookups_17 RENAME TO submission_lookups",
            "CREATE INDEX submission_lookups_by_digest ON submission_lookups (digest)",
        ),
        postgresql=(
            "ALTER TABLE submission_lookups DROP CONSTRAINT submission_lookups_by_id_kind_check",
            "ALTER TABLE submission_lookups ADD CONSTRAINT submission_lookups_kind_check "
            "CHECK (kind IN ('national_id', 'mobile', 'email', 'name'))",
            # The search by name intersects each word's ids: read from this index alone (an
            # index-only scan), not from the table row by row. SQLite's index on the digest
            # already holds the submission id (the table has no rowid).
            "CREATE INDEX submission_lookups_names ON submission_lookups (digest, submission_id) "
            "WHERE kind = 'name'",
        ),
        sql=(
            """CREATE TABLE name_index_filled (
                form_id TEXT NOT NULL,
                fields TEXT NOT NULL,
                filled_at {time} NOT NULL,
                PRIMARY KEY (form_id, fields)
            )""",
        ),
    ),
    Migration(
        18,
        "case priority; timeline events for reopening, due-date extensions, pauses and priority",
        # submissions.priority: 'normal' or 'urgent', set by the caseworker; lists show urgent
        # first. case_events kinds: 'reopen' (an admin reopened a closed case: from_state,
        # to_state, the reason typed in `note`, encrypted), 'due-extend' (the new due time in
        # `reason` as ISO text, the reason typed in `note`), 'pause' and 'resume' (the case
        # entered or left a state with pauses_clock; a resume holds the moved due time in
        # `reason`), 'priority' (the new priority in `reason`). (Step 17 is another change's.)
        sqlite=(
            # SQLite cannot alter a CHECK: case_events is rebuilt, rows and ids kept.
            """CREATE TABLE case_events_18 (
                id {serial_key},
                submission_id {serial_ref} NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                at {time} NOT NULL,
                actor TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('state', 'note', 'assign', 'reopen', 'due-extend', 'pause',
                                                   'resume', 'priority')),
                from_state TEXT,
                to_state TEXT,
                reason TEXT,
                assigned_to TEXT,
                note TEXT
            )""",
            "INSERT INTO case_events_18 SELECT id, submission_id, at, actor, kind, from_state, to_state, reason, "
            "assigned_to, note FROM case_events",
            "DROP TABLE case_events",
            "ALTER TABLE case_events_18 RENAME TO case_events",
            "CREATE INDEX case_events_by_submission ON case_events (submission_id, id)",
        ),
        postgresql=(
            "ALTER TABLE case_events DROP CONSTRAINT case_events_kind_check",
            "ALTER TABLE case_events ADD CONSTRAINT case_events_kind_check CHECK (kind IN ('state', 'note', "
            "'assign', 'reopen', 'due-extend', 'pause', 'resume', 'priority'))",
        ),
        sql=("ALTER TABLE submissions ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal' "
             "CHECK (priority IN ('normal', 'urgent'))",
             # the inbox list: urgent first, newest first within each priority
             "CREATE INDEX submissions_inbox_priority ON submissions (form_id, status, priority, id)"),
    ),
    Migration(
        19,
        "corrections of answers, replies to the applicant and logged calls in a case's timeline",
        # case_events.kind adds 'correction' (reason: the field's name; note: the old value and
        # why, encrypted like notes), 'reply' (reason: email | sms; note: the text sent,
        # encrypted) and 'call' (reason: "<direction>:<outcome>"; note: encrypted). The kinds
        # of step 18 (another change's) are listed too. outbox.kind adds 'reply-email' and
        # 'reply-sms': the caseworker's text, encrypted like an address (bound to the row) in
        # detail, emptied once sent. No new column: a rebuild copies every column as it is.
        sqlite=(
            # SQLite cannot alter a CHECK constraint: both tables are rebuilt, rows and ids kept
            # (SELECT *: a column added meanwhile makes this fail loudly, never lost). The
            # outbox's tries are kept aside as in step 15 (dropping the outbox cascades).
            """CREATE TABLE case_events_19 (
                id {serial_key},
                submission_id {serial_ref} NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                at {time} NOT NULL,
                actor TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('state', 'note', 'assign', 'reopen', 'due-extend', 'pause',
                                                   'resume', 'priority', 'correction', 'reply', 'call')),
                from_state TEXT,
                to_state TEXT,
                reason TEXT,
                assigned_to TEXT,
                note TEXT
            )""",
            "INSERT INTO case_events_19 SELECT * FROM case_events",
            "DROP TABLE case_events",
            "ALTER TABLE case_events_19 RENAME TO case_events",
            "CREATE INDEX case_events_by_submission ON case_events (submission_id, id)",
            "CREATE TABLE outbox_tries_19 AS SELECT * FROM outbox_tries",
            """CREATE TABLE outbox_19 (
                id {serial_key},
                token TEXT NOT NULL,
                submission_id {serial_ref} REFERENCES submissions (id) ON DELETE CASCADE,
                reference TEXT NOT NULL,
                form_id TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('staff-alert', 'applicant-confirmation', 'state-change',
                                                   'webhook', 'staff-account', 'reply-email', 'reply-sms')),
                language TEXT NOT NULL CHECK (language IN ('ar', 'en')),
                recipient TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '',
                created_at {time} NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at {time} NOT NULL,
                claimed_at {time},
                claimed_by TEXT,
                sent_at {time},
                last_error TEXT NOT NULL DEFAULT ''
            )""",
            "INSERT INTO outbox_19 SELECT * FROM outbox",
            "DROP TABLE outbox",
            "ALTER TABLE outbox_19 RENAME TO outbox",
            "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
            "CREATE INDEX outbox_by_submission ON outbox (submission_id)",
            "CREATE INDEX outbox_by_kind ON outbox (kind, id)",
            "INSERT INTO outbox_tries SELECT * FROM outbox_tries_19",
            "DROP TABLE outbox_tries_19",
        ),
        postgresql=(
            "ALTER TABLE case_events DROP CONSTRAINT case_events_kind_check",
            "ALTER TABLE case_events ADD CONSTRAINT case_events_kind_check CHECK (kind IN ('state', 'note', "
            "'assign', 'reopen', 'due-extend', 'pause', 'resume', 'priority', 'correction', 'reply', 'call'))",
            "ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check",
            "ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('staff-alert', "
            "'applicant-confirmation', 'state-change', 'webhook', 'staff-account', 'reply-email', 'reply-sms'))",
        ),
        sql=(),
    ),
    Migration(
        20,
        "attached files: one row per file, its bytes sealed on disk; documents received in the timeline",
        # attachments: the files of a submission (records.Attachment; db/attachments.py). The bytes
        # are sealed in the files folder (files.py), renamed into place after this row's COMMIT. The
        # name as sent is encrypted by the codec ("<reference>:<number>" as associated data); number
        # is 1, 2, ... per submission, never reused; key_id: the data key the file is sealed with.
        # case_events.kind adds 'documents-received' (files added from the status page; reason:
        # how many). The kinds of steps 18 and 19 (other changes') are listed too.
        sqlite=(
            # SQLite cannot alter a CHECK constraint: case_events is rebuilt, rows and ids kept.
            """CREATE TABLE case_events_20 (
                id {serial_key},
                submission_id {serial_ref} NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                at {time} NOT NULL,
                actor TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('state', 'note', 'assign', 'reopen', 'due-extend', 'pause',
                                                   'resume', 'priority', 'correction', 'reply', 'call',
                                                   'documents-received')),
                from_state TEXT,
                to_state TEXT,
                reason TEXT,
                assigned_to TEXT,
                note TEXT
            )""",
            "INSERT INTO case_events_20 SELECT * FROM case_events",
            "DROP TABLE case_events",
            "ALTER TABLE case_events_20 RENAME TO case_events",
            "CREATE INDEX case_events_by_submission ON case_events (submission_id, id)",
        ),
        postgresql=(
            "ALTER TABLE case_events DROP CONSTRAINT case_events_kind_check",
            "ALTER TABLE case_events ADD CONSTRAINT case_events_kind_check CHECK (kind IN ('state', 'note', "
            "'assign', 'reopen', 'due-extend', 'pause', 'resume', 'priority', 'correction', 'reply', 'call', "
            "'documents-received'))",
        ),
        sql=(
            """CREATE TABLE attachments (
                submission_id {serial_ref} NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
                reference TEXT NOT NULL,
                number INTEGER NOT NULL CHECK (number >= 1),
                field TEXT NOT NULL,
                name TEXT NOT NULL,
                media_type TEXT NOT NULL,
                size BIGINT NOT NULL CHECK (size >= 0),
                sha256 TEXT NOT NULL,
                scan TEXT NOT NULL CHECK (scan IN ('clean', 'unscanned')),
                key_id TEXT NOT NULL,
                added_by TEXT NOT NULL,
                added_at {time} NOT NULL,
                PRIMARY KEY (reference, number)
            )""",
            "CREATE INDEX attachments_by_submission ON attachments (submission_id)",
        ),
    ),
    Migration(
        21,
        "indexes for the inbox list sorted by due date and by state",
        # The list sorted by due date reads open cases with a due date first (earliest first),
        # then the others (closed, or without a due date): one partial index each, so a page
        # reads 50 rows along an index instead of sorting every row of the form. Sorted by
        # state, the list reads each state's rows newest first through (form, status, state,
        # id) and merges them in the workflow's order (db/inbox.py). (Step 20 is another change's.)
        sql=("CREATE INDEX submissions_inbox_due_open ON submissions (form_id, status, due_at, id) "
             "WHERE closed_at IS NULL AND due_at IS NOT NULL",
             "CREATE INDEX submissions_inbox_due_rest ON submissions (form_id, status, due_at, id) "
             "WHERE closed_at IS NOT NULL OR due_at IS NULL",
             "CREATE INDEX submissions_inbox_state ON submissions (form_id, status, case_state, id)"),
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
