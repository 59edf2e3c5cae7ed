"""What `python -m generator export | purge | subject | keys | token` do (cli.py
only parses): the commands for stored submissions, which need no web framework.

Each returns an exit code and prints problems to stderr in the project's
`path:line: [code] message` shape, or one plain sentence for settings.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator.core.config import StorageSettings, read_settings
from generator.forms.loading import load_forms_or_report

from . import audit
from .crypto import KeyProblem
from .files import FileStore
from .references import is_reference
from .secure_store import open_or_report

if TYPE_CHECKING:
    from .store import Store


def export(root: Path, *, form_id: str, out: Path, status: str, staff: str | None = None) -> int:
    from .export import export_package

    settings, forms = read_settings(StorageSettings, root), load_forms_or_report(root)
    if settings is None or forms is None:
        return 1
    if form_id not in forms:
        print(f'error: there is no form "{form_id}"; the forms are: {", ".join(sorted(forms))}', file=sys.stderr)
        return 1
    store = open_or_report(settings, forms)
    if store is None:
        return 1
    try:
        result = export_package(store, forms[form_id], out, status=status, files=FileStore(settings.files_dir),
                                keys=store.codec.keys)
        audit.record(store, who=audit.actor(staff), action="export", form_id=form_id, rows=result.rows,
                     detail=f"status={status}")
    finally:
        store.close()
    listed = f", {result.files} file(s) in files/ listed in {result.files_csv.name}" if result.files_csv else ""
    print(f"Exported {result.rows} submission(s) of {form_id} to {result.package.parent}"
          f" ({result.csv.name}, datapackage.json{listed})", file=sys.stderr)
    if result.neutralised:
        cells = sum(result.neutralised.values())
        print(f"note: {cells} cell(s) starting with = + - @ were prefixed with ' so spreadsheets "
              "do not run them as formulas", file=sys.stderr)
    return 0


def purge(root: Path, *, dry_run: bool = False, now: dt.datetime | None = None) -> int:
    """Delete what is older than each form's retention_days, counted from `now`
    (injectable, so the tests move the clock instead of waiting). Needs no key:
    the cron job keeps working even if a key file is misplaced."""
    from .secure_store import organisation_zone
    from .store import Wiring, open_store

    settings, forms = read_settings(StorageSettings, root), load_forms_or_report(root)
    if settings is None or forms is None:
        return 1
    # The time zone: the month report_monthly keeps a purged submission in.
    store = open_store(settings.database_url, root=root, wiring=Wiring(time_zone=organisation_zone(root)))
    files = FileStore(settings.files_dir)
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        store.migrate()
        for form_id in sorted(set(store.form_ids()) | set(forms)):
            form = forms.get(form_id)
            if form is None:
                print(f"warning: the database holds submissions of {form_id}, which has no form file "
                      "any more; they are kept until its retention period is known", file=sys.stderr)
                continue
            before = now - dt.timedelta(days=form.retention_days)
            if dry_run:
                count = store.count_before(form_id, before)
            else:  # the rows first; their files once the deletion is committed
                purged = store.purge_references(form_id, before)
                count = len(purged)
                for reference in purged:
                    files.delete(reference)
            if not dry_run:
                audit.record(store, who=audit.actor(), action="purge", form_id=form_id, rows=count,
                             detail=f"older than {form.retention_days} days", now=now)
            verb = "would delete" if dry_run else "deleted"
            print(f"{form_id}: {verb} {count} submission(s) older than {form.retention_days} days", file=sys.stderr)
            # An open case is never purged silently: staff close it, and its retention counts from then.
            for case in store.open_cases(form_id=form_id, arrived_before=before):
                print(f"{form_id}: kept open case {case.reference} (state {case.case_state}), received "
                      f"{case.submitted_at:%Y-%m-%d}, past the {form.retention_days}-day retention period: close it "
                      "in the workspace and it is deleted that many days after closing", file=sys.stderr)
        left = leftover_files(files, store)
        if left:
            for reference in left if not dry_run else []:
                files.delete(reference)
            print(f"{'would delete' if dry_run else 'deleted'} the files of {len(left)} submission(s) no longer "
                  "stored (a deletion interrupted after its commit)", file=sys.stderr)
    finally:
        store.close()
    return 0


def leftover_files(files: FileStore, store: Store) -> list[str]:
    """The references in the files folder with no file row any more: a purge or subject delete
    stopped between its commit and the files' removal. A submission's folder is made only after
    its rows are committed (files.py), so a folder without rows is never one being stored."""
    if not files.root.is_dir():
        return []
    found = sorted(entry.name for entry in files.root.iterdir() if entry.is_dir() and is_reference(entry.name))
    return [reference for reference in found if not store.attachments_of(reference)]


def cases_overdue(root: Path, *, form_id: str | None = None, now: dt.datetime | None = None) -> int:
    """Open cases past their due date, most overdue first, one line each on stdout (for a
    daily job: exit status 0 whether or not there are any; problems with settings: 1)."""
    from . import cases
    from .store import open_store

    settings, forms = read_settings(StorageSettings, root), load_forms_or_report(root)
    if settings is None or forms is None:
        return 1
    if form_id is not None and form_id not in forms:
        print(f'error: there is no form "{form_id}"; the forms are: {", ".join(sorted(forms))}', file=sys.stderr)
        return 1
    from generator.core.organisation import load_organisation

    calendar = cases.WorkingCalendar.from_settings(load_organisation(root))
    now = now or dt.datetime.now(dt.timezone.utc)
    store = open_store(settings.database_url, root=root)
    try:
        store.migrate()
        late = cases.overdue(store, now, form_id=form_id)
    finally:
        store.close()
    for case in late:
        assert case.due_at is not None
        workflow = forms[case.form_id].workflow if case.form_id in forms else None
        state = workflow.state(case.case_state).name["en"] if workflow else case.case_state
        due = cases.due_day(case.due_at, calendar)
        days = (now.astimezone(calendar.zone).date() - due).days
        print(f"{case.reference}\t{case.form_id}\t{state}\tdue {due:%Y-%m-%d}\t"
              f"{days} day(s) overdue\t{case.assigned_to or 'unassigned'}")
    print(f"{len(late)} overdue case(s)" + (f" of {form_id}" if form_id else ""), file=sys.stderr)
    return 0


def subject(root: Path, *, action: str, values: list[tuple[str, str]], out: Path | None = None,
            dry_run: bool = False, staff: str | None = None) -> int:
    """find | export | delete every submission of one person (subject.py)."""
    from . import subject as requests

    settings, forms = read_settings(StorageSettings, root), load_forms_or_report(root)
    if settings is None or forms is None:
        return 1
    if not any(value.strip() for _, value in values):
        print("error: give at least one of --national-id, --mobile, --email", file=sys.stderr)
        return 1
    if action == "export" and out is None:
        print("error: subject export needs --out FOLDER", file=sys.stderr)
        return 1
    store = open_or_report(settings, forms)
    if store is None:
        return 1
    try:
        found = requests.find(store, values)
        for sub in found:
            print(f"{sub.reference}\t{sub.form_id}\t{sub.submitted_at:%Y-%m-%d %H:%M}Z\t{sub.language}\t{sub.status}")
        kinds = ",".join(sorted({kind for kind, value in values if value.strip()}))
        forms_hit = ",".join(sorted({sub.form_id for sub in found}))
        detail = f"by={kinds} forms={forms_hit}"  # the kinds searched by, never the values
        if action == "find" or (action == "delete" and dry_run):
            audit.record(store, who=audit.actor(staff), action="subject-find", rows=len(found), detail=detail)
            verb = "would delete" if dry_run else "found"
            print(f"{verb} {len(found)} submission(s)", file=sys.stderr)
        elif action == "export":
            assert out is not None
            events = {sub.reference: store.case_events(sub.reference, with_notes=False) for sub in found}
            attachments = {sub.reference: store.attachments_of(sub.reference) for sub in found}
            paths = requests.export(found, forms, out, organisation=_organisation(root), events=events,
                                    attachments=attachments, files=FileStore(settings.files_dir),
                                    keys=store.codec.keys)
            audit.record(store, who=audit.actor(staff), action="subject-export", rows=len(found), detail=detail)
            print(f"Wrote {len(found)} submission(s) to {', '.join(map(str, paths))}; hand them to the person "
                  "and delete your copy afterwards.", file=sys.stderr)
        else:
            count = requests.delete(store, found, FileStore(settings.files_dir))
            audit.record(store, who=audit.actor(staff), action="subject-delete", rows=count, detail=detail)
            print(f"deleted {count} submission(s). Backups still hold them until they expire.", file=sys.stderr)
    finally:
        store.close()
    return 0


def _organisation(root: Path) -> dict[str, str]:
    """The organisation's name per language, from content/settings.yml ({} if unreadable)."""
    from generator.core import i18n
    from generator.core.organisation import load_organisation

    settings = load_organisation(root)
    return {lang: settings.org("name", lang) for lang in i18n.LANGUAGE_CODES if settings.org("name", lang)}


def keys(root: Path, *, action: str, lookup: bool = False, staff: str | None = None) -> int:
    """create: new key files (0600) where the settings say; rotate: a new data key,
    every row and attached file re-encrypted with it (or, with --lookup, a new lookup key and every
    lookup hash recomputed)."""
    from . import crypto
    from .files import FileStore, reseal_all
    from .identifiers import Indexer
    from .secure_store import load_data_keys
    from .store import open_store

    settings = read_settings(StorageSettings, root)
    if settings is None:
        return 1
    data_file, lookup_file, staff_file = settings.data_key_file, settings.lookup_key_file, settings.staff_key_file
    assert data_file is not None and lookup_file is not None and staff_file is not None
    if action == "create":
        made = 0
        for path, header in ((data_file, crypto.DATA_HEADER), (lookup_file, crypto.LOOKUP_HEADER),
                             (staff_file, crypto.STAFF_HEADER)):
            if path.exists():
                print(f"{path} exists; kept it (to replace a key use `keys rotate`)", file=sys.stderr)
                continue
            crypto.write_keys(path, [crypto.new_key()], header)
            print(f"created {path} (mode 0600)", file=sys.stderr)
            made += 1
        if made:
            print("Back these files up now, apart from the database and its backups and apart from each "
                  "other: without the data key the stored answers cannot be read.", file=sys.stderr)
        return 0
    forms = load_forms_or_report(root)
    if forms is None:
        return 1
    store = open_store(settings.database_url, root=root)
    try:
        store.migrate()
        data_keys = load_data_keys(settings, store)
        store.codec = crypto.EncryptedCodec(data_keys)
        if lookup:
            key = crypto.new_key()
            crypto.write_keys(lookup_file, [key], crypto.LOOKUP_HEADER)
            store.indexer = Indexer(crypto.LookupKey(key), forms)
            count = store.rebuild_lookups()
            what = f"new lookup key {store.indexer.key.id} in {lookup_file}; lookup hashes of {count} submission(s)"
        else:
            old = crypto.read_keys(data_file)
            crypto.write_keys(data_file, old + [crypto.new_key()], crypto.DATA_HEADER)
            store.codec = crypto.EncryptedCodec(crypto.DataKeys(crypto.read_keys(data_file)))
            count = store.reencrypt()
            files, missing = reseal_all(FileStore(settings.files_dir), store, store.codec.keys)
            what = (f"new data key {store.codec.keys.newest} in {data_file}; re-encrypted {count} stored value(s) "
                    f"(answers, notes, file names) and {files} attached file(s)")
            if missing:
                print(f"warning: {missing} attached file(s) named in the database are not in {settings.files_dir}",
                      file=sys.stderr)
            count += files
        audit.record(store, who=audit.actor(staff), action="keys-rotate", rows=count,
                     detail="lookup" if lookup else "data")
    except KeyProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{what}. Restart the endpoint so it uses the new key, and back up the key file.", file=sys.stderr)
    return 0


def token(root: Path, *, action: str, name: str | None = None, staff: str | None = None) -> int:
    """create NAME (prints the token once) | list | revoke NAME: the HTTP export tokens."""
    from . import tokens
    from .store import open_store

    settings = read_settings(StorageSettings, root)
    if settings is None:
        return 1
    if action != "list" and not (name and tokens.NAME_RE.match(name)):
        print("error: give the token a name: letters, digits, . _ @ - (e.g. the staff member's name)",
              file=sys.stderr)
        return 1
    store = open_store(settings.database_url, root=root)
    now = dt.datetime.now(dt.timezone.utc)
    try:
        store.migrate()
        if action == "list":
            for row in store.tokens():
                state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}Z" if row["revoked_at"] else "valid"
                print(f"{row['name']}\tcreated {row['created_at']:%Y-%m-%d %H:%M}Z\t{state}")
            return 0
        assert name is not None
        if action == "create":
            if any(row["name"] == name for row in store.tokens()):
                print(f'error: a token named "{name}" exists already; choose another name', file=sys.stderr)
                return 1
            secret = tokens.new_token()
            store.add_token(name, tokens.digest(secret), now)
            audit.record(store, who=audit.actor(staff), action="token-create", detail=f"name={name}", now=now)
            print(secret)
            print(f'Token "{name}" created. It is shown only now: give it to the staff member over a safe '
                  "channel. Only its sha256 digest is stored.", file=sys.stderr)
            return 0
        if not store.revoke_token(name, now):
            print(f'error: there is no valid token named "{name}"', file=sys.stderr)
            return 1
        audit.record(store, who=audit.actor(staff), action="token-revoke", detail=f"name={name}", now=now)
        print(f'Token "{name}" revoked: it gets 401 from now on.', file=sys.stderr)
        return 0
    finally:
        store.close()
