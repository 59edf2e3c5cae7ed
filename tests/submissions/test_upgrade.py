"""Upgrades on SQLite and PostgreSQL: a database of release 06ce3b6 (before the staff
workspace; tests/fixtures/upgrade/, made once with that release's code) upgraded in place
counts its old answers in the reports as answers posted after the upgrade count; the
start-up step that writes the counted values of stored submissions (secure_store's
fill_report_values) goes on where it stopped when killed, and serves a field that gains
`report: true`; and every migration step keeps the rows of a database one step behind."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from generator import PROJECT_ROOT
from generator.core.config import StorageSettings
from generator.submissions import crypto, migrations
from generator.submissions.records import Submission
from generator.submissions.references import new_reference
from generator.submissions.secure_store import fill_report_values, open_secure_store
from generator.submissions.store import Store, Wiring, open_store
from tests.staff.test_report_counts import expected_totals

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "upgrade" / "06ce3b6.json"
ZONE = "Asia/Riyadh"
NOW = dt.datetime(2026, 12, 7, tzinfo=dt.timezone.utc)
GROUPS = ("service", "channel")
RATINGS = ("rating_overall", "rating_courtesy", "rating_speed", "rating_clarity")
SQLITE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def old_release() -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads(FIXTURE.read_text())
    return fixture


def plain_value(store: Store, value: Any) -> Any:
    """A value of the fixture (written by SQLite) as this backend stores it."""
    if isinstance(value, str) and SQLITE_TIME.match(value):
        return store._time_to_db(dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
                                 .replace(tzinfo=dt.timezone.utc))
    return value


def build_old_database(url: str, fixture: dict[str, Any]) -> None:
    """The database as release 06ce3b6 left it: its migrations 1-3, its rows."""
    store = open_store(url)
    try:
        with store._transaction() as cur:
            cur.execute(migrations.VERSION_TABLE)
            for statements in fixture["migrations"][store.dialect]:
                for statement in statements:
                    cur.execute(statement)
            for order in ("schema_version", "submissions", "form_schemas", "submission_lookups", "audit_log",
                          "export_tokens"):
                table = fixture["tables"][order]
                columns = table["columns"]
                overriding = " OVERRIDING SYSTEM VALUE" if store.dialect == "postgresql" and "id" in columns else ""
                cur.executemany(store._sql(f"INSERT INTO {order} ({', '.join(columns)}){overriding} VALUES "
                                           f"({', '.join('?' for _ in columns)})"),
                                [[plain_value(store, v) for v in row] for row in table["rows"]])
                if overriding:  # the identity goes on after the ids stored
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{order}', 'id'), MAX(id)) FROM {order}")
    finally:
        store.close()


def settings_with_keys(tmp_path: Path, url: str, fixture: dict[str, Any]) -> StorageSettings:
    keys = tmp_path / "old-keys"
    keys.mkdir()
    for name, text in fixture["keys"].items():
        (keys / name).write_text(text)
        (keys / name).chmod(0o600)
    return StorageSettings(root=tmp_path, database_url=url, data_key_file=keys / "data.key",
                           lookup_key_file=keys / "lookup.key")


def figures(store: Store) -> dict[tuple[str, str], Counter[tuple[str, str, str, str]]]:
    """Every month's report totals of the satisfaction form, in both calendars."""
    cur = store._conn().cursor()
    cur.execute("SELECT DISTINCT calendar, month FROM report_counts WHERE form_id = 'satisfaction'")
    return {(calendar, month): Counter({row[:4]: row[4] for row in store.report_totals(
        "satisfaction", calendar, month, month)}) for calendar, month in cur.fetchall()}


def whole(by_month: dict[tuple[str, str], Counter[tuple[str, str, str, str]]],
          calendar: str = "gregorian") -> Counter[tuple[str, str, str, str]]:
    total: Counter[tuple[str, str, str, str]] = Counter()
    for (cal, _month), counted in by_month.items():
        if cal == calendar:
            total.update(counted)
    return total


def test_a_database_of_release_06ce3b6_counts_its_old_answers_as_answers_posted_after_the_upgrade(
        store_url: str, forms: dict[str, Any], tmp_path: Path) -> None:
    fixture = old_release()
    build_old_database(store_url, fixture)
    notes: list[str] = []
    settings = settings_with_keys(tmp_path, store_url, fixture)
    store = open_secure_store(settings, forms, time_zone=ZONE, note=notes.append)
    try:
        old = list(store.submissions("satisfaction"))
        assert len(old) == 33 and store.count() == 38  # 3 suspected spam, 2 help requests: none lost
        assert "note: counted the report values of 33 stored satisfaction submission(s); its report counts " \
               "include them now." in notes
        upgraded = figures(store)
        assert whole(upgraded) == whole(upgraded, "hijri") == expected_totals([s.answers for s in old])
        # The same answers posted now, at the same times, through the store's write path: each
        # month's figures are exactly doubled, so an old answer counts as a new one does.
        again = [Submission(reference=new_reference(), form_id=s.form_id, form_version=s.form_version,
                            language=s.language, submitted_at=s.submitted_at, consent=s.consent, status=s.status,
                            answers=s.answers) for s in store.submissions("satisfaction", status=None)]
        assert store.insert_batch(again) == again
        assert figures(store) == {key: Counter({k: 2 * n for k, n in counted.items()})
                                  for key, counted in upgraded.items()}
    finally:
        store.close()
    # The next start has nothing to write again.
    notes.clear()
    store = open_secure_store(settings, forms, time_zone=ZONE, note=notes.append)
    try:
        assert not [note for note in notes if "report values" in note]
        assert whole(figures(store)) == Counter({k: 2 * n for k, n in whole(upgraded).items()})
    finally:
        store.close()


class KilledCodec:
    """The store's codec, counting down the answers it decrypts (it stops the start at 0)."""

    def __init__(self, codec: Any, left: int) -> None:
        self.codec, self.left = codec, left

    def __getattr__(self, name: str) -> Any:
        return getattr(self.codec, name)

    def decode(self, stored: str, reference: str) -> dict[str, Any]:
        if self.left == 0:
            raise KeyboardInterrupt("killed while counting")
        self.left -= 1
        return dict(self.codec.decode(stored, reference))


def upgraded_without_values(url: str, forms: dict[str, Any], tmp_path: Path) -> Store:
    """The old database upgraded as main did before this step: its counts marked made, empty."""
    fixture = old_release()
    build_old_database(url, fixture)
    settings = settings_with_keys(tmp_path, url, fixture)
    store = open_store(url, wiring=Wiring.of(forms, time_zone=ZONE))
    store.migrate()
    assert settings.data_key_file is not None
    store.codec = crypto.EncryptedCodec(crypto.DataKeys(crypto.read_keys(settings.data_key_file)))
    assert store.fill_report_counts(NOW) == sorted(f for f, names in store.report_fields.items() if names)
    assert whole(figures(store)) == Counter()  # what issue 34 found: 0 of 33 counted
    return store


def filled(store: Store) -> set[str]:
    cur = store._conn().cursor()
    cur.execute("SELECT form_id FROM report_counts_filled")
    return {row[0] for row in cur.fetchall()}


def values_rows(store: Store) -> int:
    cur = store._conn().cursor()
    cur.execute("SELECT COUNT(*) FROM report_values")
    return int(cur.fetchone()[0])


#: A start that counts the old answers (secure_store's fill_report_values, batches of 5,
#: progress on stderr) and is killed with SIGKILL when it is about to decrypt the 13th answer.
KILLED_START = """
import os, signal, sys
from pathlib import Path
from generator.submissions import crypto
from generator.submissions.secure_store import fill_report_values
from generator.submissions.store import Wiring, open_store
from tests.support.fixtures import checked_forms

url, key_file, root = sys.argv[1:]
store = open_store(url, wiring=Wiring.of(checked_forms(Path(root)), time_zone="Asia/Riyadh"))
codec = crypto.EncryptedCodec(crypto.DataKeys(crypto.read_keys(Path(key_file))))
left = 12

class Killing:
    def __getattr__(self, name):
        return getattr(codec, name)

    def decode(self, stored, reference):
        global left
        if left == 0:
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        left -= 1
        return codec.decode(stored, reference)

store.codec = Killing()
fill_report_values(store, batch=5)
"""


def test_a_start_killed_while_counting_goes_on_where_it_stopped(store_url: str, forms: dict[str, Any],
                                                                forms_root: Path, tmp_path: Path) -> None:
    store = upgraded_without_values(store_url, forms, tmp_path)
    try:
        answers = [s.answers for s in store.submissions("satisfaction")]
        killed = subprocess.run([sys.executable, "-c", KILLED_START, store_url, str(tmp_path / "old-keys" / "data.key"),
                                 str(forms_root)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert killed.stderr.splitlines() == [
            f"note: counting the report values of stored satisfaction submissions: {n} of 33" for n in (5, 10)]
        # help-request's 2 (its support_kind is counted since issue 33: read first, one batch),
        # then satisfaction's two batches, the third lost with the process
        assert values_rows(store) == 12
        # Each batch corrected the counts in its own transaction: ten answers counted, no recount owed.
        assert "satisfaction" in filled(store)
        assert sum(n for key, n in whole(figures(store)).items() if key[:3] == ("", "", "service")) == 10
        # The next start: the 23 left, each decrypted once, then the counts.
        store.codec = counting = KilledCodec(store.codec, left=10**6)
        notes: list[str] = []
        assert fill_report_values(store, notes.append, batch=5) == {"satisfaction": 23}
        assert counting.left == 10**6 - 23
        assert notes[-2:] == ["note: counting the report values of stored satisfaction submissions: 23 of 23",
                              "note: counted the report values of 23 stored satisfaction submission(s); its "
                              "report counts include them now."]
        assert store.fill_report_counts(NOW) == []  # nothing to make again
        assert whole(figures(store)) == whole(figures(store), "hijri") == expected_totals(answers)
        assert fill_report_values(store, notes.append, batch=5) == {}
    finally:
        store.close()


def test_a_field_that_gains_report_true_is_counted_for_the_answers_already_stored(
        store_url: str, forms: dict[str, Any]) -> None:
    full = Wiring.of(forms, time_zone=ZONE)
    fewer = dataclasses.replace(full, report_fields={"satisfaction": ("service", "rating_overall")},
                                report_roles={"satisfaction": (("service",), ("rating_overall",))})
    store = open_store(store_url, wiring=fewer)
    store.migrate()
    answers = [{"service": service, "channel": "phone", **{name: 1 + (i + k) % 5 for k, name in enumerate(RATINGS)}}
               for i, service in enumerate(["help-request", "volunteering", "enquiries"] * 4)]
    subs = [Submission(reference=new_reference(), form_id="satisfaction", form_version="1", language="ar",
                       submitted_at=NOW - dt.timedelta(days=i), consent={}, status="accepted", answers=answer)
            for i, answer in enumerate(answers)]
    try:
        assert store.insert_batch(subs) == subs
        assert {key[2] for key in whole(figures(store))} == {"service", "rating_overall"}
    finally:
        store.close()
    store = open_store(store_url, wiring=full)  # the form file now marks the channel and the other ratings
    try:
        assert fill_report_values(store, lambda _: None) == {"satisfaction": 12}
        store.fill_report_counts(NOW)
        assert whole(figures(store)) == expected_totals(answers)
    finally:
        store.close()


def test_a_backfill_keeps_the_counts_of_purged_months_in_both_calendars(store_url: str,
                                                                      forms: dict[str, Any]) -> None:
    """Purged submissions live on only in report_counts (their Hijri months nowhere else): a
    field gaining `report: true` corrects the counts row by row and never recounts, so the
    purged months keep their figures in both calendars (a recount lost the Hijri ones)."""
    full = Wiring.of(forms, time_zone=ZONE)
    fewer = dataclasses.replace(full, report_fields={"satisfaction": ("service", "rating_overall")},
                                report_roles={"satisfaction": (("service",), ("rating_overall",))})
    answer = {"service": "enquiries", "channel": "phone", **dict.fromkeys(RATINGS, 4)}

    def sent(days_ago: int) -> Submission:
        return Submission(reference=new_reference(), form_id="satisfaction", form_version="1", language="ar",
                          submitted_at=NOW - dt.timedelta(days=days_ago), consent={}, status="accepted",
                          answers=answer)

    def services(store: Store) -> dict[str, int]:
        return {calendar: whole(figures(store), calendar)[("", "", "service", "enquiries")]
                for calendar in ("gregorian", "hijri")}

    store = open_store(store_url, wiring=fewer)
    store.migrate()
    try:
        assert store.fill_report_counts(NOW) == ["satisfaction"]  # as every start does (secure_store)
        store.insert_batch([sent(800 + i) for i in range(5)] + [sent(1)])
        store.purge("satisfaction", NOW - dt.timedelta(days=400))
        assert store.count() == 1 and services(store) == {"gregorian": 6, "hijri": 6}
    finally:
        store.close()
    store = open_store(store_url, wiring=full)
    try:
        assert fill_report_values(store, lambda _: None) == {"satisfaction": 1}
        store.fill_report_counts(NOW)
        assert services(store) == {"gregorian": 6, "hijri": 6}
        assert whole(figures(store))[("", "", "channel", "phone")] == 1  # the stored one, counted anew
        assert fill_report_values(store, lambda _: None) == {}
    finally:
        store.close()


# -- every migration step keeps the rows of a database one step behind ----------------------

@dataclasses.dataclass(frozen=True)
class Id:
    """The id of a row stored before (ids are made by the database)."""

    table: str
    where: str


T = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.timezone.utc)
#: Rows for every table of the layout, in an order that keeps references valid. Each row is
#: written with the columns its table has at the step tested: a table or a column that a
#: later step adds is left out. A new step that adds a table adds its rows here
#: (test_every_table_has_rows_to_upgrade fails until it does).
SAMPLES: tuple[tuple[str, dict[str, Any]], ...] = (
    *(("submissions", dict(reference=ref, form_id="satisfaction", form_version="1", language="ar", submitted_at=T,
                           consent='{"fields": {}}', status=status, answers='{"service": "other", "rating_overall": 4}',
                           case_state="received", state_since=T, case_version=2, assigned_to="cw@example.org",
                           due_at=T, closed_at=None, channel="phone", entered_by="cw@example.org", opened_at=T,
                           priority="urgent"))
      for ref, status in (("OLD-ONE", "accepted"), ("OLD-TWO", "suspected-spam"))),
    ("form_schemas", dict(form_id="satisfaction", form_version="1", schema_hash="h1", descriptor="{}", first_seen=T)),
    ("post_keys", dict(digest="p" * 64, submission_id=Id("submissions", "reference = 'OLD-ONE'"), created_at=T)),
    ("submission_lookups", dict(reference="OLD-ONE", submission_id=Id("submissions", "reference = 'OLD-ONE'"),
                                kind="mobile", digest="d" * 64, key_id="k1")),
    ("audit_log", dict(at=T, actor="token:x", action="export", form_id="satisfaction", row_count=2, detail="csv")),
    ("export_tokens", dict(name="x", digest="e" * 64, created_at=T, revoked_at=None)),
    ("staff_accounts", dict(email="cw@example.org", name="سارة", role="caseworker", forms='["satisfaction"]',
                            language="ar", password_hash="$argon2id$x", totp_secret="enc1:x", totp_last_step=7,
                            disabled=0, failures=1, locked_until=None, created_at=T, alerts=0, digest=1)),
    ("staff_recovery_codes", dict(account_id=Id("staff_accounts", "email = 'cw@example.org'"), digest="r" * 64,
                                  used_at=None)),
    ("staff_setup_links", dict(digest="s" * 64, account_id=Id("staff_accounts", "email = 'cw@example.org'"),
                               expires_at=T, used_at=T)),
    ("staff_sessions", dict(digest="t" * 64, account_id=Id("staff_accounts", "email = 'cw@example.org'"),
                            created_at=T, last_seen=T, ended_at=None, device="Firefox,Linux")),
    ("case_events", dict(submission_id=Id("submissions", "reference = 'OLD-ONE'"), at=T, actor="cw@example.org",
                         kind="state", from_state="received", to_state="under-study", reason=None, assigned_to=None,
                         note="enc1:n")),
    ("outbox", dict(token="tok", submission_id=Id("submissions", "reference = 'OLD-ONE'"), reference="OLD-ONE",
                    form_id="satisfaction", kind="staff-alert", language="ar", recipient="cw@example.org",
                    detail="", created_at=T, status="pending", attempts=1, next_attempt_at=T, claimed_at=None,
                    claimed_by=None, sent_at=None, last_error="421 busy")),
    ("outbox_tries", dict(outbox_id=Id("outbox", "token = 'tok'"), at=T, status_code=500, duration_ms=12,
                          error="http-500")),
    ("report_values", dict(submission_id=Id("submissions", "reference = 'OLD-ONE'"), form_id="satisfaction",
                           submitted_at=T, fields='["service", "rating_overall"]', v1="other", v2="4",
                           **{f"v{i}": None for i in range(3, 9)})),
    ("report_monthly", dict(form_id="satisfaction", month="2025-01", combination='{"service":"other"}', count=3)),
    ("report_counts", dict(form_id="satisfaction", calendar="gregorian", month="2026-05", by_field="", by_value="",
                           field="service", value="other", count=1)),
    ("report_counts_filled", dict(form_id="satisfaction", filled_at=T)),
    ("name_index_filled", dict(form_id="satisfaction", fields='["name"]', filled_at=T)),
    ("limit_counts", dict(scope="audit:status-lookup", client="192.0.2.1", minute=29_000_000, count=3,
                          audit_id=Id("audit_log", "actor = 'token:x'"))),
    ("attachments", dict(submission_id=Id("submissions", "reference = 'OLD-ONE'"), reference="OLD-ONE", number=1,
                         field="medical_reports", name="enc1:a", media_type="application/pdf", size=1234,
                         sha256="f" * 64, scan="clean", key_id="k1", added_by="applicant", added_at=T)),
)
#: What a step empties on purpose (its comment in migrations.py says why).
EMPTIED = {12: {"report_counts", "report_counts_filled"}}


def tables(store: Store) -> set[str]:
    cur = store._conn().cursor()
    if store.dialect == "sqlite":
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    return {row[0] for row in cur.fetchall()} - {"schema_version"}


def columns(store: Store, table: str) -> list[str]:
    cur = store._conn().cursor()
    cur.execute(f"SELECT * FROM {table} WHERE 1 = 0")
    return [d[0] for d in cur.description]


def migrate_to(store: Store, version: int) -> None:
    with store._transaction() as cur:
        cur.execute(migrations.VERSION_TABLE)
        cur.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        current = int(cur.fetchone()[0])
        for step in migrations.MIGRATIONS:
            if current < step.version <= version:
                for statement in step.statements(store.dialect):
                    cur.execute(statement)
                cur.execute(store._sql("INSERT INTO schema_version (version, title) VALUES (?, ?)"),
                            (step.version, step.title))


def fill_every_table(store: Store) -> None:
    present = tables(store)
    with store._transaction() as cur:
        for table, row in SAMPLES:
            if table not in present:
                continue
            names = [name for name in columns(store, table) if name in row]
            values = []
            for name in names:
                value = row[name]
                if isinstance(value, Id):
                    cur.execute(f"SELECT id FROM {value.table} WHERE {value.where}")
                    value = cur.fetchone()[0]
                elif isinstance(value, dt.datetime):
                    value = store._time_to_db(value)
                values.append(value)
            cur.execute(store._sql(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"),
                        values)


def snapshot(store: Store) -> dict[str, tuple[list[str], Counter[tuple[Any, ...]]]]:
    """Every table's columns and rows, as read back."""
    found = {}
    for table in tables(store):
        names = columns(store, table)
        cur = store._conn().cursor()
        cur.execute(f"SELECT {', '.join(names)} FROM {table}")
        found[table] = (names, Counter(tuple(row) for row in cur.fetchall()))
    return found


def kept(before: tuple[list[str], Counter[tuple[Any, ...]]],
         after: tuple[list[str], Counter[tuple[Any, ...]]]) -> tuple[Counter[tuple[Any, ...]], ...]:
    """The rows before and after, in the columns the table has at both steps."""
    common = [name for name in before[0] if name in after[0]]
    return tuple(Counter({tuple(row[names.index(name)] for name in common): n for row, n in rows.items()})
                 for names, rows in (before, after))


@pytest.mark.parametrize("step", [m.version for m in migrations.MIGRATIONS[1:]])
def test_every_step_keeps_every_row_of_a_database_one_step_behind(store_url: str, step: int) -> None:
    store = open_store(store_url)
    try:
        migrate_to(store, step - 1)
        fill_every_table(store)
        before = snapshot(store)
        assert all(rows for _names, rows in before.values())  # a row in every table
        migrate_to(store, step)
        after = snapshot(store)
        for table, rows in before.items():
            if table in EMPTIED.get(step, ()):
                continue
            if table not in after:  # renamed or replaced by the step: its rows must be in the new one
                raise AssertionError(f"step {step} dropped the table {table}")
            old, new = kept(rows, after[table])
            assert old == new, (step, table)
        # Then the rest of the way, read through the store: both submissions, their answers.
        assert store.migrate() == migrations.LATEST
        got = {s.reference: s for s in store.submissions(status=None)}
        assert set(got) == {"OLD-ONE", "OLD-TWO"}
        assert got["OLD-ONE"].answers == {"service": "other", "rating_overall": 4}
    finally:
        store.close()


def test_every_table_has_rows_to_upgrade(store_url: str) -> None:
    store = open_store(store_url)
    try:
        store.migrate()
        assert tables(store) == {table for table, _row in SAMPLES}
        for table, row in SAMPLES:  # every column of every table is given a value
            assert set(columns(store, table)) - {"id"} <= set(row), table
    finally:
        store.close()
