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
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from generator.core.config import StorageSettings
from generator.submissions import crypto, migrations
from generator.submissions.records import Submission
from generator.submissions.references import new_reference
from generator.submissions.secure_store import fill_report_values, open_secure_store
from generator.submissions.store import Store, Wiring, open_store

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


def expected_totals(answers: list[dict[str, Any]]) -> Counter[tuple[str, str, str, str]]:
    """(by_field, by_value, field, value): submissions, counted here from the answers."""
    counted: Counter[tuple[str, str, str, str]] = Counter()
    for answer in answers:
        for name in (*GROUPS, *RATINGS):
            counted[("", "", name, str(answer[name]))] += 1
        for group in GROUPS:
            for name in RATINGS:
                counted[(group, str(answer[group]), name, str(answer[name]))] += 1
    return counted


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
               "are made again now." in notes
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
    """The store's codec, until it has decrypted `left` answers: then the start is killed."""

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


def test_a_start_killed_while_counting_goes_on_where_it_stopped(store_url: str, forms: dict[str, Any],
                                                                tmp_path: Path) -> None:
    store = upgraded_without_values(store_url, forms, tmp_path)
    try:
        codec = store.codec
        answers = [s.answers for s in store.submissions("satisfaction")]
        store.codec = KilledCodec(codec, left=12)  # two batches of 5 written, the third killed
        notes: list[str] = []
        with pytest.raises(KeyboardInterrupt):
            fill_report_values(store, notes.append, batch=5)
        assert values_rows(store) == 10
        assert "satisfaction" not in filled(store)  # taken off with the first batch: the counts are made again
        assert notes == [f"note: counting the report values of stored satisfaction submissions: {n} of 33"
                         for n in (5, 10)]
        # The next start: the 23 left, each decrypted once, then the counts.
        store.codec = counting = KilledCodec(codec, left=10**6)
        notes.clear()
        assert fill_report_values(store, notes.append, batch=5) == {"satisfaction": 23}
        assert counting.left == 10**6 - 23
        assert notes[-2:] == ["note: counting the report values of stored satisfaction submissions: 23 of 23",
                              "note: counted the report values of 23 stored satisfaction submission(s); its "
                              "report counts are made again now."]
        assert store.fill_report_counts(NOW) == ["satisfaction"]
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
