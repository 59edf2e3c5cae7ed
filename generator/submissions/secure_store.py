"""The store as the endpoint and every command open it: keys loaded and checked.

`open_secure_store` opens the database, applies migrations, loads the data key
file and the lookup key file, and refuses (KeyProblem, one sentence) when the
database holds rows that those keys cannot read or find: answers encrypted
with a key that is not in the file, or lookup hashes made with another lookup
key. Starting anyway would write rows under a new key that staff cannot
match with the old ones, or make subject searches silently miss people.

On a fresh machine (`make serve`) there are no keys and no encrypted rows:
with `create_keys` the keys are made, and where they are is said on stderr,
because they must be backed up apart from the database.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from generator.core.config import StorageSettings
from generator.core.organisation import load_organisation

from . import crypto
from .crypto import KeyProblem
from .identifiers import Indexer
from .store import Store, Wiring, open_store

if TYPE_CHECKING:
    from .notices import OutboxPlanner

Note = Callable[[str], None]


def stderr(text: str) -> None:
    print(text, file=sys.stderr)


def load_data_keys(settings: StorageSettings, store: Store, *, create: bool = False,
                   note: Note = stderr) -> crypto.DataKeys:
    path = settings.data_key_file
    assert path is not None
    # Answers and notes, and attached files and their names (sealed with a data key too).
    in_use = {kid for kid in store.stored_key_ids() if kid is not None} | store.attachment_key_ids()
    if not path.exists():
        if in_use:
            raise KeyProblem(
                f"the database holds answers or files encrypted with key(s) {', '.join(sorted(in_use))}, but the data "
                f"key file {path} does not exist. Restore it from its backup (or set QALB_DATA_KEY_FILE to "
                "where it is); without it these answers cannot be read.")
        if not create:
            raise KeyProblem(f"there is no data key file at {path}. Create the keys with "
                             "`python -m generator keys create`, or set QALB_DATA_KEY_FILE.")
        crypto.write_keys(path, [crypto.new_key()], crypto.DATA_HEADER)
        note(f"note: created a new data key in {path} (readable by this user only). Back it up now, "
             "apart from the database and its backups: without it the stored answers cannot be read.")
    keys = crypto.DataKeys(crypto.read_keys(path))
    if missing := in_use - keys.ids:
        raise KeyProblem(
            f"the database holds answers or files encrypted with key(s) {', '.join(sorted(missing))}, which the data "
            f"key file {path} does not hold (it has {', '.join(sorted(keys.ids))}). Restore the file that "
            "holds them from its backup; the endpoint will not start with a wrong key.")
    _warn_if_loose(path, note)
    return keys


def load_lookup_key(settings: StorageSettings, store: Store, *, create: bool = False,
                    note: Note = stderr) -> crypto.LookupKey:
    path = settings.lookup_key_file
    assert path is not None
    in_use = store.lookup_key_ids()
    if not path.exists():
        if in_use or not create:
            raise KeyProblem(
                f"there is no lookup key file at {path}"
                + (" and the database holds lookup hashes made with one. Restore it from its backup; if it is "
                   "lost, `python -m generator keys rotate --lookup` makes a new one and recomputes them."
                   if in_use else ". Create the keys with `python -m generator keys create`."))
        crypto.write_keys(path, [crypto.new_key()], crypto.LOOKUP_HEADER)
        note(f"note: created a new lookup key in {path}. Back it up apart from the database and from the "
             "data key file.")
    key = crypto.LookupKey(crypto.read_keys(path)[-1])
    if in_use - {key.id}:
        raise KeyProblem(
            f"the lookup hashes in the database were made with lookup key(s) {', '.join(sorted(in_use - {key.id}))}, "
            f"not with the one in {path} ({key.id}): subject searches would miss people. Restore the right "
            "file, or run `python -m generator keys rotate --lookup` to recompute the hashes.")
    _warn_if_loose(path, note)
    return key


def load_staff_key(settings: StorageSettings, *, note: Note = stderr) -> bytes:
    """The staff workspace's HMAC key (its newest line), read from its file, never made per
    process: every `staff serve` on one database must read the same file, or a page from one
    posts to another in vain. A missing file is made (`run` and `staff serve` on a fresh
    machine), and that is said on stderr: other replicas need a copy of it."""
    path = settings.staff_key_file
    assert path is not None
    if not path.exists():
        crypto.write_keys(path, [crypto.new_key()], crypto.STAFF_HEADER)
        note(f"note: created a new staff key in {path}. Copy it (with the other key files) to every machine "
             "that serves the staff workspace on this database; without it, signing in works but forms "
             "opened on another process are refused.")
    key = crypto.read_keys(path)[-1]
    _warn_if_loose(path, note)
    return key


def _warn_if_loose(path: Any, note: Note) -> None:
    if crypto.loose_permissions(path):
        note(f"warning: {path} can be read by other users; run: chmod 600 {path}")


def organisation_zone(root: Path) -> str:
    """The organisation's time zone (content/settings.yml; Asia/Riyadh without one): report
    months and weeks start at its midnight."""
    return load_organisation(root).time_zone


def open_secure_store(settings: StorageSettings, forms: Mapping[str, Any], *, planner: OutboxPlanner | None = None,
                      time_zone: str | None = None, create_keys: bool = False, encrypt_old_rows: bool = False,
                      note: Note = stderr) -> Store:
    """The store with the encrypting codec and the lookup indexer; KeyProblem if the keys do not fit.
    `planner` (None: nothing queued) and `time_zone` (default: the organisation's) are its
    wiring for good, with the report fields and roles of `forms` (store.py's `Wiring`)."""
    zone = time_zone or organisation_zone(settings.root)
    store = open_store(settings.database_url, root=settings.root,
                       wiring=Wiring.of(forms, planner=planner, time_zone=zone))
    try:
        store.migrate()
        keys = load_data_keys(settings, store, create=create_keys, note=note)
        lookup = load_lookup_key(settings, store, create=create_keys, note=note)
        store.codec = crypto.EncryptedCodec(keys)
        store.indexer = Indexer(lookup, forms)
        fill_report_values(store, note)
        store.fill_report_counts(dt.datetime.now(dt.timezone.utc))  # once per form: rows from before step 10
        fill_name_lookups(store, note)
        if encrypt_old_rows and (count := store.reencrypt()):
            note(f"note: encrypted {count} stored submission(s) with the newest data key ({keys.newest}).")
    except BaseException:
        store.close()
        raise
    return store


def fill_report_values(store: Store, note: Note = stderr, *, batch: int = 500) -> dict[str, int]:
    """The counted values of submissions stored before their form's `report: true` fields
    were counted (a database from before migration step 8, or a field marked later),
    written at start; the counts of those forms are then made again by fill_report_counts.
    Said on stderr: the progress of a large store (about every tenth of the way; ~10 s for
    100,000 submissions on SQLite) and what was counted."""
    said: dict[str, int] = {}

    def progress(form_id: str, done: int, total: int) -> None:  # about every tenth of the way
        if done == total or done * 10 // total > said.get(form_id, 0):
            said[form_id] = done * 10 // total
            note(f"note: counting the report values of stored {form_id} submissions: {done} of {total}")

    written = store.fill_report_values(batch=batch, progress=progress)
    for form_id, count in written.items():
        note(f"note: counted the report values of {count} stored {form_id} submission(s); "
             "its report counts include them now.")
    return written


def fill_name_lookups(store: Store, note: Note = stderr) -> dict[str, int]:
    """The name-word hashes of submissions stored before their form marked its names
    (`identifier: name`; a database from before migration step 17), written at start once
    per form and set of name fields; said on stderr for a large store."""
    said: dict[str, int] = {}

    def progress(form_id: str, done: int) -> None:
        if done // 10_000 > said.get(form_id, 0):
            said[form_id] = done // 10_000
            note(f"note: hashing the names of stored {form_id} submissions for the staff search: {done} so far")

    read = store.fill_name_lookups(dt.datetime.now(dt.timezone.utc), progress=progress)
    for form_id, count in read.items():
        if count:
            note(f"note: hashed the names of {count} stored {form_id} submission(s); the staff search finds them "
                 "by name now.")
    return read


def open_or_report(settings: StorageSettings, forms: Mapping[str, Any], **options: Any) -> Store | None:
    """`open_secure_store` for a command: the store, or None after printing why the keys do not fit."""
    try:
        return open_secure_store(settings, forms, **options)
    except KeyProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
