"""Encryption at rest: answers never reach the database, a dump or a log in clear;
keys are created, checked, and rotated. Both backends."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import stat
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest

from generator.endpoint.app import create_app
from generator.endpoint.commands import serve
from generator.forms.relevance import not_relevant
from generator.submissions import crypto
from generator.submissions.commands import keys
from generator.submissions.records import Submission
from generator.submissions.references import new_reference
from generator.submissions.secure_store import open_secure_store
from generator.submissions.store import open_store
from tests.support.fixtures import LiveServer, make_settings
from tests.support.rawdata import canary_answers, raw_database


@pytest.fixture
def key_settings(forms_root: Path, store_url: str, tmp_path: Path) -> Any:
    """Settings with this test's own key files (not yet created)."""
    return make_settings(forms_root, store_url, data_key_file=tmp_path / "keys" / "data.key",
                         lookup_key_file=tmp_path / "keys" / "lookup.key")


@pytest.fixture
def all_logs() -> Iterator[list[logging.LogRecord]]:
    """Every log record of the process at DEBUG, uvicorn's included."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, root = Keep(logging.DEBUG), logging.getLogger()
    # uvicorn's default logging config (used by earlier tests) stops its loggers from propagating.
    loggers = [logging.getLogger(name) for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(lg.level, lg.propagate, lg.disabled) for lg in loggers]
    root.addHandler(handler)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.propagate, lg.disabled = True, False
    try:
        yield records
    finally:
        root.removeHandler(handler)
        for lg, (level, propagate, disabled) in zip(loggers, saved, strict=True):
            lg.setLevel(level)
            lg.propagate, lg.disabled = propagate, disabled


def test_canaries_never_reach_the_database_a_dump_or_a_log(
        forms: dict[str, Any], key_settings: Any, store_url: str, request: pytest.FixtureRequest,
        all_logs: list[logging.LogRecord], capfd: pytest.CaptureFixture[str]) -> None:
    store = open_secure_store(key_settings, forms, create_keys=True, note=lambda text: None)
    app = create_app(settings=key_settings, forms=forms, store=store)
    canaries: list[str] = []
    kept: list[str] = []
    # log_config=None: uvicorn's loggers propagate to the root handler above.
    with LiveServer(app, log_level="trace", access_log=True, log_config=None) as server, server.client() as client:
        for number, form in enumerate(forms.values()):
            answers, values = canary_answers(form)
            canaries += values
            # A follow-up that does not apply is posted too (never stored, never logged) but not read back.
            skipped = not_relevant(form.fields, answers)
            kept += [v for v in values if not any(answers.get(name) == v for name in skipped)]
            lang = "en" if number % 2 else "ar"
            response = client.post(f"/api/forms/{form.id}", data={**answers, "lang": lang})
            assert response.status_code == 303, response.text
            client.get(response.headers["location"])
        assert len(canaries) >= len(forms)  # every form got at least one
        raw = raw_database(store_url, request)  # while running: the SQLite WAL holds the rows
    raw += raw_database(store_url, request)  # and after the checkpoint at close
    assert b"enc1:" in raw
    for value in canaries:
        assert value.encode() not in raw, f"{value} is readable in the database"
    logged = [record.getMessage() for record in all_logs]
    out, err = capfd.readouterr()
    assert any("POST /api/forms/" in line for line in logged + err.splitlines())  # the logs were captured
    for value in canaries:
        assert not [line for line in logged if value in line], f"{value} was logged"
        assert value not in out + err, f"{value} was printed"

    # ... and the keys do read them back.
    reader = open_secure_store(key_settings, forms)
    stored = {v for sub in reader.submissions(None, status=None) for v in map(str, sub.answers.values())}
    reader.close()
    assert kept and set(kept) <= stored


def _row(form_id: str = "enquiry", **answers: Any) -> Submission:
    return Submission(reference=new_reference(), form_id=form_id, form_version="1", language="ar",
                      submitted_at=dt.datetime.now(dt.timezone.utc), consent={}, status="accepted",
                      answers=answers or {"full_name": "سارة", "mobile": "0512345678"})


def test_fresh_start_creates_keys_owner_only_and_says_where(forms: dict[str, Any], key_settings: Any) -> None:
    notes: list[str] = []
    store = open_secure_store(key_settings, forms, create_keys=True, note=notes.append)
    store.close()
    for path in (key_settings.data_key_file, key_settings.lookup_key_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert any(str(path) in note and "Back" in note for note in notes)
    assert crypto.read_keys(key_settings.data_key_file) != crypto.read_keys(key_settings.lookup_key_file)
    with pytest.raises(crypto.KeyProblem, match="keys create"):  # the commands never create keys silently
        open_secure_store(dataclasses.replace(key_settings, data_key_file=key_settings.root / "nope.key"), forms)


def test_the_staff_key_is_kept_in_its_file_not_made_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The workspace's form tokens need one key for every replica: made once (and said), then read."""
    from generator.core.config import StorageSettings
    from generator.submissions.commands import keys
    from generator.submissions.secure_store import load_staff_key

    settings = StorageSettings(root=tmp_path)
    notes: list[str] = []
    first = load_staff_key(settings, note=notes.append)
    assert settings.staff_key_file is not None and stat.S_IMODE(settings.staff_key_file.stat().st_mode) == 0o600
    assert len(notes) == 1 and "Copy it" in notes[0]
    assert load_staff_key(settings, note=notes.append) == first and len(notes) == 1
    # `keys create` makes it beside the data and lookup keys, and keeps one that exists.
    for name in ("QALB_DATA_KEY_FILE", "QALB_LOOKUP_KEY_FILE", "QALB_STAFF_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert keys(tmp_path, action="create") == 0
    assert sorted(p.name for p in (tmp_path / "data" / "keys").iterdir()) == ["data.key", "lookup.key", "staff.key"]
    assert load_staff_key(settings) == first and "staff.key exists; kept it" in capsys.readouterr().err


def test_the_start_is_refused_when_the_key_is_missing_or_wrong(
        forms: dict[str, Any], key_settings: Any, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    store = open_secure_store(key_settings, forms, create_keys=True, note=lambda text: None)
    store.insert_batch([_row()])
    kid = store.codec.keys.newest
    store.close()
    right = key_settings.data_key_file.read_bytes()

    crypto.write_keys(key_settings.data_key_file, [crypto.new_key()], crypto.DATA_HEADER)  # wrong key
    with pytest.raises(crypto.KeyProblem, match=f"{kid}.*does not hold"):
        open_secure_store(key_settings, forms, create_keys=True)
    key_settings.data_key_file.unlink()  # missing key: never replaced by a new one
    with pytest.raises(crypto.KeyProblem, match=f"{kid}.*does not exist"):
        open_secure_store(key_settings, forms, create_keys=True)
    assert not key_settings.data_key_file.exists()

    # The real start command says it in one sentence and does not start.
    monkeypatch.setenv("DATABASE_URL", key_settings.database_url)
    monkeypatch.setenv("QALB_DATA_KEY_FILE", str(key_settings.data_key_file))
    monkeypatch.setenv("QALB_LOOKUP_KEY_FILE", str(key_settings.lookup_key_file))
    assert serve(key_settings.root, host="127.0.0.1", port=9, serve_site=False) == 1
    err = capsys.readouterr().err
    assert f"encrypted with key(s) {kid}" in err and "did not start" in err and "Traceback" not in err

    key_settings.data_key_file.write_bytes(right)
    crypto.write_keys(key_settings.lookup_key_file, [crypto.new_key()], crypto.LOOKUP_HEADER)
    with pytest.raises(crypto.KeyProblem, match="lookup key"):  # searches would silently miss people
        open_secure_store(key_settings, forms)


def test_rows_from_before_encryption_are_encrypted_at_start(forms: dict[str, Any], key_settings: Any,
                                                            store_url: str, request: pytest.FixtureRequest) -> None:
    plain = open_store(store_url)
    plain.migrate()
    old = _row(mobile="0598765432", full_name="legacy-plaintext-name")
    plain.insert_batch([old])
    plain.close()
    assert b"legacy-plaintext-name" in raw_database(store_url, request)
    notes: list[str] = []
    store = open_secure_store(key_settings, forms, create_keys=True, encrypt_old_rows=True, note=notes.append)
    assert any("encrypted 1 stored submission" in note for note in notes)
    assert [s.answers for s in store.find_by_digests(store.indexer.search([("mobile", "+966598765432")]))] \
        == [old.answers]  # and it got its lookup hashes
    store.close()
    assert b"legacy-plaintext-name" not in raw_database(store_url, request)


def test_rotation_reencrypts_every_row_and_keeps_old_keys_for_backups(
        forms: dict[str, Any], key_settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_secure_store(key_settings, forms, create_keys=True, note=lambda text: None)
    rows = [_row(mobile=f"05{n:08d}") for n in range(3)]
    store.insert_batch(rows)
    first = store.codec.keys.newest
    cur = store._conn().cursor()
    cur.execute("SELECT reference, answers FROM submissions")
    backup = dict(cur.fetchall())  # what a backup taken now holds
    store.close()

    monkeypatch.setenv("DATABASE_URL", key_settings.database_url)
    monkeypatch.setenv("QALB_DATA_KEY_FILE", str(key_settings.data_key_file))
    monkeypatch.setenv("QALB_LOOKUP_KEY_FILE", str(key_settings.lookup_key_file))
    assert keys(key_settings.root, action="rotate", staff="tester") == 0
    assert stat.S_IMODE(key_settings.data_key_file.stat().st_mode) == 0o600
    file_keys = crypto.read_keys(key_settings.data_key_file)
    assert len(file_keys) == 2 and crypto.key_id(file_keys[0]) == first

    store = open_secure_store(key_settings, forms)
    newest = store.codec.keys.newest
    assert newest != first and store.stored_key_ids() == {newest}
    assert sorted(s.reference for s in store.submissions(None)) == sorted(r.reference for r in rows)
    for reference, stored in backup.items():  # the old key still reads the backup
        assert store.codec.decode(stored, reference)["mobile"].startswith("05")
    assert store.audit_entries()[-1] | {"at": None} == {
        "at": None, "actor": "tester", "action": "keys-rotate", "form_id": None, "rows": 3, "detail": "data"}
    lookup_before = store.indexer.key.id
    store.close()

    assert keys(key_settings.root, action="rotate", lookup=True) == 0
    store = open_secure_store(key_settings, forms)
    assert store.lookup_key_ids() == {store.indexer.key.id} != {lookup_before}
    found = store.find_by_digests(store.indexer.search([("mobile", "+966500000001")]))
    assert [s.reference for s in found] == [rows[1].reference]
    store.close()


def test_an_altered_or_moved_ciphertext_does_not_decrypt(forms: dict[str, Any], key_settings: Any) -> None:
    store = open_secure_store(key_settings, forms, create_keys=True, note=lambda text: None)
    a, b = _row(), _row()
    store.insert_batch([a, b])
    cur = store._conn().cursor()
    cur.execute(store._sql("UPDATE submissions SET answers = (SELECT answers FROM submissions WHERE reference = ?) "
                           "WHERE reference = ?"), (a.reference, b.reference))
    with pytest.raises(crypto.KeyProblem, match="altered or moved"):
        list(store.submissions(None))
    store.close()


def test_the_http_export_decrypts(forms: dict[str, Any], key_settings: Any) -> None:
    import hashlib

    token = "t" * 40
    settings = dataclasses.replace(key_settings, export_token_hashes=frozenset({hashlib.sha256(token.encode()).hexdigest()}))
    store = open_secure_store(settings, forms, create_keys=True, note=lambda text: None)
    form = forms["enquiry"]
    answers, canaries = canary_answers(form)
    with LiveServer(create_app(settings=settings, forms=forms, store=store)) as server, server.client() as client:
        assert client.post("/api/forms/enquiry", data={**answers, "lang": "ar"}).status_code == 303
        response = client.get("/api/forms/enquiry/export", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        text = archive.read("enquiry.csv").decode("utf-8-sig")
    assert all(value in text for value in canaries)


def _with_files(files: Any, keys_: crypto.DataKeys, contents: list[bytes], key_id: str | None = None) -> Submission:
    from generator.submissions.records import Attachment

    sub = _row("help-request")
    attachments = []
    for number, content in enumerate(contents, 1):
        with files.upload(sub.reference, number, keys_) as sealed:
            sealed.write(content)
        attachments.append(Attachment(number=number, field="medical_reports", name=f"تقرير {number}.pdf",
                                      media_type="application/pdf", size=len(content), sha256="0" * 64,
                                      scan="clean", key_id=key_id or sealed.key_id))
    return dataclasses.replace(sub, attachments=tuple(attachments))


def test_rotation_reseals_the_attached_files_and_the_old_key_still_opens_a_backup(
        forms: dict[str, Any], key_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from generator.submissions.files import FileStore

    settings = dataclasses.replace(key_settings, files_dir=tmp_path / "files")
    store = open_secure_store(settings, forms, create_keys=True, note=lambda text: None)
    files = FileStore(settings.files_dir)
    contents = [b"first report " * 10_000, b"second"]
    sub = _with_files(files, store.codec.keys, contents)
    store.insert_batch([sub])
    for number in (1, 2):
        files.place(sub.reference, number)
    first = store.codec.keys.newest
    backup = files.path(sub.reference, 1).read_bytes()  # what a backup of the files folder holds
    store.close()

    for name, value in (("DATABASE_URL", settings.database_url), ("QALB_DATA_KEY_FILE", settings.data_key_file),
                        ("QALB_LOOKUP_KEY_FILE", settings.lookup_key_file), ("QALB_FILES_DIR", settings.files_dir)):
        monkeypatch.setenv(name, str(value))
    assert keys(settings.root, action="rotate", staff="tester") == 0

    store = open_secure_store(settings, forms)
    try:
        newest = store.codec.keys.newest
        assert newest != first and store.attachment_key_ids() == {newest}
        assert [a.key_id for a in store.attachments_of(sub.reference)] == [newest, newest]
        assert [a.name for a in store.attachments_of(sub.reference)] == ["تقرير 1.pdf", "تقرير 2.pdf"]
        for number, content in enumerate(contents, 1):
            assert files.path(sub.reference, number).read_bytes()[8:16] == newest.encode()  # the header's key id
            with files.open(sub.reference, number, store.codec.keys) as reader:
                assert reader.read() == content
        assert sorted(p.name for p in files.path(sub.reference, 1).parent.iterdir()) == ["1", "2"]  # no .new left
        restored = tmp_path / "restored"
        restored.write_bytes(backup)
        from generator.submissions.sealed import open_sealed
        with open_sealed(restored, store.codec.keys, sub.reference, 1) as reader:
            assert reader.read() == contents[0]
        assert store.audit_entries()[-1]["rows"] == 1 + 2 + 2  # the answers, the two names, the two files
    finally:
        store.close()
        files.close()


def test_the_start_is_refused_when_a_file_is_sealed_with_a_key_not_in_the_file(
        forms: dict[str, Any], key_settings: Any, tmp_path: Path) -> None:
    from generator.submissions.files import FileStore

    store = open_secure_store(key_settings, forms, create_keys=True, note=lambda text: None)
    files = FileStore(tmp_path / "files")
    store.insert_batch([_with_files(files, store.codec.keys, [b"x"], key_id="0badc0de")])
    store.close()
    files.close()
    with pytest.raises(crypto.KeyProblem, match="answers or files encrypted with key.s. 0badc0de, which"):
        open_secure_store(key_settings, forms)
