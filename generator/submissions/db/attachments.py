"""The `attachments` table (migration step 20): one row per stored file of a submission.

The bytes are not here: they are sealed on disk (files.py, sealed.py) and renamed
into place after the row is committed. A row is written in the transaction that
stores its submission (`insert_batch`), or, for files added later from the status
page, with a "documents-received" case event in one transaction
(`add_attachments`); it goes with its submission (ON DELETE CASCADE), though the
bytes on disk are deleted by whoever deletes the submission (FileStore.delete).

The file's name as sent is personal data ("Ahmad's ECG.pdf"): it is encrypted by
the store's codec with "<reference>:<number>" as associated data, like answers.
Everything else is what the staff side lists: the type detected from the bytes,
the size and SHA-256 of the stored plaintext, the scan result, and the data key the
file is sealed with (the start-up key check reads it; `keys rotate` moves it on).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from generator.submissions.crypto import stored_key_id
from generator.submissions.records import Attachment, Submission

from .connection import Database

_COLUMNS = "number, field, name, media_type, size, sha256, scan, key_id, added_by, added_at"
_INSERT = (f"INSERT INTO attachments (submission_id, reference, {_COLUMNS}) "
           "SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM submissions WHERE reference = ?")
_NAME = "name"  # the key of the name inside its encrypted value


class NoSuchSubmission(LookupError):
    """add_attachments for a reference that is not stored (deleted meanwhile)."""


class AttachmentQueries(Database):
    codec: Any
    _event: Any  # CaseQueries: one history row in an open transaction

    def _attachment_params(self, reference: str, item: Attachment, at: dt.datetime) -> tuple[Any, ...]:
        name = self.codec.encode({_NAME: item.name}, f"{reference}:{item.number}")
        return (reference, item.number, item.field, name, item.media_type, item.size, item.sha256, item.scan,
                item.key_id, item.added_by, self._time_to_db(item.added_at or at), reference)

    def _insert_attachments(self, cur: Any, subs: Sequence[Submission]) -> None:
        """The rows of the files sent with these submissions, in their transaction (insert_batch)."""
        rows = [self._attachment_params(sub.reference, item, sub.submitted_at)
                for sub in subs for item in sub.attachments]
        if rows:
            cur.executemany(self._sql(_INSERT), rows)

    def add_attachments(self, reference: str, attachments: Sequence[Attachment], *, who: str,
                        at: dt.datetime | None = None) -> None:
        """Files added to a stored submission later (the status page): their rows and a
        "documents-received" case event (`reason`: how many), in one transaction.
        NoSuchSubmission when the submission is gone."""
        if not attachments:
            raise ValueError("add_attachments needs at least one file")
        when = at or max((a.added_at for a in attachments if a.added_at), default=None) or dt.datetime.now(
            dt.timezone.utc)
        with self._transaction() as cur:
            for item in attachments:
                cur.execute(self._sql(_INSERT), self._attachment_params(reference, item, when))
                if cur.rowcount != 1:
                    raise NoSuchSubmission(reference)
            self._event(cur, reference, at=when, actor=who, kind="documents-received",
                        reason=str(len(attachments)))

    def attachments_of(self, reference: str) -> list[Attachment]:
        """A submission's files, by number; names decrypted."""
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT {_COLUMNS} FROM attachments WHERE reference = ? ORDER BY number"),
                    (reference,))
        return [Attachment(number=number, field=field, name=self.codec.decode(name, f"{reference}:{number}")[_NAME],
                           media_type=media_type, size=int(size), sha256=sha256, scan=scan, key_id=key_id,
                           added_by=added_by, added_at=self._time_from_db(added_at))
                for number, field, name, media_type, size, sha256, scan, key_id, added_by, added_at
                in cur.fetchall()]

    def next_attachment_number(self, reference: str) -> int:
        """The number the next file of this submission gets: numbers are never reused
        (a deleted file's number stays taken while any later one exists)."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT COALESCE(MAX(number), 0) FROM attachments WHERE reference = ?"), (reference,))
        return int(cur.fetchone()[0]) + 1

    def attachment_key_ids(self) -> set[str]:
        """The data keys files are sealed with and their names encrypted with (start-up key check)."""
        cur = self._conn().cursor()
        cur.execute("SELECT DISTINCT key_id FROM attachments")
        files = {kid for (kid,) in cur.fetchall()}
        cur.execute("SELECT DISTINCT substr(name, 1, 14) FROM attachments")
        names = {stored_key_id(value) for (value,) in cur.fetchall()}
        return files | {kid for kid in names if kid}

    def attachment_files(self, *, after: tuple[str, int] = ("", 0), limit: int = 500) -> list[tuple[str, int, str]]:
        """(reference, number, key id) of stored files in order, from after `after`: `keys rotate`."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT reference, number, key_id FROM attachments WHERE reference > ? OR "
                              "(reference = ? AND number > ?) ORDER BY reference, number LIMIT ?"),
                    (after[0], after[0], after[1], limit))
        return [(reference, int(number), key_id) for reference, number, key_id in cur.fetchall()]

    def set_attachment_key(self, reference: str, number: int, key_id: str) -> None:
        """A file re-sealed under another key (`keys rotate`, after the new file is fsynced)."""
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE attachments SET key_id = ? WHERE reference = ? AND number = ?"),
                        (key_id, reference, number))

    def reencrypt_attachment_names(self, *, batch: int = 500) -> int:
        """Rewrite every file name not under the codec's newest key (keys rotate)."""
        done, after = 0, ("", 0)
        while True:
            with self._transaction() as cur:
                cur.execute(self._sql("SELECT reference, number, name FROM attachments WHERE reference > ? OR "
                                      "(reference = ? AND number > ?) ORDER BY reference, number LIMIT ?"),
                            (after[0], after[0], after[1], batch))
                rows = cur.fetchall()
                if not rows:
                    return done
                after = (rows[-1][0], int(rows[-1][1]))
                for reference, number, stored in rows:
                    if not self.codec.is_current(stored):
                        bound = f"{reference}:{number}"
                        cur.execute(self._sql("UPDATE attachments SET name = ? WHERE reference = ? AND number = ?"),
                                    (self.codec.encode(self.codec.decode(stored, bound), bound), reference, number))
                        done += 1
