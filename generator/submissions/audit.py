"""The staff audit log: who exported or looked up personal data, when, how much.

Kept in the `audit_log` table rather than a JSON-lines file: the HTTP export
runs in the endpoint's process and the commands in others (with PostgreSQL,
possibly on other hosts), and one table collects both, is in every backup,
and answers "who exported help-request last month" with one query during a
breach. The code only ever inserts into it (purge and subject deletes leave
it alone); on PostgreSQL, grant the service role INSERT and SELECT only on it
to make it append-only (docs/security.md).

An entry holds the actor, time, action, form and row count. Refusals to people
not signed in are counted instead of written one by one (`refused`). Never the
answers, and never the identifier a subject search was made with: the log
must not become a second copy of the data it guards.
"""
from __future__ import annotations

import datetime as dt
import getpass
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store

ACTIONS = ("export", "http-export", "subject-find", "subject-export", "subject-delete", "purge",
           "token-create", "token-revoke", "keys-rotate", "status-lookup",
           # the applicant added documents from the status page (endpoint/status_documents.py)
           "documents-added",
           # the staff workspace (generator/staff/): sign-in, sessions, accounts, refusals
           "staff-sign-in", "staff-sign-in-failure", "staff-lock", "staff-sign-out", "staff-session-expired",
           "staff-setup", "staff-setup-problem", "staff-setup-refused", "staff-recovery-code-used", "staff-account-add",
           "staff-account-disable", "staff-account-reset", "staff-language", "staff-refused",
           "staff-csrf-refused", "notify-retry",
           # each person's own account, and the admins' edits (generator/staff/accounts.py)
           "staff-password-change", "staff-password-refused", "staff-recovery-codes-new", "staff-session-end",
           "staff-account-edit", "staff-account-enable",
           # notifications (generator/notify/): a submission read for a webhook that carries answers or
           # contact details, a daily digest sent, an account's own alert and digest choices
           "webhook-read", "notify-digest", "staff-notify-choice",
           # the inbox (generator/staff/inbox.py): the reference in the detail, never content
           "staff-view", "staff-print", "staff-search", "staff-spam-release", "staff-spam-delete", "staff-export",
           "staff-report-download", "staff-report-comments",
           # issue 33: the committee print (with notes), the export with the notes (generator/staff/)
           "staff-print-committee", "staff-export-notes",
           # case handling (generator/staff/casework.py): reference and states, never a note's words
           "staff-case-move", "staff-case-assign", "staff-case-note", "staff-case-enter",
           "staff-case-reopen", "staff-case-due", "staff-case-priority",
           "staff-case-correct", "staff-case-call", "staff-case-reply",
           # the content editor (generator/editor/): the item and the commit id, never the text
           "content-save", "content-restore", "content-accept", "content-preview", "content-publish",
           # issue 36: a submission's file read by staff (reference and file number, never its name)
           "file-download", "file-thumbnail")


def actor(staff: str | None = None) -> str:
    """`--staff NAME` if given, else the operating-system user running the command."""
    if staff and staff.strip():
        return staff.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name (containers without /etc/passwd entries)
        return f"uid:{os.getuid()}"


def refused(store: Store, *, who: str, action: str, client: str, kind: str = "", detail: str = "",
            form_id: str | None = None, now: dt.datetime | None = None) -> int:
    """A refusal to someone not signed in (an unknown setup link, a post without its token, a
    status lookup): one row per client address, action, `kind` (a word of a short fixed list:
    why it was refused) and minute, which counts the others (db/limit_counts.py), so a flood
    of them cannot fill the log. Returns the count so far."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return store.audit_counted(at=now or dt.datetime.now(dt.timezone.utc), actor=who, action=action,
                               client=client, kind=kind, form_id=form_id, detail=detail)


def record(store: Store, *, who: str, action: str, form_id: str | None = None, rows: int = 0,
           detail: str = "", now: dt.datetime | None = None) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    store.audit(at=now or dt.datetime.now(dt.timezone.utc), actor=who, action=action, form_id=form_id,
                rows=rows, detail=detail)
