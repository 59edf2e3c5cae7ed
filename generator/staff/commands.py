"""What `python -m generator staff serve|add|list|disable|reset` do (cli.py only parses).

`add` and `reset` print the one-time setup link on stdout (and nothing else
there), so a script can pass it on; everything else goes to stderr. Each change
is written to the audit log under the operating-system user who ran it.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from generator.core.config import StaffSettings, read_settings
from generator.forms import Form
from generator.forms.loading import load_forms_or_report
from generator.submissions import audit
from generator.submissions.notices import OutboxPlanner
from generator.submissions.secure_store import open_or_report
from generator.submissions.store import Store

from .accounts import AccountError, Accounts, describe, utc_clock


def open_workspace_store(root: Path, *, create_keys: bool = False,
                         notify: bool = False) -> tuple[StaffSettings, dict[str, Form], Store] | None:
    """`notify`: with the outbox planner the forms and e-mail settings call for (a serving workspace)."""
    settings, forms = read_settings(StaffSettings, root), load_forms_or_report(root)
    if settings is None or forms is None:
        return None
    planner = OutboxPlanner.if_needed(forms, email=settings.notify_email) if notify else None
    store = open_or_report(settings, forms, create_keys=create_keys, planner=planner)
    if store is None:
        return None
    return settings, forms, store


def serve(root: Path, *, host: str, port: int) -> int:
    """The workspace alone, in one uvicorn process (production: behind a proxy)."""
    from generator.web.server import run

    from .app import create_app

    opened = open_workspace_store(root, create_keys=True, notify=True)
    if opened is None:
        print("The staff workspace did not start.", file=sys.stderr)
        return 1
    settings, forms, store = opened
    print(f"The staff workspace: http://{host}:{port}/staff/ here; setup links and cookies follow "
          f"QALB_STAFF_URL={settings.staff_url}" + ("" if settings.secure_cookies else
                                                     " (not https: cookies are not marked Secure)"),
          file=sys.stderr)
    try:  # the store is this command's: the app leaves a store passed in to its opener
        run(create_app(settings=settings, forms=forms, store=store), host=host, port=port,
            forwarded_allow_ips=settings.forwarded_allow_ips, hsts=settings.hsts)
    finally:
        store.close()
    return 0


def manage(root: Path, *, action: str, email: str | None = None, name: str | None = None, role: str | None = None,
           forms: Sequence[str] = (), staff: str | None = None) -> int:
    opened = open_workspace_store(root, create_keys=True)
    if opened is None:
        return 1
    settings, known, store = opened
    accounts = Accounts(store, store.codec.keys, settings)
    who = audit.actor(staff)
    try:
        if action == "list":
            now = utc_clock()
            for account in store.accounts():
                row = describe(account, now)
                shown = "all forms" if row["role"] == "admin" else (", ".join(row["forms"]) or "no forms")
                print(f"{row['email']}\t{row['name']}\t{row['role']}\t{shown}\t{row['state']}")
            return 0
        if not email:
            print(f"error: `staff {action}` needs the account's e-mail address", file=sys.stderr)
            return 2
        if action == "add":
            link = accounts.add(email, name=name or "", role=role or "", forms=list(forms),
                                known_forms=sorted(known), by=who)
            print(link)
            print(f"Created the account {email.strip().lower()}. Give the person the setup link above by a safe "
                  f"route: it works once, for {settings.setup_link_hours} hours.", file=sys.stderr)
        elif action == "disable":
            ended = accounts.disable(email, by=who)
            print(f"Disabled {email.strip().lower()}; {ended} session(s) ended.", file=sys.stderr)
        elif action == "reset":
            link = accounts.reset(email, by=who)
            print(link)
            print(f"Reset {email.strip().lower()}: the password, second factor, recovery codes and sessions no "
                  f"longer work. The new setup link above works once, for {settings.setup_link_hours} hours.",
                  file=sys.stderr)
        return 0
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
