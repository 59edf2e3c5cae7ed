"""The attachments table (migration step 20) on both backends: rows stored with their
submission in one transaction, names encrypted, later files with their timeline event,
the key ids the start-up check reads, and the rows gone with their submission."""
from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3

import psycopg
import pytest

from generator.submissions.crypto import stored_key_id
from generator.submissions.db.attachments import NoSuchSubmission
from generator.submissions.records import Attachment, Submission
from generator.submissions.store import Store
from tests.submissions.test_store import make

AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.timezone.utc)


def attachment(number: int, *, name: str = "تقرير القلب.pdf", key_id: str = "k1", **more: object) -> Attachment:
    values: dict[str, object] = dict(number=number, field="medical_reports", name=name,
                                     media_type="application/pdf", size=1000 * number, sha256=f"{number:064x}",
                                     scan="clean", key_id=key_id)
    values.update(more)
    return Attachment(**values)  # type: ignore[arg-type]


def with_files(*files: Attachment) -> Submission:
    return dataclasses.replace(make("help-request", at=AT), case_state="received", attachments=files)


def test_rows_are_stored_with_their_submission_and_read_back(store: Store) -> None:
    sub = with_files(attachment(1), attachment(2, name="ECG scan.png", scan="unscanned", media_type="image/png"))
    plain = make()
    assert store.insert_batch([sub, plain]) == [sub, plain]
    got = store.attachments_of(sub.reference)
    assert got == [dataclasses.replace(a, added_at=AT) for a in sub.attachments]
    assert store.attachments_of(plain.reference) == []
    assert store.next_attachment_number(sub.reference) == 3
    assert store.next_attachment_number(plain.reference) == 1
    cur = store._conn().cursor()
    cur.execute("SELECT name FROM attachments ORDER BY number")
    names = [row[0] for row in cur.fetchall()]
    assert all(stored_key_id(name) for name in names) and "ECG" not in "".join(names)  # encrypted
    assert store.attachment_key_ids() == {"k1", store.codec.keys.newest}
    store.delete_references([sub.reference])
    assert store.attachments_of(sub.reference) == [] and store.attachment_key_ids() == set()


def test_a_name_moved_to_another_file_does_not_decrypt(store: Store) -> None:
    sub = with_files(attachment(1, name="first.pdf"), attachment(2, name="second.pdf"))
    store.insert_batch([sub])
    with store._transaction() as cur:
        cur.execute(store._sql("UPDATE attachments SET name = (SELECT name FROM attachments WHERE number = 1) "
                               "WHERE number = 2"))
    with pytest.raises(Exception, match="altered or moved"):
        store.attachments_of(sub.reference)


def test_a_submission_with_files_keeps_its_reference_on_a_collision(store: Store) -> None:
    first = make()
    store.insert_batch([first])
    clash = dataclasses.replace(with_files(attachment(1)), reference=first.reference)
    other = with_files(attachment(1))
    results = store.insert_batch([clash, other])
    assert isinstance(results[0], Exception)  # never a redrawn reference: the files are bound to it
    assert results[1] == other
    assert store.attachments_of(first.reference) == []
    assert len(store.attachments_of(other.reference)) == 1


def test_files_added_later_come_with_a_documents_received_event(store: Store) -> None:
    sub = with_files(attachment(1))
    store.insert_batch([sub])
    later = AT + dt.timedelta(days=3)
    store.add_attachments(sub.reference, [attachment(2, added_by="status-page", added_at=later),
                                          attachment(3, added_by="status-page", added_at=later)], who="status-page")
    assert [(a.number, a.added_by, a.added_at) for a in store.attachments_of(sub.reference)] == [
        (1, "applicant", AT), (2, "status-page", later), (3, "status-page", later)]
    events = store.case_events(sub.reference)
    assert [(e.kind, e.actor, e.reason, e.at) for e in events] == [("documents-received", "status-page", "2", later)]
    # One transaction: a number taken already leaves neither rows nor the event.
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.UniqueViolation)):
        store.add_attachments(sub.reference, [attachment(4), attachment(3)], who="status-page", at=later)
    assert len(store.attachments_of(sub.reference)) == 3 and len(store.case_events(sub.reference)) == 1
    with pytest.raises(NoSuchSubmission):
        store.add_attachments("AAAAA-AAAAA", [attachment(1)], who="status-page")


def test_file_names_are_reencrypted_with_the_answers(store: Store) -> None:
    from generator.submissions.crypto import DataKeys, EncryptedCodec, new_key

    old, new = new_key(), new_key()
    store.codec = EncryptedCodec(DataKeys([old]))
    sub = with_files(attachment(1, name="old key.pdf"))
    store.insert_batch([sub])
    store.codec = EncryptedCodec(DataKeys([old, new]))  # a key added to the file: `keys rotate`
    assert store.reencrypt_attachment_names() == 1
    assert store.reencrypt_attachment_names() == 0
    assert store.attachments_of(sub.reference)[0].name == "old key.pdf"
    assert store.attachment_key_ids() == {"k1", store.codec.keys.newest}
