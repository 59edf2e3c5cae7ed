"""What `python -m generator notify run | failed | retry ID | digest` do (cli.py only parses).

`run` is the sender as a process of its own, beside the endpoint or instead
of the endpoint's own sender (both may run: each message is claimed once);
`--once` sends what is due and stops (for a cron job or a check). `failed`
lists the messages that will not be tried again; `retry ID` puts one back;
`digest` sends the daily digest e-mails (digest.py), once a day from a timer.
"""
from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator.core.config import NotifySettings, read_settings
from generator.forms.loading import load_forms_or_report
from generator.submissions import audit
from generator.submissions.secure_store import open_or_report

if TYPE_CHECKING:
    from generator.submissions.store import Store


def run(root: Path, *, once: bool = False) -> int:
    from generator.core.organisation import load_organisation

    from .sender import Sender, context_for

    settings, forms = read_settings(NotifySettings, root), load_forms_or_report(root)
    if settings is None or forms is None:
        return 1
    if settings.smtp is None and not any(form.notify.webhooks for form in forms.values()):
        print("error: QALB_SMTP_URL is not set and no form has webhooks, so there is nothing to send; "
              "see docs/deploy.md.", file=sys.stderr)
        return 1
    store = open_or_report(settings, forms)
    if store is None:
        return 1
    sender = Sender(store, context_for(settings, forms, load_organisation(root)), settings)
    through = f"e-mail through {settings.smtp.host}:{settings.smtp.port}" if settings.smtp else "webhooks only"
    print(f"Sending notifications ({through}) as {sender.name}"
          + (" (what is due now, then stop)." if once else "; stop with Ctrl-C or SIGTERM."), file=sys.stderr)

    async def main() -> None:
        if once:
            while await sender.send_due() >= sender.batch:
                pass
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await sender.run(stop)

    try:
        asyncio.run(main())
    finally:
        sender.close()
        store.close()
    print(f"Sent {sender.sent}, to try again later {sender.retried}, failed {sender.failed}.", file=sys.stderr)
    return 0


def failed(root: Path) -> int:
    from .admin import describe, failed_messages

    store = _store(root)
    if store is None:
        return 1
    try:
        messages = failed_messages(store)
    finally:
        store.close()
    if not messages:
        print("No failed messages.", file=sys.stderr)
        return 0
    print("id\tform\treference\tkind\tlanguage\ttries\tlast error\tqueued at (UTC)")
    for message in messages:
        print(describe(message))
    print(f"{len(messages)} failed message(s); put one back with `python -m generator notify retry ID`.",
          file=sys.stderr)
    return 0


def retry(root: Path, *, message_id: int, staff: str | None = None) -> int:
    from .admin import retry_message

    store = _store(root)
    if store is None:
        return 1
    try:
        done = retry_message(store, message_id, who=audit.actor(staff))
    finally:
        store.close()
    if not done:
        print(f"error: there is no failed message {message_id}; `python -m generator notify failed` lists them.",
              file=sys.stderr)
        return 1
    print(f"Message {message_id} is queued again; a running sender tries it within a few seconds.",
          file=sys.stderr)
    return 0


def digest(root: Path, *, staff: str | None = None) -> int:
    import aiosmtplib

    from generator.core.organisation import load_organisation
    from generator.submissions.records import utc_now

    from .digest import run_digest
    from .sender import context_for

    settings, forms = read_settings(NotifySettings, root), load_forms_or_report(root)
    if settings is None or forms is None:
        return 1
    if settings.smtp is None:
        print("error: QALB_SMTP_URL is not set, so the digest cannot be sent; see docs/deploy.md.", file=sys.stderr)
        return 1
    store = open_or_report(settings, forms)
    if store is None:
        return 1
    try:
        built, sent = run_digest(store, forms, context_for(settings, forms, load_organisation(root)),
                                 settings, utc_now(), who=audit.actor(staff))
    except (aiosmtplib.SMTPException, OSError) as exc:  # the SMTP server: say so, non-zero for the job's log
        print(f"error: the digest could not be sent ({type(exc).__name__}); try again later.", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"Digest: {sent} of {built} e-mail(s) sent (accounts with nothing new or overdue get none).",
          file=sys.stderr)
    return 0 if sent == built else 1


def _store(root: Path) -> Store | None:
    settings, forms = read_settings(NotifySettings, root), load_forms_or_report(root)
    if settings is None or forms is None:
        return None
    return open_or_report(settings, forms)
