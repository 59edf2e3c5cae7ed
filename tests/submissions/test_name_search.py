"""Search by name (issue 33): the words of the fields marked `identifier: name`, folded to
one form and hashed with the lookup key (kind 'name'); found when every typed word
matches, within the forms asked for; the words of submissions stored before step 17
hashed at start; gone with purge and subject delete; re-keyed by `keys rotate --lookup`.
Both backends."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from generator.forms import read_submission
from generator.submissions import crypto, subject
from generator.submissions.commands import keys
from generator.submissions.identifiers import name_words
from generator.submissions.records import Submission, json_ready
from generator.submissions.references import new_reference
from generator.submissions.secure_store import open_secure_store
from generator.submissions.store import Store, open_store
from tests.support.fixtures import make_settings, migrate_to_step
from tests.support.rawdata import raw_database
from tests.support.samples import valid_answers

QAHTANI = "محمد عبدالله القحطاني"
HARBI = "Faisal Al-Harbi"
NOW = dt.datetime(2026, 12, 7, 10, tzinfo=dt.timezone.utc)


def test_name_words_fold_arabic_letter_forms_and_latin_case() -> None:
    assert name_words("مُحمّد") == name_words("محمد") == {"محمد"}  # diacritics dropped
    assert name_words("القحطانى") == {"القحطاني"}  # ى -> ي
    assert name_words("أحمد إبراهيم آمنة") == name_words("احمد ابراهيم امنه")  # أ/إ/آ -> ا, ة -> ه
    assert name_words("محـــمد") == {"محمد"}  # tatweel
    # A hyphen splits words, and the joined word is kept too: "al harbi", "alharbi" and "Harbi" find it.
    assert name_words(HARBI) == {"faisal", "al", "harbi", "alharbi"}
    assert name_words("  ") == set() and name_words("ÉLODIE") == {"elodie"}


def _submission(forms: dict[str, Any], form_id: str, at: dt.datetime = NOW, **changes: Any) -> Submission:
    form = forms[form_id]
    row = read_submission(form, {**valid_answers(form), **changes}).row
    return Submission(reference=new_reference(), form_id=form_id, form_version=str(form.version), language="ar",
                      submitted_at=at, consent={}, status="accepted", answers=json_ready(form.schema, row))


def _found(store: Store, typed: str, form_ids: tuple[str, ...]) -> set[str]:
    ids = store.ids_by_name(store.indexer.name_search(typed), form_ids, limit=50)
    return {row.reference for row in store.inbox_find([], ids)}


def _name_rows(store: Store, reference: str) -> list[tuple[str, str]]:
    cur = store._conn().cursor()
    cur.execute(store._sql("SELECT l.digest, l.key_id FROM submission_lookups l JOIN submissions s "
                           "ON s.id = l.submission_id WHERE s.reference = ? AND l.kind = 'name'"), (reference,))
    return sorted((row[0], row[1]) for row in cur.fetchall())


def test_every_typed_word_must_match_within_the_forms_asked_for(
        forms: dict[str, Any], forms_root: Path, store_url: str, request: pytest.FixtureRequest) -> None:
    store = open_secure_store(make_settings(forms_root, store_url), forms, note=lambda text: None)
    try:
        help_request = _submission(forms, "help-request", applicant_name=QAHTANI)
        contact = _submission(forms, "contact", name=HARBI)
        other = _submission(forms, "help-request", applicant_name="محمد الحربي")
        store.insert_batch([help_request, contact, other])
        everywhere = ("help-request", "contact", "volunteer")
        for typed in ("محمد القحطاني", "القحطانى", "مُحمّد القحطاني", "عبدالله"):
            assert help_request.reference in _found(store, typed, everywhere), typed
        assert _found(store, "القحطانى", everywhere) == {help_request.reference}
        assert _found(store, "مُحمّد", everywhere) == {help_request.reference, other.reference}
        assert _found(store, "محمد الحربي", everywhere) == {other.reference}  # all words, not any
        assert _found(store, "محمد سعيد", everywhere) == set()
        for typed in ("al-harbi", "AL HARBI", "alharbi", "faisal"):
            assert _found(store, typed, everywhere) == {contact.reference}, typed
        assert _found(store, "al-harbi", ("help-request",)) == set()  # a form not asked for finds nothing
        raw = raw_database(store_url, request)
        for word in ("القحطاني", "Harbi", "harbi"):
            assert word.encode() not in raw  # no name in clear, answers nor index
    finally:
        store.close()


def test_old_rows_are_hashed_at_start_rekeyed_and_gone_with_purge_and_subject_delete(
        forms: dict[str, Any], forms_root: Path, store_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(forms_root, store_url, data_key_file=tmp_path / "data.key",
                             lookup_key_file=tmp_path / "lookup.key")
    crypto.write_keys(settings.data_key_file, [crypto.new_key()], crypto.DATA_HEADER)
    crypto.write_keys(settings.lookup_key_file, [crypto.new_key()], crypto.LOOKUP_HEADER)
    old = _submission(forms, "help-request", at=NOW - dt.timedelta(days=4000), applicant_name=QAHTANI)
    kept = _submission(forms, "volunteer", name=HARBI)
    # A database as release 16 left it, with a submission stored then (no name hashes).
    codec = crypto.EncryptedCodec(crypto.DataKeys(crypto.read_keys(settings.data_key_file)))
    before = open_store(store_url, codec=codec)
    try:
        with before._transaction() as cur:
            migrate_to_step(before, cur, 16)
            for sub in (old, kept):
                cur.execute(before._sql("INSERT INTO submissions (reference, form_id, form_version, language, "
                                        "submitted_at, consent, status, answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                            before.row_params(sub)[:8])
    finally:
        before.close()

    said: list[str] = []
    store = open_secure_store(settings, forms, note=said.append)
    try:
        assert _found(store, "القحطانى محمد", ("help-request",)) == {old.reference}
        assert _found(store, "al-harbi", ("volunteer",)) == {kept.reference}
        assert any("hashed the names of 1 stored help-request submission(s)" in line for line in said)
        hashed = _name_rows(store, old.reference)
        assert len(hashed) == 3 and {key for _, key in hashed} == {store.indexer.key.id}
    finally:
        store.close()
    said.clear()
    open_secure_store(settings, forms, note=said.append).close()
    assert not [line for line in said if "hashed the names" in line]  # once per form

    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("QALB_DATA_KEY_FILE", str(settings.data_key_file))
    monkeypatch.setenv("QALB_LOOKUP_KEY_FILE", str(settings.lookup_key_file))
    assert keys(forms_root, action="rotate", lookup=True) == 0
    store = open_secure_store(settings, forms, note=lambda text: None)
    try:
        rekeyed = _name_rows(store, old.reference)
        assert len(rekeyed) == 3 and {key for _, key in rekeyed} == {store.indexer.key.id} != {hashed[0][1]}
        assert not set(rekeyed) & set(hashed)
        assert _found(store, "مُحمّد", ("help-request",)) == {old.reference}

        assert store.purge("help-request", NOW) == 1  # past its retention period
        assert _name_rows(store, old.reference) == [] and _found(store, "محمد", ("help-request",)) == set()
        cur = store._conn().cursor()
        cur.execute(store._sql("SELECT COUNT(*) FROM submission_lookups WHERE kind = 'name' AND digest IN "
                               f"({', '.join('?' for _ in rekeyed)})"), [digest for digest, _ in rekeyed])
        assert cur.fetchone()[0] == 0
        assert _name_rows(store, kept.reference)
        assert subject.delete(store, list(store.submissions("volunteer"))) == 1
        assert _name_rows(store, kept.reference) == [] and _found(store, "harbi", ("volunteer",)) == set()
    finally:
        store.close()
